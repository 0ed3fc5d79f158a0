"""The session log's page form (`/staff/sessions/new`, `/staff/sessions/{id}/edit`): what a
volunteer typed, read and checked in plain words, then saved by `services/sessions.py`.

Books come three ways: ticked from a search, an ISBN per line (a keyboard-wedge scanner
types one and presses Enter), or a copy's QR code scanned into the same box (its URL ends in
`/q/<token>`). A form without its `client_key` still saves, once.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import datetime

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_zone
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.values import frozen
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.tables import Copy
from reading.programme.schemas import SessionIn, SessionOut, SessionUpdate
from reading.programme.services import sessions
from reading.programme.services.forms import Fields, ids, number, text
from reading.programme.services.views import pick, served_spaces

TOKEN_IN_URL = re.compile(r"/q/([A-Za-z0-9_.~-]+)/?\s*$")
MAX_BOOK_LINES = 30
NOT_A_COPY = N_("这个二维码不是故事角绘本的标签")


@frozen
class SessionForm:
    """The form as typed (numbers stay text, so that a wrong one is shown back as typed)."""

    space_id: str = ""
    slot_id: str = ""
    started_at: str = ""
    minutes: str = "45"
    adults: str = "0"
    children: str = "0"
    theme: str = ""
    notes: str = ""
    isbns: str = ""
    lead_reader_ids: tuple[int, ...] = ()
    book_ids: tuple[int, ...] = ()
    client_key: str = ""
    action: str = "save"
    q: str = ""

    @property
    def searching(self) -> bool:
        """The volunteer searched for a book (or pressed Enter in a one-line field)."""
        return self.action == "search"


def local_input(moment: datetime) -> str:
    """A moment as the value of `<input type="datetime-local">` in the service's zone."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def _new_key() -> str:
    return secrets.token_urlsafe(16)


async def new_form(*, actor: Actor, clock: Clock, slot_id: int | None, space: int | None) -> SessionForm:
    """A fresh form: prefilled from a slot and its check-ins when `slot_id` is given (404 /
    403 for a wrong slot), else on the space asked for, or the only one served."""
    form = SessionForm(started_at=local_input(clock.now()), client_key=_new_key())
    if slot_id is not None:
        filled = await sessions.prefill(slot_id, actor=actor)
        return replace(
            form,
            space_id=str(filled.space_id),
            slot_id=str(slot_id),
            started_at=local_input(filled.started_at) if filled.started_at else form.started_at,
            minutes=str(min(filled.minutes, 480)),
            adults=str(filled.adults),
            children=str(filled.children),
            theme=filled.theme[:32],
            lead_reader_ids=tuple(filled.lead_reader_ids),
        )
    spaces = await served_spaces(actor)
    if pick(spaces, space) is not None:
        return replace(form, space_id=str(space))
    if len(spaces) == 1:
        return replace(form, space_id=str(spaces[0].id))
    return form


def edit_form(session: SessionOut) -> SessionForm:
    """A logged session, as its edit form shows it."""
    return SessionForm(
        space_id=str(session.space_id),
        slot_id=str(session.slot_id or ""),
        started_at=local_input(session.started_at),
        minutes=str(session.minutes),
        adults=str(session.adults),
        children=str(session.children),
        theme=session.theme,
        notes=session.notes,
        lead_reader_ids=tuple(session.lead_reader_ids),
        book_ids=tuple(session.book_ids),
    )


def posted_form(fields: Fields, *, session: SessionOut | None = None) -> SessionForm:
    """The posted form; editing `session`, its space, slot and start stay as they were."""
    form = SessionForm(
        space_id=text(fields, "space_id"),
        slot_id=text(fields, "slot_id"),
        started_at=text(fields, "started_at"),
        minutes=text(fields, "minutes"),
        adults=text(fields, "adults"),
        children=text(fields, "children"),
        theme=text(fields, "theme"),
        notes=text(fields, "notes"),
        isbns=text(fields, "isbns"),
        lead_reader_ids=ids(fields, "lead_reader_id"),
        book_ids=ids(fields, "book_id"),
        client_key=text(fields, "client_key", 64),
        action=text(fields, "action") or "save",
        q=text(fields, "q", 100),
    )
    if session is not None:
        fixed = edit_form(session)
        return replace(form, space_id=fixed.space_id, slot_id=fixed.slot_id, started_at=fixed.started_at, client_key="")
    if len(form.client_key) < 8:
        form = replace(form, client_key=_new_key())  # a form without its key still saves, once
    return form


