"""Read models of the staff's stock pages: holds to hand out and copies to pull at a space,
transfers on their way and arriving, stocktakes."""

from __future__ import annotations

from dataclasses import field
from datetime import datetime
from typing import Any

from app.accounts.actor import Actor
from app.accounts.roles import DISTRICT_ADMIN, LIBRARIAN
from app.accounts.tables import Guardian
from app.kernel.values import frozen
from reading.lending.schemas import StocktakeOut, TransferOut
from reading.lending.services import copies, stocktakes, transfers
from reading.lending.services.scans import new_nonce
from reading.lending.services.views import SpaceName, space_names, workplace
from reading.lending.tables import Copy, Hold, Stocktake, StocktakeScan, Transfer, TransferItem


@frozen
class ReadyHold:
    """A copy on the hold shelf, waiting for its family to collect it."""

    id: int
    title: str
    barcode: str
    guardian: str
    expires_at: datetime | None


@frozen
class QueuedHold:
    """A hold waiting for a copy to be collected here (`travelling`: one is on its way)."""

    id: int
    title: str
    travelling: bool
    created_at: datetime


@frozen
class ToPull:
    """A copy on this shelf the first family queuing for its title is waiting for."""

    copy_id: int
    barcode: str
    title: str
    pickup: str  # the family's pickup space
    here: bool  # ... is this one


@frozen
class HoldsAtSpace:
    served: list[SpaceName]
    space_id: int | None
    ready: list[ReadyHold] = field(default_factory=list)
    queue: list[QueuedHold] = field(default_factory=list)
    pull: list[ToPull] = field(default_factory=list)


async def _ready(space_id: int) -> list[ReadyHold]:
    rows = await (
        Hold.select(Hold.id, Hold.book._.title, Hold.family, Hold.copy._.barcode, Hold.expires_at)
        .where((Hold.pickup_space == space_id) & (Hold.status == "ready"))
        .order_by(Hold.expires_at)
        .limit(500)
    )
    families = sorted({int(h["family"]) for h in rows}) or [-1]
    guardians = {
        int(g["family"]): str(g["name"])
        for g in await Guardian.select(Guardian.family, Guardian.name).where(Guardian.family.is_in(families))
    }
    return [
        ReadyHold(
            h["id"], h["book.title"], h["copy.barcode"] or "", guardians.get(int(h["family"]), ""), h["expires_at"]
        )
        for h in rows
    ]


async def _queue(space_id: int) -> list[QueuedHold]:
    rows = await (
        Hold.select(Hold.id, Hold.book._.title, Hold.copy, Hold.created_at)
        .where((Hold.pickup_space == space_id) & (Hold.status == "waiting"))
        .order_by(Hold.id)
        .limit(500)
    )
    return [QueuedHold(h["id"], h["book.title"], h["copy"] is not None, h["created_at"]) for h in rows]


async def _pull(space_id: int, names: dict[int, str]) -> list[ToPull]:
    """One copy per title on this shelf for the title's first waiting hold (anywhere)."""
    waiting = await (
        Hold.select(Hold.book, Hold.book._.title, Hold.pickup_space)
        .where((Hold.status == "waiting") & Hold.copy.is_null())
        .order_by(Hold.id)
        .limit(2000)
    )
    first: dict[int, dict[str, Any]] = {}
    for h in waiting:
        first.setdefault(int(h["book"]), h)
    shelf = (
        await Copy.select(Copy.id, Copy.barcode, Copy.book)
        .where(Copy.book.is_in(list(first) or [-1]) & (Copy.current_space == space_id) & (Copy.status == "available"))
        .order_by(Copy.id)
    )
    pull: dict[int, ToPull] = {}
    for c in shelf:
        h = first[int(c["book"])]
        pickup = int(h["pickup_space"])
        pull.setdefault(
            int(c["book"]), ToPull(c["id"], c["barcode"], h["book.title"], names.get(pickup, ""), pickup == space_id)
        )
    return list(pull.values())


async def holds_at(actor: Actor, space: int | None) -> HoldsAtSpace:
    """Holds at a space: on the hold shelf (to hand out), copies to pull from the shelf for a
    waiting family, and the queue."""
    place = await workplace(actor, space)
    if place.space_id is None:
        return HoldsAtSpace(place.served, None)
    here = place.space_id
    return HoldsAtSpace(
        place.served, here, await _ready(here), await _queue(here), await _pull(here, await space_names())
    )


@frozen
class OpenTransfer:
    id: int
    from_space: int
    to_space: int
    created_at: datetime
    note: str
    total: int
    received: int


@frozen
class TransfersPage:
    served: list[SpaceName]
    space_id: int | None
    names: dict[int, str]
    all_spaces: list[tuple[int, str]]
    open: list[OpenTransfer]  # from and to the spaces served, newest first
    can_create: bool


async def _open_transfers(space_ids: list[int]) -> list[OpenTransfer]:
    ids = space_ids or [-1]
    rows = await (
        Transfer.select()
        .where(Transfer.received_at.is_null() & (Transfer.from_space.is_in(ids) | Transfer.to_space.is_in(ids)))
        .order_by(Transfer.id, ascending=False)
        .limit(100)
    )
    counts: dict[int, list[int]] = {}
    items = await TransferItem.select(TransferItem.transfer, TransferItem.received_at).where(
        TransferItem.transfer.is_in([t["id"] for t in rows] or [-1])
    )
    for item in items:
        entry = counts.setdefault(int(item["transfer"]), [0, 0])
        entry[0] += 1
        if item["received_at"] is not None:
            entry[1] += 1
    return [
        OpenTransfer(t["id"], t["from_space"], t["to_space"], t["created_at"], t["note"], *counts.get(t["id"], [0, 0]))
        for t in rows
    ]


