"""Transfers ("book boxes" rotating between corners): each copy is `in_transit` until it is
received by scan at the destination; a copy routed home or to a hold's pickup space after a
return travels the same way (services/routing.py)."""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from reading.lending.errors import CopyNotFound, IllegalTransition, TransferNotFound
from reading.lending.schemas import CopyOut, TransferIn, TransferOut
from reading.lending.services import copies
from reading.lending.services.routing import ROUTED_NOTE, Destination, shelve
from reading.lending.services.scans import copy_for_code
from reading.lending.tables import Copy, Transfer, TransferItem
from spaces.errors import NotStaffOfSpace, SpaceNotFound
from spaces.tables import Space

# A transfer as `TransferOut` names its fields (its copies are read apart).
TRANSFER_COLUMNS = (
    Transfer.id,
    Transfer.from_space.as_alias("from_space_id"),
    Transfer.to_space.as_alias("to_space_id"),
    Transfer.created_at,
    Transfer.received_at,
)


async def copies_for(barcodes: list[str]) -> list[CopyOut]:
    """The copies of these barcodes; all of them, or CopyNotFound naming the unknown ones."""
    wanted = sorted({b.strip().upper() for b in barcodes if b.strip()})
    rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.barcode.is_in(wanted or ["-"]))
    found = {r["barcode"] for r in rows}
    missing = [b for b in wanted if b not in found]
    if missing:
        raise CopyNotFound(barcodes=missing)
    return copies.copies_out(rows)


async def visible_transfer(transfer_id: int, actor: Actor) -> TransferOut:
    """A transfer for staff of either of its spaces; others are told it does not exist."""
    done = await transfer_out(transfer_id)
    if not (actor.serves(done.from_space_id) or actor.serves(done.to_space_id)):
        raise TransferNotFound()
    return done


async def transfer_out(transfer_id: int) -> TransferOut:
    row = await Transfer.select(*TRANSFER_COLUMNS).where(Transfer.id == transfer_id).first()
    if row is None:
        raise TransferNotFound()
    items = await TransferItem.select(TransferItem.copy).where(TransferItem.transfer == transfer_id)
    rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.id.is_in([i["copy"] for i in items] or [-1]))
    return msgspec.convert({**row, "items": rows}, TransferOut)


async def create_transfer(data: TransferIn, *, actor: Actor, clock: Clock) -> TransferOut:
    if not actor.serves(data.from_space_id):
        raise NotStaffOfSpace()
    if data.from_space_id == data.to_space_id:
        raise IllegalTransition(N_("调出和调入的空间不能相同"))
    spaces = await Space.select(Space.id).where(Space.id.is_in([data.from_space_id, data.to_space_id]))
    if len(spaces) != 2:
        raise SpaceNotFound()
    rows = await copies_for(data.barcodes)
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
        for copy in rows:
            if copy.current_space_id != data.from_space_id:
                raise IllegalTransition(barcode=copy.barcode)
            await copies.move(
                copy.id,
                "in_transit",
                kind="transfer_out",
                now=now,
                actor_id=actor.user_id,
                space_id=data.from_space_id,
                expect=("available",),
                detail={"transfer": transfer_id, "to": data.to_space_id},
            )
            await TransferItem.insert(TransferItem(transfer=transfer_id, copy=copy.id))
    return await transfer_out(transfer_id)


async def create_from_scans(
    from_space: int | None, to_space: int | None, scanned: str, note: str, *, actor: Actor, clock: Clock
) -> TransferOut:
    """The page's transfer: the copies scanned into the box (labels' QR codes or barcodes, one
    a line), from one space to another."""
    codes = [c for c in re.split(r"[\s,，;；]+", scanned) if c.strip()]
    barcodes = [(await copy_for_code(code, clock)).barcode for code in codes[:500]]
    return await create_transfer(transfer_in(from_space, to_space, barcodes, note), actor=actor, clock=clock)


def transfer_in(from_space: int | None, to_space: int | None, barcodes: list[str], note: str) -> TransferIn:
    """A transfer from the page's form and the barcodes of the scanned copies."""
    if from_space is None or to_space is None:
        raise InvalidInput(N_("请选择调出和调入的空间"), fields=[{"field": "to_space_id", "message": "required"}])
    if not barcodes:
        raise InvalidInput(N_("请扫描要调拨的绘本"), fields=[{"field": "barcodes", "message": "required"}])
    return TransferIn(from_space_id=from_space, to_space_id=to_space, barcodes=barcodes, note=note.strip()[:200])


async def _receive_one(copy: CopyOut, space_id: int, actor: Actor, now: datetime) -> Destination:
    async with write_transaction():
        items = (
            await TransferItem.update({TransferItem.received_at: now})
            .where((TransferItem.copy == copy.id) & TransferItem.received_at.is_null())
            .returning(TransferItem.transfer)
        )
        sent_here = await Transfer.exists().where(
            Transfer.id.is_in([i["transfer"] for i in items] or [-1])
            & (Transfer.to_space == space_id)
            & (Transfer.note != ROUTED_NOTE)
        )
        destination = await shelve(
            copy.id,
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
    return destination


async def receive(space_id: int, barcodes: list[str], *, actor: Actor, clock: Clock) -> list[CopyOut]:
    """Scan copies arriving at `space_id`: each open transfer item ends; the copy goes to the
    hold shelf if a family waits for it here, else onto the shelf here when a librarian's
    transfer sent it here (a book box stays where it was sent), else on to its next stop
    (home, when the hold it travelled for was cancelled meanwhile)."""
    if not actor.serves(space_id):
        raise NotStaffOfSpace()
    rows = await copies_for(barcodes)
    for copy in rows:  # the whole batch is checked first: none received, or all
        if copy.status != "in_transit":
            raise IllegalTransition(barcode=copy.barcode)
    now = clock.now()
    out = []
    for copy in rows:
        await _receive_one(copy, space_id, actor, now)
        out.append(await copies.by_id(copy.id))
    return out


async def heading_to(copy_id: int) -> int | None:
    """The space a copy in transit is travelling to (its open transfer's destination)."""
    row = (
        await Transfer.select(Transfer.to_space)
        .where(
            Transfer.id.is_in(
                TransferItem.select(TransferItem.transfer).where(
                    (TransferItem.copy == copy_id) & TransferItem.received_at.is_null()
                )
            )
        )
        .first()
    )
    return int(row["to_space"]) if row else None
