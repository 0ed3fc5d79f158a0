"""JSON API: family lead readers, reading sessions, volunteer hours, the family reading log,
certificates (API.md, "Reading programme")."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Response, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, FAMILIES, LIBRARIANS, STAFF
from app.accounts.tables import Child
from app.kernel.clock import Clock, local_today
from app.kernel.errors import Forbidden
from qr import documents, posters
from qr.services import tokens
from qr.tokens import Purpose
from reading.programme.schemas import (
    ApplicationIn,
    ApplicationOut,
    DecisionIn,
    DecisionOut,
    HoursOut,
    LeadReaderOut,
    LeadReaderStatusIn,
    LogEntryOut,
    LogIn,
    ReadingLogOut,
    SessionIn,
    SessionOut,
    SessionPrefill,
    SessionUpdate,
)
from reading.programme.services import certificates, leadreaders, readinglog, sessions

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]
Time = Annotated[datetime, Parameter(description="ISO 8601 with offset")]


class SessionList(Struct):
    items: list[SessionOut]


class HoursList(Struct):
    items: list[HoursOut]


async def certificate_doc(row: dict[str, Any], state: State, now: datetime) -> documents.CertificateDoc:
    token = await tokens.issue(Purpose.certificate, row["id"], now=now)
    lead = row["kind"] == "lead_reader"
    body = (
        f"在东城区家庭亲子阅读项目中带领亲子共读，累计 {row['hours']} 小时"
        if lead
        else f"在东城区家庭亲子阅读项目中参加志愿服务，累计 {row['hours']} 小时"
    )
    return documents.CertificateDoc(
        title="家庭领读人证书" if lead else "志愿服务证书",
        holder=row["display_name"],
        body=body,
        level=row["level"],
        issued_on=row["issued_at"].strftime("%Y年%m月%d日"),
        serial=row["serial"],
        issuer="东城区妇联 · 东城区教委",
        url=f"{state.settings.base_url}/q/{token}",
        revoked=row["revoked_at"] is not None,
    )


def hours_csv_response(rows: list[HoursOut]) -> Response[bytes]:
    """Volunteer hours as CSV (with a BOM, so that Excel reads the Chinese names)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["user_id", "name", "space_id", "sessions", "minutes", "hours"])
    for h in rows:
        name = h.display_name
        if name[:1] in ("=", "+", "-", "@", "\t", "\r"):  # never a formula in a spreadsheet
            name = "'" + name
        writer.writerow([h.user_id, name, h.space_id, h.sessions, h.minutes, h.hours])
    return Response(
        ("\ufeff" + out.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="volunteer-hours.csv"'},
    )


def rendered(doc: documents.CertificateDoc, fmt: str) -> Response[bytes]:
    image = documents.certificate_image(doc)
    if fmt == "pdf":
        return Response(posters.to_pdf([image]), media_type="application/pdf")
    return Response(posters.to_png(image), media_type="image/png")


class LeadReadersController(Controller):
    path = "/api/v1/lead-readers"
    tags = ("reading programme",)

    @post("/applications", opt=FAMILIES, status_code=201)
    async def apply(self, data: JSONBody[ApplicationIn], actor: ActorDep, clock: ClockDep) -> ApplicationOut:
        """A guardian applies to be a family lead reader."""
        return await leadreaders.apply(data, actor=actor, clock=clock)

    @get("/applications", opt=LIBRARIANS)
    async def applications(self, actor: ActorDep) -> dict[str, Any]:
        """Open applications the caller may decide."""
        rows = await leadreaders.applications(actor=actor)
        return {"items": [{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows]}

    @post("/applications/{application_id:int}/decision", opt=LIBRARIANS, status_code=200)
    async def decide(
        self, application_id: FromPath[int], data: JSONBody[DecisionIn], actor: ActorDep, clock: ClockDep
    ) -> DecisionOut:
        """Approve (→ trainee) or reject, once (409 already_decided)."""
        return await leadreaders.decide(application_id, data, actor=actor, clock=clock)

    @get("/{lead_reader_id:int}")
    async def get_lead_reader(self, lead_reader_id: FromPath[int], actor: ActorDep) -> LeadReaderOut:
        return await leadreaders.get(lead_reader_id, actor=actor)

    @post("/{lead_reader_id:int}/status", status_code=200)
    async def set_status(
        self, lead_reader_id: FromPath[int], data: JSONBody[LeadReaderStatusIn], actor: ActorDep, clock: ClockDep
    ) -> LeadReaderOut:
        """trainee → active (after the training), active ⇄ paused, → retired."""
        return await leadreaders.set_status(lead_reader_id, data.status, actor=actor, now=clock.now())

    @get("/{lead_reader_id:int}/certificate.png", media_type="image/png")
    async def certificate_png(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        row = await certificates.issue_for_lead_reader(lead_reader_id, actor=actor, now=clock.now())
        return rendered(await certificate_doc(row, state, clock.now()), "png")

    @get("/{lead_reader_id:int}/certificate.pdf", media_type="application/pdf")
    async def certificate_pdf(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        row = await certificates.issue_for_lead_reader(lead_reader_id, actor=actor, now=clock.now())
        return rendered(await certificate_doc(row, state, clock.now()), "pdf")


class SessionsController(Controller):
    path = "/api/v1"
    tags = ("reading programme",)

    @post("/reading-sessions", opt=STAFF, status_code=201)
    async def log(self, data: JSONBody[SessionIn], actor: ActorDep, clock: ClockDep) -> Response[SessionOut]:
        """Log a session; the same `client_key` again answers 200 with the first session."""
        session, created = await sessions.log_session(data, actor=actor, clock=clock)
        return Response(session, status_code=201 if created else 200)

    @get("/reading-sessions", opt=STAFF)
    async def list_sessions(
        self,
        actor: ActorDep,
        space_id: FromQuery[int | None] = None,
        start: Annotated[Time | None, QueryParameter(name="from")] = None,
        end: Annotated[Time | None, QueryParameter(name="to")] = None,
    ) -> SessionList:
        return SessionList(items=await sessions.list_sessions(actor=actor, space_id=space_id, start=start, end=end))

    @get("/reading-sessions/prefill", opt=STAFF)
    async def prefill(self, slot_id: FromQuery[int], actor: ActorDep) -> SessionPrefill:
        """A session form filled in from a slot and its check-ins."""
        return await sessions.prefill(slot_id, actor=actor)

    @patch("/reading-sessions/{session_id:int}", opt=STAFF)
    async def update(
        self, session_id: FromPath[int], data: JSONBody[SessionUpdate], actor: ActorDep, clock: ClockDep
    ) -> SessionOut:
        """Edit within 7 days (409 session_locked); librarians set `reviewed`."""
        return await sessions.update_session(session_id, data, actor=actor, clock=clock)

    @get("/volunteer-hours", opt=STAFF)
    async def hours(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> HoursList:
        """Hours per person and space, from the sessions they ran or led."""
        return HoursList(items=await sessions.hours(actor=actor, space_id=space_id))

    @get("/volunteer-hours.csv", opt=STAFF, media_type="text/csv")
    async def hours_csv(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> Response[bytes]:
        return hours_csv_response(await sessions.hours(actor=actor, space_id=space_id))

    @get("/users/{user_id:int}/certificate.png", media_type="image/png")
    async def volunteer_certificate(
        self, user_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """A volunteer's certificate (themselves, or a district admin)."""
        row = await certificates.issue_for_volunteer(user_id, actor=actor, now=clock.now())
        return rendered(await certificate_doc(row, state, clock.now()), "png")

    @post("/certificates/{certificate_id:int}/revoke", opt=ADMINS, status_code=200)
    async def revoke(self, certificate_id: FromPath[int], clock: ClockDep) -> dict[str, Any]:
        row = await certificates.revoke(certificate_id, now=clock.now())
        return {"id": row["id"], "serial": row["serial"], "revoked": row["revoked_at"] is not None}


class ReadingLogController(Controller):
    path = "/api/v1/families/me"
    tags = ("reading programme",)

    @post("/reading-log", opt=FAMILIES, status_code=201)
    async def add(self, data: JSONBody[LogIn], actor: ActorDep, clock: ClockDep) -> LogEntryOut:
        """Log a book read together (`book_id` or `isbn`, the children, the day)."""
        return await readinglog.add_entry(actor.family_id, data, clock=clock)

    @get("/reading-log", opt=FAMILIES)
    async def log(self, actor: ActorDep, clock: ClockDep) -> ReadingLogOut:
        """The log with milestones reached and suggestions from loans and sessions attended."""
        return await readinglog.reading_log(actor.family_id, clock=clock)

    @get("/reading-summary.png", opt=FAMILIES, media_type="image/png")
    async def summary(
        self,
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        year: Annotated[int | None, QueryParameter(ge=2020, le=2100)] = None,
    ) -> Response[bytes]:
        """This year's summary, 1080 × 1920, to share in WeChat."""
        if actor.family_id is None:
            raise Forbidden()
        doc = await summary_doc(actor.family_id, year or local_today(clock).year, state.settings.base_url)
        return Response(posters.to_png(documents.summary_image(doc)), media_type="image/png")


async def summary_doc(family_id: int, year: int, base_url: str) -> documents.SummaryDoc:
    """The family's year in one shareable picture; also behind the reading-log page's link."""
    figures = await readinglog.year_summary(family_id, year)
    nicknames = [r["nickname"] for r in await Child.select(Child.nickname).where(Child.family == family_id)]
    # A nickname the shipped font cannot draw (a character outside GB 2312, an emoji) is left
    # out rather than printed as boxes.
    names = "、".join(n for n in nicknames if documents.drawable(n))
    return documents.SummaryDoc(
        headline=f"今年共读 {figures['books']} 本绘本",
        lines=tuple(
            line
            for line in (f"一起读书 {figures['days']} 天", f"最长连续 {figures['longest_streak']} 天", names)
            if line
        ),
        url=base_url + "/",
        footer=f"{year} · 东城区家庭亲子阅读 · 故事角",
    )


PROGRAMME_API = [LeadReadersController, SessionsController, ReadingLogController]
