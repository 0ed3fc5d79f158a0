"""Applications to become a family lead reader (家庭领读人): a guardian applies for one to
ten preferred spaces; a district admin, or a librarian of one of those spaces, decides once
(a conditional update on `status = 'applied'`: 409 already_decided). Approval makes the
applicant a trainee lead reader (`services/leadreaders.py` takes it from there)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from app.accounts.actor import Actor
from app.accounts.tables import User
from app.kernel import outbox
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import Forbidden, InvalidInput
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.programme import notices as _kinds  # noqa: F401 (registers the kinds it words)
from reading.programme.errors import AlreadyApplied, AlreadyDecided, ApplicationNotFound
from reading.programme.schemas import ApplicationIn, ApplicationOut, ApplicationRow, DecisionIn, DecisionOut
from reading.programme.services.forms import Fields, ids, text
from reading.programme.tables import LeadReader, LeadReaderApplication
from spaces.errors import SpaceNotFound
from spaces.tables import Space


@frozen
class ApplicationForm:
    """The application page's form, as typed."""

    motivation: str = ""
    availability: str = ""
    space_ids: tuple[int, ...] = ()


def application_form(fields: Fields) -> ApplicationForm:
    return ApplicationForm(
        motivation=text(fields, "motivation"),
        availability=text(fields, "availability"),
        space_ids=ids(fields, "space_id"),
    )


def _application_in(form: ApplicationForm) -> ApplicationIn:
    """The page's form checked field by field, in words a family understands."""
    if not form.motivation:
        raise InvalidInput("请写一写您想成为领读人的原因", fields=[{"field": "motivation", "message": "required"}])
    if len(form.motivation) > 2000:
        raise InvalidInput("想说的话最多 2000 字", fields=[{"field": "motivation", "message": "too long"}])
    if len(form.availability) > 200:
        raise InvalidInput("方便的时间最多 200 字", fields=[{"field": "availability", "message": "too long"}])
    if not 1 <= len(form.space_ids) <= 10:
        raise InvalidInput("请选择 1 到 10 个想去带读的空间", fields=[{"field": "space_id", "message": "1-10"}])
    return ApplicationIn(
        motivation=form.motivation, availability=form.availability, preferred_space_ids=list(form.space_ids)
    )


async def apply_from_form(form: ApplicationForm, *, actor: Actor, clock: Clock) -> ApplicationOut:
    """The application page's form: checked, then `apply`."""
    return await apply(_application_in(form), actor=actor, clock=clock)


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
    """Approve (→ trainee) or reject, once: a conditional update on `status = 'applied'`."""
    note = data.note.strip()
    if len(note) > 500:  # the API's schema says so first; the page's form reaches this
        raise InvalidInput("备注最多 500 字", fields=[{"field": "note", "message": "at most 500"}])
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
                    LeadReaderApplication.note: note,
                }
            )
            .where((LeadReaderApplication.id == application_id) & (LeadReaderApplication.status == "applied"))
            .returning(LeadReaderApplication.id)
        )
        if not decided:
            raise AlreadyDecided()
        if data.approve:
            lead_reader_id = await _make_trainee(row, now)
        await _tell_applicant(row["user"], approved=data.approve, note=note, now=now)
    return DecisionOut(status=status, lead_reader_id=lead_reader_id)


async def _make_trainee(application: dict[str, Any], now: datetime) -> int:
    user = await User.select(User.display_name).where(User.id == application["user"]).first()
    created = await LeadReader.insert(
        LeadReader(
            user=application["user"],
            family=application["family"],
            display_name=user["display_name"] if user else "",
            status="trainee",
            application=application["id"],
            created_at=now,
            updated_at=now,
        )
    ).returning(LeadReader.id)
    return int(created[0]["id"])


async def _tell_applicant(user_id: int, *, approved: bool, note: str, now: datetime) -> None:
    kind = f"lead_reader_{'approved' if approved else 'rejected'}"
    await outbox.notice(recipient_id=user_id, kind=kind, params={} if approved else {"note": note}, now=now)


async def applications(*, actor: Actor, status: str = "applied") -> list[ApplicationRow]:
    """The applications in `status` the actor may decide (an admin: all; a librarian: those
    preferring one of their spaces)."""
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
            visible.append(msgspec.convert({**r, "preferred_space_ids": sorted(preferred)}, ApplicationRow))
    return visible
