"""SMS log-in, password reset and registration through the API (API.md, Accounts): the
codes, their limits and their refusals. Most run on the console provider; one of each flow
runs against the Tencent Cloud and Alibaba Cloud fakes."""

from __future__ import annotations

from typing import Any

import httpx

from app.accounts.tables import SmsCode, User
from tests.app.conftest import expect_problem
from tests.fakes.aliyun import FakeAliyunSms
from tests.fakes.fixtures import (
    aliyun_code,
    aliyun_config,
    app_client,
    console_code,
    messaging,
    tencent_code,
    tencent_config,
)
from tests.fakes.tencent import FakeTencentSms
from tests.helpers import FrozenClock, bearer, family_body, next_phone, register_family


async def ask(client: httpx.AsyncClient, phone: str, purpose: str = "login", **kw: Any) -> httpx.Response:
    return await client.post("/api/v1/auth/sms-codes", json={"phone": phone, "purpose": purpose}, **kw)


async def sms_login(client: httpx.AsyncClient, phone: str, code: str) -> httpx.Response:
    return await client.post("/api/v1/auth/tokens", json={"phone": phone, "sms_code": code})


async def test_sms_login_with_tencent(
    settings: Any, clock: FrozenClock, queue: Any, tencent_sms: FakeTencentSms
) -> None:
    async with app_client(settings, clock, queue, messaging(tencent_config(tencent_sms))) as client:
        fam = await register_family(client)
        r = await ask(client, fam["phone"])
        assert r.status_code == 202, r.text
        code = tencent_code(tencent_sms, fam["phone"])
        r = await sms_login(client, fam["phone"], code)
        assert r.status_code == 201, r.text
        assert r.json()["user"]["family_id"] == fam["family"]["id"]
        r = await client.get("/api/v1/families/me", headers=bearer(r.json()["token"]))
        assert r.status_code == 200
        expect_problem(await sms_login(client, fam["phone"], code), 401, "bad_code")  # one use


async def test_password_reset_with_aliyun(
    settings: Any, clock: FrozenClock, queue: Any, aliyun_sms: FakeAliyunSms
) -> None:
    async with app_client(settings, clock, queue, messaging(aliyun_config(aliyun_sms))) as client:
        fam = await register_family(client)
        assert (await ask(client, fam["phone"], "reset")).status_code == 202
        code = aliyun_code(aliyun_sms, fam["phone"])
        body = {"phone": fam["phone"], "sms_code": code, "new_password": "12345678"}
        expect_problem(await client.post("/api/v1/auth/password-reset", json=body), 400, "weak_password")
        body["new_password"] = "a-new-family-pass"
        r = await client.post("/api/v1/auth/password-reset", json=body)
        assert r.status_code == 204, r.text
        # Every token of the account ended; the new password logs in, the old one does not.
        expect_problem(await client.get("/api/v1/families/me", headers=fam["headers"]), 401, "not_authenticated")
        r = await client.post("/api/v1/auth/tokens", json={"login": fam["phone"], "password": fam["password"]})
        expect_problem(r, 401, "bad_credentials")
        r = await client.post("/api/v1/auth/tokens", json={"login": fam["phone"], "password": "a-new-family-pass"})
        assert r.status_code == 201
        expect_problem(await client.post("/api/v1/auth/password-reset", json=body), 401, "bad_code")


async def test_register_with_an_sms_code_instead_of_a_password(
    settings: Any, clock: FrozenClock, queue: Any, tencent_sms: FakeTencentSms
) -> None:
    async with app_client(settings, clock, queue, messaging(tencent_config(tencent_sms))) as client:
        phone = next_phone()
        assert (await ask(client, phone, "register")).status_code == 202
        body = family_body(phone)
        del body["password"]
        body["sms_code"] = "000000" if tencent_code(tencent_sms, phone) != "000000" else "111111"
        expect_problem(await client.post("/api/v1/families", json=body), 401, "bad_code")
        body["sms_code"] = tencent_code(tencent_sms, phone)
        r = await client.post("/api/v1/families", json=body)
        assert r.status_code == 201, r.text
        # No password logs in to it; a log-in code does.
        for password in ("", "!sms", "storycorner-dummy-password"):
            r = await client.post("/api/v1/auth/tokens", json={"login": phone, "password": password or "x"})
            expect_problem(r, 401, "bad_credentials")
        clock.advance(minutes=2)
        assert (await ask(client, phone)).status_code == 202
        assert (await sms_login(client, phone, tencent_code(tencent_sms, phone))).status_code == 201


