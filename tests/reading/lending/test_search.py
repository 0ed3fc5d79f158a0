"""Catalogue search: pinyin initials, ISBN-10, ISBN-13 with hyphens or spaces, parts of a
Chinese title or an author's name; exact titles first; filters by age band, theme and
availability at a space."""

from __future__ import annotations

from typing import Any

import httpx

from tests.reading.lending.test_isbn_properties import isbn10, isbn13, spellings
from tests.reading.support import (
    add_book,
    add_copies,
    code,
    lend,
    quick_families,
    quick_library,
    quick_staff,
)


async def search(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/books", params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def titles(client: httpx.AsyncClient, **params: Any) -> list[str]:
    return [b["title"] for b in await search(client, **params)]


async def test_search_by_initials_isbn_and_parts_of_titles_ranked(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)  # 猜猜我有多爱你, ISBN-10 7544717445, two copies at a
    staff = lib["librarian"]
    guess = lib["book"]
    # Added after it (newer ids come first among equals), each matching the same searches.
    await add_book(client, staff, "9787544722520", "猜猜我有多爱你（立体书）", authors="山姆·麦克布雷尼")
    await add_book(client, staff, "9787530758724", "你猜猜我有多爱你吗", authors="佚名", age_band="3-6")
    await add_book(client, staff, "9787533259662", "好饿的毛毛虫", authors="艾瑞·卡尔", age_band="0-3")
    await add_book(client, staff, "9787550240483", "大卫，不可以", authors="大卫·香农", themes=["习惯", "幽默"])

    # Pinyin initials: the title whose initials are exactly "ccwydan" first, then longer ones.
    assert await titles(client, q="ccwydan") == ["猜猜我有多爱你", "猜猜我有多爱你（立体书）"]
    assert await titles(client, q="CCWY") == ["猜猜我有多爱你（立体书）", "猜猜我有多爱你"]
    assert await titles(client, q="hedmmc") == ["好饿的毛毛虫"]
    assert await titles(client, q="dwbky") == ["大卫，不可以"]
    # ISBN-10, ISBN-13 with hyphens or spaces, lower-case x: the one book.
    for q in ("7544717445", "7-5447-1744-5", "9787544717441", "978-7-5447-1744-1", "978 7 5447 1744 1"):
        assert [b["id"] for b in await search(client, q=q)] == [guess["id"]], q
    assert await search(client, q="7544717446") == []  # a wrong check digit finds nothing (and is no error)
    # Part of a Chinese title: exact title, then titles starting with it, then containing it.
    assert await titles(client, q="猜猜我有多爱你") == [
        "猜猜我有多爱你",
        "猜猜我有多爱你（立体书）",
        "你猜猜我有多爱你吗",
    ]
    assert set(await titles(client, q="多爱")) == {"猜猜我有多爱你", "猜猜我有多爱你（立体书）", "你猜猜我有多爱你吗"}
    assert await titles(client, q="毛毛") == ["好饿的毛毛虫"]
    # Authors (and illustrators, translators, series) by substring.
    assert set(await titles(client, q="麦克布雷尼")) == {"猜猜我有多爱你", "猜猜我有多爱你（立体书）"}
    assert await titles(client, q="卡尔") == ["好饿的毛毛虫"]
    assert await search(client, q="小王子") == []
    # SQL wildcards are plain characters.
    assert await search(client, q="%") == [] and await search(client, q="_") == []
    hit = (await search(client, q="ccwydan"))[0]
    assert hit["isbn"] == "9787544717441" and hit["isbn_display"] == "978-7-5447-1744-1"


async def test_filters_age_band_theme_and_availability_at_a_space(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    caterpillar = await add_book(
        client, staff, "9787533259662", "好饿的毛毛虫", age_band="0-3", themes=["自然", "数数"]
    )
    david = await add_book(client, staff, "9787550240483", "大卫，不可以", age_band="3-6", themes=["习惯", "幽默"])
    await add_copies(client, staff, caterpillar["id"], b, 1)
    (on_loan,) = await add_copies(client, staff, david["id"], a, 1)
    (fam,) = await quick_families(1)
    assert (await lend(client, staff, on_loan["barcode"], fam["family"]["id"])).status_code == 201

    assert await titles(client, age_band="0-3") == ["好饿的毛毛虫"]
    assert set(await titles(client, age_band="3-6")) == {"大卫，不可以", "猜猜我有多爱你"}
    assert (await client.get("/api/v1/books", params={"age_band": "2-5"})).status_code == 400
    assert await titles(client, theme="幽默") == ["大卫，不可以"]
    assert await titles(client, theme="数数", age_band="0-3") == ["好饿的毛毛虫"]
    assert await titles(client, theme="数数", age_band="3-6") == []

    # Availability: counts everywhere and at the space; `available=true` keeps what is on its shelf.
    found = {x["title"]: x for x in await search(client, space_id=a)}
    assert {t: (x["available"], x["available_here"]) for t, x in found.items()} == {
        "猜猜我有多爱你": (2, 2),
        "好饿的毛毛虫": (1, 0),
        "大卫，不可以": (0, 0),
    }
    assert await titles(client, space_id=a, available="true") == ["猜猜我有多爱你"]
    assert await titles(client, space_id=b, available="true") == ["好饿的毛毛虫"]
    assert await titles(client, space_id=b, available="true", q="ccwydan") == []
    plain = {x["title"]: x for x in await search(client)}
    assert plain["猜猜我有多爱你"]["available"] == 2 and plain["猜猜我有多爱你"]["available_here"] is None
    r = await client.get(f"/api/v1/books/{caterpillar['id']}", params={"space_id": b})
    assert r.json()["available_here"] == 1


async def test_the_api_refuses_a_changed_digit_and_converts_isbn10(client: httpx.AsyncClient) -> None:
    staff = await quick_staff("cataloguer")
    valid = isbn10("730214999")
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    wrong_digit = ("8" if valid[0] != "8" else "9") + valid[1:]
    for raw in (wrong_check, wrong_digit, isbn13("978730214999")[:-1] + "X", "730214999X1"):
        r = await client.post("/api/v1/books", json={"isbn": raw, "title": "小黑鱼"}, headers=staff)
        assert code(r) == (400, "invalid_isbn"), (raw, r.text)
    r = await client.post(
        "/api/v1/books", json={"isbn": spellings(valid, [1, 4, 9], "-"), "title": "小黑鱼"}, headers=staff
    )
    assert r.status_code == 201, r.text
    assert r.json()["isbn"] == isbn13("978730214999")
    assert r.json()["isbn_display"].replace("-", "") == r.json()["isbn"]
    r = await client.post("/api/v1/books", json={"isbn": r.json()["isbn"], "title": "小黑鱼"}, headers=staff)
    assert code(r) == (409, "isbn_exists")
    assert [b["title"] for b in await search(client, q=valid)] == ["小黑鱼"]
