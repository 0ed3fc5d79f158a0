"""Fixtures for the spaces tests: a space, its staff, families, slots."""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers import FrozenClock, LiveServers, bearer, next_phone, register_family, staff_headers


@pytest.fixture
async def space(client: httpx.AsyncClient) -> dict[str, Any]:
    admin = await staff_headers(client, "spaceadmin")
    body = {
        "name": "吉祥十平米阅读空间",
        "kind": "ten_square",
        "street": "景山",
        "address": "东城区景山街道吉祥社区",
        "capacity": 12,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return {**r.json(), "admin": admin}


@pytest.fixture
async def librarian(client: httpx.AsyncClient, space: dict[str, Any]) -> dict[str, str]:
    return await staff_headers(client, "lib1", roles=("librarian",), spaces=(space["id"],))


async def make_slot(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, **overrides: Any
) -> dict[str, Any]:
    starts = overrides.pop("starts_at", clock.now() + timedelta(days=2))
    if isinstance(starts, datetime):
        starts = starts.isoformat()
    ends = overrides.pop("ends_at", (datetime.fromisoformat(starts) + timedelta(hours=1)).isoformat())
    body = {
        "kind": "activity",
        "title": "绘本＋安全教育",
        "theme": "safety",
        "starts_at": starts,
        "ends_at": ends,
        "capacity": 10,
        "waitlist": False,
        **overrides,
    }
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    return dict(r.json()["items"][0])


@pytest.fixture
async def family(client: httpx.AsyncClient) -> dict[str, Any]:
    return await register_family(client)


QUICK_PASSWORD = "family-pass-1"


@functools.cache
def _quick_hash() -> str:
    from app.accounts.passwords import hash_password

    return hash_password(QUICK_PASSWORD)


async def quick_families(n: int, *, birth_months: Sequence[str] = ("2018-03",)) -> list[dict[str, Any]]:
    """`n` registered families written straight to the database, each with a guardian account,
    consent, one child per entry of `birth_months` and a bearer token valid for 30 days of real
    time (so the live servers, on the system clock, accept it too). One shared password hash:
    argon2 costs ~0.1 s a family, too slow for fifty. Same shape as `register_family`."""
    from app.accounts.consent import CURRENT_POLICY
    from app.accounts.services.auth import hash_token
    from app.accounts.tables import ApiToken, Child, Consent, Family, Guardian, User
    from app.kernel.db import write_transaction

    now = datetime.now(UTC)
    phones = [next_phone() for _ in range(n)]
    tokens = [secrets.token_urlsafe(32) for _ in range(n)]
    months = [date.fromisoformat(f"{m}-01") for m in birth_months]
    async with write_transaction():
        family_ids = [
            r["id"] for r in await Family.insert(*[Family(created_at=now) for _ in range(n)]).returning(Family.id)
        ]
        user_ids = [
            r["id"]
            for r in await User.insert(
                *[
                    User(
                        login=phone,
                        display_name=f"家长{i}",
                        password_hash=_quick_hash(),
                        roles="family",
                        family=fid,
                        created_at=now,
                    )
                    for i, (phone, fid) in enumerate(zip(phones, family_ids, strict=True))
                ]
            ).returning(User.id)
        ]
        guardian_ids = [
            r["id"]
            for r in await Guardian.insert(
                *[
                    Guardian(family=fid, user=uid, name=f"家长{i}", phone=phone)
                    for i, (fid, uid, phone) in enumerate(zip(family_ids, user_ids, phones, strict=True))
                ]
            ).returning(Guardian.id)
        ]
        await Consent.insert(
            *[
                Consent(
                    family=fid,
                    guardian=gid,
                    policy_version=CURRENT_POLICY.version,
                    scope=CURRENT_POLICY.scope,
                    accepted_at=now,
                )
                for fid, gid in zip(family_ids, guardian_ids, strict=True)
            ]
        )
        child_rows = await Child.insert(
            *[
                Child(family=fid, nickname=f"孩子{j + 1}", birth_month=month, created_at=now)
                for fid in family_ids
                for j, month in enumerate(months)
            ]
        ).returning(Child.id)
        await ApiToken.insert(
            *[
                ApiToken(user=uid, token_hash=hash_token(tok), created_at=now, expires_at=now + timedelta(days=30))
                for uid, tok in zip(user_ids, tokens, strict=True)
            ]
        )
    child_ids = [r["id"] for r in child_rows]
    per = len(months)
    return [
        {
            "phone": phones[i],
            "password": QUICK_PASSWORD,
            "user_id": user_ids[i],
            "token": tokens[i],
            "headers": bearer(tokens[i]),
            "family": {
                "id": family_ids[i],
                "children": [
                    {"id": child_ids[i * per + j], "nickname": f"孩子{j + 1}", "birth_month": birth_months[j]}
                    for j in range(per)
                ],
            },
        }
        for i in range(n)
    ]


def child_ids(fam: dict[str, Any], n: int = 1) -> list[int]:
    return [c["id"] for c in fam["family"]["children"][:n]]


@pytest.fixture(scope="module")
def booking_server(database: None) -> Iterator[str]:
    """Two uvicorn workers on the test database, on the system clock, started once per module
    (a start costs seconds). Module scope, not session: their periodic jobs (no-show release,
    reminders) on the real clock must not run beside the frozen-clock tests of other modules,
    so keep the tests that use it together.
    All requests come from 127.0.0.1, so the per-client booking limit is lifted; the per-account
    limit keeps its default (20 a minute)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent.parent)
    logs = Path(tempfile.mkdtemp(prefix="storycorner-live-"))
    servers = LiveServers(env, logs)
    try:
        yield servers.start(workers=2, extra_env={"BOOKING_RATE_PER_CLIENT": "100000"})
    finally:
        servers.stop_all()
        shutil.rmtree(logs, ignore_errors=True)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time in the service's zone (the `clock` fixture starts at 2026-11-28 10:00)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def book(
    client: httpx.AsyncClient,
    slot_id: int,
    fam: dict[str, Any],
    *,
    children: int = 1,
    adults: int = 1,
    kids: list[int] | None = None,
) -> httpx.Response:
    """POST a booking for the family's first `children` children (or the ids in `kids`)."""
    body = {"child_ids": kids if kids is not None else child_ids(fam, children), "adults": adults}
    return await client.post(f"/api/v1/slots/{slot_id}/bookings", json=body, headers=fam["headers"])


def problem(r: httpx.Response) -> tuple[int, str]:
    """(status, code) of a problem-details answer."""
    return r.status_code, str(r.json().get("code"))


async def outbox_kinds(user_id: int) -> list[str]:
    from app.kernel.tables import OutboxMessage

    rows = await (
        OutboxMessage.select(OutboxMessage.kind).where(OutboxMessage.recipient_id == user_id).order_by(OutboxMessage.id)
    )
    return [r["kind"] for r in rows]
