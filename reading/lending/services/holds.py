"""Holds ("预约借书"): a fair queue per title (by id) with a pickup space. A copy is given to
exactly one hold (services/routing.py); a ready hold waits 3 days on the hold shelf, then
passes on to the next family."""

from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from typing import Any

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from reading.lending.errors import (
    AlreadyHeld,
    BookNotFound,
    CopyNotFound,
    HoldNotFound,
    IllegalTransition,
    LoanNotFound,
)
from reading.lending.schemas import HoldOut
from reading.lending.services import copies, reminders
from reading.lending.services.routing import Destination, lock_title, next_hold, shelve
from reading.lending.tables import Book, Copy, Hold
from spaces.errors import SpaceNotFound
from spaces.services.access import ensure_serves
from spaces.tables import Space

ACTIVE = ["waiting", "ready"]


# A hold as `HoldOut` names its fields (its place in the queue is counted apart).
HOLD_COLUMNS = (
    Hold.id,
    Hold.book.as_alias("book_id"),
    Hold.book._.title.as_alias("title"),
    Hold.pickup_space.as_alias("pickup_space_id"),
    Hold.status,
    Hold.created_at,
    Hold.expires_at,
)


async def _positions(rows: list[dict[str, Any]]) -> list[int | None]:
    """Each waiting hold's place in its title's queue (1: next; None when not waiting): the
    waiting holds of its title before it, counted for all the rows in one query."""
    books = sorted({r["book_id"] for r in rows if r["status"] == "waiting"})
    queues: dict[int, list[int]] = {}
    if books:
        waiting = Hold.select(Hold.id, Hold.book).where(Hold.book.is_in(books) & (Hold.status == "waiting"))
        for h in await waiting.order_by(Hold.id):
            queues.setdefault(h["book"], []).append(h["id"])
    return [bisect_left(queues.get(r["book_id"], []), r["id"]) + 1 if r["status"] == "waiting" else None for r in rows]


async def _holds_out(query: Any, limit: int) -> list[HoldOut]:
    """The holds a select of HOLD_COLUMNS finds, by id."""
    rows = await query.order_by(Hold.id).limit(limit)
    positions = await _positions(rows)
    return msgspec.convert([{**r, "position": p} for r, p in zip(rows, positions, strict=True)], list[HoldOut])


async def hold_out(hold_id: int) -> HoldOut:
    found = await _holds_out(Hold.select(*HOLD_COLUMNS).where(Hold.id == hold_id), 1)
    if not found:
        raise HoldNotFound()
    return found[0]


async def active_holds(family_id: int) -> list[HoldOut]:
    """A family's holds still waiting or ready."""
    query = Hold.select(*HOLD_COLUMNS).where((Hold.family == family_id) & Hold.status.is_in(ACTIVE))
    return await _holds_out(query, 200)


async def list_holds(actor: Actor, space_id: int | None) -> list[HoldOut]:
    """The API's holds: a family's own; staff: the holds to pull at a space (ready or waiting)."""
    query = Hold.select(*HOLD_COLUMNS).where(Hold.status.is_in(ACTIVE))
    if actor.is_staff and space_id is not None:
        ensure_serves(actor, space_id)
        query = query.where(Hold.pickup_space == space_id)
    elif actor.family_id is not None:
        query = query.where(Hold.family == actor.family_id)
    else:
        raise LoanNotFound("请指定空间")
    return await _holds_out(query, 500)


async def _join_queue(book_id: int, family_id: int, pickup_space_id: int, actor: Actor, now: datetime) -> int:
    try:
        async with write_transaction():
            await lock_title(book_id)  # a return routing a copy of this title sees this hold, or we see its copy
            rows = await Hold.insert(
                Hold(
                    book=book_id,
                    family=family_id,
                    pickup_space=pickup_space_id,
                    status="waiting",
                    created_at=now,
                    booked_by=actor.user_id,
                )
            ).returning(Hold.id)
    except Exception as exc:
        if is_unique_violation(exc):
            raise AlreadyHeld() from exc
        raise
    return int(rows[0]["id"])


