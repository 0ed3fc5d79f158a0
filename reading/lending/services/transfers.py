"""Transfers ("book boxes" rotating between corners) and stocktakes.

A transfer puts each copy `in_transit` until it is received by scan at the destination.
A stocktake records the barcodes scanned on a shelf; finishing it compares them with what
the system expects there and reports:

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

from piccolo.query.mixins import OnConflictAction

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.jsonvalue import loads
from reading.lending.errors import CopyNotFound, IllegalTransition, StocktakeClosed, StocktakeNotFound, TransferNotFound
from reading.lending.schemas import CopyOut, StocktakeOut, TransferIn, TransferOut
from reading.lending.services import circulation, copies
from reading.lending.tables import Copy, Loan, Stocktake, StocktakeScan, Transfer, TransferItem
from spaces.errors import NotStaffOfSpace, SpaceNotFound
from spaces.tables import Space


async def _copies_for(barcodes: list[str]) -> list[dict[str, Any]]:
    wanted = sorted({b.strip().upper() for b in barcodes if b.strip()})
    rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.barcode.is_in(wanted or ["-"]))
    found = {r["barcode"] for r in rows}
    missing = [b for b in wanted if b not in found]
    if missing:
        raise CopyNotFound(f"没有找到条码：{'、'.join(missing[:10])}", barcodes=missing)
    return list(rows)


async def transfer_out(transfer_id: int) -> TransferOut:
    row = await Transfer.select().where(Transfer.id == transfer_id).first()
    if row is None:
        raise TransferNotFound()
    items = await TransferItem.select(TransferItem.copy).where(TransferItem.transfer == transfer_id)
    rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.id.is_in([i["copy"] for i in items] or [-1]))
    return TransferOut(
        id=row["id"],
        from_space_id=row["from_space"],
        to_space_id=row["to_space"],
        created_at=row["created_at"],
        received_at=row["received_at"],
        items=[copies.copy_out(r) for r in rows],
    )


async def create_transfer(data: TransferIn, *, actor: Actor, clock: Clock) -> TransferOut:
    if not actor.serves(data.from_space_id):
        raise NotStaffOfSpace()
    if data.from_space_id == data.to_space_id:
        raise IllegalTransition("调出和调入的空间不能相同")
    spaces = await Space.select(Space.id).where(Space.id.is_in([data.from_space_id, data.to_space_id]))
    if len(spaces) != 2:
        raise SpaceNotFound()
    rows = await _copies_for(data.barcodes)
    now = clock.now()
    async with write_transaction():
        created = await Transfer.insert(
            Transfer(
                from_space=data.from_space_id,
                to_space=data.to_space_id,
                created_by=actor.user_id,
                created_at=now,
                note=data.note.strip(),
            )
        ).returning(Transfer.id)
        transfer_id = created[0]["id"]
        for row in rows:
            if row["current_space"] != data.from_space_id:
                raise IllegalTransition(f"{row['barcode']} 不在调出空间", barcode=row["barcode"])
            await copies.move(
                row["id"],
                "in_transit",
                kind="transfer_out",
                now=now,
                actor_id=actor.user_id,
                space_id=data.from_space_id,
                expect=("available",),
                detail={"transfer": transfer_id, "to": data.to_space_id},
            )
            await TransferItem.insert(TransferItem(transfer=transfer_id, copy=row["id"]))
    return await transfer_out(transfer_id)


async def receive(space_id: int, barcodes: list[str], *, actor: Actor, clock: Clock) -> list[CopyOut]:
    """Scan copies arriving at `space_id`: each open transfer item ends; the copy goes to the
    hold shelf if a family waits for it here, else onto the shelf here when a librarian's
    transfer sent it here (a book box stays where it was sent), else on to its next stop
    (home, when the hold it travelled for was cancelled meanwhile)."""
    if not actor.serves(space_id):
        raise NotStaffOfSpace()
    rows = await _copies_for(barcodes)
    for row in rows:  # the whole batch is checked first: none received, or all
        if row["status"] != "in_transit":
            raise IllegalTransition(f"{row['barcode']} 不在调拨途中", barcode=row["barcode"])
    now = clock.now()
    out = []
    for row in rows:
        async with write_transaction():
            items = (
                await TransferItem.update({TransferItem.received_at: now})
                .where((TransferItem.copy == row["id"]) & TransferItem.received_at.is_null())
                .returning(TransferItem.transfer)
            )
            sent_here = await Transfer.exists().where(
                Transfer.id.is_in([i["transfer"] for i in items] or [-1])
                & (Transfer.to_space == space_id)
                & (Transfer.note != circulation.ROUTED_NOTE)
            )
            await circulation.shelve(
                row["id"],
                space_id,
                actor_id=actor.user_id,
                now=now,
                kind="transfer_in",
                expect=("in_transit",),
                stay=sent_here,
            )
            for item in items:
                if not await TransferItem.exists().where(
                    (TransferItem.transfer == item["transfer"]) & TransferItem.received_at.is_null()
                ):
                    await Transfer.update({Transfer.received_at: now}).where(Transfer.id == item["transfer"])
        out.append(copies.copy_out(await copies.by_id(row["id"])))
    return out


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
    row = await Stocktake.select().where(Stocktake.id == stocktake_id).first()
    if row is None:
        raise StocktakeNotFound()
    scanned = await StocktakeScan.count().where(StocktakeScan.stocktake == stocktake_id)
    return StocktakeOut(
        id=row["id"],
        space_id=row["space"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        applied_at=row["applied_at"],
        scanned=int(scanned),
        report=loads(row["report"]) or None,
    )


async def _open_stocktake(space_id: int, stocktake_id: int, actor: Actor) -> dict[str, Any]:
    row = await Stocktake.select().where((Stocktake.id == stocktake_id) & (Stocktake.space == space_id)).first()
    if row is None:
        raise StocktakeNotFound()
    if not actor.serves(space_id):
        raise NotStaffOfSpace()
    return row


async def add_scans(
    space_id: int, stocktake_id: int, barcodes: list[str], *, actor: Actor, clock: Clock
) -> StocktakeOut:
    """Record shelf scans; repeats count once; unknown barcodes are kept (reported)."""
    row = await _open_stocktake(space_id, stocktake_id, actor)
    if row["finished_at"] is not None:
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


def _entry(row: dict[str, Any]) -> dict[str, object]:
    return {
        "copy_id": row["id"],
        "barcode": row["barcode"],
        "title": row["book.title"],
        "status": row["status"],
        "current_space_id": row["current_space"],
        "home_space_id": row["home_space"],
    }


async def finish_stocktake(space_id: int, stocktake_id: int, *, actor: Actor, clock: Clock) -> StocktakeOut:
    row = await _open_stocktake(space_id, stocktake_id, actor)
    if row["finished_at"] is not None:
        return await stocktake_out(stocktake_id)
    scans = await StocktakeScan.select(StocktakeScan.barcode, StocktakeScan.copy).where(
        StocktakeScan.stocktake == stocktake_id
    )
    scanned_ids = {s["copy"] for s in scans if s["copy"] is not None}
    expected = await Copy.select(*copies.COPY_COLUMNS).where(
        (Copy.current_space == space_id) & (Copy.status == "available")
    )
    scanned_rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.id.is_in(sorted(scanned_ids) or [-1]))
    report: dict[str, list[dict[str, object]]] = {
        "missing": [_entry(r) for r in expected if r["id"] not in scanned_ids],
        "unexpected": [
            _entry(r)
            for r in scanned_rows
            if r["status"] in ("available", "in_transit", "on_hold_shelf", "awaiting_shelving")
            and (r["current_space"] != space_id or r["status"] == "in_transit")
        ],
        "inconsistent": [_entry(r) for r in scanned_rows if r["status"] in ("on_loan", "missing", "withdrawn")],
        "unknown_barcodes": [{"barcode": s["barcode"]} for s in scans if s["copy"] is None],
        "to_shelve": [
            _entry(r) for r in scanned_rows if r["status"] == "awaiting_shelving" and r["current_space"] == space_id
        ],
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
    if row["finished_at"] is None:
        raise StocktakeClosed("请先结束盘点，查看报告后再确认")
    if row["applied_at"] is not None:
        return await stocktake_out(stocktake_id)
    report = loads(row["report"], {})
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
        await circulation.shelve(
            copy_id, space_id, actor_id=actor.user_id, now=now, kind="stocktake_found", expect=(was,), allow_same=True
        )
