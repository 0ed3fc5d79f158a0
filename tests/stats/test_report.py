"""The monthly report upward: the PDF renders (its text decoded with pdfium) and the Excel
workbook opens, both with the month's figures for the district and per street."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pypdfium2 as pdfium
import pytest

from tests.helpers import staff_headers
from tests.stats.history import ROLLUPS, roll, seed_november


def pdf_text(content: bytes) -> str:
    doc = pdfium.PdfDocument(content)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


@pytest.mark.parametrize("rollup", ROLLUPS)
async def test_monthly_report(client: httpx.AsyncClient, rollup: str) -> None:
    await seed_november()
    await roll(rollup)
    admin = await staff_headers(client, "stats_report")
    r = await client.get("/api/v1/stats/reports/2026-11.pdf", headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = pdf_text(r.content)
    assert "家庭亲子阅读项目月报 2026年11月" in text
    for line in (
        "签到人次",
        "到场人数（成人 / 儿童）",
        "13（6 / 7）",
        "预约 / 到场 / 未到",
        "4 / 2 / 1",
        "33.3%",
        "2.5",
    ):
        assert line in text, line
    assert "东四" in text and "景山" in text and "东四甲空间" in text
    assert "文化" in text and "冷清的阅读空间" in text

    r = await client.get("/api/v1/stats/reports/2026-11.xlsx", headers=admin)
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["全区", "各街道", "最活跃的空间", "冷清的空间", "绘本＋主题"]
    streets = list(book["各街道"].iter_rows(values_only=True))
    assert streets[1][:4] == ("东四", 2, 5, 13) and streets[2][:4] == ("景山", 1, 0, 0)
    active = list(book["最活跃的空间"].iter_rows(values_only=True))
    assert active[1] == ("东四甲空间", "东四", 4, 11)
    district = dict(book["全区"].iter_rows(values_only=True))
    assert district["签到人次"] == 5

    for bad in ("2026-13.pdf", "2026-11.doc", "november.pdf"):
        r = await client.get(f"/api/v1/stats/reports/{bad}", headers=admin)
        assert r.status_code == 400 and r.json()["code"] == "invalid_input", bad
    lib = await staff_headers(client, "stats_report_lib", roles=("librarian",))
    assert (await client.get("/api/v1/stats/reports/2026-11.pdf", headers=lib)).status_code == 403
