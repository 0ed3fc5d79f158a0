"""Shared pieces of the lending tests: quick accounts, small API helpers, the database
invariants of copies and loans, and the shared app at module scope for a module that seeds one
world for all its tests.

An argon2 hash costs a few hundred milliseconds, so these helpers write staff and families
straight to the database with one shared password hash (as `tests.spaces.conftest.quick_families`
does); every request still goes through the real app.
"""

from __future__ import annotations

import functools
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.helpers import FrozenClock, bearer
from tests.reading.conftest import make_space
from tests.spaces.conftest import quick_families as quick_families  # re-exported for the lending tests

START = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # the root conftest's clock: Saturday 10:00 in Beijing
STAFF_PASSWORD = "staff-pass-1"


def one_app_per_module() -> tuple[Any, Any, Any, Any]:
    """Module-scoped `clock`, `queue` and `app` (the worker's shared app, `tests.conftest`) for a
    module whose own module-scoped fixtures seed a world through the app, plus an autouse
    fixture putting the clock back to START before each test and running leftover jobs after
    it. Use: `clock_fixture, queue_fixture, app_fixture, between_tests = one_app_per_module()`."""

    @pytest.fixture(scope="module", name="clock")
    def clock_fixture(shared_app: Any) -> FrozenClock:
        clock: FrozenClock = shared_app.clock
        clock.set(START)  # the module's world is seeded at START, whatever the test before did
        return clock

    @pytest.fixture(scope="module", name="queue")
    def queue_fixture(shared_app: Any) -> Any:
        return shared_app.queue

    @pytest.fixture(scope="module", name="app")
    def app_fixture(shared_app: Any) -> Any:
        return shared_app.app

    @pytest.fixture(autouse=True)
    async def between_tests(clock: FrozenClock, queue: Any, settings: Any) -> AsyncIterator[None]:
        from app import runtime

        runtime.configure(settings)  # as the root `app` fixture does before each test
        clock.set(START)
        yield
        await queue.drain()

    return clock_fixture, queue_fixture, app_fixture, between_tests


@functools.cache
def _staff_hash() -> str:
    from app.accounts.passwords import hash_password

    return hash_password(STAFF_PASSWORD)


async def quick_staff(
    login: str, roles: tuple[str, ...] = ("librarian",), spaces: tuple[int, ...] = ()
) -> dict[str, str]:
    """A staff account (password "staff-pass-1") with a bearer token valid for 30 real days."""
    from app.accounts.services.auth import hash_token
    from app.accounts.services.users import encode_roles
    from app.accounts.tables import ApiToken, User
    from spaces.services.staff import assign

    now = datetime.now(UTC)
    rows = await User.insert(
        User(
            login=login,
            display_name=login,
            password_hash=_staff_hash(),
            roles=encode_roles(frozenset(roles)),
            created_at=now,
        )
    ).returning(User.id)
    user_id = int(rows[0]["id"])
    await assign(user_id, list(spaces))
    token = secrets.token_urlsafe(32)
    await ApiToken.insert(
        ApiToken(user=user_id, token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(days=30))
    )
    return bearer(token)


async def quick_library(client: httpx.AsyncClient) -> dict[str, Any]:
    """Like the `library` fixture: spaces a and b (open 09–17 every day), a district admin,
    a librarian of both, 猜猜我有多爱你 (ISBN-10 7544717445) with two copies at a."""
    admin = await quick_staff("readadmin", roles=("district_admin",))
    a = await make_space(client, admin, "吉祥十平米阅读空间", "景山")
    b = await make_space(client, admin, "福祥十平米阅读空间", "交道口")
    librarian = await quick_staff("libr", roles=("librarian",), spaces=(a, b))
    book = await add_book(client, librarian, "7544717445", "猜猜我有多爱你", authors="山姆·麦克布雷尼", age_band="3-6")
    copies = await add_copies(client, librarian, book["id"], a, 2)
    return {"admin": admin, "librarian": librarian, "a": a, "b": b, "book": book, "copies": copies}


