"""The English catalogue covers every user-facing string, and the language switch works."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po

from app.accounts.consent import CURRENT_POLICY
from tests.web.forms import submit
from tests.web.msgids import CJK, po_paths, python_msgids, template_files, template_msgids

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def catalogue() -> dict[str, str]:
    """The packages' catalogues merged, as the app reads them; one translation per msgid."""
    merged: dict[str, str] = {}
    for path in po_paths():
        with path.open("rb") as handle:
            catalog = read_po(handle)
        assert str(catalog.locale) == "en", path
        assert catalog.charset.lower() == "utf-8", path
        for m in catalog:
            if m.id and not m.fuzzy:
                text = str(m.string)
                assert merged.setdefault(str(m.id), text) == text or not text, f"{m.id!r} differs in {path}"
    return merged


def test_extraction_finds_the_templates_strings() -> None:
    """A guard for the next test: the extractor really reads our templates."""
    assert len(template_files()) >= 8
    msgids = template_msgids()
    assert {"故事角", "注册家庭账号", "我的家庭", "%(street)s街道", "周日"} <= set(msgids)
    assert len(msgids) > 50


def test_every_template_msgid_has_an_english_translation(catalogue: dict[str, str]) -> None:
    missing = {msgid: where for msgid, where in template_msgids().items() if not catalogue.get(msgid, "").strip()}
    assert not missing, f"add these to the catalogue of the package that uses them: {missing}"


def test_every_python_title_and_detail_has_an_english_translation(catalogue: dict[str, str]) -> None:
    msgids = python_msgids()
    # The collector sees error titles, HTTP titles, literal details and notification texts.
    assert {"没有找到这个孩子", "页面已过期，请刷新后重试", "请填写监护人姓名", "欢迎加入故事角"} <= set(msgids)
    missing = {msgid: where for msgid, where in msgids.items() if not catalogue.get(msgid, "").strip()}
    assert not missing, f"add these to the catalogue of the package that uses them: {missing}"


def test_translations_keep_placeholders_and_are_english(catalogue: dict[str, str]) -> None:
    for msgid, text in catalogue.items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), msgid
        # Jinja's new-style gettext %-formats every template string: a lone % would break the page.
        assert "%" not in PLACEHOLDER.sub("", text).replace("%%", ""), msgid
        assert not CJK.search(text), f"untranslated Chinese left in: {text!r}"


async def test_default_is_chinese(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert '<html lang="zh-CN">' in r.text
    assert "和孩子一起读绘本" in r.text
    assert 'href="?lang=en"' in r.text
    assert "lang" not in r.cookies


async def test_lang_en_renders_english_and_is_remembered(client: httpx.AsyncClient) -> None:
    r = await client.get("/?lang=en")
    assert r.status_code == 200
    assert '<html lang="en">' in r.text
    assert "Read picture books with your child" in r.text
    assert "和孩子一起读绘本" not in r.text
    cookie = r.headers["set-cookie"]
    assert "lang=en" in cookie
    assert "Path=/" in cookie
    assert client.cookies.get("lang") == "en"

    # The cookie keeps English on the next page, without ?lang=.
    r = await client.get("/login")
    assert '<html lang="en">' in r.text
    assert "Mobile number" in r.text

    # ...until the reader switches back.
    r = await client.get("/?lang=zh-CN")
    assert '<html lang="zh-CN">' in r.text
    assert client.cookies.get("lang") == "zh-CN"


async def test_unknown_lang_is_ignored_and_not_remembered(client: httpx.AsyncClient) -> None:
    r = await client.get("/?lang=fr")
    assert '<html lang="zh-CN">' in r.text
    assert "set-cookie" not in r.headers or "lang=" not in r.headers["set-cookie"]


def visible_chinese(html: str) -> list[str]:
    """Chinese left on an English page, except the language switch and the site name setting."""
    html = html.replace(">中文<", "><").replace("故事角 StoryCorner", "")
    return CJK.findall(html)


async def ascii_space(**overrides: Any) -> int:
    from spaces.schemas import OpeningHoursIn, SpaceIn
    from spaces.services.spaces import create_space
    from tests.helpers import FrozenClock

    data: dict[str, Any] = {
        "name": "Jixiang Ten-square Reading",
        "kind": "ten_square",
        "street": "Jingshan",
        "community": "Jixiang",
        "host_name": "Jixiang Children's Home",
        "address": "1 Jixiang Hutong",
        "capacity": 12,
        "opening_hours": [OpeningHoursIn(weekday=6, opens="09:30", closes="11:30")],
        **overrides,
    }
    from datetime import UTC, datetime

    return await create_space(SpaceIn(**data), clock=FrozenClock(datetime(2026, 11, 28, tzinfo=UTC)))


async def test_english_pages_have_no_chinese_left(client: httpx.AsyncClient, queue: Any) -> None:
    """Every fixed text on the family's pages is translated (data the family typed stays as typed)."""
    space_id = await ascii_space()
    await client.get("/?lang=en")
    pages = ["/", "/login", "/register", "/staff/login", "/privacy", f"/spaces/{space_id}", "/spaces/999999"]
    for path in pages:
        r = await client.get(path)
        assert r.status_code in {200, 404}, path
        assert '<html lang="en">' in r.text, path
        assert not visible_chinese(r.text), (path, visible_chinese(r.text))

    r = await submit(
        client,
        "/register",
        {
            "guardian_name": "Anna",
            "phone": "13912345678",
            "password": "family-pass-1",
            "child_nickname": ["Bo", "Lily"],
            "child_birth_month": ["2019-03", "2021-07"],
            "consent": "yes",
            "policy_version": CURRENT_POLICY.version,
        },
        page="/register",
    )
    assert r.status_code == 302, r.text
    await queue.drain()
    for path in ["/family", "/notifications"]:
        r = await client.get(path)
        assert r.status_code == 200, path
        assert not visible_chinese(r.text), (path, visible_chinese(r.text))
    assert "Welcome to StoryCorner" in r.text


async def test_form_errors_are_translated(client: httpx.AsyncClient) -> None:
    await client.get("/?lang=en")
    r = await submit(
        client,
        "/register",
        {"guardian_name": "Anna", "phone": "12345", "password": "family-pass-1"},
        page="/register",
    )
    assert r.status_code == 400
    assert "Invalid mobile number" in r.text
    assert not visible_chinese(r.text)


async def test_api_problem_titles_follow_accept_language(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/users/me", headers={"Accept-Language": "en"})
    assert r.status_code == 401
    assert r.json()["title"] == "Please log in first"
    r = await client.get("/api/v1/users/me")
    assert r.json()["title"] == "请先登录"
