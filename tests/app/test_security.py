"""Holes an audit found in the identity part and the wiring (issue 13): each test fails on the
code before its fix."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from app.accounts.tables import User
from tests.app.conftest import expect_problem
from tests.helpers import create_staff, family_body, http_scope, lifespan, next_phone

MB = 1_000_000


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


# --- 1. an Idempotency-Key made the whole body be read before the size limit ---------------


async def test_an_idempotent_request_over_the_size_limit_is_refused_before_it_is_read(app: Any) -> None:
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * MB, "more_body": pulled < 60}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"idempotency-key", b"k-1")]
    scope = http_scope("POST", "/api/v1/families", headers=headers)
    await app(scope, receive, send)
    assert sent[0]["status"] == 413
    assert pulled <= 11, f"read {pulled} MB of a 60 MB body before refusing it"


async def test_a_declared_length_over_the_limit_is_refused_unread(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/families",
        content=b"{}" * 6 * MB,
        headers={"content-type": "application/json", "Idempotency-Key": "big-1"},
    )
    expect_problem(r, 413, "payload_too_large")


# --- 10. deeply nested JSON answered 500 -------------------------------------------------


async def test_deeply_nested_json_is_invalid_input(client: httpx.AsyncClient) -> None:
    for body in ["[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000]:
        for headers in ({}, {"Idempotency-Key": f"nest-{len(body)}-{body[0]}"}):
            r = await client.post(
                "/api/v1/families", content=body, headers={"content-type": "application/json", **headers}
            )
            expect_problem(r, 400, "invalid_input")


# --- 4. no browser security headers -------------------------------------------------------


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ["/", "/login", "/api/v1/consent-policy", "/nope", "/api/v1/nope", "/static/site.css", "/healthz"]:
        r = await client.get(path)
        csp = r.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, path
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert r.headers.get("x-frame-options") == "DENY", path
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "same-origin", path
        assert "strict-transport-security" not in r.headers, path  # plain http: no HSTS


async def test_hsts_when_served_over_https(settings: Any, clock: Any, queue: Any) -> None:
    from app.web.app import create_app

    secure = dataclasses.replace(settings, base_url="https://reading.example.cn")
    application = create_app(secure, clock=clock, queue=queue)
    async with lifespan(application), client_at(application, "10.0.0.9") as c:
        r = await c.get("/")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


# --- 8. weak passwords ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["12345678", "password", "qwertyuiop", "woaini1314", "Password", "password2026!", "aaaaaaaaaa"]
)
async def test_common_passwords_are_refused(client: httpx.AsyncClient, password: str) -> None:
    r = await client.post("/api/v1/families", json=family_body(password=password))
    body = expect_problem(r, 400, "weak_password")
    assert body["fields"][0]["field"] == "password"
    assert await User.count() == 0


async def test_a_password_containing_the_phone_is_refused(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    r = await client.post("/api/v1/families", json=family_body(phone, password=f"my-{phone}"))
    expect_problem(r, 400, "weak_password")


async def test_staff_passwords_need_twelve_characters(client: httpx.AsyncClient) -> None:
    await create_staff("chief1", password="district-admin-2026")
    token = (
        await client.post("/api/v1/auth/tokens", json={"login": "chief1", "password": "district-admin-2026"})
    ).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    for password in ["short-pw-1", "password1234", "12345678901234", "newlib1-secret"]:
        r = await client.post(
            "/api/v1/staff",
            json={"login": "newlib1", "password": password, "display_name": "新馆员", "roles": ["librarian"]},
            headers=headers,
        )
        expect_problem(r, 400, "weak_password")
    assert not await User.exists().where(User.login == "newlib1")


# --- 9. registration: no limit, enumeration, a hash before the duplicate check ------------------


async def test_a_taken_phone_is_refused_before_any_password_is_hashed(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.accounts.services import registration

    phone = next_phone()
    assert (await client.post("/api/v1/families", json=family_body(phone))).status_code == 201
    hashed: list[str] = []
    real = registration.hash_password
    monkeypatch.setattr(registration, "hash_password", lambda pw: hashed.append(pw) or real(pw))
    expect_problem(await client.post("/api/v1/families", json=family_body(phone)), 409, "phone_taken")
    assert hashed == []


async def test_one_address_learns_few_registered_phones(app: Any) -> None:
    async with client_at(app, "10.1.1.1") as owner, client_at(app, "10.2.2.2") as prober:
        taken = [next_phone() for _ in range(11)]
        for phone in taken:
            assert (await owner.post("/api/v1/families", json=family_body(phone, children=0))).status_code == 201
        for phone in taken[:10]:
            expect_problem(await prober.post("/api/v1/families", json=family_body(phone)), 409, "phone_taken")
        # Past ten such answers an hour, the address gets no answer at all: taken or free.
        r = await prober.post("/api/v1/families", json=family_body(taken[10]))
        expect_problem(r, 429, "too_many_requests")
        assert int(r.headers["retry-after"]) > 0
        expect_problem(await prober.post("/api/v1/families", json=family_body()), 429, "too_many_requests")


async def test_registrations_per_address_are_limited(app: Any) -> None:
    async with client_at(app, "10.3.3.3") as school:
        answers = [
            (await school.post("/api/v1/families", json=family_body(children=0, password=""))).status_code
            for _ in range(61)
        ]
    assert answers[:60] == [400] * 60  # counted, whatever the answer
    assert answers[60] == 429


# --- 11. one address could lock any family out ------------------------------------------------


async def test_failures_at_one_address_do_not_lock_the_family_out_elsewhere(app: Any) -> None:
    async with client_at(app, "10.4.4.4") as home, client_at(app, "10.5.5.5") as attacker:
        body = family_body(children=0)
        assert (await home.post("/api/v1/families", json=body)).status_code == 201
        for _ in range(5):
            r = await attacker.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": "wrong-guess"})
            expect_problem(r, 401, "bad_credentials")
        r = await attacker.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        expect_problem(r, 429, "too_many_attempts")
        r = await home.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        assert r.status_code == 201


async def test_guessing_from_many_addresses_meets_a_slower_limit_that_spares_known_ones(app: Any) -> None:
    body = family_body(children=0)
    async with client_at(app, "10.6.0.1") as home:
        assert (await home.post("/api/v1/families", json=body)).status_code == 201
        assert (
            await home.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        ).status_code == 201
    for n in range(30):
        async with client_at(app, f"10.7.0.{n + 1}") as bot:
            r = await bot.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": f"guess-{n}"})
            expect_problem(r, 401, "bad_credentials")
    async with client_at(app, "10.8.0.1") as stranger:
        r = await stranger.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        expect_problem(r, 429, "too_many_attempts")
    async with client_at(app, "10.6.0.1") as home:  # where the family logged in before
        r = await home.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        assert r.status_code == 201


# --- 12. full-width digits, empty nicknames, hidden characters in names ------------------------


async def test_full_width_digits_are_the_same_phone(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    wide = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert (await client.post("/api/v1/families", json=family_body(wide))).status_code == 201
    expect_problem(await client.post("/api/v1/families", json=family_body(phone)), 409, "phone_taken")
    assert [r["login"] for r in await User.select(User.login)] == [phone]
    r = await client.post("/api/v1/auth/tokens", json={"login": phone, "password": "family-pass-1"})
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("nickname", "   "),
        ("nickname", "小\u202eevil"),
        ("guardian_name", "王\u0000妈妈"),
        ("guardian_name", "\u200f\u200f"),
        ("guardian_name", " \t "),
    ],
)
async def test_names_must_be_visible_text(client: httpx.AsyncClient, where: str, value: str) -> None:
    body = family_body(children=1)
    if where == "nickname":
        body["children"][0]["nickname"] = value
    else:
        body["guardian_name"] = value
    r = await client.post("/api/v1/families", json=body)
    expect_problem(r, 400, "invalid_input")
    assert await User.count() == 0


async def test_names_are_stored_trimmed(client: httpx.AsyncClient) -> None:
    body = family_body(children=1)
    body["guardian_name"] = "  王   妈妈 "
    body["children"][0]["nickname"] = " 豆豆 "
    family = (await client.post("/api/v1/families", json=body)).json()
    assert family["guardians"][0]["name"] == "王 妈妈"
    assert family["children"][0]["nickname"] == "豆豆"


# --- sessions: staff sessions end after 12 idle hours ---------------------------------------------


async def test_a_staff_session_ends_after_twelve_idle_hours_a_familys_does_not(
    client: httpx.AsyncClient, app: Any, clock: Any
) -> None:
    from tests.web.forms import log_in

    await create_staff("desk-staff", roles=("volunteer",))
    family = family_body(children=0)
    assert (await client.post("/api/v1/families", json=family)).status_code == 201
    async with client_at(app, "10.9.0.1") as staff, client_at(app, "10.9.0.2") as home:
        assert (await log_in(staff, "desk-staff", "staff-pass-1")).status_code in (302, 303)
        assert (await log_in(home, family["phone"], family["password"])).status_code in (302, 303)
        # Active every six hours: still logged in a day later.
        for _ in range(4):
            clock.advance(hours=6)
            assert (await staff.get("/notifications")).status_code == 200
        clock.advance(hours=12, minutes=1)
        r = await staff.get("/notifications")
        assert r.status_code == 302
        assert r.headers["location"].startswith("/login")
        # Logged in again, it works again; a family's session has no such limit.
        assert (await home.get("/family")).status_code == 200
