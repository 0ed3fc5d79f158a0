"""Search through its PostgreSQL indexes (migrations/reading/…_search_indexes.py,
…_book_pieces.py): a term finds the same titles whichever way its frequency sends it (newest
first, or through a piece); the 2-character pieces follow creates, edits, imports, deletes and
truncation; each shape of query can use its index; the statistics tell frequent terms from
rare ones; pypinyin loads only when needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.kernel.db import engine
from reading.lending.services import matching
from reading.lending.services.catalogue import candidates
from reading.lending.tables import Book
from tests.helpers import postgres_only
from tests.reading.lending.test_book_import import csv_bytes, upload
from tests.reading.support import add_book, isbn13, quick_staff

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
async def fresh_stats() -> AsyncIterator[None]:
    matching._stats.clear()
    yield
    matching._stats.clear()


async def titles(client: httpx.AsyncClient, q: str) -> list[str]:
    r = await client.get("/api/v1/books", params={"q": q})
    assert r.status_code == 200, r.text
    return [b["title"] for b in r.json()["items"]]


@pytest.mark.parametrize("share", [0.0, 2.0], ids=["all-frequent", "all-rare"])
async def test_a_term_finds_the_same_either_way(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    # 0: every term is read newest first; 2: every one through search_pairs.
    monkeypatch.setattr(matching, "FREQUENT_SHARE", share)
    staff = await quick_staff("cataloguer")
    await add_book(client, staff, isbn13(1), "猜猜我有多爱你", authors="山姆·麦克布雷尼")
    await add_book(client, staff, isbn13(2), "猜猜我有多爱你（立体书）")
    await add_book(client, staff, isbn13(3), "大卫，不可以", authors="大卫·香农")
    await add_book(client, staff, isbn13(4), "好饿的毛毛虫", illustrators="艾瑞·卡尔")
    await add_book(client, staff, isbn13(5), "Guess How Much I Love You", authors="Sam McBratney")
    await add_book(client, staff, isbn13(6), "小熊和狮子", subtitle="第1234567890号")

    assert await titles(client, "猜猜") == ["猜猜我有多爱你（立体书）", "猜猜我有多爱你"]  # title prefix, newest first
    assert await titles(client, "多爱") == ["猜猜我有多爱你（立体书）", "猜猜我有多爱你"]
    assert await titles(client, "卡尔") == ["好饿的毛毛虫"]  # an illustrator
    assert await titles(client, "，不") == ["大卫，不可以"]  # punctuation is a character like any other
    assert await titles(client, "香农") == ["大卫，不可以"]
    # Letters: the initials' prefix (ccwydan), or the text itself ("guess how much…").
    assert await titles(client, "CC") == ["猜猜我有多爱你（立体书）", "猜猜我有多爱你"]
    assert await titles(client, "dw") == ["大卫，不可以"]
    assert await titles(client, "gu") == ["Guess How Much I Love You"]
    assert await titles(client, "mc") == ["Guess How Much I Love You"]  # mcbratney, not an initial
    assert await titles(client, "鲸鱼") == []
    # A single character: newest first, no index.
    assert await titles(client, "卫") == ["大卫，不可以"] and await titles(client, "G") == ["Guess How Much I Love You"]
    assert await titles(client, "%") == []
    # Longer terms: the pieces are all there, and so is the term.
    assert await titles(client, "猜猜我有多爱你") == ["猜猜我有多爱你", "猜猜我有多爱你（立体书）"]
    assert await titles(client, "爱你（立") == ["猜猜我有多爱你（立体书）"]
    assert await titles(client, "猜猜猜") == [] and await titles(client, "可以大卫") == []  # the pieces, not the term
    assert await titles(client, "ccwyd") == ["猜猜我有多爱你（立体书）", "猜猜我有多爱你"]
    assert await titles(client, "how much") == ["Guess How Much I Love You"]
    assert await titles(client, "1234567890") == ["小熊和狮子"]  # an ISBN with a wrong check digit: text
    assert await titles(client, "%_") == [] and await titles(client, "zz") == []


@postgres_only
async def test_the_pieces_follow_creates_edits_and_imports(client: httpx.AsyncClient, queue: Any) -> None:
    staff = await quick_staff("cataloguer")
    bear = await add_book(client, staff, isbn13(1), "小熊和狮子", authors="佚名")
    assert await titles(client, "熊和") == ["小熊和狮子"]
    r = await client.patch(f"/api/v1/books/{bear['id']}", json={"title": "小兔和狮子"}, headers=staff)
    assert r.status_code == 200, r.text
    assert await titles(client, "熊和") == [] and await titles(client, "兔和") == ["小兔和狮子"]

    raw = csv_bytes([f"{isbn13(2)},刺猬去公园,王小明,明天出版社,2020,3-6,自然\n"], "utf-8")
    r = await upload(client, staff, raw)
    assert r.status_code == 202, r.text
    await queue.drain()
    assert await titles(client, "猬去") == ["刺猬去公园"] and await titles(client, "小明") == ["刺猬去公园"]

    # PostgreSQL's pieces are Python's: characters, not bytes; reading_book_piece holds each once.
    await pieces_follow_the_text()
    # An edit that leaves the search text alone rewrites no piece; a deleted title's go with it.
    before = await Book.raw("SELECT count(*) AS n FROM reading_book_piece")
    r = await client.patch(f"/api/v1/books/{bear['id']}", json={"year": 2001}, headers=staff)
    assert r.status_code == 200, r.text
    await Book.delete().where(Book.title == "刺猬去公园")
    after = await Book.raw("SELECT count(*) AS n FROM reading_book_piece")
    await pieces_follow_the_text()
    assert 0 < after[0]["n"] < before[0]["n"] and await titles(client, "猬去") == []
    await engine().run_ddl("TRUNCATE reading_book CASCADE")
    assert await Book.raw("SELECT * FROM reading_book_piece") == []


async def pieces_follow_the_text() -> None:
    pieces = await Book.raw("SELECT piece, book FROM reading_book_piece")
    expected = set()
    for row in await Book.raw("SELECT id, search_text, search_pairs FROM reading_book"):
        text = row["search_text"]
        assert sorted(row["search_pairs"]) == sorted(text[i : i + 2] for i in range(len(text) - 1)), text
        expected |= {(piece, row["id"]) for piece in row["search_pairs"]}
    assert {(r["piece"], r["book"]) for r in pieces} == expected and len(pieces) == len(expected)


async def explain(query: Any, **settings: str) -> str:
    """The plan of a Piccolo query, as a string of node and index names."""
    sql, args = query.querystrings[0].compile_string(engine_type="postgres")
    async with engine().transaction() as transaction:
        for name, value in settings.items():
            await transaction.connection.execute(f"SET LOCAL {name} = {value}")
        plan = await transaction.connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    return json.dumps(json.loads(plan))


def nodes(plan: Any) -> list[dict[str, Any]]:
    """Every node of a JSON plan."""
    found = []
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(node.get("Plans", []))
    return found


@postgres_only
async def test_each_shape_of_query_can_use_its_index(client: httpx.AsyncClient, fresh_stats: None) -> None:
    staff = await quick_staff("cataloguer")
    for n, title in enumerate(("小熊和狮子", "猜猜我有多爱你", "大卫，不可以")):
        await add_book(client, staff, isbn13(n + 1), title)

    async def plan(term: str) -> str:
        match = await matching.matches(term)
        assert isinstance(match, matching.ByPiece), term
        query = candidates(match, [Book.draft == False], (Book.id, Book.title, Book.initials), 400, 0)
        return await explain(Book.raw("{}", query), enable_seqscan="off", enable_bitmapscan="off", enable_sort="off")

    # A piece's titles newest first, from its key alone; a longer term's two rarest pieces' merged.
    for term, pieces in (("熊和", 1), ("熊和狮", 2)):
        scans = [n for n in nodes(json.loads(await plan(term))) if n.get("Index Name") == "reading_book_piece_pkey"]
        assert [(n["Node Type"], n.get("Scan Direction")) for n in scans] == [("Index Only Scan", "Backward")] * pieces
    for letters in ("cc", "ccwy"):
        used = await plan(letters)
        assert "reading_book_piece_pkey" in used and "reading_book_initials_prefix" in used, letters
    # Without other conditions a title's rank is read from reading_book_ranked alone.
    match = await matching.matches("熊和")
    assert isinstance(match, matching.ByPiece)
    query = candidates(match, [], (Book.id, Book.title, Book.initials), 400, 0)
    assert "reading_book_ranked" in await explain(Book.raw("{}", query), enable_seqscan="off")


@postgres_only
async def test_the_statistics_tell_frequent_pieces_from_rare_ones(client: httpx.AsyncClient, fresh_stats: None) -> None:
    staff = await quick_staff("cataloguer")
    for n in range(40):
        await add_book(client, staff, isbn13(n + 1), f"小熊的第{n}个故事")
    await add_book(client, staff, isbn13(99), "鲸鱼")
    await engine().run_ddl("ANALYZE reading_book")
    shares = await matching._shares(["小熊", "熊猫", "鲸鱼"], None)
    assert shares.pieces["小熊"] >= matching.FREQUENT_SHARE > shares.pieces["熊猫"] + shares.pieces["鲸鱼"]
    assert (await matching._shares(["xx"], "xx")).prefix >= matching.FREQUENT_SHARE  # the initials xxdd…gs
    assert (await matching._shares(["jy"], "jy")).prefix < matching.FREQUENT_SHARE
    # A piece: through it, however frequent; a longer term through its two rarest, rechecked.
    assert await matching.matches("小熊") == matching.ByPiece(("小熊",), None, None)
    assert await matching.matches("小熊猫") == matching.ByPiece(("熊猫", "小熊"), "小熊猫", None)
    assert await matching.matches("jy") == matching.ByPiece(("jy",), None, ("jy", "jz"))
    # Every piece frequent, or the initials' prefix: newest first, no index.
    assert not isinstance(await matching.matches("个故事"), matching.ByPiece)
    assert not isinstance(await matching.matches("xx"), matching.ByPiece)
    assert await titles(client, "小熊") == [f"小熊的第{n}个故事" for n in range(39, 19, -1)]
    assert await titles(client, "个故事") == [f"小熊的第{n}个故事" for n in range(39, 19, -1)]
    assert await titles(client, "鲸鱼") == ["鲸鱼"]


def test_pypinyin_is_imported_on_first_use() -> None:
    """Its dictionaries take 55 MB: a process that never computes initials never loads them."""
    code = (
        "import sys\n"
        "import app.web.app, app.seed.runner, reading.lending.jobs, reading.lending.services.imports\n"
        "assert 'pypinyin' not in sys.modules, 'pypinyin imported at start'\n"
        "from reading.lending.services.catalogue import initials\n"
        "assert initials('猜猜我有多爱你') == 'ccwydan' and 'pypinyin' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
