"""A title that looks like a formula never runs as one in an exported spreadsheet (issue 13,
item 3), and the catalogue still goes round trip through its own CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl

from app.kernel.spreadsheets import csv_bytes, read_cell, safe_text, xlsx_bytes
from tests.reading.lending.test_book_import import run_job, upload

EVIL = "=cmd|' /C calc'!A0"


async def test_a_formula_title_is_text_in_xlsx_and_guarded_in_csv(
    client: httpx.AsyncClient, library: dict[str, Any], queue: Any
) -> None:
    staff = library["librarian"]
    r = await client.post("/api/v1/books", json={"isbn": "9787533259662", "title": EVIL}, headers=staff)
    assert r.status_code == 201, r.text

    xlsx = await client.get("/api/v1/books/export.xlsx", headers=staff)
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == EVIL]
    assert cells, "the title is in the workbook as it was typed"
    assert all(c.data_type == "s" for c in cells), "a text cell, never a formula"

    exported = await client.get("/api/v1/books/export.csv", headers=staff)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert "'" + EVIL in [cell for row in rows for cell in row]
    assert EVIL not in [cell for row in rows for cell in row]

    # The same file imported back (update mode) keeps the title exactly.
    final, _seen = await run_job(client, staff, queue, exported.content, "update")
    assert final["result"]["counts"] == {"update": 2}, final  # ours and the library's title
    titles = (await client.get("/api/v1/books", params={"q": "9787533259662"})).json()["items"]
    assert [b["title"] for b in titles] == [EVIL]
    dry = await upload(client, staff, exported.content, dry_run=True)
    assert dry.status_code == 200 and dry.json()["problems"] == []


def test_every_formula_start_is_guarded_and_numbers_are_numbers() -> None:
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(text) == "'" + text
        assert read_cell(safe_text(text)) == text
    assert safe_text("王妈妈") == "王妈妈" and read_cell("'王") == "'王"
    assert safe_text(12) == 12 and safe_text(None) is None
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"s": [["=1+2", 3, 4.5]]})))
    a, b, c = next(book["s"].iter_rows())
    assert (a.value, a.data_type, b.value, b.data_type, c.value) == ("=1+2", "s", 3, "n", 4.5)
    assert csv_bytes([["=1+2", 3]]).decode("utf-8-sig") == "'=1+2,3\r\n"
