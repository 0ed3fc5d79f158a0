"""`seed-synthetic` at the tiny scale: the counts, determinism, and data the app itself reads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENGINE, table_names
from tests.helpers import FrozenClock

TODAY = date(2026, 11, 28)  # a Saturday
ROOT = Path(__file__).resolve().parents[2]


async def _truncate() -> None:
    from app.kernel.db import engine, is_sqlite

    names = table_names()
    if is_sqlite():
        import sqlite3

        with sqlite3.connect(os.environ["DATABASE_URL"].split("://", 1)[1], timeout=30) as conn:
            for name in names:
                conn.execute(f'DELETE FROM "{name}"')
    else:
        await engine().run_ddl(f"TRUNCATE {', '.join(chr(34) + n + chr(34) for n in names)} RESTART IDENTITY CASCADE")


async def _db_digest() -> str:
    from piccolo.conf.apps import Finder

    from app.seed.rows import TABLES

    tables = {t._meta.tablename: t for t in Finder().get_table_classes()}
    digest = hashlib.sha256()
    for name in TABLES.values():
        table = tables[name]
        for row in await table.select().order_by(table.id):
            digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


async def test_generation_is_deterministic_and_seeded() -> None:
    from app.seed.runner import seed_synthetic
    from app.seed.sinks import MemorySink

    first = await seed_synthetic("tiny", seed=5, today=TODAY, sink=MemorySink(), password_hash="x")
    again = await seed_synthetic("tiny", seed=5, today=TODAY, sink=MemorySink(), password_hash="x")
    other = await seed_synthetic("tiny", seed=6, today=TODAY, sink=MemorySink(), password_hash="x")
    assert first.digest == again.digest and first.counts == again.counts
    assert other.digest != first.digest


def test_rows_are_held_against_the_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row field the table does not have stops the seed before anything is written; a
    column the rows leave out is written with its default (a time default: the anchor)."""
    from typing import NamedTuple

    from app.seed import columns, rows

    class Renamed(NamedTuple):
        id: int
        family: int
        user: int | None
        full_name: str  # the table's column is `name`
        phone: str | None

    class Shorter(NamedTuple):
        id: int

    def tables_with(row: type[Any], instead_of: type[Any]) -> dict[type[Any], str]:
        return {row if r is instead_of else r: t for r, t in rows.TABLES.items()}

    monkeypatch.setattr(columns, "TABLES", tables_with(Renamed, rows.GuardianRow))
    with pytest.raises(rows.SeedError, match=r"accounts_guardian has no column\(s\) full_name"):
        columns.check_columns()
    monkeypatch.setattr(columns, "TABLES", tables_with(Shorter, rows.FamilyRow))
    assert columns.check_columns() == {Shorter: [("created_at", columns.NOW), ("erased_at", None)]}


async def test_tiny_seed_counts_and_the_same_rows_again() -> None:
    from app.accounts.tables import Child, Family, User
    from app.seed.runner import SeedError, seed_synthetic
    from reading.lending.tables import Book, Copy, Loan
    from reading.programme.tables import LeadReader, ReadingSession
    from spaces.tables import Booking, CheckIn, Corner, Slot, Space

    report = await seed_synthetic("tiny", seed=3, today=TODAY)
    assert await Space.count() == 7 == report.counts["spaces_space"]
    assert await Space.count().where(Space.kind == "reading_base") == 1
    assert await Family.count() == 60
    assert await Child.count() == 120  # two children per family on average, exactly
    assert await User.count().where(User.roles == "family") == 60
    assert await User.count().where(User.roles != "family") == 2 + 1 + 7  # admins, librarian, volunteers
    corners = await Corner.count()
    assert 7 <= corners <= 3 + 6 * 3 and corners == report.counts["spaces_corner"]
    for table, count in (
        (Slot, report.counts["spaces_slot"]),
        (Booking, report.counts["spaces_booking"]),
        (CheckIn, report.counts["spaces_check_in"]),
        (Loan, report.counts["reading_loan"]),
        (ReadingSession, report.counts["reading_session"]),
    ):
        assert await table.count() == count > 0
    assert await Book.count() == 200 and await Copy.count() == 400  # 40 at the base, 60 on each small space
    assert await LeadReader.count() == 6
    # a copy on loan has exactly one open loan; every other copy none
    on_loan = {r["id"] for r in await Copy.select(Copy.id).where(Copy.status == "on_loan")}
    open_loans = [r["copy"] for r in await Loan.select(Loan.copy).where(Loan.returned_at.is_null())]
    assert sorted(open_loans) == sorted(on_loan)
    # roughly the attendance asked for (300 at this scale), every check-in within capacity
    assert 200 <= report.counts["spaces_check_in"] <= 330
    over = [
        s
        for s in await Slot.select(Slot.id, Slot.capacity, Slot.remaining)
        if s["remaining"] < 0 or s["remaining"] > s["capacity"]
    ]
    assert not over
    # history stops yesterday: nothing checked in today or later
    midnight = datetime.combine(TODAY, time(0), UTC) - timedelta(hours=8)
    assert not await CheckIn.exists().where(CheckIn.checked_in_at >= midnight)

    digest = await _db_digest()
    with pytest.raises(SeedError):  # a second run on the same database is refused, and writes nothing
        await seed_synthetic("tiny", seed=3, today=TODAY)
    assert await _db_digest() == digest
    await _truncate()
    await seed_synthetic("tiny", seed=3, today=TODAY)
    assert await _db_digest() == digest