def isbn13(n: int, prefix: str = "978") -> str:
    """A valid ISBN-13 for each number `n` (< 10**9)."""
    first12 = f"{prefix}{n:09d}"
    total = sum((1 if i % 2 == 0 else 3) * int(d) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


async def add_book(client: httpx.AsyncClient, headers: dict[str, str], isbn: str, title: str, **extra: Any) -> Any:
    r = await client.post("/api/v1/books", json={"isbn": isbn, "title": title, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def add_copies(
    client: httpx.AsyncClient, headers: dict[str, str], book_id: int, space_id: int, count: int
) -> list[dict[str, Any]]:
    r = await client.post(
        f"/api/v1/books/{book_id}/copies", json={"space_id": space_id, "count": count}, headers=headers
    )
    assert r.status_code == 201, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    assert len(items) == count
    return items


async def lend(client: httpx.AsyncClient, headers: dict[str, str], barcode: str, family_id: int) -> httpx.Response:
    return await client.post("/api/v1/loans", json={"barcode": barcode, "family_id": family_id}, headers=headers)


async def give_back(client: httpx.AsyncClient, headers: dict[str, str], barcode: str, space_id: int) -> httpx.Response:
    return await client.post("/api/v1/returns", json={"barcode": barcode, "space_id": space_id}, headers=headers)


async def copy_detail(client: httpx.AsyncClient, headers: dict[str, str], barcode: str) -> dict[str, Any]:
    r = await client.get(f"/api/v1/copies/{barcode}", headers=headers)
    assert r.status_code == 200, r.text
    detail: dict[str, Any] = r.json()
    return detail


def code(r: httpx.Response) -> tuple[int, str | None]:
    """(status, problem code) of a response, for compact assertions."""
    try:
        body = r.json()
    except ValueError:
        return r.status_code, None
    return r.status_code, body.get("code") if isinstance(body, dict) else None


async def outbox_kinds(user_id: int | None = None) -> Counter[str]:
    from app.kernel.tables import OutboxMessage

    query = OutboxMessage.select(OutboxMessage.kind)
    if user_id is not None:
        query = query.where(OutboxMessage.recipient_id == user_id)
    return Counter(r["kind"] for r in await query)


async def assert_lending_invariants() -> None:
    """The database agrees with itself: a copy is `on_loan` exactly when it has an open loan,
    and never has two; a returned loan's copy is not on loan to it; a copy claimed by an active
    hold is claimed by one hold only, and a ready hold's copy is on its hold shelf."""
    from reading.lending.tables import Copy, Hold, Loan

    copies = {r["id"]: r for r in await Copy.select(Copy.id, Copy.status, Copy.current_space)}
    open_loans = Counter(r["copy"] for r in await Loan.select(Loan.copy).where(Loan.returned_at.is_null()))
    assert all(n == 1 for n in open_loans.values()), open_loans
    on_loan = {cid for cid, c in copies.items() if c["status"] == "on_loan"}
    assert on_loan == set(open_loans), {
        "on_loan without a loan": on_loan - set(open_loans),
        "open loan, copy not on loan": {c: copies[c]["status"] for c in set(open_loans) - on_loan},
    }
    assert all(copies[c]["current_space"] is None for c in on_loan)
    holds = await Hold.select(Hold.id, Hold.status, Hold.copy, Hold.pickup_space).where(
        Hold.status.is_in(["waiting", "ready"])
    )
    claimed = Counter(h["copy"] for h in holds if h["copy"] is not None)
    assert all(n == 1 for n in claimed.values()), claimed
    for h in holds:
        if h["status"] == "ready":
            copy = copies[h["copy"]]
            assert copy["status"] == "on_hold_shelf" and copy["current_space"] == h["pickup_space"], (h, copy)
        elif h["copy"] is not None:  # claimed, travelling to the pickup space
            assert copies[h["copy"]]["status"] == "in_transit", (h, copies[h["copy"]])
