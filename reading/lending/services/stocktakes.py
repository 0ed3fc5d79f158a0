"""Stocktakes: the barcodes scanned on a shelf, compared with what the records expect there.
Finishing one reports:

- missing: expected on this shelf (available here), not scanned;
- unexpected: scanned here but belonging elsewhere (another current space, or in transit);
- inconsistent: scanned on the shelf while the system thinks it is on loan or missing.

Applying (with confirmation) marks the missing ones `missing`, brings misplaced ones here,
closes forgotten loans of scanned copies and shelves `awaiting_shelving` copies; the report
is kept with the stocktake. Every scan also updates a copy's `last_seen_at` (Koha's floor).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

import msgspec
from piccolo.query.mixins import OnConflictAction

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from reading.lending.errors import IllegalTransition, StocktakeClosed, StocktakeNotFound
from reading.lending.schemas import CopyOut, StocktakeOut
from reading.lending.services import copies
from reading.lending.services.routing import shelve
from reading.lending.tables import Copy, Loan, Stocktake, StocktakeScan, TransferItem
from spaces.errors import NotStaffOfSpace, SpaceNotFound
from spaces.services.access import ensure_serves
from spaces.tables import Space

# A stocktake as `StocktakeOut` names its fields (its scans are counted apart).
STOCKTAKE_COLUMNS = (
    Stocktake.id,
    Stocktake.space.as_alias("space_id"),
    Stocktake.started_at,
    Stocktake.finished_at,
    Stocktake.applied_at,
    Stocktake.report,
)


async def start_stocktake(space_id: int, *, actor: Actor, clock: Clock) -> StocktakeOut:
    if not actor.serves(space_id):
        raise NotStaffOfSpace()
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    rows = await Stocktake.insert(
        Stocktake(space=space_id, started_by=actor.user_id, started_at=clock.now())
    ).returning(Stocktake.id)
    return await stocktake_out(rows[0]["id"])


async def stocktake_out(stocktake_id: int) -> StocktakeOut:
    row = await Stocktake.select(*STOCKTAKE_COLUMNS).where(Stocktake.id == stocktake_id).first()
    if row is None:
        raise StocktakeNotFound()
    scanned = await StocktakeScan.count().where(StocktakeScan.stocktake == stocktake_id)
    return msgspec.convert({**row, "scanned": int(scanned), "report": loads(row["report"]) or None}, StocktakeOut)


async def space_of(stocktake_id: int, actor: Actor) -> int:
    """The space of a stocktake the staff member may work on."""
    row = await Stocktake.select(Stocktake.space).where(Stocktake.id == stocktake_id).first()
    if row is None:
        raise StocktakeNotFound()
    if not actor.serves(int(row["space"])):
        raise NotStaffOfSpace()
    return int(row["space"])


async def seen_by(space_id: int, stocktake_id: int, actor: Actor) -> StocktakeOut:
    ensure_serves(actor, space_id)
    return await stocktake_out(stocktake_id)


def require_confirmation(confirmed: bool, expected: str) -> None:
    """Applying a stocktake changes many records: only once the librarian confirmed."""
    if not confirmed:
        raise InvalidInput(
            N_("请确认后再应用盘点结果"), fields=[{"field": "confirm", "message": f"must be {expected}"}]
        )


async def _open_stocktake(space_id: int, stocktake_id: int, actor: Actor) -> StocktakeOut:
    """The space's stocktake, for staff serving it."""
    if not await Stocktake.exists().where((Stocktake.id == stocktake_id) & (Stocktake.space == space_id)):
        raise StocktakeNotFound()
    if not actor.serves(space_id):
        raise NotStaffOfSpace()
    return await stocktake_out(stocktake_id)


async def add_scans(
    space_id: int, stocktake_id: int, barcodes: list[str], *, actor: Actor, clock: Clock
) -> StocktakeOut:
    """Record shelf scans; repeats count once; unknown barcodes are kept (reported)."""
    row = await _open_stocktake(space_id, stocktake_id, actor)
    if row.finished_at is not None:
        raise StocktakeClosed()
    now = clock.now()
    wanted = sorted({b.strip().upper() for b in barcodes if b.strip()})
    known = {
        r["barcode"]: r["id"]
        for r in await Copy.select(Copy.id, Copy.barcode).where(Copy.barcode.is_in(wanted or ["-"]))
    }
    async with write_transaction():
        for barcode in wanted:
            await StocktakeScan.insert(
                StocktakeScan(stocktake=stocktake_id, barcode=barcode, copy=known.get(barcode), at=now)
            ).on_conflict(action=OnConflictAction.do_nothing)
        if known:
            await Copy.update({Copy.last_seen_at: now}).where(Copy.id.is_in(list(known.values())))
    return await stocktake_out(stocktake_id)


