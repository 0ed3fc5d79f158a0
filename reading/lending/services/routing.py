"""Where a copy goes next when it comes back to a space (a return, a receipt, a hold that
ended, a stocktake that found it): the first waiting hold for the title (its pickup space's
hold shelf, or in transit there), else home (in transit) or the shelf here.

A copy is given to exactly one hold by a conditional `waiting` update; routing and joining a
title's queue both take the title's row lock, so neither misses the other.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from app.kernel import policies
from app.kernel.db import is_sqlite, write_transaction
from app.kernel.i18n import N_, gettext
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from app.kernel.values import frozen
from reading.lending.errors import CopyNotFound, IllegalTransition, LoanNotFound
from reading.lending.schemas import CopyOut
from reading.lending.services import copies, reminders
from reading.lending.services.circulation_sql import ROUTE, ROUTE_SCENE, TITLE_LOCK, for_copy
from reading.lending.tables import Book, Copy, Hold, Loan, Transfer, TransferItem
from spaces.errors import SpaceNotFound

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


@frozen
class Destination:
    status: str
    goes_to: str
    space_id: int | None
    hold_id: int | None = None


@frozen
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


@frozen
class Routing:
    """A copy routed at a space: what moves it (a return, a receipt, a hold's end...)."""

    here: int
    kind: str  # the event's kind
    actor_id: int | None
    now: datetime
    expect: tuple[str, ...] | None = None  # the statuses it may come from (None: any that allows the move)
    allow_same: bool = False  # it may stay in its status (see `shelve`)
    stay: bool = False  # with no hold to serve, it stays on the shelf here even away from home
    returning: bool = False  # a return: its open loan closes, a transfer it was on ends
    owner: int | None = None  # a family's own return (a family's id; 0: none): its loan, and the
    # copy waits for a volunteer to shelve it

    @property
    def awaiting(self) -> bool:
        return self.owner is not None


@frozen
class RouteScene:
    """What routing a copy reads (ROUTE_SCENE), the title's lock taken before."""

    copy: CopyOut
    here_name: str | None  # None: no such space
    names: dict[int, str]  # of the spaces it may go to
    open_loan: tuple[int, int] | None  # id, family
    claimed: tuple[int, int] | None  # the waiting hold that claimed it: id, pickup space
    next_hold: tuple[int, int] | None  # the first waiting hold of the title with no copy yet
    pickup_days: int


async def lock_copy_title(copy: int | str) -> int:
    """Take the lock of the title of `copy` (its id, or a barcode): its id; CopyNotFound."""
    sql, key = for_copy(TITLE_LOCK, copy)
    rows = await Copy.raw("{}", statement(dialect(sql), copy=key))
    if not rows:
        raise CopyNotFound()
    return int(rows[0]["id"])


async def route_scene(copy_id: int, here: int) -> RouteScene:
    query = statement(dialect(ROUTE_SCENE), copy=copy_id, here=here, district=policies.DISTRICT)
    rows = await Copy.raw("{}", query)
    if not rows:
        raise CopyNotFound()
    row = rows[0]
    copy = copies.copy_out(row)
    names = {copy.home_space_id: str(row["home_name"])}
    holds = []
    for column in ("claimed", "next_hold"):
        hold = loads(row[column], None)
        if hold:
            names[int(hold[1])] = str(hold[2])
        holds.append((int(hold[0]), int(hold[1])) if hold else None)
    if row["here_name"] is not None:
        names[here] = str(row["here_name"])
    loan = loads(row["open_loan"], None)
    return RouteScene(
        copy=copy,
        here_name=row["here_name"],
        names=names,
        open_loan=(int(loan[0]), int(loan[1])) if loan else None,
        claimed=holds[0],
        next_hold=holds[1],
        pickup_days=policies.applying("hold_pickup_days", here=None, district=row["pickup_days"]),
    )


def destination(scene: RouteScene, routing: Routing) -> Destination:
    """Where the copy goes from `routing.here`: on to the family whose hold claimed it, else to
    the first waiting hold (its hold shelf here, or in transit), else home or the shelf here."""
    here = routing.here
    if routing.awaiting:
        return Destination("awaiting_shelving", "awaiting_shelving", here)
    hold = scene.claimed or scene.next_hold
    if hold is not None:
        hold_id, pickup = hold
        if pickup == here:
            return Destination("on_hold_shelf", "hold_shelf", here, hold_id)
        return Destination("in_transit", "transit", pickup, hold_id)
    if scene.copy.home_space_id != here and not routing.stay:
        return Destination("in_transit", "transit", scene.copy.home_space_id)
    return Destination("available", "shelf", here)


def _owns(loan: tuple[int, int] | None, owner: int | None) -> bool:
    """A family's own return: the copy is lent (to the family, when the returner has one)."""
    return loan is not None and (not owner or loan[1] == owner)


def check_move(before: str, to: str, routing: Routing) -> None:
    """IllegalTransition when a copy in `before` may not move to `to` (copies.TRANSITIONS)."""
    allowed = routing.expect or tuple(s for s, targets in copies.TRANSITIONS.items() if to in targets)
    same = routing.allow_same and before == to
    if not same and (before not in allowed or to not in copies.TRANSITIONS[before]):
        raise IllegalTransition(copy_status=before)


@frozen
class Routed:
    """A copy routed: where it goes, and the loan a return closed."""

    copy: CopyOut
    destination: Destination
    loan: tuple[int, int] | None  # id, family
    names: dict[int, str]


async def route(copy: int | str, routing: Routing) -> Routed:
    """Route a copy (its id, or a barcode) at `routing.here`, in one transaction: the title's
    lock, one read, one write on PostgreSQL (SQLite writes one by one). SpaceNotFound,
    CopyNotFound, IllegalTransition; a hold taken meanwhile by another routing is read again."""
    async with write_transaction():
        copy_id = await lock_copy_title(copy)
        for _ in range(3):
            scene = await route_scene(copy_id, routing.here)
            if scene.here_name is None:
                raise SpaceNotFound()
            if routing.awaiting and not _owns(scene.open_loan, routing.owner):
                raise LoanNotFound(N_("这一册不在您的借阅中"))
            going = destination(scene, routing)
            check_move(scene.copy.status, going.status, routing)
            taken, loan = await write(scene, going, routing)
            if not taken:
                continue  # the hold was given another copy or cancelled meanwhile: read again
            if going.status == "on_hold_shelf" and going.hold_id is not None:
                await reminders.hold_ready(going.hold_id, routing.now)
            return Routed(scene.copy, going, loan, scene.names)
    raise IllegalTransition(copy_status=scene.copy.status)


def _hold_values(going: Destination, routing: Routing, pickup_days: int) -> dict[str, Any]:
    """The hold a routing gives the copy: ready on the hold shelf here (kept for the pickup
    days), or still waiting while the copy travels to it."""
    if going.status != "on_hold_shelf":
        return {"hold_status": "waiting", "ready_at": None, "expires_at": None}
    return {
        "hold_status": "ready",
        "ready_at": routing.now,
        "expires_at": routing.now + timedelta(days=pickup_days),
    }


Written = tuple[bool, tuple[int, int] | None]  # the hold taken (or none needed), the loan closed


async def write(scene: RouteScene, going: Destination, routing: Routing) -> Written:
    """Write a routing the scene decided (inside its transaction). IllegalTransition when the
    copy changed since; (False, None), nothing written, when the hold it meant to give the copy
    was given another or cancelled meanwhile."""
    return await (_write(scene, going, routing) if is_sqlite() else _route(scene, going, routing))


async def _route(scene: RouteScene, going: Destination, routing: Routing) -> Written:
    """PostgreSQL: ROUTE, one statement."""
    copy = scene.copy
    query = statement(
        ROUTE,
        copy=copy.id,
        hold=going.hold_id or 0,
        **_hold_values(going, routing, scene.pickup_days),
        to=going.status,
        now=routing.now,
        here=routing.here,
        before=copy.status,
        kind=routing.kind,
        actor=routing.actor_id,
        detail=json.dumps(_detail(going, routing)),
        close_loan=routing.returning,
        receive=routing.returning and copy.status == "in_transit",
        to_space=going.space_id,
        note=ROUTED_NOTE,
    )
    row = (await Copy.raw("{}", query))[0]
    if row["moved"] is None:
        if going.hold_id is not None and not row["claimed"]:
            return False, None
        raise IllegalTransition(copy_status=copy.status)
    return True, (int(row["loan_id"]), int(row["family"])) if row["loan_id"] is not None else None


def _detail(going: Destination, routing: Routing) -> dict[str, Any]:
    if routing.awaiting:
        return {}
    return {"goes_to": going.goes_to, "destination": going.space_id}


async def _write(scene: RouteScene, going: Destination, routing: Routing) -> Written:
    """SQLite (serial write transactions, no writes inside WITH): ROUTE's writes one by one."""
    copy, now, here = scene.copy, routing.now, routing.here
    if going.hold_id is not None:
        values = _hold_values(going, routing, scene.pickup_days)
        taken = (
            await Hold.update(
                {
                    Hold.copy: copy.id,
                    Hold.status: values["hold_status"],
                    Hold.ready_at: values["ready_at"],
                    Hold.expires_at: values["expires_at"],
                }
            )
            .where(
                (Hold.id == going.hold_id) & (Hold.status == "waiting") & (Hold.copy.is_null() | (Hold.copy == copy.id))
            )
            .returning(Hold.id)
        )
        if not taken:
            return False, None
    detail = _detail(going, routing)
    await copies.transition(
        copy.id,
        copy.status,
        going.status,
        kind=routing.kind,
        now=now,
        actor_id=routing.actor_id,
        space_id=here,
        current_space=here,
        detail=detail,
    )
    loan = None
    if routing.returning:
        closed = (
            await Loan.update({Loan.returned_at: now, Loan.returned_space: here})
            .where((Loan.copy == copy.id) & Loan.returned_at.is_null())
            .returning(Loan.id, Loan.family)
        )
        loan = (int(closed[0]["id"]), int(closed[0]["family"])) if closed else None
        if copy.status == "in_transit":
            await TransferItem.update({TransferItem.received_at: now}).where(
                (TransferItem.copy == copy.id) & TransferItem.received_at.is_null()
            )
    if going.status == "in_transit" and going.space_id is not None:
        rows = await Transfer.insert(
            Transfer(
                from_space=here, to_space=going.space_id, created_by=routing.actor_id, created_at=now, note=ROUTED_NOTE
            )
        ).returning(Transfer.id)
        await TransferItem.insert(TransferItem(transfer=rows[0]["id"], copy=copy.id))
    return True, loan


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
    `stay`: see `Routing`."""
    routing = Routing(here, kind, actor_id, now, expect=expect, allow_same=allow_same, stay=stay)
    return (await route(copy_id, routing)).destination
