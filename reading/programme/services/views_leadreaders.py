"""Read models of the lead-reader pages: my lead-reader page (or where my application
stands), the application form, and the librarians' and admins' list (applications to
decide, lead readers and the moves the viewer may make, certificates)."""

from __future__ import annotations

from datetime import datetime

from app.accounts.actor import Actor
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.programme.rules import TRAINING_THEME
from reading.programme.schemas import ApplicationRow, LeadReaderOut
from reading.programme.services import applications as application_service
from reading.programme.services import certificates, leadreaders
from reading.programme.services.applications import ApplicationForm
from reading.programme.services.certificates import CertificateView
from reading.programme.services.views import PageView, SpaceChoice, all_spaces, hours_text, space_names
from reading.programme.tables import LeadReader, LeadReaderApplication


@frozen
class MyApplication:
    status: str  # applied, approved, rejected
    note: str
    created_at: datetime


@frozen
class MyLeadReaderPage(PageView):
    lead: LeadReaderOut | None
    hours: str
    application: MyApplication | None
    preferred: list[str]  # the names of the spaces my application preferred
    training_theme: str = TRAINING_THEME


@frozen
class ApplyPage(PageView):
    spaces: list[SpaceChoice]
    form: ApplicationForm
    already: bool  # already a lead reader: nothing to apply for


@frozen
class ApplicationCard:
    application: ApplicationRow
    spaces: list[str]  # the names of the spaces it prefers


@frozen
class LeadReaderCard:
    lead: LeadReaderOut
    hours: str
    moves: list[str]  # the states the viewer may move this lead reader to


@frozen
class LeadReadersPage(PageView):
    applications: list[ApplicationCard]
    leads: list[LeadReaderCard]
    certificates: list[CertificateView]
    training_theme: str = TRAINING_THEME


async def my_page(actor: Actor) -> MyLeadReaderPage:
    lead = await leadreaders.of_user(actor.user_id)
    row = (
        await LeadReaderApplication.select()
        .where(LeadReaderApplication.user == actor.user_id)
        .order_by(LeadReaderApplication.id, ascending=False)
        .first()
    )
    preferred: list[int] = loads(row["preferred_space_ids"], []) if row else []
    names = await space_names(preferred)
    return MyLeadReaderPage(
        lead=lead,
        hours=hours_text(lead.minutes_led) if lead else "0",
        application=MyApplication(status=row["status"], note=row["note"], created_at=row["created_at"])
        if row
        else None,
        preferred=[names[i] for i in preferred if i in names],
    )


async def apply_page(actor: Actor, form: ApplicationForm | None = None) -> ApplyPage:
    return ApplyPage(
        spaces=await all_spaces(),
        form=form or ApplicationForm(),
        already=await leadreaders.of_user(actor.user_id) is not None,
    )


async def _application_cards(actor: Actor) -> list[ApplicationCard]:
    rows = await application_service.applications(actor=actor)
    names = await space_names(i for a in rows for i in a.preferred_space_ids)
    return [ApplicationCard(a, [names[i] for i in a.preferred_space_ids if i in names]) for a in rows]


async def _lead_reader_cards(actor: Actor, limit: int = 200) -> list[LeadReaderCard]:
    rows = await LeadReader.select().order_by(LeadReader.id, ascending=False).limit(limit)
    cards = []
    for row in rows:
        out = await leadreaders.lead_reader_out(row)
        may = await leadreaders.may_manage(row, actor)
        moves = sorted(leadreaders.TRANSITIONS[row["status"]], key=leadreaders.STATUSES.index) if may else []
        cards.append(LeadReaderCard(lead=out, hours=hours_text(out.minutes_led), moves=moves))
    return cards


async def lead_readers_page(actor: Actor) -> LeadReadersPage:
    return LeadReadersPage(
        applications=await _application_cards(actor),
        leads=await _lead_reader_cards(actor),
        certificates=await certificates.recent() if actor.is_admin else [],
    )
