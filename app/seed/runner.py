"""Synthetic data at district or city scale (`python -m app seed-synthetic --scale district`).

Fast and deterministic: every value comes from `random.Random` seeded with the `--seed` and
the part's name, and every date is relative to one anchor day (`today`, the local date by
default), so the same seed and day give the same rows. Rows are written in bulk by a sink
(app.seed.sinks) in one transaction. Ids are assigned here (after the tables' current
maximum), and the sink moves the sequences past them at the end.

Generated: spaces, opening hours, closures, corners, staff and their assignments, families
(users, guardians, children, consents), picture-book titles (with the pinyin initials and
search text the catalogue searches), copies on the spaces' shelves, and a year up to
yesterday of slots (open reading from opening hours, activities) with bookings and
check-ins, loans (the open ones leave their copies on loan), lead readers and the reading
sessions they led, plus the coming two weeks of slots with a few future bookings. Left out
on purpose: see `PENDING` and docs/benchmarks.md. A new part is a generator (a module of
app.seed) added to `PARTS`; its rows are a row type added to app.seed.rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time as clock_time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from app.kernel.clock import local_zone
from app.seed.activities import part_activities
from app.seed.books import part_titles
from app.seed.columns import NOW, Extras, check_columns
from app.seed.context import FAMILY_PHONE_PREFIX, SYNTHETIC_PASSWORD, Context
from app.seed.families import part_families
from app.seed.loans import part_copies_and_loans
from app.seed.open_reading import part_open_reading
from app.seed.programme import part_programme
from app.seed.rows import TABLES, Row, SeedError, columns_of
from app.seed.scale import SCALES, Scale
from app.seed.sinks import MemorySink, Sink, default_sink
from app.seed.spaces import part_spaces

FLUSH_ROWS = 50_000

Part = Callable[[Context], Iterator[None]]
PARTS: list[tuple[str, Part]] = [
    ("spaces and staff", part_spaces),
    ("families", part_families),
    ("picture-book titles", part_titles),
    ("copies and a year of loans", part_copies_and_loans),
    ("activities with bookings and check-ins", part_activities),
    ("open reading with visits and bookings", part_open_reading),
    ("lead readers and reading sessions", part_programme),
]

# What is deliberately left out of the history, and why.
PENDING: dict[str, str] = {
    "copy events": "the audit trail starts empty (loans carry the lending history)",
    "holds, transfers, stocktakes": "workflow state, not history the statistics read",
    "reading log, certificates, lead-reader applications": "per-family extras, not needed for load",
    "notifications (outbox, inbox)": "delivery history, not needed for load",
}

__all__ = ["PARTS", "PENDING", "SYNTHETIC_PASSWORD", "MemorySink", "SeedError", "SeedReport", "seed_synthetic"]


@dataclass
class SeedReport:
    scale: str
    seed: int
    today: date
    counts: dict[str, int]
    seconds: float
    digest: str

    def lines(self) -> list[str]:
        out = [f"synthetic data: scale {self.scale}, seed {self.seed}, up to {self.today} ({self.seconds:.1f} s)"]
        out += [f"  {table:<26} {count:>10,}" for table, count in self.counts.items()]
        out.append(f"  login: families 19900000001… and staff syn.*, all with password {SYNTHETIC_PASSWORD}")
        out.append("  left out of the history on purpose:")
        out += [f"    {what}: {why}" for what, why in PENDING.items()]
        return out


@dataclass
class Writer:
    """Writes the buffered rows in dependency order, with the columns the rows leave out."""

    sink: Sink
    extras: Extras
    counts: dict[str, int] = field(default_factory=dict)

    async def flush(self, ctx: Context) -> None:
        for row_type, table in TABLES.items():
            rows: list[Row] = ctx.buffers.get(row_type, [])
            if not rows:
                continue
            columns = columns_of(row_type)
            extra = self.extras.get(row_type)
            if extra:
                columns += tuple(name for name, _ in extra)
                more = tuple(ctx.anchor if value is NOW else value for _, value in extra)
                rows = [row + more for row in rows]
            await self.sink.write(table, columns, rows)
            self.counts[table] = self.counts.get(table, 0) + len(rows)
            ctx.buffers[row_type] = []


async def seed_synthetic(
    scale: str | Scale,
    *,
    seed: int = 1,
    today: date | None = None,
    sink: Sink | None = None,
    progress: Callable[[str], None] | None = None,
    password_hash: str | None = None,
    titles: int | None = None,
) -> SeedReport:
    """Generate and write everything in one transaction; refuses when synthetic data is there."""
    started = clock_time.perf_counter()
    chosen = SCALES[scale] if isinstance(scale, str) else scale
    if titles is not None:
        chosen = dataclasses.replace(chosen, titles=titles)
    if today is None:
        today = datetime.now(local_zone()).date()
    if sink is None:
        extras = check_columns()
        writer = Writer(default_sink(), extras)
    else:
        writer = Writer(sink, {})
    hashed = password_hash if password_hash is not None else shared_password_hash(seed)
    await writer.sink.begin()
    try:
        if await writer.sink.exists('SELECT 1 FROM "accounts_user" WHERE login = ?', f"{FAMILY_PHONE_PREFIX}00000001"):
            raise SeedError("synthetic data is already in this database (user 19900000001 exists); use a fresh one")
        ids = {row: await writer.sink.max_id(table) for row, table in TABLES.items()}
        ctx = Context(scale=chosen, seed=seed, today=today, ids=ids, password_hash=hashed)
        await _generate(ctx, writer, progress)
        await writer.sink.commit([t for t in TABLES.values() if writer.counts.get(t)])
    except BaseException:
        await writer.sink.rollback()
        raise
    return SeedReport(
        scale=chosen.name,
        seed=seed,
        today=today,
        counts={t: writer.counts.get(t, 0) for t in TABLES.values()},
        seconds=clock_time.perf_counter() - started,
        digest=writer.sink.digest.hexdigest() if isinstance(writer.sink, MemorySink) else "",
    )


async def _generate(ctx: Context, writer: Writer, progress: Callable[[str], None] | None) -> None:
    for label, part in PARTS:
        part_started = clock_time.perf_counter()
        for _ in part(ctx):
            if ctx.buffered >= FLUSH_ROWS:
                await writer.flush(ctx)
        await writer.flush(ctx)
        if progress:
            progress(f"  {label}: {clock_time.perf_counter() - part_started:.1f} s")


def shared_password_hash(seed: int) -> str:
    """ONE argon2 hash, reused for every synthetic account: hashing 20,000 (or 320,000)
    passwords would take minutes and prove nothing. Log in with SYNTHETIC_PASSWORD. The
    app's own hasher (same parameters), with a salt from the seed so reruns are identical."""
    from app.accounts import passwords

    salt = hashlib.sha256(f"storycorner-synthetic-salt:{seed}".encode()).digest()[:16]
    return passwords._hasher.hash(SYNTHETIC_PASSWORD, salt=salt)