async def place_hold(book_id: int, pickup_space_id: int, *, actor: Actor, clock: Clock) -> HoldOut:
    """Join the queue for a title. If a copy is on the pickup space's shelf now, it goes
    straight onto the hold shelf for this family."""
    family_id = actor.family_id
    if family_id is None:
        raise LoanNotFound("只有家庭账号可以预约借书")
    if not await Book.exists().where(Book.id == book_id):
        raise BookNotFound()
    if not await Space.exists().where(Space.id == pickup_space_id):
        raise SpaceNotFound()
    now = clock.now()
    hold_id = await _join_queue(book_id, family_id, pickup_space_id, actor, now)
    shelf = (
        await Copy.select(Copy.id)
        .where((Copy.book == book_id) & (Copy.current_space == pickup_space_id) & (Copy.status == "available"))
        .order_by(Copy.id)
    )
    for candidate in shelf:
        if await _is_first(hold_id, book_id):
            try:
                await shelve(candidate["id"], pickup_space_id, actor_id=actor.user_id, now=now, kind="hold_trap")
                break
            except IllegalTransition:
                continue  # lent out meanwhile: try the next copy
    return await hold_out(hold_id)


async def pull(copy_id: int | None, space_id: int | None, *, actor: Actor, clock: Clock) -> Destination:
    """A copy taken from the shelf for the first waiting family: onto the hold shelf here, or
    into the transfer box for the family's pickup space."""
    if space_id is None or copy_id is None:
        raise InvalidInput(N_("请选择要取下的绘本"), fields=[{"field": "copy_id", "message": "required"}])
    ensure_serves(actor, space_id)
    copy = await copies.by_id(copy_id)
    if copy.status != "available" or copy.current_space_id != space_id:
        raise CopyNotFound(N_("这一册已不在这个空间的书架上"))
    return await shelve(copy_id, space_id, actor_id=actor.user_id, now=clock.now(), kind="hold_pull")


async def _is_first(hold_id: int, book_id: int) -> bool:
    first = await next_hold(book_id)
    return first is not None and first.id == hold_id


async def cancel_hold(hold_id: int, *, actor: Actor, clock: Clock) -> HoldOut:
    row = (
        await Hold.select(Hold.id, Hold.family, Hold.status, Hold.copy, Hold.pickup_space)
        .where(Hold.id == hold_id)
        .first()
    )
    if row is None or (row["family"] != actor.family_id and not actor.serves(row["pickup_space"])):
        raise HoldNotFound()
    now = clock.now()
    if row["status"] in ACTIVE:
        async with write_transaction():
            changed = (
                await Hold.update({Hold.status: "cancelled", Hold.closed_at: now})
                .where((Hold.id == hold_id) & (Hold.status == row["status"]))
                .returning(Hold.id)
            )
            if changed and row["copy"] is not None and row["status"] == "ready":
                await release_hold_copy(row["copy"], row["pickup_space"], actor.user_id, now)
    return await hold_out(hold_id)


async def release_hold_copy(copy_id: int, space_id: int, actor_id: int | None, now: datetime) -> None:
    """A copy on the hold shelf whose hold ended: to the next hold, home, or the shelf."""
    copy = await Copy.select(Copy.status).where(Copy.id == copy_id).first()
    if copy is None or copy["status"] != "on_hold_shelf":
        return
    # One move from the hold shelf (to it again for the next hold here): going through
    # `available` first made the plain way back to the shelf an illegal available → available.
    await shelve(
        copy_id, space_id, actor_id=actor_id, now=now, kind="hold_released", expect=("on_hold_shelf",), allow_same=True
    )


async def expire_holds(*, clock: Clock) -> int:
    """Ready holds not collected in time expire; their copies pass to the next family."""
    now = clock.now()
    due = await Hold.select(Hold.id, Hold.family, Hold.copy, Hold.pickup_space, Hold.book._.title).where(
        (Hold.status == "ready") & (Hold.expires_at <= now)
    )
    expired = 0
    for hold in due:
        async with write_transaction():
            changed = (
                await Hold.update({Hold.status: "expired", Hold.closed_at: now})
                .where((Hold.id == hold["id"]) & (Hold.status == "ready"))
                .returning(Hold.id)
            )
            if not changed:
                continue
            if hold["copy"] is not None:
                await release_hold_copy(hold["copy"], hold["pickup_space"], None, now)
            await reminders.hold_expired(hold["family"], hold["book.title"], now)
        expired += 1
    return expired
