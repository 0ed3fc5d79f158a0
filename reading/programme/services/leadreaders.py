"""Family lead readers (家庭领读人): apply, decide, and the state machine

    applied ──approve──▶ trainee ──(after training)──▶ active ⇄ paused;  any ──▶ retired

A decision is made once: a conditional update on `status = 'applied'` (409 already_decided).
Who may decide: a district admin, or a librarian of one of the preferred spaces.
Levels follow sessions led and minutes (reading.programme_rules, a setting).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.actor import Actor
from app.accounts.tables import User
from app.kernel import outbox
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import Forbidden
from app.kernel.jsonvalue import loads
from reading.programme.errors import (
    AlreadyApplied,
    AlreadyDecided,
    ApplicationNotFound,
    IllegalLeadReaderTransition,
    LeadReaderNotFound,
    TrainingRequired,
)
from reading.programme.rules import TRAINING_THEME, TRAININGS_TO_ACTIVATE, level_for
from reading.programme.schemas import ApplicationIn, ApplicationOut, DecisionIn, DecisionOut, LeadReaderOut
from reading.programme.tables import LeadReader, LeadReaderApplication, ReadingSession, SessionBook, SessionLeadReader
from spaces.errors import SpaceNotFound
from spaces.tables import Booking, Space

TRANSITIONS = {
    "trainee": {"active", "retired"},
    "active": {"paused", "retired"},
    "paused": {"active", "retired"},
    "retired": set(),
}


async def apply(data: ApplicationIn, *, actor: Actor, clock: Clock) -> ApplicationOut:
    if actor.family_id is None:
        raise Forbidden("只有家庭账号可以申请成为家庭领读人")
    space_ids = sorted(set(data.preferred_space_ids))
    if len(await Space.select(Space.id).where(Space.id.is_in(space_ids))) != len(space_ids):
        raise SpaceNotFound()
    if await LeadReader.exists().where(LeadReader.user == actor.user_id):
        raise AlreadyApplied("您已经是家庭领读人了")
    now = clock.now()
    try:
        rows = await LeadReaderApplication.insert(
            LeadReaderApplication(
                family=actor.family_id,
                user=actor.user_id,
                motivation=data.motivation.strip(),
                availability=data.availability.strip(),
                preferred_space_ids=space_ids,
                created_at=now,
            )
        ).returning(LeadReaderApplication.id)
    except Exception as exc:
        if is_unique_violation(exc):
            raise AlreadyApplied() from exc
        raise
    return ApplicationOut(id=rows[0]["id"], status="applied", created_at=now, preferred_space_ids=space_ids)


async def decide(application_id: int, data: DecisionIn, *, actor: Actor, clock: Clock) -> DecisionOut:
    row = await LeadReaderApplication.select().where(LeadReaderApplication.id == application_id).first()
    if row is None:
        raise ApplicationNotFound()
    preferred = set(loads(row["preferred_space_ids"], []))
    if not (actor.is_admin or (actor.is_librarian and preferred & actor.space_ids)):
        raise Forbidden("只有区管理员或申请所选空间的馆员可以审批")
    now = clock.now()
    status = "approved" if data.approve else "rejected"
    lead_reader_id = None
    async with write_transaction():
        decided = (
            await LeadReaderApplication.update(
                {
                    LeadReaderApplication.status: status,
                    LeadReaderApplication.decided_by: actor.user_id,
                    LeadReaderApplication.decided_at: now,
                    LeadReaderApplication.note: data.note.strip(),
                }
            )
            .where((LeadReaderApplication.id == application_id) & (LeadReaderApplication.status == "applied"))
            .returning(LeadReaderApplication.id)
        )
        if not decided:
            raise AlreadyDecided()
        user = await User.select(User.display_name).where(User.id == row["user"]).first()
        if data.approve:
            created = await LeadReader.insert(
                LeadReader(
                    user=row["user"],
                    family=row["family"],
                    display_name=user["display_name"] if user else "",
                    status="trainee",
                    application=application_id,
                    created_at=now,
                    updated_at=now,
                )
            ).returning(LeadReader.id)
            lead_reader_id = int(created[0]["id"])
        await outbox.add(
            recipient_id=row["user"],
            kind=f"lead_reader_{status}",
            title="家庭领读人申请已通过" if data.approve else "家庭领读人申请结果",
            body="欢迎成为见习家庭领读人！参加一次领读人培训后即可开始带读。"
            if data.approve
            else f"感谢您的申请。这次暂未通过。{data.note.strip()}",
            link="/lead-reader",
            now=now,
        )
    return DecisionOut(status=status, lead_reader_id=lead_reader_id)


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


async def stats(lead_reader_id: int) -> dict[str, int]:
    links = await SessionLeadReader.select(SessionLeadReader.session).where(
        SessionLeadReader.lead_reader == lead_reader_id
    )
    session_ids = [r["session"] for r in links] or [-1]
    sessions = await ReadingSession.select(
        ReadingSession.minutes, ReadingSession.adults, ReadingSession.children
    ).where(ReadingSession.id.is_in(session_ids))
    books = await SessionBook.select(SessionBook.book).where(SessionBook.session.is_in(session_ids))
    return {
        "sessions": len(sessions),
        "minutes": sum(s["minutes"] for s in sessions),
        # Families reached ≈ adults present (each family brings at least one adult).
        "families": sum(s["adults"] for s in sessions),
        "books": len({b["book"] for b in books}),
    }


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
        level=level_for(figures["sessions"], figures["minutes"]),
        sessions_led=figures["sessions"],
        minutes_led=figures["minutes"],
        families_reached=figures["families"],
        books_read_aloud=figures["books"],
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
        raise IllegalLeadReaderTransition(f"不能从“{row['status']}”变为“{status}”")
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


async def by_user(user_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await LeadReader.select().where(LeadReader.user == user_id).first()
    return row


async def applications(*, actor: Actor, status: str = "applied") -> list[dict[str, Any]]:
    rows = (
        await LeadReaderApplication.select(
            *LeadReaderApplication.all_columns(), LeadReaderApplication.user._.display_name
        )
        .where(LeadReaderApplication.status == status)
        .order_by(LeadReaderApplication.id)
    )
    visible = []
    for r in rows:
        preferred = set(loads(r["preferred_space_ids"], []))
        if actor.is_admin or preferred & actor.space_ids:
            r["preferred_space_ids"] = sorted(preferred)
            visible.append(r)
    return visible
