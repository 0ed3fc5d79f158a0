"""Reading sessions — the volunteer's log — and volunteer hours.

A session is tied to a space (the volunteer must serve it), optionally to a slot, to lead
readers and to real books (by id, or by ISBN: an unknown ISBN becomes a draft title for the
librarians to finish). A form submitted twice records once: (logged_by, client_key) is
unique. Sessions can be edited for 7 days; librarians mark them reviewed.

Volunteer hours, from these sessions, are in `services/hours.py`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.jsonvalue import loads
from reading.lending.isbn import normalize
from reading.lending.schemas import BookIn
from reading.lending.services import catalogue
from reading.lending.tables import Book
from reading.programme.errors import LeadReaderNotFound, SessionLocked, SessionNotFound
from reading.programme.rules import SESSION_EDIT_DAYS
from reading.programme.schemas import SessionIn, SessionOut, SessionPrefill, SessionUpdate
from reading.programme.tables import LeadReader, ReadingSession, SessionBook, SessionLeadReader
from spaces.errors import NotStaffOfSpace, SlotNotFound
from spaces.tables import Booking, CheckIn, Slot, WalkIn


def served_where(column: Any, *, actor: Actor, space_id: int | None) -> Any:
    """The rows of `space_id` (a space the actor must serve), else of every space the actor
    serves (None: every space, for a district admin)."""
    if space_id is not None:
        if not actor.serves(space_id):
            raise NotStaffOfSpace()
        return column == space_id
    if actor.is_admin:
        return None
    return column.is_in(sorted(actor.space_ids) or [-1])


def locked(created_at: datetime, now: datetime) -> bool:
    """Past the days a session may be edited (then only its review changes)."""
    return now - created_at > timedelta(days=SESSION_EDIT_DAYS)


async def _book_ids(book_ids: list[int], isbns: list[str], clock: Clock) -> list[int]:
    ids = set(book_ids)
    if ids:
        found = {r["id"] for r in await Book.select(Book.id).where(Book.id.is_in(sorted(ids)))}
        if found != ids:
            raise InvalidInput("有的绘本不在书目中", fields=[{"field": "book_ids", "message": "unknown book id"}])
    for i, raw in enumerate(isbns):
        isbn = normalize(raw, field=f"isbns[{i}]")
        row = await Book.select(Book.id).where(Book.isbn == isbn).first()
        if row is None:  # an unknown ISBN: a draft title the librarians finish later
            created = await catalogue.create_book(
                BookIn(isbn=isbn, title=f"待补充（ISBN {isbn}）"), clock=clock, draft=True
            )
            ids.add(created.id)
        else:
            ids.add(row["id"])
    return sorted(ids)


async def resolve_books(book_ids: list[int], isbns: list[str], clock: Clock) -> list[int]:
    """Book ids for ticked ids and scanned ISBNs (an unknown ISBN becomes a draft title)."""
    return await _book_ids(book_ids, isbns, clock)


async def _check_lead_readers(ids: list[int]) -> list[int]:
    wanted = sorted(set(ids))
    found = {r["id"] for r in await LeadReader.select(LeadReader.id).where(LeadReader.id.is_in(wanted or [-1]))}
    if found != set(wanted):
        raise LeadReaderNotFound()
    return wanted


# A session as `SessionOut` names its fields (its lead readers, its books and whether it was
# reviewed come apart).
SESSION_COLUMNS = (
    ReadingSession.id,
    ReadingSession.space.as_alias("space_id"),
    ReadingSession.slot.as_alias("slot_id"),
    ReadingSession.started_at,
    ReadingSession.minutes,
    ReadingSession.adults,
    ReadingSession.children,
    ReadingSession.theme,
    ReadingSession.notes,
    ReadingSession.logged_by,
    ReadingSession.reviewed_at,
    ReadingSession.created_at,
)


async def _sessions_out(query: Any) -> list[SessionOut]:
    """The sessions a select of SESSION_COLUMNS finds, in its order, with their lead readers
    and books (one query each for all of them)."""
    rows = await query
    ids = [r["id"] for r in rows] or [-1]
    leads: dict[int, list[int]] = defaultdict(list)
    for r in await SessionLeadReader.select().where(SessionLeadReader.session.is_in(ids)):
        leads[r["session"]].append(r["lead_reader"])
    books: dict[int, list[int]] = defaultdict(list)
    for r in await SessionBook.select().where(SessionBook.session.is_in(ids)):
        books[r["session"]].append(r["book"])
    return msgspec.convert(
        [
            {
                **r,
                "lead_reader_ids": sorted(leads[r["id"]]),
                "book_ids": sorted(books[r["id"]]),
                "reviewed": r["reviewed_at"] is not None,
            }
            for r in rows
        ],
        list[SessionOut],
    )


async def session_out(session_id: int) -> SessionOut:
    found = await _sessions_out(ReadingSession.select(*SESSION_COLUMNS).where(ReadingSession.id == session_id))
    if not found:
        raise SessionNotFound()
    return found[0]


async def _by_client_key(user_id: int, client_key: str | None) -> SessionOut | None:
    """The session this person already logged with this form's key (a form sent twice)."""
    if not client_key:
        return None
    first = (
        await ReadingSession.select(ReadingSession.id)
        .where((ReadingSession.logged_by == user_id) & (ReadingSession.client_key == client_key))
        .first()
    )
    return await session_out(first["id"]) if first is not None else None