async def test_registration_needs_a_password_or_a_code(client: httpx.AsyncClient) -> None:
    body = family_body()
    del body["password"]
    r = await client.post("/api/v1/families", json=body)
    expect_problem(r, 400, "invalid_input")
    assert await User.count() == 0


async def test_a_wrong_code_costs_a_try_and_five_end_the_code(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    fam = await register_family(client)
    assert (await ask(client, fam["phone"])).status_code == 202
    code = await console_code(fam["phone"])
    wrong = "000000" if code != "000000" else "999999"
    for _ in range(5):
        expect_problem(await sms_login(client, fam["phone"], wrong), 401, "bad_code")
    # The right code no longer works: too many tries, until a new code.
    expect_problem(await sms_login(client, fam["phone"], code), 429, "too_many_attempts")
    clock.advance(minutes=1, seconds=1)
    assert (await ask(client, fam["phone"])).status_code == 202
    assert (await sms_login(client, fam["phone"], await console_code(fam["phone"]))).status_code == 201


async def test_a_code_expires_after_five_minutes(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    fam = await register_family(client)
    await ask(client, fam["phone"])
    code = await console_code(fam["phone"])
    clock.advance(minutes=5, seconds=1)
    expect_problem(await sms_login(client, fam["phone"], code), 401, "bad_code")


async def test_a_code_is_for_its_purpose(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    await ask(client, fam["phone"], "reset")
    expect_problem(await sms_login(client, fam["phone"], await console_code(fam["phone"])), 401, "bad_code")


async def test_one_code_a_minute_and_ten_a_day_per_phone(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    fam = await register_family(client)
    assert (await ask(client, fam["phone"])).status_code == 202
    r = await ask(client, fam["phone"])
    body = expect_problem(r, 429, "too_many_codes")
    assert 1 <= int(r.headers["Retry-After"]) <= 60, body
    for _ in range(9):
        clock.advance(minutes=1, seconds=1)
        assert (await ask(client, fam["phone"])).status_code == 202
    clock.advance(minutes=1, seconds=1)
    r = await ask(client, fam["phone"])
    expect_problem(r, 429, "too_many_codes")
    assert int(r.headers["Retry-After"]) > 3600
    assert await SmsCode.count().where(SmsCode.phone == fam["phone"]) == 10


async def test_an_address_asking_for_many_phones_is_limited(client: httpx.AsyncClient) -> None:
    for _ in range(60):
        assert (await ask(client, next_phone())).status_code == 202
    expect_problem(await ask(client, next_phone()), 429, "too_many_codes")


async def test_the_answer_does_not_tell_who_is_registered(client: httpx.AsyncClient) -> None:
    """An unknown phone asking to log in gets the same 202 and no SMS; a registered phone
    asking to register the same, and no SMS either."""
    from app.notify.sms.console import latest

    stranger, fam = next_phone(), await register_family(client)
    assert (await ask(client, stranger)).status_code == 202
    assert (await ask(client, fam["phone"], "register")).status_code == 202
    assert await latest() == []
    expect_problem(await sms_login(client, stranger, "123456"), 401, "bad_code")


async def test_malformed_requests(client: httpx.AsyncClient) -> None:
    expect_problem(await ask(client, "12345"), 400, "invalid_input")
    expect_problem(await ask(client, "1390000000x"), 400, "invalid_input")
    expect_problem(await ask(client, next_phone(), "steal"), 400, "invalid_input")
    r = await client.post("/api/v1/auth/tokens", json={"phone": next_phone(), "sms_code": "12ab56"})
    expect_problem(r, 400, "invalid_input")
    r = await client.post("/api/v1/auth/tokens", json={"login": "someone", "sms_code": "123456"})
    expect_problem(r, 400, "invalid_input")
    r = await client.post("/api/v1/auth/tokens", json={})
    expect_problem(r, 400, "invalid_input")


async def test_the_code_is_stored_hashed(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    await ask(client, fam["phone"])
    code = await console_code(fam["phone"])
    rows = await SmsCode.select(SmsCode.code_hash)
    assert len(rows) == 1 and code not in rows[0]["code_hash"] and len(rows[0]["code_hash"]) == 64


async def test_a_provider_that_fails_answers_503_and_the_code_does_not_count(
    settings: Any, clock: FrozenClock, queue: Any, tencent_sms: FakeTencentSms
) -> None:
    async with app_client(settings, clock, queue, messaging(tencent_config(tencent_sms))) as client:
        fam = await register_family(client)
        tencent_sms.script("down")
        expect_problem(await ask(client, fam["phone"]), 503, "sms_unavailable")
        assert (await ask(client, fam["phone"])).status_code == 202  # not held back a minute