async def test_the_app_works_on_synthetic_data(settings: Any) -> None:
    """Foreign keys hold (PostgreSQL skips the per-row checks while copying), the shared
    password logs in, the week lists the seeded slots, and a corner check-in finds the seeded
    open-reading slot of its period (same timestamp form as the app's own writes)."""
    from app import runtime
    from app.accounts.actor import Actor
    from app.accounts.passwords import verify_password
    from app.accounts.tables import User
    from app.kernel.clock import local_zone
    from app.seed.runner import SYNTHETIC_PASSWORD, seed_synthetic
    from qr import checkin
    from qr.services import tokens
    from qr.tokens import Purpose
    from spaces.services import slots
    from spaces.tables import Booking, CheckIn, Corner, Slot, Space

    await seed_synthetic("tiny", seed=4, today=TODAY)
    slot_ids = {r["id"] for r in await Slot.select(Slot.id)}
    space_ids = {r["id"] for r in await Space.select(Space.id)}
    assert {r["slot"] for r in await Booking.select(Booking.slot)} <= slot_ids
    assert {r["space"] for r in await CheckIn.select(CheckIn.space)} <= space_ids
    assert {r["slot"] for r in await CheckIn.select(CheckIn.slot)} <= slot_ids

    family = await User.select().where(User.login == "19900000001").first()
    assert family is not None and verify_password(family["password_hash"], SYNTHETIC_PASSWORD)

    base = await Space.select(Space.id).where(Space.kind == "reading_base").first()
    assert base is not None
    monday = datetime.combine(TODAY - timedelta(days=5), time(0), local_zone())
    week = await slots.list_slots(base["id"], monday, monday + timedelta(days=7))
    assert len([s for s in week if s.kind == "open_reading"]) == 7  # 09:00-20:00 every day

    corner = await Corner.select(Corner.id).where(Corner.space == base["id"]).first()
    assert corner is not None
    before = await Slot.count().where(Slot.space == base["id"])
    clock = FrozenClock(datetime.combine(TODAY + timedelta(days=1), time(10, 30), local_zone()).astimezone(UTC))
    actor = Actor(
        user_id=family["id"],
        login=family["login"],
        display_name="x",
        roles=frozenset({"family"}),
        family_id=family["family"],
    )
    runtime.configure(settings)  # as every process does at start: the keyring, the check-in targets
    token = await tokens.issue(Purpose.corner, corner["id"], now=clock.now())
    result = await checkin.dispatch(checkin.ScanRequest(token, actor, nonce="t-1"), clock=clock)
    assert result.kind == "visit" and not result.duplicate
    assert await Slot.count().where(Slot.space == base["id"]) == before  # the seeded slot, not a new one

    # The search finds the seeded titles (on PostgreSQL through their pieces, which the seed's
    # COPY adds as any insert does, its skipped triggers notwithstanding).
    from reading.lending.services.catalogue import search
    from reading.lending.tables import Book

    newest = await Book.select(Book.id, Book.title).order_by(Book.id, ascending=False).first()
    assert newest is not None
    assert newest["id"] in [b.id for b in await search(newest["title"][:2])]


@pytest.mark.skipif(ENGINE != "sqlite", reason="the CLI check runs once, on its own SQLite file")
def test_cli_seed_synthetic(tmp_path: Path) -> None:
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(DATABASE_URL=f"sqlite://{tmp_path / 'cli.sqlite3'}", STORYCORNER_VAR=str(tmp_path / "var"))
    env.pop("REDIS_URL", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )

    assert cli("migrate").returncode == 0
    done = cli("seed-synthetic", "--scale", "tiny", "--seed", "2", "--today", TODAY.isoformat())
    assert done.returncode == 0, done.stderr
    assert "spaces_space" in done.stdout and "reading_loan" in done.stdout
    again = cli("seed-synthetic", "--scale", "tiny", "--seed", "2")
    assert again.returncode == 1 and "already" in again.stderr
    bad = cli("seed-synthetic", "--scale", "tiny", "--today", "yesterday")
    assert bad.returncode == 2