def out_of_place(copy: CopyOut, space_id: int) -> str | None:
    """Why a copy found on this shelf should not be there, as the report files it:
    "inconsistent" (the records say it is on loan, missing or withdrawn), "unexpected" (it
    belongs on another shelf, or is in transit), or None when it belongs here."""
    if copy.status in ("on_loan", "missing", "withdrawn"):
        return "inconsistent"
    if copy.status in ("available", "in_transit", "on_hold_shelf", "awaiting_shelving") and (
        copy.current_space_id != space_id or copy.status == "in_transit"
    ):
        return "unexpected"
    return None


def _entry(copy: CopyOut) -> dict[str, object]:
    return {
        "copy_id": copy.id,
        "barcode": copy.barcode,
        "title": copy.title,
        "status": copy.status,
        "current_space_id": copy.current_space_id,
        "home_space_id": copy.home_space_id,
    }


async def finish_stocktake(space_id: int, stocktake_id: int, *, actor: Actor, clock: Clock) -> StocktakeOut:
    row = await _open_stocktake(space_id, stocktake_id, actor)
    if row.finished_at is not None:
        return await stocktake_out(stocktake_id)
    scans = await StocktakeScan.select(StocktakeScan.barcode, StocktakeScan.copy).where(
        StocktakeScan.stocktake == stocktake_id
    )
    scanned_ids = {s["copy"] for s in scans if s["copy"] is not None}
    expected = await copies.on_shelf(space_id)
    scanned = await copies.by_ids(scanned_ids)
    report: dict[str, list[dict[str, object]]] = {
        "missing": [_entry(c) for c in expected if c.id not in scanned_ids],
        "unexpected": [_entry(c) for c in scanned if out_of_place(c, space_id) == "unexpected"],
        "inconsistent": [_entry(c) for c in scanned if out_of_place(c, space_id) == "inconsistent"],
        "unknown_barcodes": [{"barcode": s["barcode"]} for s in scans if s["copy"] is None],
        "to_shelve": [_entry(c) for c in scanned if c.status == "awaiting_shelving" and c.current_space_id == space_id],
    }
    await Stocktake.update({Stocktake.finished_at: clock.now(), Stocktake.report: report}).where(
        Stocktake.id == stocktake_id
    )
    return await stocktake_out(stocktake_id)


async def apply_stocktake(
    space_id: int, stocktake_id: int, *, actor: Actor, clock: Clock, mark_missing: bool = True
) -> StocktakeOut:
    """Make the records match the shelf. Idempotent: a second apply changes nothing."""
    row = await _open_stocktake(space_id, stocktake_id, actor)
    if row.finished_at is None:
        raise StocktakeClosed("请先结束盘点，查看报告后再确认")
    if row.applied_at is not None:
        return await stocktake_out(stocktake_id)
    report: dict[str, Any] = dict(row.report or {})
    now = clock.now()
    async with write_transaction():
        claimed = (
            await Stocktake.update({Stocktake.applied_at: now})
            .where((Stocktake.id == stocktake_id) & Stocktake.applied_at.is_null())
            .returning(Stocktake.id)
        )
        if not claimed:
            return await stocktake_out(stocktake_id)
        if mark_missing:
            for entry in report.get("missing", []):
                await _try_move(
                    int(entry["copy_id"]), "missing", now, actor, space_id, "stocktake_missing", ("available",)
                )
        for entry in report.get("unexpected", []) + report.get("to_shelve", []) + report.get("inconsistent", []):
            await _try_shelve(int(entry["copy_id"]), str(entry["status"]), space_id, actor, now)
    return await stocktake_out(stocktake_id)


async def _try_move(
    copy_id: int, to: str, now: datetime, actor: Actor, space_id: int, kind: str, expect: tuple[str, ...]
) -> None:
    # Changed since the report (lent, put on the hold shelf): the newer fact wins.
    with contextlib.suppress(IllegalTransition):
        await copies.move(copy_id, to, kind=kind, now=now, actor_id=actor.user_id, space_id=space_id, expect=expect)


async def _try_shelve(copy_id: int, was: str, space_id: int, actor: Actor, now: datetime) -> None:
    """A copy found on this shelf, still as the report saw it (else the newer fact wins: lent or
    returned since), goes where it belongs from here: a forgotten loan ends, so does a transfer
    it was on, and one recorded on another space's shelf is now here (allow_same)."""
    current = await Copy.select(Copy.status).where(Copy.id == copy_id).first()
    if current is None or current["status"] != was:
        return
    with contextlib.suppress(IllegalTransition):
        if was == "on_loan":
            await Loan.update({Loan.returned_at: now, Loan.returned_space: space_id}).where(
                (Loan.copy == copy_id) & Loan.returned_at.is_null()
            )
        await TransferItem.update({TransferItem.received_at: now}).where(
            (TransferItem.copy == copy_id) & TransferItem.received_at.is_null()
        )
        await shelve(
            copy_id, space_id, actor_id=actor.user_id, now=now, kind="stocktake_found", expect=(was,), allow_same=True
        )
