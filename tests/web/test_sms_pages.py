"""The SMS pages on the console provider (the embedded default): log in with a code, set a
new password, register without a password; the staff page showing what the console sent;
"消息通知" on 我的家庭; notices in the reader's language."""

from __future__ import annotations

from typing import Any

import httpx

from app.accounts.tables import NoticePreference
from tests.fakes.fixtures import console_code
from tests.helpers import next_phone, register_family, staff_headers
from tests.web.forms import family_form, log_in, log_out, submit


async def test_log_in_with_an_sms_code(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    page = await client.get("/login?next=/bookings")
    assert 'href="/login/sms?next=/bookings"' in page.text
    r = await submit(
        client, "/login/sms/code", {"phone": fam["phone"], "next": "/bookings"}, page="/login/sms?next=/bookings"
    )
    assert r.status_code == 200 and "验证码已发送" in r.text and 'name="sms_code"' in r.text
    code = await console_code(fam["phone"])
    wrong = "000000" if code != "000000" else "111111"
    data = {"phone": fam["phone"], "sms_code": wrong, "next": "/bookings"}
    r = await submit(client, "/login/sms", data, page="/login/sms")
    assert r.status_code == 401 and "验证码不正确或已过期" in r.text
    r = await submit(client, "/login/sms", {**data, "sms_code": code}, page="/login/sms")
    assert (r.status_code, r.headers["location"]) == (302, "/bookings")
    assert (await client.get("/family")).status_code == 200


async def test_malformed_phone_and_too_many_codes(client: httpx.AsyncClient) -> None:
    r = await submit(client, "/login/sms/code", {"phone": "12345"}, page="/login/sms")
    assert r.status_code == 400 and "手机号格式不正确" in r.text
    phone = next_phone()
    assert (await submit(client, "/login/sms/code", {"phone": phone}, page="/login/sms")).status_code == 200
    r = await submit(client, "/login/sms/code", {"phone": phone}, page="/login/sms")
    assert r.status_code == 429 and "验证码发送太频繁" in r.text


async def test_reset_the_password(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    assert "忘记密码" in (await client.get("/login")).text
    r = await submit(client, "/password-reset/code", {"phone": fam["phone"]}, page="/password-reset")
    assert r.status_code == 200 and 'name="new_password"' in r.text
    code = await console_code(fam["phone"])
    data = {"phone": fam["phone"], "sms_code": code, "new_password": "password"}
    r = await submit(client, "/password-reset", data, page="/password-reset")
    assert r.status_code == 400 and "这个密码太常见" in r.text
    r = await submit(client, "/password-reset", {**data, "new_password": "a-new-family-pass"}, page="/password-reset")
    assert (r.status_code, r.headers["location"]) == (302, "/family")
    await log_out(client)
    assert (await log_in(client, fam["phone"], "a-new-family-pass")).status_code == 302


async def test_register_with_an_sms_code(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    form = family_form(phone)
    del form["password"]
    r = await submit(client, "/register/sms-code", form, page="/register")
    assert r.status_code == 200 and 'name="sms_code"' in r.text
    assert 'value="王妈妈"' in r.text  # the form comes back filled in
    r = await submit(client, "/register", {**form, "sms_code": await console_code(phone)}, page="/register")
    assert (r.status_code, r.headers["location"]) == (302, "/family?welcome=1")
    assert (await client.get("/family")).status_code == 200


async def test_the_console_page_shows_staff_what_was_sent(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    await submit(client, "/login/sms/code", {"phone": fam["phone"]}, page="/login/sms")
    await staff_headers(client, "devlib", roles=("librarian",))
    assert (await log_in(client, "devlib", "staff-pass-1")).status_code == 302
    page = await client.get("/staff/dev/sms")
    assert page.status_code == 200
    assert fam["phone"] in page.text and await console_code(fam["phone"]) in page.text


async def test_the_console_page_is_for_staff(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    await log_in(client, fam["phone"], fam["password"])
    assert (await client.get("/staff/dev/sms")).status_code == 403


async def test_my_family_sets_channels_and_kinds(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    await log_in(client, fam["phone"], fam["password"])
    page = await client.get("/family")
    assert "消息通知" in page.text and "候补到位（需要尽快确认）" in page.text
    kinds = [
        k["kind"] for k in (await client.get("/api/v1/families/me/channels", headers=fam["headers"])).json()["kinds"]
    ]
    received = [k for k in kinds if k != "booking_confirmed"]
    r = await submit(client, "/family/channels", {"wechat": "on", "kind": received}, page="/family")
    assert r.status_code == 303
    got = (await client.get("/api/v1/families/me/channels", headers=fam["headers"])).json()
    assert {c["name"]: c["enabled"] for c in got["channels"]} == {"inbox": True, "sms": False, "wechat": True}
    assert [k["kind"] for k in got["kinds"] if k["opted_out"]] == ["booking_confirmed"]
    sms = next(c for c in got["channels"] if c["name"] == "sms")
    assert sms["address"] == f"{fam['phone'][:3]}****{fam['phone'][-4:]}" and sms["available"] is True


async def test_channels_api_refuses_unknown_kinds(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    r = await client.patch("/api/v1/families/me/channels", json={"opt_outs": ["no_such_kind"]}, headers=fam["headers"])
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = await client.patch("/api/v1/families/me/channels", json={"locale": "fr"}, headers=fam["headers"])
    assert r.status_code == 400
    r = await client.get("/api/v1/families/me/channels")
    assert r.status_code == 401


async def test_notices_follow_the_readers_language(client: httpx.AsyncClient, queue: Any) -> None:
    """The welcome is stored as a kind: the English interface shows it in English, the
    Chinese one in Chinese, from the same row; the family's language is remembered for SMS."""
    fam = await register_family(client)
    await queue.drain()
    r = await client.get("/api/v1/notifications", headers={**fam["headers"], "Accept-Language": "en"})
    assert r.json()["items"][0]["title"] == "Welcome to StoryCorner"
    r = await client.get("/api/v1/notifications", headers=fam["headers"])
    assert r.json()["items"][0]["title"] == "欢迎加入故事角"
    await client.get("/?lang=en")
    await log_in(client, fam["phone"], fam["password"])
    assert "Welcome to StoryCorner" in (await client.get("/notifications")).text
    rows = await NoticePreference.select(NoticePreference.locale)
    assert [r["locale"] for r in rows] == ["en"]
