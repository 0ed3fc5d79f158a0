"""Log-in, bearer tokens, the log-in rate limits, revocation, expiry and disabling users
(API.md, "Accounts"; the CLI's create-user and disable-user)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.accounts.services.auth import MAX_FAILURES_PER_CLIENT, TOKEN_TTL, WINDOW, issue_token, revoke_token
from app.accounts.tables import ApiToken, LoginAttempt, User
from app.web.auth import actor_for_token
from tests.app.conftest import expect_problem
from tests.helpers import FrozenClock, bearer, create_staff, login, register_family, staff_headers
from tests.reading.conftest import make_space

ROOT = Path(__file__).resolve().parents[2]
TOKENS = "/api/v1/auth/tokens"


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


async def try_login(client: httpx.AsyncClient, login_name: str, password: str) -> httpx.Response:
    return await client.post(TOKENS, json={"login": login_name, "password": password})


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/api/v1/users/me", headers=bearer(token))


# --- create-user and tokens ---------------------------------------------------------------


async def test_cli_created_admin_logs_in_with_a_token(
    client: httpx.AsyncClient, live_env: dict[str, str], clock: FrozenClock
) -> None:
    done = run_cli(
        live_env, "create-user", "--login", "Ops.Admin", "--password", "cli-pass-123", "--role", "district_admin"
    )
    assert done.returncode == 0, done.stderr
    assert "ops.admin" in done.stdout.lower()

    r = await try_login(client, "ops.admin", "cli-pass-123")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"token", "expires_at", "user"}
    user = await User.select().where(User.login == "ops.admin").first()
    assert user is not None
    assert body["user"] == {"id": user["id"], "roles": ["district_admin"], "family_id": None}
    assert datetime.fromisoformat(body["expires_at"]) == clock.now() + TOKEN_TTL
    assert len(body["token"]) >= 32
    # Only the token's hash is stored.
    stored = await ApiToken.select(ApiToken.token_hash).where(ApiToken.user == user["id"])
    assert len(stored) == 1
    assert stored[0]["token_hash"] != body["token"]

    r = await me(client, body["token"])
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": user["id"],
        "login": "ops.admin",
        "display_name": "Ops.Admin",
        "roles": ["district_admin"],
        "active": True,
        "family_id": None,
        "space_ids": [],
    }
    # The token carries the admin's powers.
    r = await client.post(
        "/api/v1/staff",
        json={"login": "vol.li", "password": "staff-pass-1", "display_name": "李", "roles": ["volunteer"]},
        headers=bearer(body["token"]),
    )
    assert r.status_code == 201, r.text

    # The same login again is refused with a message, not a traceback.
    again = run_cli(
        live_env, "create-user", "--login", "ops.admin", "--password", "cli-pass-456", "--role", "volunteer"
    )
    assert again.returncode != 0
    assert again.stderr.startswith("error:")
    assert "Traceback" not in again.stderr
    await login(client, "ops.admin", "cli-pass-123")  # the first password still holds


async def test_family_logs_in_with_any_spelling_of_the_phone(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    phone = fam["phone"]
    spelled = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    r = await try_login(client, spelled, fam["password"])
    assert r.status_code == 201, r.text
    assert r.json()["user"]["roles"] == ["family"]
    assert r.json()["user"]["family_id"] == fam["family"]["id"]


async def test_bad_credentials(client: httpx.AsyncClient) -> None:
    await create_staff("lib.wang", roles=("librarian",))
    wrong_password = expect_problem(await try_login(client, "lib.wang", "not-the-password"), 401, "bad_credentials")
    unknown_login = expect_problem(await try_login(client, "nobody.here", "staff-pass-1"), 401, "bad_credentials")
    # The same answer either way: no telling which logins exist.
    assert wrong_password == unknown_login
    assert await ApiToken.count() == 0
    assert await LoginAttempt.count().where(LoginAttempt.succeeded == False) == 2
    # Malformed requests are input errors, not failed log-ins.
    expect_problem(await client.post(TOKENS, json={"login": "lib.wang"}), 400, "invalid_input")
    r = await client.post(TOKENS, json={"login": "lib.wang", "password": "x", "remember": True})
    expect_problem(r, 400, "invalid_input")
    assert await LoginAttempt.count() == 2


async def test_bearer_header_variants(client: httpx.AsyncClient) -> None:
    await create_staff("lib.wang", roles=("librarian",))
    token = await login(client, "lib.wang", "staff-pass-1")
    r = await client.get("/api/v1/users/me", headers={"Authorization": f"bearer {token}"})
    assert r.status_code == 200
    for value in [token, f"Basic {token}", "Bearer ", f"Bearer {token}x"]:
        r = await client.get("/api/v1/users/me", headers={"Authorization": value})
        expect_problem(r, 401, "not_authenticated")


# --- rate limits --------------------------------------------------------------------------


async def test_login_rate_limit_per_login(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    fam = await register_family(client)
    phone, password = fam["phone"], fam["password"]
    # Respelling the phone does not buy more attempts: they all count against one login.
    spellings = [phone, f"+86{phone}", f"{phone[:3]} {phone[3:]}", f"0086-{phone}", phone]
    for spelling in spellings:
        expect_problem(await try_login(client, spelling, "wrong-password"), 401, "bad_credentials")

    locked = expect_problem(await try_login(client, phone, "wrong-password"), 429, "too_many_attempts")
    assert locked["title"]
    r = await try_login(client, phone, password)  # even the right password
    expect_problem(r, 429, "too_many_attempts")
    window = int(WINDOW.total_seconds())
    assert window - 5 < int(r.headers["retry-after"]) <= window + 1

    # Other accounts are not affected.
    await create_staff("lib.wang", roles=("librarian",))
    await login(client, "lib.wang", "staff-pass-1")

    # Still locked a little later, with a shorter wait; locked attempts do not extend it.
    clock.advance(minutes=5)
    r = await try_login(client, phone, password)
    expect_problem(r, 429, "too_many_attempts")
    assert window - 5 * 60 - 5 < int(r.headers["retry-after"]) <= window - 5 * 60 + 1

    clock.advance(minutes=11)  # 16 minutes after the failures
    r = await try_login(client, phone, password)
    assert r.status_code == 201, r.text


async def test_a_success_clears_the_logins_failures(client: httpx.AsyncClient) -> None:
    await create_staff("lib.wang", roles=("librarian",))
    for _round in range(2):
        for _ in range(4):
            expect_problem(await try_login(client, "lib.wang", "typo-typo"), 401, "bad_credentials")
        r = await try_login(client, "lib.wang", "staff-pass-1")
        assert r.status_code == 201, r.text


async def test_login_rate_limit_per_client_address(client: httpx.AsyncClient, app: Any, clock: FrozenClock) -> None:
    """Generous, and counting failures only: a school's Wi-Fi is one address for many families."""
    await create_staff("lib.wang", roles=("librarian",))
    # Earlier failures from this address (the test client's), each for a different login;
    # seeded as rows to save 40 slow password checks.
    seeded = MAX_FAILURES_PER_CLIENT - 10
    await LoginAttempt.insert(
        *[
            LoginAttempt(login=f"guess{i:03d}", client="127.0.0.1", succeeded=False, at=clock.now())
            for i in range(seeded)
        ]
    )
    for i in range(seeded, MAX_FAILURES_PER_CLIENT - 1):
        expect_problem(await try_login(client, f"guess{i:03d}", "wrong-password"), 401, "bad_credentials")
    # Successful log-ins from the same address do not count.
    for _ in range(3):
        await login(client, "lib.wang", "staff-pass-1")
    expect_problem(await try_login(client, "guess-last", "wrong-password"), 401, "bad_credentials")
    assert await LoginAttempt.count().where(LoginAttempt.succeeded == False) == MAX_FAILURES_PER_CLIENT

    # The 50th failure reached the limit: now every log-in from this address waits.
    r = await try_login(client, "lib.wang", "staff-pass-1")
    expect_problem(r, 429, "too_many_attempts")
    assert int(r.headers["retry-after"]) > 0
    expect_problem(await try_login(client, "another.one", "wrong-password"), 429, "too_many_attempts")

    # Another address is not affected.
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as elsewhere:
        r = await try_login(elsewhere, "lib.wang", "staff-pass-1")
        assert r.status_code == 201, r.text

    # The window passes and the address may try again.
    clock.advance(minutes=16)
    assert (await try_login(client, "lib.wang", "staff-pass-1")).status_code == 201


