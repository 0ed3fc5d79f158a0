"""Copies and the one status machine every change goes through.

    available ──lend──▶ on_loan ──return──▶ available | on_hold_shelf | in_transit
    on_loan ──self-return──▶ awaiting_shelving ──shelve──▶ available | on_hold_shelf | in_transit
    available ──hold──▶ on_hold_shelf ──lend (the holder)──▶ on_loan
    available ──transfer──▶ in_transit ──receive──▶ available | on_hold_shelf
    any but on_loan ──▶ missing | damaged | withdrawn;  missing | damaged ──found──▶ available
    (by hand, "marked_available", only that way: see FOUND_FROM)

`move()` applies a transition with a conditional update on the current status (so two
simultaneous changes cannot both succeed) and writes the event in the same transaction.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

import msgspec

from app.accounts.actor import Actor
from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.lending.errors import BookNotFound, CopyNotFound, IllegalTransition
from reading.lending.schemas import CopyDetail, CopyOut
from reading.lending.tables import Book, Copy, CopyEvent, Loan
from spaces.errors import SpaceNotFound
from spaces.services.access import ensure_serves
from spaces.tables import Space

TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"on_loan", "on_hold_shelf", "in_transit", "missing", "damaged", "withdrawn"}),
    "on_loan": frozenset({"available", "on_hold_shelf", "in_transit", "awaiting_shelving"}),
    "awaiting_shelving": frozenset({"available", "on_hold_shelf", "in_transit", "missing", "damaged"}),
    "on_hold_shelf": frozenset({"on_loan", "available", "in_transit", "missing", "damaged", "withdrawn"}),
    "in_transit": frozenset({"available", "on_hold_shelf", "in_transit", "missing", "damaged"}),
    "missing": frozenset({"available", "on_hold_shelf", "in_transit", "withdrawn", "damaged"}),
    "damaged": frozenset({"available", "withdrawn"}),
    "withdrawn": frozenset(),
}

# Staff marking a copy by hand (kind "marked_<status>", from the API or a page) only find it
# again from missing or damaged: `available` from any other status skips what a return, a
# receipt or a hold's end does (close the loan, route to a hold, end the transfer).
FOUND_FROM = ("missing", "damaged")
# What staff may mark a copy by hand.
MARKABLE = ("available", "missing", "damaged", "withdrawn")

# A copy as `CopyOut` names its fields (`copy_out()` converts a row as it comes).
COPY_COLUMNS = (
    Copy.id,
    Copy.barcode,
    Copy.book.as_alias("book_id"),
    Copy.book.title.as_alias("title"),
    Copy.status,
    Copy.home_space.as_alias("home_space_id"),
    Copy.current_space.as_alias("current_space_id"),
    Copy.last_seen_at,
)


def copy_out(row: dict[str, Any]) -> CopyOut:
    """A row of COPY_COLUMNS (or of circulation_sql's COPY_COLUMNS)."""
    return msgspec.convert(row, CopyOut)


def copies_out(rows: list[dict[str, Any]]) -> list[CopyOut]:
    return msgspec.convert(rows, list[CopyOut])


async def by_barcode(barcode: str) -> CopyOut:
    row = await Copy.select(*COPY_COLUMNS).where(Copy.barcode == barcode.strip().upper()).first()
    if row is None:
        raise CopyNotFound()
    return copy_out(row)


async def by_id(copy_id: int) -> CopyOut:
    row = await Copy.select(*COPY_COLUMNS).where(Copy.id == copy_id).first()
    if row is None:
        raise CopyNotFound()
    return copy_out(row)


async def by_ids(copy_ids: list[int] | set[int]) -> list[CopyOut]:
    rows = await Copy.select(*COPY_COLUMNS).where(Copy.id.is_in(sorted(copy_ids) or [-1])).order_by(Copy.id)
    return copies_out(rows)


async def of_book(book_id: int) -> list[CopyOut]:
    rows = await Copy.select(*COPY_COLUMNS).where(Copy.book == book_id).order_by(Copy.id).limit(1000)
    return copies_out(rows)


async def on_shelf(space_id: int) -> list[CopyOut]:
    """The copies the records put on the shelf of a space (available there)."""
    rows = await Copy.select(*COPY_COLUMNS).where((Copy.current_space == space_id) & (Copy.status == "available"))
    return copies_out(rows)


def serving_space(copy: CopyOut) -> int:
    """The space whose staff act on a copy: where it is, else its home."""
    return copy.current_space_id or copy.home_space_id


async def move(
    copy_id: int,
    to: str,
    *,
    kind: str,
    now: datetime,
    actor_id: int | None,
    space_id: int | None = None,
    current_space: int | Literal["keep"] | None = "keep",
    expect: tuple[str, ...] | None = None,
    detail: dict[str, Any] | None = None,
    allow_same: bool = False,
) -> str:
    """Apply one transition (inside the caller's transaction when there is one). Returns the
    previous status; raises IllegalTransition when the copy's status does not allow it."""
    async with write_transaction():
        row = await Copy.select(Copy.status).where(Copy.id == copy_id).first()
        if row is None:
            raise CopyNotFound()
        before = row["status"]
        if expect is None and kind == "marked_available":
            expect = FOUND_FROM
        allowed = expect if expect is not None else tuple(s for s, targets in TRANSITIONS.items() if to in targets)
        same = allow_same and before == to
        if not same and (before not in allowed or to not in TRANSITIONS[before]):
            raise IllegalTransition(copy_status=before)
        await transition(
            copy_id,
            before,
            to,
            kind=kind,
            now=now,
            actor_id=actor_id,
            space_id=space_id,
            current_space=current_space,
            detail=detail,
        )
    return str(before)


async def transition(
    copy_id: int,
    before: str,
    to: str,
    *,
    kind: str,
    now: datetime,
    actor_id: int | None,
    space_id: int | None = None,
    current_space: int | Literal["keep"] | None = "keep",
    detail: dict[str, Any] | None = None,
) -> None:
    """Move a copy from `before` (what the caller read, and judged, inside its transaction) to
    `to` and write the event; IllegalTransition when someone else changed it first."""
    values: dict[Any, Any] = {Copy.status: to, Copy.last_seen_at: now}
    if current_space != "keep":
        values[Copy.current_space] = current_space
    changed = await Copy.update(values).where((Copy.id == copy_id) & (Copy.status == before)).returning(Copy.id)
    if not changed:
        raise IllegalTransition(copy_status=before)
    await _write_event(copy_id, kind, before, to, now=now, space_id=space_id, actor_id=actor_id, detail=detail)


async def record_event(
    copy_id: int, *, kind: str, now: datetime, space_id: int | None = None, detail: dict[str, Any] | None = None
) -> None:
    """A note in the copy's history that does not change its status (e.g. its borrower erased)."""
    row = await Copy.select(Copy.status).where(Copy.id == copy_id).first()
    status = str(row["status"]) if row else ""
    await _write_event(copy_id, kind, status, status, now=now, space_id=space_id, actor_id=None, detail=detail)


async def _write_event(
    copy_id: int,
    kind: str,
    before: str,
    to: str,
    *,
    now: datetime,
    space_id: int | None,
    actor_id: int | None,
    detail: dict[str, Any] | None,
) -> None:
    """One line of the copy's history: a transition's, or a note that keeps its status."""
    await CopyEvent.insert(
        CopyEvent(
            copy=copy_id,
            kind=kind,
            from_status=before,
            to_status=to,
            space=space_id,
            actor=actor_id,
            detail=detail or {},
            at=now,
        )
    )


async def shelve(book_id: int, space_id: int, count: int, *, now: datetime, actor_id: int | None) -> list[int]:
    """`count` new copies on the shelf of `space_id`, each with its `added` event, in the
    caller's write transaction; their ids. Barcodes are SC + 8 digits from the copy id."""
    ids: list[int] = []
    for _ in range(count):
        rows = await Copy.insert(
            Copy(
                book=book_id,
                # A placeholder until the id is known; unique and within the column's 20
                # characters (a timestamp with microseconds was not: PostgreSQL refused it).
                barcode=f"NEW{secrets.token_hex(8)}",
                home_space=space_id,
                current_space=space_id,
                status="available",
                created_at=now,
                last_seen_at=now,
            )
        ).returning(Copy.id)
        copy_id = rows[0]["id"]
        await Copy.update({Copy.barcode: barcode_for(copy_id)}).where(Copy.id == copy_id)
        await CopyEvent.insert(
            CopyEvent(copy=copy_id, kind="added", to_status="available", space=space_id, actor=actor_id, at=now)
        )
        ids.append(copy_id)
    return ids


async def add_copies(book_id: int, space_id: int, count: int, *, now: datetime, actor_id: int | None) -> list[CopyOut]:
    """New copies on the shelf of `space_id`, barcodes SC + 8 digits from the copy id."""
    if not await Book.exists().where(Book.id == book_id):
        raise BookNotFound()
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    async with write_transaction():
        ids = await shelve(book_id, space_id, count, now=now, actor_id=actor_id)
    rows = await Copy.select(*COPY_COLUMNS).where(Copy.id.is_in(ids)).order_by(Copy.id)
    return copies_out(rows)


async def add_at(book_id: int, space_id: int, count: int, *, actor: Actor, now: datetime) -> list[CopyOut]:
    """Staff add copies of a title at a space they serve (1 to 200 at a time)."""
    ensure_serves(actor, space_id)
    if not 1 <= count <= 200:
        raise InvalidInput(N_("一次可以添加 1 到 200 册"), fields=[{"field": "count", "message": "1-200"}])
    return await add_copies(book_id, space_id, count, now=now, actor_id=actor.user_id)


def barcode_for(copy_id: int) -> str:
    return f"SC{copy_id:08d}"


@frozen
class Event:
    """One change in a copy's history (a row of CopyEvent, its columns in order)."""

    id: int
    copy: int
    kind: str
    from_status: str
    to_status: str
    space: int | None
    actor: int | None
    detail: Any
    at: datetime


async def history(copy_id: int) -> list[Event]:
    return [Event(**r) for r in await CopyEvent.select().where(CopyEvent.copy == copy_id).order_by(CopyEvent.id)]


async def open_loan_id(copy_id: int) -> int | None:
    row = await Loan.select(Loan.id).where((Loan.copy == copy_id) & Loan.returned_at.is_null()).first()
    return int(row["id"]) if row else None


# What in a copy's history says which family had it: shown only to the copy's own staff.
FAMILY_KEYS = {"family", "family_id"}


async def detail(barcode: str, actor: Actor) -> CopyDetail:
    """A copy with its status, place, history and open loan (the API's view of a copy). Which
    families borrowed it is shown only to staff of its home or current space and district
    admins: barcodes run in sequence, so others could rebuild the district's borrowing."""
    copy = await by_barcode(barcode)
    own = actor.serves(copy.home_space_id) or (
        copy.current_space_id is not None and actor.serves(copy.current_space_id)
    )
    events = []
    for e in await history(copy.id):
        event = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(e).items()}
        said = loads(event.get("detail"), {})
        if not own and isinstance(said, dict) and FAMILY_KEYS & said.keys():
            event["detail"] = json.dumps({k: v for k, v in said.items() if k not in FAMILY_KEYS}, ensure_ascii=False)
        events.append(event)
    return CopyDetail(copy=copy, history=events, open_loan_id=await open_loan_id(copy.id))


async def set_status(copy: CopyOut, to: str, *, actor: Actor, now: datetime, note: str | None = None) -> CopyOut:
    """Staff mark a copy missing, damaged or withdrawn, or found again (from missing or damaged)."""
    if to not in MARKABLE:
        raise InvalidInput(N_("请选择状态"), fields=[{"field": "status", "message": "a status"}])
    ensure_serves(actor, serving_space(copy))
    await move(
        copy.id,
        to,
        kind=f"marked_{to}",
        now=now,
        actor_id=actor.user_id,
        space_id=copy.current_space_id,
        detail={"note": note[:200]} if note is not None else None,
    )
    return await by_id(copy.id)
