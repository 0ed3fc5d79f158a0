"""Read models of the volunteers' pages: the session form (today's activities to start from,
the lead readers who may lead here, books found and chosen), the sessions of a space and day,
and volunteer hours per person and space."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.lending.schemas import BookOut
from reading.lending.services import catalogue
from reading.programme.schemas import SessionOut
from reading.programme.services import sessions
from reading.programme.services.forms import number
from reading.programme.services.session_form import SessionForm, edit_form
from reading.programme.services.views import (
    BookLine,
    PageView,
    SpaceChoice,
    book_lines,
    pick,
    served_spaces,
    user_names,
)
from reading.programme.tables import LeadReader, LeadReaderApplication
from spaces.schemas import SlotOut
from spaces.services import slots as slot_service


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, local_zone())


@frozen
class TodaysSlot:
    slot: SlotOut
    space: str


@frozen
class LeadReaderChoice:
    id: int
    display_name: str


@frozen
class SessionFormPage(PageView):
    spaces: list[SpaceChoice]
    space_name: str
    form: SessionForm
    session_id: int | None
    todays: list[TodaysSlot]
    lead_readers: list[LeadReaderChoice]
    q: str
    found: list[BookOut]
    chosen_books: list[BookLine]
    draft_key: str
    locked: bool = False  # an edit form past the 7 days


@frozen
class SessionCard:
    session: SessionOut
    space: str
    leads: list[str]
    books: list[BookLine]
    logged_by: str
    editable: bool


@frozen
class SessionsPage(PageView):
    spaces: list[SpaceChoice]
    picked: int | None
    day: date
    today: date
    prev_day: date
    next_day: date
    items: list[SessionCard]
    may_review: bool


async def _lead_reader_choices(space_id: int | None, chosen: tuple[int, ...]) -> list[LeadReaderChoice]:
    """Lead readers who may lead here: not retired, and preferring this space (or already
    chosen, e.g. listed on the slot)."""
    rows = (
        await LeadReader.select(LeadReader.id, LeadReader.display_name, LeadReader.application)
        .where(LeadReader.status != "retired")
        .order_by(LeadReader.display_name)
    )
    application_ids = [r["application"] for r in rows if r["application"] is not None]
    preferred: dict[int, set[int]] = {}
    if application_ids:
        for a in await LeadReaderApplication.select(
            LeadReaderApplication.id, LeadReaderApplication.preferred_space_ids
        ).where(LeadReaderApplication.id.is_in(application_ids)):
            preferred[a["id"]] = set(loads(a["preferred_space_ids"], []))
    keep = set(chosen)
    return [
        LeadReaderChoice(id=r["id"], display_name=r["display_name"])
        for r in rows
        if r["id"] in keep or space_id is None or space_id in preferred.get(r["application"], set())
    ][:60]


async def _todays_activities(spaces: list[SpaceChoice], today: date) -> list[TodaysSlot]:
    found = []
    for s in spaces[:20]:
        for t in await slot_service.list_slots(s.id, day_start(today), day_start(today + timedelta(days=1))):
            if not t.cancelled and t.kind == "activity":
                found.append(TodaysSlot(slot=t, space=s.name))
    return found


async def session_form_page(
    actor: Actor, clock: Clock, *, form: SessionForm, session_id: int | None = None, locked: bool = False
) -> SessionFormPage:
    """The form as typed; a new one without a slot offers today's activities to start from."""
    spaces = await served_spaces(actor)
    space_id = number(form.space_id)
    starting = session_id is None and not form.slot_id
    q = form.q if form.searching else ""
    found = await catalogue.search(q, limit=8) if q else []
    chosen = await book_lines(form.book_ids)
    return SessionFormPage(
        spaces=spaces,
        space_name=next((s.name for s in spaces if s.id == space_id), ""),
        form=form,
        session_id=session_id,
        todays=await _todays_activities(spaces, local_today(clock)) if starting else [],
        lead_readers=await _lead_reader_choices(space_id, form.lead_reader_ids),
        q=q,
        found=[b for b in found if b.id not in chosen],
        chosen_books=list(chosen.values()),
        draft_key=f"slot-{form.slot_id}" if form.slot_id else f"space-{space_id or 0}",
        locked=locked,
    )


async def edit_page(session_id: int, actor: Actor, clock: Clock) -> SessionFormPage:
    """A logged session's edit form (a session of a space the actor does not serve: 404); past
    the 7 days it says so."""
    session = await sessions.visible_session(session_id, actor)
    locked = sessions.locked(session.created_at, clock.now())
    return await session_form_page(actor, clock, form=edit_form(session), session_id=session_id, locked=locked)


async def _cards(found: list[SessionOut], spaces: list[SpaceChoice], now: datetime) -> list[SessionCard]:
    wanted = sorted({i for s in found for i in s.lead_reader_ids}) or [-1]
    leads = {
        r["id"]: r["display_name"]
        for r in await LeadReader.select(LeadReader.id, LeadReader.display_name).where(LeadReader.id.is_in(wanted))
    }
    books = await book_lines(b for s in found for b in s.book_ids)
    loggers = await user_names(s.logged_by for s in found)
    names = {s.id: s.name for s in spaces}
    return [
        SessionCard(
            session=s,
            space=names.get(s.space_id, ""),
            leads=[leads[i] for i in s.lead_reader_ids if i in leads],
            books=[books[b] for b in s.book_ids if b in books],
            logged_by=loggers.get(s.logged_by or 0, ""),
            editable=not sessions.locked(s.created_at, now),
        )
        for s in found
    ]


async def sessions_page(actor: Actor, clock: Clock, *, space: int | None, day: date | None) -> SessionsPage:
    """The sessions of a space (or of all the actor serves) on one day (today by default);
    a district admin sees one space at a time."""
    spaces = await served_spaces(actor)
    picked = pick(spaces, space)
    if picked is None and actor.is_admin and spaces:
        picked = spaces[0].id
    today = local_today(clock)
    first = day or today
    found: list[SessionOut] = []
    if spaces:
        end = day_start(first + timedelta(days=1))
        found = await sessions.list_sessions(actor=actor, space_id=picked, start=day_start(first), end=end)
    return SessionsPage(
        spaces=spaces,
        picked=picked,
        day=first,
        today=today,
        prev_day=first - timedelta(days=1),
        next_day=first + timedelta(days=1),
        items=await _cards(found, spaces, clock.now()),
        may_review=actor.is_admin or actor.is_librarian,
    )
