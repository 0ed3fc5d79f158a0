"""Catalogue CSV import: 10,000 rows in UTF-8 (with a BOM) and in GBK, as a job with progress
and a per-row report; importing again changes nothing; a dry run reports every row; a broken
file is refused as a whole with a clear message and nothing imported."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx

from reading.lending.tables import Book, BookImport
from tests.reading.support import add_book, isbn13, quick_families, quick_staff

ROWS = 10_000
HEADER = "isbn,书名,作者,出版社,出版年,适读年龄,主题\n"
AGES = ("0-3", "3-6", "6-9", "9-12")


def catalogue_rows(n: int = ROWS) -> list[str]:
    """`n` valid rows, with commas and quotes in some fields, as Excel writes them."""
    rows = []
    for i in range(n):
        title = f"小熊的第{i}个故事" if i % 7 else f'"好朋友"，第{i}集'
        rows.append(
            f'{isbn13(i + 1)},"{title.replace(chr(34), chr(34) * 2)}",作者{i % 97},明天出版社,{2000 + i % 25},'
            f"{AGES[i % 4]},亲情;睡前\n"
        )
    return rows


def csv_bytes(rows: list[str], encoding: str, header: str = HEADER) -> bytes:
    text = (header + "".join(rows)).replace("\n", "\r\n")
    return ("\ufeff" + text).encode("utf-8") if encoding == "utf-8-sig" else text.encode(encoding)


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], raw: bytes, mode: str = "skip", dry_run: bool = False
) -> httpx.Response:
    data = {"mode": mode}
    if dry_run:
        data["dry_run"] = "true"
    return await client.post(
        "/api/v1/books/import", files={"file": ("书目.csv", raw, "text/csv")}, data=data, headers=headers
    )


async def run_job(client: httpx.AsyncClient, headers: dict[str, str], queue: Any, raw: bytes, mode: str) -> Any:
    """Upload, run the job while polling its status; returns the final status and the
    progress values seen on the way."""
    r = await upload(client, headers, raw, mode)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    r = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert r.status_code == 200 and r.json()["status"] in ("queued", "running", "done"), r.text
    seen: list[float] = []
    drained = asyncio.ensure_future(queue.drain())
    while not drained.done():
        status = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
        seen.append(status["progress"])
        await asyncio.sleep(0.05)
    await drained
    final = (await client.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
    assert final["status"] == "done" and final["progress"] == 1.0, final
    assert seen == sorted(seen) and all(0.0 <= p <= 1.0 for p in seen), seen
    return final, seen


async def titles_by_isbn() -> dict[str, tuple[str, str, Any]]:
    rows = await Book.select(Book.isbn, Book.title, Book.age_band, Book.updated_at)
    return {r["isbn"]: (r["title"], r["age_band"], r["updated_at"]) for r in rows}


async def check_catalogue(rows: int = ROWS) -> None:
    assert await Book.count() == rows
    sample = await Book.select().where(Book.isbn.is_in([isbn13(1), isbn13(9)])).order_by(Book.isbn)
    assert [(b["title"], b["authors"], b["year"], b["age_band"], b["themes"]) for b in sample] == [
        ('"好朋友"，第0集', "作者0", 2000, "0-3", "亲情,睡前"),
        ("小熊的第8个故事", "作者8", 2008, "0-3", "亲情,睡前"),
    ]
    assert sample[1]["initials"] == "xxdd8ggs"  # searchable by pinyin initials


async def test_ten_thousand_rows_in_utf8_with_bom_then_again_skipped(client: httpx.AsyncClient, queue: Any) -> None:
    staff = await quick_staff("importer")
    raw = csv_bytes(catalogue_rows(), "utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")

    final, seen = await run_job(client, staff, queue, raw, "skip")
    result = final["result"]
    assert result["encoding"] == "utf-8" and result["rows"] == ROWS
    assert result["counts"] == {"new": ROWS} and result["problems"] == []
    assert len(result["report"]) == ROWS
    assert result["report"][0] == {
        "row": 2,
        "isbn": isbn13(1),
        "title": '"好朋友"，第0集',
        "outcome": "new",
        "message": "",
    }
    assert [e["row"] for e in result["report"][:3]] == [2, 3, 4]
    assert any(0.0 < p < 1.0 for p in seen), seen  # progress was visible on the way
    await check_catalogue()
    before = await titles_by_isbn()

    # The same file again: everything skipped, nothing changed.
    final, _ = await run_job(client, staff, queue, raw, "skip")
    assert final["result"]["counts"] == {"skip": ROWS}
    assert await titles_by_isbn() == before
    # The job delivered twice runs once.
    from reading.lending.jobs import import_books

    job_number = int(final["job_id"].split("-")[1])
    assert (await import_books({}, job_number))["counts"] == {"skip": ROWS}
    assert await BookImport.count() == 2


async def test_ten_thousand_rows_in_gbk_then_again_as_update(client: httpx.AsyncClient, queue: Any) -> None:
    staff = await quick_staff("importer")
    raw = csv_bytes(catalogue_rows(), "gbk")
    try:
        raw.decode("utf-8")
        raise AssertionError("the GBK file must not be valid UTF-8")
    except UnicodeDecodeError:
        pass

    final, _ = await run_job(client, staff, queue, raw, "skip")
    assert final["result"]["encoding"] == "gbk" and final["result"]["counts"] == {"new": ROWS}
    await check_catalogue()
    before = {isbn: row[:2] for isbn, row in (await titles_by_isbn()).items()}

    # Again, as an update: the same rows, no new titles, nothing different.
    final, _ = await run_job(client, staff, queue, raw, "update")
    assert final["result"]["counts"] == {"update": ROWS}
    await check_catalogue()
    assert {isbn: row[:2] for isbn, row in (await titles_by_isbn()).items()} == before
    # An update with a corrected title changes that title only.
    rows = catalogue_rows(10)
    rows[3] = rows[3].replace("小熊的第3个故事", "小熊的第三个故事")
    final, _ = await run_job(client, staff, queue, csv_bytes(rows, "gbk"), "update")
    assert final["result"]["counts"] == {"update": 10}
    assert (await Book.select(Book.title).where(Book.isbn == isbn13(4)).first()) == {"title": "小熊的第三个故事"}
    assert await Book.count() == ROWS
    # A file with fewer columns updates those and leaves the others (and the search text) alone.
    raw = csv_bytes([f"{isbn13(5)},小熊的第四个故事,Long Publisher {'x' * 150}\n"], "gbk", "书号,书名,出版社\n")
    final, _ = await run_job(client, staff, queue, raw, "update")
    assert final["result"]["counts"] == {"update": 1}
    row = await Book.select().where(Book.isbn == isbn13(5)).first()
    assert row is not None
    assert (row["title"], row["authors"], row["year"], row["age_band"], row["themes"]) == (
        "小熊的第四个故事",
        "作者4",
        2004,
        "0-3",
        "亲情,睡前",
    )
    assert len(row["publisher"]) == 100 and "作者4" in row["search_text"]


async def test_dry_run_reports_each_row_and_imports_nothing(client: httpx.AsyncClient, queue: Any) -> None:
    staff = await quick_staff("importer")
    await add_book(client, staff, "7544717445", "猜猜我有多爱你")
    header = "ISBN,Title,Authors,Year,Age_Band\n"
    rows = [
        f"{isbn13(1)},新书,作者,2020,3-6\n",  # 2: new
        "978-7-5447-1744-1,猜猜我有多爱你,山姆,2013,3-6\n",  # 3: already in the catalogue
        "9787544717440,错的校验位,作者,2020,3-6\n",  # 4: bad ISBN
        f"{isbn13(1)},重复的书,作者,2020,3-6\n",  # 5: duplicate of row 2
        f"{isbn13(2)},,作者,2020,3-6\n",  # 6: missing title
        f"{isbn13(3)},年份不对,作者,20x0,3-6\n",  # 7: bad year
        f"{isbn13(4)},年龄不对,作者,2020,2-5\n",  # 8: bad age band
        ",没有书号,作者,2020,3-6\n",  # 9: no ISBN
        "\n",  # an empty line is skipped
        f"{isbn13(5)[:3]}-{isbn13(5)[3:]},带连字符,作者,,\n",  # 11: new
    ]
    for mode, existing in (("skip", "skip"), ("update", "update")):
        r = await upload(client, staff, csv_bytes(rows, "utf-8", header), mode, dry_run=True)
        assert r.status_code == 200, r.text
        report = r.json()
        outcomes = [(e["row"], e["outcome"]) for e in report["report"]]
        assert outcomes == [
            (2, "new"),
            (3, existing),
            (4, "invalid_isbn"),
            (5, "duplicate"),
            (6, "missing_title"),
            (7, "invalid"),
            (8, "invalid"),
            (9, "invalid_isbn"),
            (11, "new"),
        ]
        assert report["counts"] == {
            "new": 2,
            existing: 1,
            "invalid_isbn": 2,
            "duplicate": 1,
            "missing_title": 1,
            "invalid": 2,
        }
        assert [p["row"] for p in report["problems"]] == [4, 5, 6, 7, 8, 9]
        assert all(p["message"] for p in report["problems"])
        assert "第 2 行" in report["report"][3]["message"]
    assert await Book.count() == 1 and await BookImport.count() == 0

    # The real import of the same file takes the good rows and reports the others.
    r = await upload(client, staff, csv_bytes(rows, "utf-8", header), "skip")
    job_id = r.json()["job_id"]
    await queue.drain()
    final = (await client.get(f"/api/v1/jobs/{job_id}", headers=staff)).json()
    assert final["status"] == "done"
    assert final["result"]["counts"] == {
        "new": 2,
        "skip": 1,
        "invalid_isbn": 2,
        "duplicate": 1,
        "missing_title": 1,
        "invalid": 2,
    }
    assert sorted(r["isbn"] for r in await Book.select(Book.isbn)) == sorted(["9787544717441", isbn13(1), isbn13(5)])
    # Someone else's job is not found.
    other = await quick_staff("other-librarian")
    assert (await client.get(f"/api/v1/jobs/{job_id}", headers=other)).status_code == 404


async def test_broken_files_are_refused_whole(client: httpx.AsyncClient, queue: Any) -> None:
    staff = await quick_staff("importer")
    await add_book(client, staff, "7544717445", "猜猜我有多爱你")
    good_rows = catalogue_rows(20)
    junk = os.urandom(64 * 1024)
    # Neither UTF-8 nor GBK (GB18030) can read 0xFF, 0x80 alone, or a lead byte before a newline.
    undecodable = (HEADER + "".join(good_rows[:5])).encode("utf-8") + b"\xff\xfe\x80,\x81\n"
    big_rows = catalogue_rows(1)[0] * ((10 * 1024 * 1024) // len(catalogue_rows(1)[0].encode()) + 10)
    cases: dict[str, tuple[bytes, str]] = {
        "binary junk": (b"PK\x03\x04\x00\x00" + junk, "不是文本文件"),
        "undecodable": (undecodable, "编码"),
        "utf-16": ((HEADER + "".join(good_rows)).encode("utf-16"), "不是文本文件"),
        "missing columns": (csv_bytes(good_rows, "utf-8", "书号,作者,出版社\n"), "title"),
        "no header at all": (b"", "空"),
        "over 10 MB": (csv_bytes([big_rows], "utf-8"), "10 MB"),
        "bad quoting": ((HEADER + '978,"unterminated\n').encode() + b"\x00", "不是文本文件"),
    }
    for name, (raw, words) in cases.items():
        for dry_run in (True, False):
            r = await upload(client, staff, raw, "skip", dry_run=dry_run)
            assert r.status_code == 400, (name, r.status_code, r.text[:300])
            problem = r.json()
            assert problem["code"] == "invalid_csv", (name, problem)
            assert words in problem["detail"], (name, problem["detail"])
    # 50 MB of junk: the same clear answer, not the framework's bare 413.
    r = await upload(client, staff, os.urandom(1024 * 1024) * 50)
    assert r.status_code == 400 and r.json()["code"] == "invalid_csv", r.text[:300]
    assert "10 MB" in r.json()["detail"]
    await queue.drain()
    assert await Book.count() == 1 and await BookImport.count() == 0  # nothing stored, no job

    # Not a file at all, or an unknown mode.
    r = await client.post("/api/v1/books/import", data={"mode": "skip"}, files={"other": ("x", b"x")}, headers=staff)
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = await upload(client, staff, csv_bytes(good_rows, "utf-8"), "replace")
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    # Families cannot import.
    (fam,) = await quick_families(1)
    assert (await upload(client, fam["headers"], csv_bytes(good_rows, "utf-8"))).status_code == 403
    assert await Book.count() == 1
