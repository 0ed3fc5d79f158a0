"""The catalogue search's hand-written SQL (reading/lending/services/search_sql.py), each
statement run on the engine of the pass (SQLite and PostgreSQL): the rank in SQL (exact title,
title prefix, exact initials, initials prefix, within the title, the rest; newest first in
each), LIKE's escapes, the page's limit and offset, and the available copies counted anywhere
and at a space."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.kernel.sql import statement
from reading.lending.services import matching, search_sql
from reading.lending.services.catalogue import candidates
from reading.lending.services.matching import escape
from reading.lending.tables import Book, Copy
from tests.helpers import postgres_only
from tests.reading.lending.test_search_indexes import explain
from tests.reading.support import add_book, add_copies, isbn13, quick_library

TITLES = ("大卫，不可以", "大卫", "我的大卫", "小熊", "大卫上学去", "DW的书")


@pytest.fixture
async def catalogue(client: httpx.AsyncClient) -> dict[str, Any]:
    """The six titles above (ids in that order: 小熊 has 大卫 as its author), 大卫 with copies
    at a (2, one of them on loan) and at b (1); quick_library's 猜猜我有多爱你 first."""
    lib = await quick_library(client)
    staff = lib["librarian"]
    ids = {}
    for n, title in enumerate(TITLES):
        extra = {"authors": "大卫"} if title == "小熊" else {}
        ids[title] = (await add_book(client, staff, isbn13(n + 1), title, **extra))["id"]
    at_a = await add_copies(client, staff, ids["大卫"], lib["a"], 2)
    await add_copies(client, staff, ids["大卫"], lib["b"], 1)
    await Copy.update({Copy.status: "on_loan"}).where(Copy.barcode == at_a[0]["barcode"])
    return {"ids": ids, "a": lib["a"], "b": lib["b"]}