async def transfers_page(actor: Actor, space: int | None) -> TransfersPage:
    """Open transfers from and to my spaces; a new one by scanning barcodes."""
    place = await workplace(actor, space)
    names = await space_names()
    return TransfersPage(
        served=place.served,
        space_id=place.space_id,
        names=names,
        all_spaces=sorted(names.items()),
        open=await _open_transfers([s.id for s in place.served]),
        can_create=actor.has(DISTRICT_ADMIN, LIBRARIAN),
    )


@frozen
class TransferPage:
    transfer: TransferOut
    names: dict[int, str]
    received: dict[int, datetime | None]  # when each copy arrived


async def transfer_page(transfer_id: int, actor: Actor) -> TransferPage:
    done = await transfers.visible_transfer(transfer_id, actor)
    items = await TransferItem.select(TransferItem.copy, TransferItem.received_at).where(
        TransferItem.transfer == transfer_id
    )
    return TransferPage(done, await space_names(), {int(i["copy"]): i["received_at"] for i in items})


@frozen
class Arriving:
    id: int
    barcode: str
    title: str


@frozen
class ReceivePage:
    served: list[SpaceName]
    space_id: int | None
    arriving: list[Arriving]  # copies in transit to the space
    nonce: str


async def _arriving(space_id: int) -> list[Arriving]:
    heading_here = TransferItem.select(TransferItem.copy).where(
        TransferItem.received_at.is_null()
        & TransferItem.transfer.is_in(Transfer.select(Transfer.id).where(Transfer.to_space == space_id))
    )
    rows = await (
        Copy.select(Copy.id, Copy.barcode, Copy.book._.title)
        .where((Copy.status == "in_transit") & Copy.id.is_in(heading_here))
        .order_by(Copy.id)
        .limit(500)
    )
    return [Arriving(r["id"], r["barcode"], r["book.title"]) for r in rows]


async def receive_page(actor: Actor, space: int | None) -> ReceivePage:
    """Scan copies arriving at a space (book boxes, returns sent here)."""
    place = await workplace(actor, space)
    arriving = await _arriving(place.space_id) if place.space_id is not None else []
    return ReceivePage(place.served, place.space_id, arriving, new_nonce())


@frozen
class PastStocktake:
    id: int
    started_at: datetime
    finished_at: datetime | None
    applied_at: datetime | None


@frozen
class StocktakesPage:
    served: list[SpaceName]
    space_id: int | None
    history: list[PastStocktake]
    shelf: int  # copies the records put on the space's shelf


async def stocktakes_page(actor: Actor, space: int | None) -> StocktakesPage:
    """Start a stocktake for a space; earlier ones, kept as history."""
    place = await workplace(actor, space)
    if place.space_id is None:
        return StocktakesPage(place.served, None, [], 0)
    rows = await (
        Stocktake.select(Stocktake.id, Stocktake.started_at, Stocktake.finished_at, Stocktake.applied_at)
        .where(Stocktake.space == place.space_id)
        .order_by(Stocktake.id, ascending=False)
        .limit(50)
    )
    shelf = await Copy.count().where((Copy.current_space == place.space_id) & (Copy.status == "available"))
    return StocktakesPage(place.served, place.space_id, [PastStocktake(**r) for r in rows], int(shelf))


@frozen
class Scanned:
    barcode: str
    title: str  # empty for a barcode no copy has
    fits: bool = True  # a known copy that belongs on this shelf (else the scan warned)


@frozen
class StocktakePage:
    stocktake: StocktakeOut
    space_name: str
    names: dict[int, str]
    report: dict[str, list[dict[str, object]]]
    recent: list[Scanned]  # the last scans, newest first
    can_apply: bool
    nonce: str


async def stocktake_page(stocktake_id: int, actor: Actor) -> StocktakePage:
    """Scanning (while open), or the report (once finished)."""
    space_id = await stocktakes.space_of(stocktake_id, actor)
    out = await stocktakes.stocktake_out(stocktake_id)
    names = await space_names()
    recent = await (
        StocktakeScan.select(StocktakeScan.barcode, StocktakeScan.copy, StocktakeScan.copy._.book._.title)
        .where(StocktakeScan.stocktake == stocktake_id)
        .order_by(StocktakeScan.id, ascending=False)
        .limit(20)
    )
    found = {c.id: c for c in await copies.by_ids({r["copy"] for r in recent if r["copy"] is not None})}
    return StocktakePage(
        stocktake=out,
        space_name=names.get(space_id, ""),
        names=names,
        report=out.report or {},
        recent=[
            Scanned(
                r["barcode"],
                r["copy.book.title"] or "",
                r["copy"] in found and stocktakes.out_of_place(found[r["copy"]], space_id) is None,
            )
            for r in recent
        ],
        can_apply=actor.has(DISTRICT_ADMIN, LIBRARIAN),
        nonce=new_nonce(),
    )
