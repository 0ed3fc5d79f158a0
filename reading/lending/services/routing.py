"""Where a copy goes next when it comes back to a space (a return, a receipt, a hold that
ended, a stocktake that found it): the first waiting hold for the title (its pickup space's
hold shelf, or in transit there), else home (in transit) or the shelf here.

A copy is given to exactly one hold by a conditional `waiting` update; routing and joining a
title's queue both take the title's row lock, so neither misses the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.kernel import policies
from app.kernel.db import write_transaction
from app.kernel.i18n import N_, gettext
from reading.lending.schemas import CopyOut
from reading.lending.services import copies, reminders
from reading.lending.tables import Book, Hold, Transfer, TransferItem

# Where a returned copy goes, in plain words (the templates say the same: lending/_parts.html).
GOES_TO = {
    "shelf": N_("放回书架"),
    "hold_shelf": N_("放到预约架：已有家庭预约"),
    "transit": N_("放入调拨箱，送往%(space)s"),
    "awaiting_shelving": N_("已还，等待志愿者上架"),
}
# The note of the transfers routing makes (home, or to a hold's pickup space); a librarian's
# own transfers ("book boxes") are the others, and their copies stay where they were sent.
ROUTED_NOTE = "归还后调回"


def known_goes(goes: str | None) -> str | None:
    """A `?goes=` of a page's address, if it is one of GOES_TO."""
    return goes if goes in GOES_TO else None


def goes_to_words(goes_to: str, space_name: str = "") -> str:
    """Where a copy goes, in the reader's language."""
    if goes_to == "transit":
        return gettext(GOES_TO["transit"]) % {"space": space_name}
    return gettext(GOES_TO.get(goes_to, GOES_TO["shelf"]))


@dataclass(frozen=True, slots=True)
class Destination:
    status: str
    goes_to: str
    space_id: int | None
    hold_id: int | None = None


@dataclass(frozen=True, slots=True)
class Waiting:
    """A family's hold waiting for a copy of the title."""

    id: int
    family_id: int
    pickup_space_id: int


async def next_hold(book_id: int) -> Waiting | None:
    """The first hold in the title's queue that no copy was given to yet."""
    row = (
        await Hold.select(Hold.id, Hold.family, Hold.pickup_space)
        .where((Hold.book == book_id) & (Hold.status == "waiting") & Hold.copy.is_null())
        .order_by(Hold.id)
        .first()
    )
    return Waiting(int(row["id"]), int(row["family"]), int(row["pickup_space"])) if row else None


async def lock_title(book_id: int) -> None:
    """Take the title's row lock (a no-op update; SQLite's write transactions are serial
    anyway) for the rest of the transaction. Routing a copy and joining the queue both take
    it, so neither misses the other: without it, a hold placed while its copy was being
    returned saw the copy still on loan, and the return had seen no hold yet, so the copy
    went back on the shelf while the family waited."""
    await Book.update({Book.draft: Book.draft}).where(Book.id == book_id)


async def _ready(now: datetime) -> dict[Any, Any]:
    """A hold ready now, kept for the pickup days the policy says (app/kernel/policies.py)."""
    days = await policies.value("hold_pickup_days")
    return {Hold.status: "ready", Hold.ready_at: now, Hold.expires_at: now + timedelta(days=days)}


async def _claimed_for(copy: CopyOut, here: int, now: datetime) -> Destination | None:
    """A copy travelling to the family whose hold claimed it: on to them, or ready here."""
    claimed = (
        await Hold.select(Hold.id, Hold.pickup_space).where((Hold.copy == copy.id) & (Hold.status == "waiting")).first()
    )
    if claimed is None:
        return None
    if claimed["pickup_space"] != here:
        return Destination("in_transit", "transit", claimed["pickup_space"], claimed["id"])
    await Hold.update(await _ready(now)).where(Hold.id == claimed["id"])
    return Destination("on_hold_shelf", "hold_shelf", here, claimed["id"])


async def _route(copy: CopyOut, here: int, now: datetime, *, stay: bool = False) -> Destination:
    """Where a copy at `here` goes next; claims the first waiting hold (inside the transaction).
    `stay`: with no hold to serve, the copy stays on the shelf here even away from home (a
    transfer's copies at their destination)."""
    await lock_title(copy.book_id)
    travelling = await _claimed_for(copy, here, now)
    if travelling is not None:
        return travelling
    while (hold := await next_hold(copy.book_id)) is not None:
        pickup = hold.pickup_space_id
        values: dict[Any, Any] = {Hold.copy: copy.id, **(await _ready(now) if pickup == here else {})}
        claimed = (
            await Hold.update(values)
            .where((Hold.id == hold.id) & (Hold.status == "waiting") & Hold.copy.is_null())
            .returning(Hold.id)
        )
        if not claimed:
            continue  # another return took this hold first: try the next one
        if pickup == here:
            return Destination("on_hold_shelf", "hold_shelf", here, hold.id)
        return Destination("in_transit", "transit", pickup, hold.id)
    if copy.home_space_id != here and not stay:
        return Destination("in_transit", "transit", copy.home_space_id)
    return Destination("available", "shelf", here)


async def _send_in_transit(copy_id: int, from_space: int, to_space: int, actor_id: int | None, now: datetime) -> None:
    rows = await Transfer.insert(
        Transfer(from_space=from_space, to_space=to_space, created_by=actor_id, created_at=now, note=ROUTED_NOTE)
    ).returning(Transfer.id)
    await TransferItem.insert(TransferItem(transfer=rows[0]["id"], copy=copy_id))


async def shelve(
    copy_id: int,
    here: int,
    *,
    actor_id: int | None,
    now: datetime,
    kind: str,
    expect: tuple[str, ...] | None = None,
    allow_same: bool = False,
    stay: bool = False,
) -> Destination:
    """Put a copy that is at `here` where it belongs next (hold shelf, transit, or shelf).
    `allow_same`: a copy may stay in its status (a hold-shelf copy passing to the next hold at
    the same shelf, a copy on a shelf found at another space), its place and history updated.
    `stay`: see `_route`."""
    copy = await copies.by_id(copy_id)
    async with write_transaction():
        destination = await _route(copy, here, now, stay=stay)
        await copies.move(
            copy_id,
            destination.status,
            kind=kind,
            now=now,
            actor_id=actor_id,
            space_id=here,
            current_space=here,
            expect=expect,
            allow_same=allow_same,
            detail={"goes_to": destination.goes_to, "destination": destination.space_id},
        )
        if destination.status == "in_transit" and destination.space_id is not None:
            await _send_in_transit(copy_id, here, destination.space_id, actor_id, now)
        if destination.status == "on_hold_shelf" and destination.hold_id is not None:
            await reminders.hold_ready(destination.hold_id, now)
    return destination