async def run(sql: str, candidates: Any, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Book.raw("{}", statement(sql, candidates=candidates.querystrings[0], **params))
    return rows


async def ranked(term: str, *, space_id: int | None = None, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
    """RANKED_PAGE over every title as the candidates (so the rest ranks too)."""
    escaped = escape(term)
    candidates = Book.select(Book.id, Book.title, Book.initials).where(Book.title.is_in(list(TITLES)))
    candidates = candidates.order_by(Book.id, ascending=False).limit(400)
    return await run(
        search_sql.RANKED_PAGE,
        candidates,
        space_id=space_id,
        term=term,
        prefix=f"{escaped}%",
        within=f"%{escaped}%",
        limit=limit,
        offset=offset,
    )


async def test_the_ranked_page_ranks_in_sql(catalogue: dict[str, Any]) -> None:
    rows = await ranked("大卫")
    assert [r["title"] for r in rows] == ["大卫", "大卫上学去", "大卫，不可以", "我的大卫", "DW的书", "小熊"]
    # Letters: the lowered title's prefix, exact initials (dw), their prefix (dwsxq, dwbky), the rest.
    letters = ["DW的书", "大卫", "大卫上学去", "大卫，不可以", "小熊", "我的大卫"]
    assert [r["title"] for r in await ranked("dw")] == letters
    # % and _ are plain characters: nothing starts with or holds "大%", so newest first.
    assert [r["title"] for r in await ranked("大%")] == list(reversed(TITLES))
    assert [r["title"] for r in await ranked("大_")] == list(reversed(TITLES))
    assert [r["title"] for r in await ranked("大卫", limit=2, offset=1)] == ["大卫上学去", "大卫，不可以"]
    assert await ranked("大卫", offset=6) == []
    # The page's rows carry what book_out() reads.
    first = rows[0]
    assert first["id"] == catalogue["ids"]["大卫"] and first["isbn"] == isbn13(2) and not first["draft"]
    assert first["themes"] == "" and first["has_cover"] in (False, 0)


async def test_the_ranked_page_counts_available_copies(catalogue: dict[str, Any]) -> None:
    def counts(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
        return {r["title"]: (r["available"], r["available_here"]) for r in rows}

    everywhere = counts(await ranked("大卫"))
    assert everywhere["大卫"] == (2, 0) and everywhere["小熊"] == (0, 0)  # no space: nothing "here"
    assert counts(await ranked("大卫", space_id=catalogue["a"]))["大卫"] == (2, 1)  # one of a's two is on loan
    assert counts(await ranked("大卫", space_id=catalogue["b"]))["大卫"] == (2, 1)
    assert counts(await ranked("大卫", space_id=catalogue["b"]))["大卫上学去"] == (0, 0)


async def test_the_newest_page_keeps_the_candidates_order_and_counts(catalogue: dict[str, Any]) -> None:
    candidates = Book.select(Book.id).where(Book.title.like("大卫%")).order_by(Book.id, ascending=False)
    rows = await run(search_sql.NEWEST_PAGE, candidates.limit(2), space_id=catalogue["a"])
    assert [(r["title"], r["available"], r["available_here"]) for r in rows] == [("大卫上学去", 0, 0), ("大卫", 2, 1)]
    rows = await run(search_sql.NEWEST_PAGE, candidates.limit(2).offset(2), space_id=None)
    assert [r["title"] for r in rows] == ["大卫，不可以"]


def test_every_statement_is_tested_here() -> None:
    """A statement added to search_sql.py needs its test in this module."""
    assert set(search_sql.STATEMENTS) == {"RANKED_PAGE", "NEWEST_PAGE"}
    assert set(search_sql.POSTGRES_STATEMENTS) == {"ONE_PIECE", "TWO_PIECES", "BY_PIECE", "EITHER"}


@postgres_only
async def test_the_candidates_through_a_piece(catalogue: dict[str, Any]) -> None:
    """BY_PIECE reads a piece's titles (ONE_PIECE) or two pieces' (TWO_PIECES) newest first,
    rechecks a longer term and meets the other conditions before its limit and offset; EITHER
    merges the initials' titles, once each, newest first."""
    ids = catalogue["ids"]

    async def found(match: matching.ByPiece, *conditions: Any, limit: int = 400, offset: int = 0) -> list[int]:
        query = candidates(match, conditions, (Book.id, Book.title, Book.initials), limit, offset)
        return [r["id"] for r in await Book.raw("{}", query)]

    davids = [ids[t] for t in ("大卫上学去", "小熊", "我的大卫", "大卫", "大卫，不可以")]  # newest first
    assert await found(matching.ByPiece(("大卫",), None, None)) == davids
    assert await found(matching.ByPiece(("大卫",), None, None), limit=2, offset=1) == davids[1:3]
    assert await found(matching.ByPiece(("大卫",), None, None), Book.title != "小熊", limit=2) == [davids[0], davids[2]]
    assert await found(matching.ByPiece(("大卫",), "大卫上", None)) == [ids["大卫上学去"]]  # rechecked
    assert await found(matching.ByPiece(("卫上",), "大卫上", None)) == [ids["大卫上学去"]]
    # Two pieces: the titles holding both (大卫 and 卫，: only 大卫，不可以), rechecked or not.
    assert await found(matching.ByPiece(("卫，", "大卫"), None, None)) == [ids["大卫，不可以"]]
    assert await found(matching.ByPiece(("卫，", "大卫"), "大卫，不", None)) == [ids["大卫，不可以"]]
    assert await found(matching.ByPiece(("大卫", "卫上"), "大卫上", None), offset=1) == []
    # dw: the initials' titles (dw, dwsxq, dwbky, DW的书's dwds) with the piece's (none here).
    by_initials = [ids[t] for t in ("DW的书", "大卫上学去", "大卫", "大卫，不可以")]
    assert await found(matching.ByPiece(("dw",), None, ("dw", "dx"))) == by_initials
    assert await found(matching.ByPiece(("dw",), None, ("dw", "dx")), limit=2, offset=1) == by_initials[1:3]
    # Both ways at once: 大卫 holds the piece and starts the initials (dw…), and comes once.
    both = await found(matching.ByPiece(("大卫",), None, ("dw", "dx")))
    assert both == sorted(set(davids) | set(by_initials), reverse=True)


@postgres_only
async def test_the_statement_keeps_the_indexes(catalogue: dict[str, Any]) -> None:
    """Wrapped in the page's statement the candidates still go through reading_book_piece and
    the initials' btree, and the copies are counted through the partial index of available
    ones (at city scale, 24 copies a title, reading them through reading_copy.book cost 1.7 ms
    a page; checked with EXPLAIN ANALYZE on the bench's database)."""
    matching._stats.clear()  # read again: the catalogue is new
    for term in ("大卫", "dwsx"):
        match = await matching.matches(term)
        query = statement(
            search_sql.RANKED_PAGE,
            candidates=candidates(match, [], (Book.id, Book.title, Book.initials), 400, 0),
            space_id=catalogue["a"],
            term=term,
            prefix=f"{term}%",
            within=f"%{term}%",
            limit=20,
            offset=0,
        )
        plan = await explain(Book.raw("{}", query), enable_seqscan="off", enable_bitmapscan="off")
        assert "reading_book_piece_pkey" in plan, term
        assert term == "大卫" or "reading_book_initials_prefix" in plan
        assert "reading_copy_available" in plan, plan