# --- revocation and expiry ----------------------------------------------------------------


async def test_revoke_current_token(client: httpx.AsyncClient) -> None:
    await create_staff("lib.wang", roles=("librarian",))
    first = await login(client, "lib.wang", "staff-pass-1")
    second = await login(client, "lib.wang", "staff-pass-1")
    assert first != second

    r = await client.delete(f"{TOKENS}/current", headers=bearer(first))
    assert r.status_code == 204
    assert r.content == b""
    expect_problem(await me(client, first), 401, "not_authenticated")
    expect_problem(await client.delete(f"{TOKENS}/current", headers=bearer(first)), 401, "not_authenticated")
    # Only that token ended.
    assert (await me(client, second)).status_code == 200
    # Without a token there is nothing to revoke.
    expect_problem(await client.delete(f"{TOKENS}/current"), 401, "not_authenticated")


async def test_expired_token_is_refused(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    """Issued by the injected clock, checked against real time by the middleware: a token
    issued "31 days ago" has expired now."""
    await create_staff("lib.wang", roles=("librarian",))
    clock.set(datetime.now(UTC) - TOKEN_TTL - timedelta(days=1))
    old = await login(client, "lib.wang", "staff-pass-1")
    expect_problem(await me(client, old), 401, "not_authenticated")

    clock.set(datetime.now(UTC) - TOKEN_TTL + timedelta(days=1))
    nearly_old = await login(client, "lib.wang", "staff-pass-1")
    assert (await me(client, nearly_old)).status_code == 200


async def test_a_token_names_its_actor_until_it_expires_or_is_revoked(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """The one statement every API request runs: the user, with the spaces staff serve."""
    admin = await staff_headers(client, "auth.admin")
    a, b = await make_space(client, admin, "吉祥", "景山"), await make_space(client, admin, "福祥", "交道口")
    user_id = await create_staff("lib.wang", roles=("librarian",), spaces=(a, b))
    issued = await issue_token(user_id, clock=clock)
    assert issued.expires_at == clock.now() + TOKEN_TTL

    found = await actor_for_token(issued.token, now=clock.now())
    assert found is not None
    assert (found.user_id, found.login, found.roles, found.space_ids) == (
        user_id,
        "lib.wang",
        frozenset({"librarian"}),
        frozenset({a, b}),
    )
    assert found.family_id is None and found.must_change_password is False
    assert await actor_for_token(issued.token, now=issued.expires_at - timedelta(seconds=1)) is not None
    assert await actor_for_token(issued.token, now=issued.expires_at) is None
    assert await actor_for_token(issued.token, now=issued.expires_at + timedelta(days=1)) is None
    assert await actor_for_token("made-up", now=clock.now()) is None

    await revoke_token(issued.token, now=clock.now())
    assert await actor_for_token(issued.token, now=clock.now()) is None
    again = await issue_token(user_id, clock=clock)
    await User.update({User.active: False}).where(User.id == user_id)
    assert await actor_for_token(again.token, now=clock.now()) is None


async def test_a_family_token_names_the_family_and_no_spaces(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    fam = await register_family(client)
    token = fam["headers"]["Authorization"].split()[1]
    found = await actor_for_token(token, now=datetime.now(UTC))
    assert found is not None and found.family_id == fam["family"]["id"] and found.space_ids == frozenset()


# --- disabling users ----------------------------------------------------------------------


async def test_admin_disables_a_user_ending_all_tokens(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    user_id = await create_staff("vol.chen", roles=("volunteer",))
    tokens = [await login(client, "vol.chen", "staff-pass-1") for _ in range(2)]
    for token in tokens:
        assert (await me(client, token)).status_code == 200

    r = await client.post(f"/api/v1/users/{user_id}/disable", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == user_id
    assert r.json()["active"] is False

    for token in tokens:
        expect_problem(await me(client, token), 401, "not_authenticated")
    expect_problem(await try_login(client, "vol.chen", "staff-pass-1"), 401, "bad_credentials")
    # The admin's own token is untouched.
    assert (await client.get("/api/v1/users/me", headers=admin)).status_code == 200


async def test_disable_is_for_admins_only(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    fam = await register_family(client)
    user_id = await create_staff("vol.chen", roles=("volunteer",))
    await create_staff("lib.wang", roles=("librarian",))
    librarian = bearer(await login(client, "lib.wang", "staff-pass-1"))
    for headers in (fam["headers"], librarian):
        expect_problem(await client.post(f"/api/v1/users/{user_id}/disable", headers=headers), 403, "forbidden")
    expect_problem(await client.post(f"/api/v1/users/{user_id}/disable"), 401, "not_authenticated")
    expect_problem(await client.post("/api/v1/users/999999/disable", headers=admin), 404, "user_not_found")
    assert await User.count().where((User.id == user_id) & (User.active == True)) == 1


async def test_cli_disable_user_ends_all_tokens(client: httpx.AsyncClient, live_env: dict[str, str]) -> None:
    await create_staff("vol.chen", roles=("volunteer",))
    await create_staff("vol.zhao", roles=("volunteer",))
    tokens = [await login(client, "vol.chen", "staff-pass-1") for _ in range(2)]
    bystander = await login(client, "vol.zhao", "staff-pass-1")

    done = run_cli(live_env, "disable-user", "--login", "Vol.Chen")
    assert done.returncode == 0, done.stderr
    assert "vol.chen" in done.stdout.lower()

    for token in tokens:
        expect_problem(await me(client, token), 401, "not_authenticated")
    expect_problem(await try_login(client, "vol.chen", "staff-pass-1"), 401, "bad_credentials")
    assert (await me(client, bystander)).status_code == 200

    missing = run_cli(live_env, "disable-user", "--login", "no.such.user")
    assert missing.returncode != 0
    assert "no.such.user" in missing.stderr
    assert "Traceback" not in missing.stderr