def _counts(form: SessionForm) -> tuple[int, int, int]:
    minutes, adults, children = number(form.minutes), number(form.adults), number(form.children)
    if minutes is None or not 1 <= minutes <= 480:
        raise InvalidInput("活动时长应在 1 到 480 分钟之间", fields=[{"field": "minutes", "message": "1-480"}])
    if adults is None or not 0 <= adults <= 500:
        raise InvalidInput("大人的人数应在 0 到 500 之间", fields=[{"field": "adults", "message": "0-500"}])
    if children is None or not 0 <= children <= 500:
        raise InvalidInput("孩子的人数应在 0 到 500 之间", fields=[{"field": "children", "message": "0-500"}])
    if len(form.theme) > 32:
        raise InvalidInput("主题最多 32 个字", fields=[{"field": "theme", "message": "at most 32"}])
    if len(form.notes) > 2000:
        raise InvalidInput("备注最多 2000 字", fields=[{"field": "notes", "message": "at most 2000"}])
    if len(form.lead_reader_ids) > 10:
        raise InvalidInput("最多选择 10 位领读人", fields=[{"field": "lead_reader_id", "message": "at most 10"}])
    return minutes, adults, children


async def _copy_book(token: str, clock: Clock) -> int:
    """The book of the copy whose QR code was scanned."""
    try:
        claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
    except QrError:
        raise InvalidInput(NOT_A_COPY, fields=[{"field": "isbns", "message": "not a copy's code"}]) from None
    copy = await Copy.select(Copy.book).where(Copy.id == claims.subject).first()
    if copy is None:
        raise InvalidInput(NOT_A_COPY, fields=[{"field": "isbns", "message": "unknown copy"}])
    return int(copy["book"])


async def _books(form: SessionForm, clock: Clock) -> tuple[list[int], list[str]]:
    """The chosen books: ticked ids, and the scanned lines (ISBNs, or a copy's QR code)."""
    book_ids = list(form.book_ids)
    isbns: list[str] = []
    lines = [line.strip() for line in form.isbns.splitlines() if line.strip()]
    if len(lines) + len(book_ids) > MAX_BOOK_LINES:
        raise InvalidInput("一次最多记录 30 本绘本", fields=[{"field": "isbns", "message": "at most 30"}])
    for line in lines:
        match = TOKEN_IN_URL.search(line)
        if match:
            book_ids.append(await _copy_book(match.group(1), clock))
        else:
            isbns.append(line.replace("-", "").replace(" ", "")[:20])
    return sorted(set(book_ids)), isbns


def _started(form: SessionForm) -> datetime:
    try:
        started = datetime.fromisoformat(form.started_at)
    except ValueError:
        raise InvalidInput(
            "请填写活动开始的时间", fields=[{"field": "started_at", "message": "YYYY-MM-DDTHH:MM"}]
        ) from None
    return started if started.tzinfo is not None else started.replace(tzinfo=local_zone())


async def save_new(form: SessionForm, *, actor: Actor, clock: Clock) -> SessionOut:
    """Log the session of a new form; the same `client_key` again answers the first session."""
    space_id = number(form.space_id)
    if space_id is None:
        raise InvalidInput("请选择空间", fields=[{"field": "space_id", "message": "required"}])
    started = _started(form)
    minutes, adults, children = _counts(form)
    book_ids, isbns = await _books(form, clock)
    try:
        data = msgspec.convert(
            {
                "space_id": space_id,
                "slot_id": number(form.slot_id),
                "started_at": started,
                "minutes": minutes,
                "adults": adults,
                "children": children,
                "lead_reader_ids": list(form.lead_reader_ids),
                "book_ids": book_ids,
                "isbns": isbns,
                "theme": form.theme,
                "notes": form.notes,
                "client_key": form.client_key,
            },
            SessionIn,
        )
    except msgspec.ValidationError:
        raise InvalidInput("请检查填写的内容", fields=[{"field": "form", "message": "invalid"}]) from None
    saved, _created = await sessions.log_session(data, actor=actor, clock=clock)
    return saved


async def save_edit(session_id: int, form: SessionForm, *, actor: Actor, clock: Clock) -> SessionOut:
    """Change a logged session from its edit form (within 7 days: then 409 session_locked)."""
    minutes, adults, children = _counts(form)
    book_ids, isbns = await _books(form, clock)
    change = SessionUpdate(
        minutes=minutes,
        adults=adults,
        children=children,
        theme=form.theme,
        notes=form.notes,
        lead_reader_ids=list(form.lead_reader_ids),
        book_ids=await sessions.resolve_books(book_ids, isbns, clock),
    )
    return await sessions.update_session(session_id, change, actor=actor, clock=clock)