async def visible_session(session_id: int, actor: Actor) -> SessionOut:
    """A session of a space the actor serves (404 otherwise: reveal nothing)."""
    session = await session_out(session_id)
    if not actor.serves(session.space_id):
        raise SessionNotFound()
    return session


async def log_session(data: SessionIn, *, actor: Actor, clock: Clock) -> tuple[SessionOut, bool]:
    """Returns (session, created); a repeated client_key returns the first session."""
    if not actor.serves(data.space_id):
        raise NotStaffOfSpace()
    first = await _by_client_key(actor.user_id, data.client_key)
    if first is not None:
        return first, False
    now = clock.now()
    if data.started_at > now + timedelta(hours=1) or data.started_at < now - timedelta(days=30):
        raise InvalidInput("活动时间应在过去 30 天内", fields=[{"field": "started_at", "message": "within 30 days"}])
    if data.slot_id is not None:
        slot = await Slot.select(Slot.space).where(Slot.id == data.slot_id).first()
        if slot is None or slot["space"] != data.space_id:
            raise SlotNotFound()
    lead_ids = await _check_lead_readers(data.lead_reader_ids)
    book_ids = await _book_ids(data.book_ids, data.isbns, clock)
    try:
        async with write_transaction():
            rows = await ReadingSession.insert(
                ReadingSession(
                    space=data.space_id,
                    slot=data.slot_id,
                    started_at=data.started_at,
                    minutes=data.minutes,
                    adults=data.adults,
                    children=data.children,
                    theme=data.theme.strip(),
                    notes=data.notes.strip(),
                    logged_by=actor.user_id,
                    client_key=data.client_key,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(ReadingSession.id)
            session_id = rows[0]["id"]
            if lead_ids:
                await SessionLeadReader.insert(
                    *[SessionLeadReader(session=session_id, lead_reader=i) for i in lead_ids]
                )
            if book_ids:
                await SessionBook.insert(*[SessionBook(session=session_id, book=b) for b in book_ids])
    except Exception as exc:
        if is_unique_violation(exc):  # the same form, submitted at the same moment
            first = await _by_client_key(actor.user_id, data.client_key)
            if first is not None:
                return first, False
        raise
    return await session_out(session_id), True


async def update_session(session_id: int, data: SessionUpdate, *, actor: Actor, clock: Clock) -> SessionOut:
    row = await ReadingSession.select().where(ReadingSession.id == session_id).first()
    if row is None or not actor.serves(row["space"]):
        raise SessionNotFound()
    now = clock.now()
    if data.reviewed is not None and not (actor.is_admin or actor.is_librarian):
        raise NotStaffOfSpace("只有馆员可以审核阅读活动记录")
    if locked(row["created_at"], now) and any(
        getattr(data, f) is not None
        for f in ("minutes", "adults", "children", "theme", "notes", "lead_reader_ids", "book_ids")
    ):
        raise SessionLocked()
    values: dict[Any, Any] = {ReadingSession.updated_at: now}
    for field in ("minutes", "adults", "children", "theme", "notes"):
        value = getattr(data, field)
        if value is not None:
            values[getattr(ReadingSession, field)] = value.strip() if isinstance(value, str) else value
    if data.reviewed is not None:
        values[ReadingSession.reviewed_by] = actor.user_id if data.reviewed else None
        values[ReadingSession.reviewed_at] = now if data.reviewed else None
    async with write_transaction():
        await ReadingSession.update(values).where(ReadingSession.id == session_id)
        if data.lead_reader_ids is not None:
            ids = await _check_lead_readers(data.lead_reader_ids)
            await SessionLeadReader.delete().where(SessionLeadReader.session == session_id)
            if ids:
                await SessionLeadReader.insert(*[SessionLeadReader(session=session_id, lead_reader=i) for i in ids])
        if data.book_ids is not None:
            books = await _book_ids(data.book_ids, [], clock)
            await SessionBook.delete().where(SessionBook.session == session_id)
            if books:
                await SessionBook.insert(*[SessionBook(session=session_id, book=b) for b in books])
    return await session_out(session_id)


async def list_sessions(
    *, actor: Actor, space_id: int | None, start: datetime | None, end: datetime | None, limit: int = 200
) -> list[SessionOut]:
    query = ReadingSession.select(*SESSION_COLUMNS)
    served = served_where(ReadingSession.space, actor=actor, space_id=space_id)
    if served is not None:
        query = query.where(served)
    if start is not None:
        query = query.where(ReadingSession.started_at >= start)
    if end is not None:
        query = query.where(ReadingSession.started_at < end)
    return await _sessions_out(query.order_by(ReadingSession.started_at, ascending=False).limit(limit))


async def prefill(slot_id: int, *, actor: Actor) -> SessionPrefill:
    """A session form filled in from a slot: its time, theme, lead readers, and the adults and
    children actually present (editable before saving): the check-ins, the bookings staff
    marked attended by hand, and the walk-ins."""
    slot = await Slot.select().where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    if not actor.serves(slot["space"]):
        raise NotStaffOfSpace()
    check_ins = await CheckIn.select(CheckIn.people, CheckIn.child_ids, CheckIn.booking, CheckIn.family).where(
        CheckIn.slot == slot_id
    )
    children = sum(len(loads(c["child_ids"], [])) for c in check_ins)
    people = sum(c["people"] for c in check_ins)
    # Families staff marked present by hand have no check-in row: count their attended
    # bookings too (once: a family that also scanned is already counted above).
    scanned = {c["family"] for c in check_ins}
    attended = await Booking.select(Booking.people, Booking.child_ids, Booking.family).where(
        (Booking.slot == slot_id) & (Booking.status == "attended")
    )
    for b in attended:
        if b["family"] not in scanned:
            children += len(loads(b["child_ids"], []))
            people += b["people"]
    walk_ins = await WalkIn.select(WalkIn.adults, WalkIn.children).where(WalkIn.slot == slot_id)
    adults = max(0, people - children) + sum(w["adults"] for w in walk_ins)
    children += sum(w["children"] for w in walk_ins)
    return SessionPrefill(
        space_id=slot["space"],
        slot_id=slot_id,
        started_at=slot["starts_at"],
        minutes=max(1, int((slot["ends_at"] - slot["starts_at"]).total_seconds() // 60)),
        adults=adults,
        children=children,
        theme=slot["theme"],
        lead_reader_ids=list(loads(slot["lead_reader_ids"], [])),
    )
