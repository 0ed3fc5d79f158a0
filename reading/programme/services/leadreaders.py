"""Family lead readers (家庭领读人) and their state machine

    (application approved) ──▶ trainee ──(after training)──▶ active ⇄ paused;  any ──▶ retired

Who may move a lead reader: a district admin, or a librarian of one of the spaces the
application preferred; the lead reader pauses, resumes or retires themselves. Levels follow
sessions led and minutes (`reading.programme.rules`, a setting).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.actor import Actor
from app.kernel.errors import Forbidden, InvalidInput
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.programme.errors import IllegalLeadReaderTransition, LeadReaderNotFound, TrainingRequired
from reading.programme.rules import TRAINING_THEME, TRAININGS_TO_ACTIVATE, level_for
from reading.programme.schemas import LeadReaderOut
from reading.programme.tables import LeadReader, LeadReaderApplication, ReadingSession, SessionBook, SessionLeadReader
from spaces.tables import Booking

STATUSES = ("trainee", "active", "paused", "retired")
CHOICES = ("active", "paused", "retired")  # what a person may ask a lead reader to become
TRANSITIONS = {
    "trainee": {"active", "retired"},
    "active": {"paused", "retired"},
    "paused": {"active", "retired"},
    "retired": set(),
}


@frozen
class LeadReaderStats:
    sessions: int
    minutes: int
    families: int  # families reached ≈ adults present (each family brings at least one adult)
    books: int


async def trainings_attended(user_id: int) -> int:
    """Training activities the lead reader's family attended (theme "lead-reader training")."""
    family = await LeadReader.select(LeadReader.family).where(LeadReader.user == user_id).first()
    if family is None or family["family"] is None:
        return 0
    return int(
        await Booking.count().where(
            (Booking.family == family["family"])
            & (Booking.status == "attended")
            & (Booking.slot._.theme == TRAINING_THEME)
        )
    )


async def stats(lead_reader_id: int) -> LeadReaderStats:
    links = await SessionLeadReader.select(SessionLeadReader.session).where(
        SessionLeadReader.lead_reader == lead_reader_id
    )
    session_ids = [r["session"] for r in links] or [-1]
    sessions = await ReadingSession.select(
        ReadingSession.minutes, ReadingSession.adults, ReadingSession.children
    ).where(ReadingSession.id.is_in(session_ids))
    books = await SessionBook.select(SessionBook.book).where(SessionBook.session.is_in(session_ids))
    return LeadReaderStats(
        sessions=len(sessions),
        minutes=sum(s["minutes"] for s in sessions),
        families=sum(s["adults"] for s in sessions),
        books=len({b["book"] for b in books}),
    )


async def get(lead_reader_id: int, *, actor: Actor) -> LeadReaderOut:
    row = await LeadReader.select().where(LeadReader.id == lead_reader_id).first()
    if row is None or not (row["user"] == actor.user_id or actor.is_staff):
        raise LeadReaderNotFound()
    return await lead_reader_out(row)


async def lead_reader_out(row: dict[str, Any]) -> LeadReaderOut:
    figures = await stats(row["id"])
    return LeadReaderOut(
        id=row["id"],
        display_name=row["display_name"],
        status=row["status"],
        level=level_for(figures.sessions, figures.minutes),
        sessions_led=figures.sessions,
        minutes_led=figures.minutes,
        families_reached=figures.families,
        books_read_aloud=figures.books,
        trainings_attended=await trainings_attended(row["user"]),
    )


async def may_manage(row: dict[str, Any], actor: Actor) -> bool:
    """The people who decided the application may move the lead reader: a district admin, or
    a librarian of one of the spaces the application preferred."""
    if actor.is_admin:
        return True
    if not actor.is_librarian or row["application"] is None:
        return False
    application = (
        await LeadReaderApplication.select(LeadReaderApplication.preferred_space_ids)
        .where(LeadReaderApplication.id == row["application"])
        .first()
    )
    preferred = set(loads(application["preferred_space_ids"], [])) if application else set()
    return bool(preferred & actor.space_ids)


async def set_status(lead_reader_id: int, status: str, *, actor: Actor, now: datetime) -> LeadReaderOut:
    """A district admin or a librarian of a preferred space moves a lead reader (trainee →
    active needs the training); the lead reader may pause, resume or retire themselves;
    volunteers and librarians of other spaces may not (403)."""
    if status not in CHOICES:  # the API's schema says so first; the pages' forms reach this
        raise InvalidInput("请选择要做的变更", fields=[{"field": "status", "message": "active/paused/retired"}])
    row = await LeadReader.select().where(LeadReader.id == lead_reader_id).first()
    if row is None:
        raise LeadReaderNotFound()
    own = row["user"] == actor.user_id
    # The lead reader pauses, resumes (not from trainee: that needs the training) or retires.
    self_service = own and (status == "retired" or (status in ("paused", "active") and row["status"] != "trainee"))
    if not self_service:
        if own and not actor.is_staff:
            raise Forbidden("参加领读人培训后，由馆员转为正式领读人")
        if not actor.is_staff:
            raise LeadReaderNotFound()  # another family's lead reader: reveal nothing
        if not await may_manage(row, actor):
            raise Forbidden("只有区管理员或领读人所选空间的馆员可以变更领读人状态")
    if status not in TRANSITIONS[row["status"]]:
        raise IllegalLeadReaderTransition()
    if (
        row["status"] == "trainee"
        and status == "active"
        and await trainings_attended(row["user"]) < TRAININGS_TO_ACTIVATE
    ):
        raise TrainingRequired()
    changed = (
        await LeadReader.update({LeadReader.status: status, LeadReader.updated_at: now})
        .where((LeadReader.id == lead_reader_id) & (LeadReader.status == row["status"]))
        .returning(LeadReader.id)
    )
    if not changed:
        raise IllegalLeadReaderTransition()
    fresh = await LeadReader.select().where(LeadReader.id == lead_reader_id).first()
    assert fresh is not None
    return await lead_reader_out(fresh)


async def of_user(user_id: int) -> LeadReaderOut | None:
    """The user's own lead-reader record, if they are one."""
    row = await LeadReader.select().where(LeadReader.user == user_id).first()
    return await lead_reader_out(row) if row else None


async def own_id(user_id: int) -> int:
    """The id of the user's own lead-reader record (404 when they are not one)."""
    row = await LeadReader.select(LeadReader.id).where(LeadReader.user == user_id).first()
    if row is None:
        raise LeadReaderNotFound()
    return int(row["id"])


async def set_own_status(status: str, *, actor: Actor, now: datetime) -> LeadReaderOut:
    """The lead reader pauses, resumes or retires themselves."""
    return await set_status(await own_id(actor.user_id), status, actor=actor, now=now)
