"""Reading-programme pages (issue 6, item 6), server-rendered for phones; they call the same
services as the JSON API (`reading/programme/controllers/api.py`).

Families: apply to be a family lead reader (家庭领读人), my lead-reader page (status, level,
sessions led, hours, families reached, books read aloud, certificate, pause / resume /
retire), and the family reading log (a book read together, picked from suggestions or found
by search or ISBN; kind milestones; the yearly summary image).

Volunteers and librarians: the session log on a phone in under a minute (prefilled from a
slot and its check-ins; books by ISBN with a keyboard-wedge scanner, a copy's QR code, or a
search; a `client_key` so that a form submitted twice records once; a draft kept in the
browser by `app/static/session-draft.js`), the sessions of a space and day (edit within 7
days, librarians review), and volunteer hours per person and space with a CSV export.

District admins and librarians: applications to decide, lead readers and their states,
certificates (admins revoke).

Refusals re-render the page with a kind message chosen by the refusal's code
(`reading/programme/templates/programme/_parts.html`); texts are translated in the templates.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, FAMILIES, LIBRARIANS, STAFF
from app.accounts.tables import Child, User
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound, RateLimited
from app.kernel.jsonvalue import loads
from qr import documents, posters
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.schemas import BookOut
from reading.lending.services import catalogue
from reading.lending.tables import Book, Copy
from reading.programme.controllers.api import certificate_doc, hours_csv_response, rendered, summary_doc
from reading.programme.errors import LeadReaderNotFound, SessionNotFound
from reading.programme.rules import MILESTONES, SESSION_EDIT_DAYS, STREAK_DAYS, TRAINING_THEME
from reading.programme.schemas import ApplicationIn, DecisionIn, LogIn, SessionIn, SessionOut, SessionUpdate
from reading.programme.services import certificates, leadreaders, readinglog, sessions
from reading.programme.tables import Certificate, LeadReader, LeadReaderApplication
from spaces.services import slots as slot_service
from spaces.tables import Space

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]


TOKEN_IN_URL = re.compile(r"/q/([A-Za-z0-9_.~-]+)/?\s*$")
MAX_BOOK_LINES = 30
STATUSES = ("trainee", "active", "paused", "retired")


# --- helpers ---------------------------------------------------------------------------------


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def status_of(exc: DomainError) -> int:
    for cls, status in ((InvalidInput, 400), (Forbidden, 403), (NotFound, 404), (RateLimited, 429)):
        if isinstance(exc, cls):
            return status
    return 409


def refusal(exc: DomainError) -> dict[str, Any]:
    """What the templates need to say no kindly: the code, the texts and the extras."""
    return {"code": exc.code, "title": exc.title, "detail": exc.detail, **exc.extra}


def bad_fields(problem: dict[str, Any] | None) -> set[str]:
    return {f["field"] for f in (problem or {}).get("fields", [])}


def to_int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def parse_day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, local_zone())


def local_input(moment: datetime) -> str:
    """A moment as the value of `<input type="datetime-local">` in the service's zone."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%dT%H:%M")


def ids(values: list[str]) -> list[int]:
    return sorted({i for i in (to_int(v) for v in values) if i is not None and i > 0})


async def served_spaces(actor: Actor) -> list[dict[str, Any]]:
    query = Space.select(Space.id, Space.name).order_by(Space.id)
    if not actor.is_admin:
        query = query.where(Space.id.is_in(sorted(actor.space_ids) or [-1]))
    return list(await query)


async def space_names(space_ids: set[int] | list[int]) -> dict[int, str]:
    wanted = sorted(set(space_ids))
    if not wanted:
        return {}
    return {r["id"]: r["name"] for r in await Space.select(Space.id, Space.name).where(Space.id.is_in(wanted))}


async def user_names(user_ids: set[int]) -> dict[int, str]:
    wanted = sorted(i for i in user_ids if i is not None)
    if not wanted:
        return {}
    return {
        r["id"]: r["display_name"] for r in await User.select(User.id, User.display_name).where(User.id.is_in(wanted))
    }


async def book_titles(book_ids: set[int] | list[int]) -> dict[int, dict[str, Any]]:
    wanted = sorted(set(book_ids))
    if not wanted:
        return {}
    rows = await Book.select(Book.id, Book.title, Book.isbn, Book.draft).where(Book.id.is_in(wanted))
    return {r["id"]: r for r in rows}


def hours_text(minutes: int) -> str:
    """Minutes as hours with one decimal: 90 → "1.5"."""
    value = round(minutes / 60, 1)
    return str(int(value)) if value == int(value) else str(value)


# --- families: lead readers ------------------------------------------------------------------


class LeadReaderPages(Controller):
    include_in_schema = False

    async def _page(
        self,
        actor: Actor,
        *,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        row = await leadreaders.by_user(actor.user_id)
        lead = await leadreaders.lead_reader_out(row) if row else None
        application = (
            await LeadReaderApplication.select()
            .where(LeadReaderApplication.user == actor.user_id)
            .order_by(LeadReaderApplication.id, ascending=False)
            .first()
        )
        preferred = loads(application["preferred_space_ids"], []) if application else []
        names = await space_names(preferred)
        return Template(
            "programme/lead_reader.html",
            context={
                "actor": actor,
                "lead": lead,
                "hours": hours_text(lead.minutes_led) if lead else "0",
                "application": application,
                "preferred": [names[i] for i in preferred if i in names],
                "training_theme": TRAINING_THEME,
                "note": note,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/lead-reader", opt=FAMILIES)
    async def mine(self, actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        """My lead-reader page, or where my application stands."""
        return await self._page(actor, note=note)

    async def _apply_page(
        self,
        actor: Actor,
        *,
        form: dict[str, Any] | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        spaces = list(await Space.select(Space.id, Space.name, Space.street).order_by(Space.street, Space.id))
        return Template(
            "programme/apply.html",
            context={
                "actor": actor,
                "spaces": spaces,
                "form": form or {"motivation": "", "availability": "", "space_ids": []},
                "refusal": problem,
                "bad": bad_fields(problem),
                "already": await leadreaders.by_user(actor.user_id) is not None,
            },
            status_code=status,
        )

    @get("/lead-reader/apply", opt=FAMILIES)
    async def apply_form(self, actor: ActorDep) -> Template:
        return await self._apply_page(actor)

    @post("/lead-reader/apply", opt=FAMILIES, status_code=200)
    async def apply(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        raw = await request.form()
        motivation = str(raw.get("motivation") or "").strip()
        availability = str(raw.get("availability") or "").strip()
        space_ids = ids(raw.getall("space_id", []))
        form: dict[str, Any] = {"motivation": motivation, "availability": availability, "space_ids": space_ids}
        try:
            if not motivation:
                raise InvalidInput(
                    "请写一写您想成为领读人的原因", fields=[{"field": "motivation", "message": "required"}]
                )
            if len(motivation) > 2000:
                raise InvalidInput("想说的话最多 2000 字", fields=[{"field": "motivation", "message": "too long"}])
            if len(availability) > 200:
                raise InvalidInput("方便的时间最多 200 字", fields=[{"field": "availability", "message": "too long"}])
            if not 1 <= len(space_ids) <= 10:
                raise InvalidInput("请选择 1 到 10 个想去带读的空间", fields=[{"field": "space_id", "message": "1-10"}])
            data = ApplicationIn(motivation=motivation, availability=availability, preferred_space_ids=space_ids)
            await leadreaders.apply(data, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._apply_page(actor, form=form, problem=refusal(exc), status=status_of(exc))
        return see_other("/lead-reader?note=applied")

    @post("/lead-reader/status", opt=FAMILIES, status_code=200)
    async def set_status(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Pause, resume or retire myself."""
        raw = await request.form()
        wanted = str(raw.get("status") or "")
        try:
            row = await leadreaders.by_user(actor.user_id)
            if row is None:
                raise LeadReaderNotFound()
            if wanted not in ("active", "paused", "retired"):
                raise InvalidInput("请选择要做的变更", fields=[{"field": "status", "message": "active/paused/retired"}])
            await leadreaders.set_status(row["id"], wanted, actor=actor, now=clock.now())
        except DomainError as exc:
            return await self._page(actor, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/lead-reader?note={wanted}")

    @get("/lead-reader/certificate.png", opt=FAMILIES, media_type="image/png")
    async def certificate_png(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        return await self._certificate(actor, clock, state, "png")

    @get("/lead-reader/certificate.pdf", opt=FAMILIES, media_type="application/pdf")
    async def certificate_pdf(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        return await self._certificate(actor, clock, state, "pdf")

    async def _certificate(self, actor: Actor, clock: Clock, state: State, fmt: str) -> Response[bytes]:
        row = await leadreaders.by_user(actor.user_id)
        if row is None:
            raise LeadReaderNotFound()
        issued = await certificates.issue_for_lead_reader(row["id"], actor=actor, now=clock.now())
        response = rendered(await certificate_doc(issued, state, clock.now()), fmt)
        response.headers["Content-Disposition"] = f'attachment; filename="certificate-{issued["serial"]}.{fmt}"'
        return response


# --- families: the reading log ---------------------------------------------------------------


class ReadingLogPages(Controller):
    include_in_schema = False
    path = "/reading-log"

    async def _page(
        self,
        actor: Actor,
        clock: Clock,
        *,
        q: str | None = None,
        form: dict[str, Any] | None = None,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        assert actor.family_id is not None
        log = await readinglog.reading_log(actor.family_id, clock=clock, limit=30)
        children = list(
            await Child.select(Child.id, Child.nickname).where(Child.family == actor.family_id).order_by(Child.id)
        )
        text = (q or "").strip()[:100]
        found: list[BookOut] = await catalogue.search(text, limit=8) if text else []
        today = local_today(clock)
        reached = {(m.kind, m.value) for m in log.milestones}
        next_books = next((n for n in MILESTONES if n > log.books_read), None)
        defaults = {
            "book_id": None,
            "isbn": "",
            "child_ids": [c["id"] for c in children],
            "read_on": today.isoformat(),
            "minutes": "",
        }
        return Template(
            "programme/reading_log.html",
            context={
                "actor": actor,
                "log": log,
                "children": children,
                "nicknames": {c["id"]: c["nickname"] for c in children},
                "q": text,
                "found": found,
                "form": form or defaults,
                "today": today,
                "year": today.year,
                "earliest": (today - timedelta(days=366)).isoformat(),
                "next_books": next_books,
                "books_to_go": (next_books - log.books_read) if next_books else 0,
                "streak_days": STREAK_DAYS,
                "streak_reached": ("streak", STREAK_DAYS) in reached,
                "note": note,
                "refusal": problem,
                "bad": bad_fields(problem),
            },
            status_code=status,
        )

    @get("/", opt=FAMILIES)
    async def page(
        self,
        actor: ActorDep,
        clock: ClockDep,
        q: FromQuery[str | None] = None,
        note: FromQuery[str | None] = None,
    ) -> Template:
        """The books read together, milestones, suggestions and the add form."""
        return await self._page(actor, clock, q=q, note=note)

    @post("/", opt=FAMILIES, status_code=200)
    async def add(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        raw = await request.form()
        form: dict[str, Any] = {
            "book_id": to_int(raw.get("book_id")),
            "isbn": str(raw.get("isbn") or "").strip()[:20],
            "child_ids": ids(raw.getall("child_id", [])),
            "read_on": str(raw.get("read_on") or "").strip(),
            "minutes": str(raw.get("minutes") or "").strip(),
        }
        try:
            if form["book_id"] is None and not form["isbn"]:
                raise InvalidInput("请选择一本绘本，或输入 ISBN", fields=[{"field": "book_id", "message": "required"}])
            if not form["child_ids"]:
                raise InvalidInput("请选择一起读书的孩子", fields=[{"field": "child_id", "message": "required"}])
            if len(form["child_ids"]) > 8:
                raise InvalidInput("最多选择 8 个孩子", fields=[{"field": "child_id", "message": "at most 8"}])
            try:
                read_on = date.fromisoformat(form["read_on"])
            except ValueError:
                raise InvalidInput("请选择日期", fields=[{"field": "read_on", "message": "YYYY-MM-DD"}]) from None
            minutes = to_int(form["minutes"]) if form["minutes"] else None
            if form["minutes"] and (minutes is None or not 1 <= minutes <= 600):
                raise InvalidInput("读书时长应在 1 到 600 分钟之间", fields=[{"field": "minutes", "message": "1-600"}])
            data = LogIn(
                child_ids=form["child_ids"],
                read_on=read_on,
                book_id=form["book_id"],
                isbn=None if form["book_id"] is not None else form["isbn"],
                minutes=minutes,
            )
            await readinglog.add_entry(actor.family_id, data, clock=clock)
        except DomainError as exc:
            return await self._page(actor, clock, form=form, problem=refusal(exc), status=status_of(exc))
        return see_other("/reading-log?note=logged")

    @get("/summary.png", opt=FAMILIES, media_type="image/png")
    async def summary(
        self, actor: ActorDep, clock: ClockDep, state: State, year: FromQuery[int | None] = None
    ) -> Response[bytes]:
        """This year's summary image (1080 × 1920) for the browser session, to share in WeChat."""
        assert actor.family_id is not None
        today = local_today(clock)
        chosen = year if year is not None and 2020 <= year <= today.year else today.year
        doc = await summary_doc(actor.family_id, chosen, state.settings.base_url)
        return Response(
            posters.to_png(documents.summary_image(doc)),
            media_type="image/png",
            headers={"Content-Disposition": f'inline; filename="reading-{chosen}.png"', "Cache-Control": "no-store"},
        )


# --- volunteers and librarians: sessions and hours -------------------------------------------


SESSION_TEXT_FIELDS = ("space_id", "slot_id", "started_at", "minutes", "adults", "children", "theme", "notes", "isbns")


class SessionPages(Controller):
    include_in_schema = False
    path = "/staff"

    async def _lead_reader_choices(self, space_id: int | None, chosen: list[int]) -> list[dict[str, Any]]:
        """Lead readers who may lead here: not retired, and preferring this space (or already
        chosen, e.g. listed on the slot)."""
        rows = (
            await LeadReader.select(LeadReader.id, LeadReader.display_name, LeadReader.status, LeadReader.application)
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
            r for r in rows if r["id"] in keep or space_id is None or space_id in preferred.get(r["application"], set())
        ][:60]

    async def _form_page(
        self,
        actor: Actor,
        clock: Clock,
        *,
        form: dict[str, Any],
        session_id: int | None = None,
        q: str = "",
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        spaces = await served_spaces(actor)
        space_id = to_int(form.get("space_id"))
        today = local_today(clock)
        todays: list[dict[str, Any]] = []
        if session_id is None and not form.get("slot_id"):
            for s in spaces[:20]:
                found_slots = await slot_service.list_slots(
                    s["id"], day_start(today), day_start(today + timedelta(days=1))
                )
                todays += [
                    {"slot": t, "space": s["name"]} for t in found_slots if not t.cancelled and t.kind == "activity"
                ]
        found: list[BookOut] = await catalogue.search(q, limit=8) if q else []
        chosen_books = await book_titles(form.get("book_ids", []))
        return Template(
            "programme/session_form.html",
            context={
                "actor": actor,
                "spaces": spaces,
                "space_name": next((s["name"] for s in spaces if s["id"] == space_id), ""),
                "form": form,
                "session_id": session_id,
                "todays": todays,
                "lead_readers": await self._lead_reader_choices(space_id, form.get("lead_reader_ids", [])),
                "q": q,
                "found": [b for b in found if b.id not in chosen_books],
                "chosen_books": list(chosen_books.values()),
                "draft_key": f"slot-{form.get('slot_id')}" if form.get("slot_id") else f"space-{space_id or 0}",
                "refusal": problem,
                "bad": bad_fields(problem),
            },
            status_code=status,
        )

    @get("/sessions/new", opt=STAFF)
    async def new(
        self,
        actor: ActorDep,
        clock: ClockDep,
        slot_id: FromQuery[int | None] = None,
        space: FromQuery[int | None] = None,
    ) -> Template:
        """The session form: prefilled from a slot and its check-ins when `slot_id` is given."""
        form: dict[str, Any] = {
            "space_id": "",
            "slot_id": "",
            "started_at": local_input(clock.now()),
            "minutes": "45",
            "adults": "0",
            "children": "0",
            "theme": "",
            "notes": "",
            "isbns": "",
            "lead_reader_ids": [],
            "book_ids": [],
            "client_key": secrets.token_urlsafe(16),
        }
        spaces = await served_spaces(actor)
        if slot_id is not None:
            filled = await sessions.prefill(slot_id, actor=actor)  # 404 / 403 for a wrong slot
            form.update(
                space_id=str(filled.space_id),
                slot_id=str(slot_id),
                started_at=local_input(filled.started_at) if filled.started_at else form["started_at"],
                minutes=str(min(filled.minutes, 480)),
                adults=str(filled.adults),
                children=str(filled.children),
                theme=filled.theme[:32],
                lead_reader_ids=filled.lead_reader_ids,
            )
        elif space is not None and any(s["id"] == space for s in spaces):
            form["space_id"] = str(space)
        elif len(spaces) == 1:
            form["space_id"] = str(spaces[0]["id"])
        return await self._form_page(actor, clock, form=form)

    async def _read_form(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        raw = await request.form()
        form: dict[str, Any] = {name: str(raw.get(name) or "").strip() for name in SESSION_TEXT_FIELDS}
        form["lead_reader_ids"] = ids(raw.getall("lead_reader_id", []))
        form["book_ids"] = ids(raw.getall("book_id", []))
        form["client_key"] = str(raw.get("client_key") or "").strip()[:64]
        form["action"] = str(raw.get("action") or "save")
        form["q"] = str(raw.get("q") or "").strip()[:100]
        return form

    async def _books(self, form: dict[str, Any], clock: Clock) -> tuple[list[int], list[str]]:
        """The chosen books: ticked ids, and the scanned lines (ISBNs, or a copy's QR code)."""
        book_ids = list(form["book_ids"])
        isbns: list[str] = []
        lines = [line.strip() for line in form["isbns"].splitlines() if line.strip()]
        if len(lines) + len(book_ids) > MAX_BOOK_LINES:
            raise InvalidInput("一次最多记录 30 本绘本", fields=[{"field": "isbns", "message": "at most 30"}])
        for line in lines:
            match = TOKEN_IN_URL.search(line)
            if match:
                try:
                    claims = await tokens.verify(match.group(1), purposes=(Purpose.copy,), now=clock.now())
                except QrError:
                    raise InvalidInput(
                        "这个二维码不是故事角绘本的标签", fields=[{"field": "isbns", "message": "not a copy's code"}]
                    ) from None
                copy = await Copy.select(Copy.book).where(Copy.id == claims.subject).first()
                if copy is None:
                    raise InvalidInput(
                        "这个二维码不是故事角绘本的标签", fields=[{"field": "isbns", "message": "unknown copy"}]
                    )
                book_ids.append(int(copy["book"]))
            else:
                isbns.append(line.replace("-", "").replace(" ", "")[:20])
        return sorted(set(book_ids)), isbns

    def _counts(self, form: dict[str, Any]) -> tuple[int, int, int]:
        minutes, adults, children = (to_int(form[f]) for f in ("minutes", "adults", "children"))
        if minutes is None or not 1 <= minutes <= 480:
            raise InvalidInput("活动时长应在 1 到 480 分钟之间", fields=[{"field": "minutes", "message": "1-480"}])
        if adults is None or not 0 <= adults <= 500:
            raise InvalidInput("大人的人数应在 0 到 500 之间", fields=[{"field": "adults", "message": "0-500"}])
        if children is None or not 0 <= children <= 500:
            raise InvalidInput("孩子的人数应在 0 到 500 之间", fields=[{"field": "children", "message": "0-500"}])
        if len(form["theme"]) > 32:
            raise InvalidInput("主题最多 32 个字", fields=[{"field": "theme", "message": "at most 32"}])
        if len(form["notes"]) > 2000:
            raise InvalidInput("备注最多 2000 字", fields=[{"field": "notes", "message": "at most 2000"}])
        if len(form["lead_reader_ids"]) > 10:
            raise InvalidInput("最多选择 10 位领读人", fields=[{"field": "lead_reader_id", "message": "at most 10"}])
        return minutes, adults, children

    @post("/sessions", opt=STAFF, status_code=200)
    async def create(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Save the session; the same `client_key` again answers with the first session."""
        form = await self._read_form(request)
        if len(form["client_key"]) < 8:
            form["client_key"] = secrets.token_urlsafe(16)  # a form without its key still saves, once
        if form["action"] == "search":
            return await self._form_page(actor, clock, form=form, q=form["q"])
        try:
            space_id = to_int(form["space_id"])
            if space_id is None:
                raise InvalidInput("请选择空间", fields=[{"field": "space_id", "message": "required"}])
            try:
                started = datetime.fromisoformat(form["started_at"])
            except ValueError:
                raise InvalidInput(
                    "请填写活动开始的时间", fields=[{"field": "started_at", "message": "YYYY-MM-DDTHH:MM"}]
                ) from None
            if started.tzinfo is None:
                started = started.replace(tzinfo=local_zone())
            minutes, adults, children = self._counts(form)
            book_ids, isbns = await self._books(form, clock)
            data = msgspec.convert(
                {
                    "space_id": space_id,
                    "slot_id": to_int(form["slot_id"]),
                    "started_at": started,
                    "minutes": minutes,
                    "adults": adults,
                    "children": children,
                    "lead_reader_ids": form["lead_reader_ids"],
                    "book_ids": book_ids,
                    "isbns": isbns,
                    "theme": form["theme"],
                    "notes": form["notes"],
                    "client_key": form["client_key"],
                },
                SessionIn,
            )
            saved, _created = await sessions.log_session(data, actor=actor, clock=clock)
        except msgspec.ValidationError:
            problem = refusal(InvalidInput("请检查填写的内容", fields=[{"field": "form", "message": "invalid"}]))
            return await self._form_page(actor, clock, form=form, problem=problem, status=400)
        except DomainError as exc:
            return await self._form_page(actor, clock, form=form, problem=refusal(exc), status=status_of(exc))
        day = saved.started_at.astimezone(local_zone()).date().isoformat()
        return see_other(
            f"/staff/sessions?space={saved.space_id}&day={day}&note=saved&saved={saved.id}&key={form['client_key']}"
        )

    async def _list_page(
        self,
        actor: Actor,
        clock: Clock,
        *,
        space: int | None,
        day: str | None,
        note: str | None = None,
        saved: int | None = None,
        key: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        spaces = await served_spaces(actor)
        picked = space if space is not None and any(s["id"] == space for s in spaces) else None
        if picked is None and actor.is_admin and spaces:
            picked = spaces[0]["id"]
        today = local_today(clock)
        first = parse_day(day, today)
        found: list[SessionOut] = []
        if spaces:
            found = await sessions.list_sessions(
                actor=actor, space_id=picked, start=day_start(first), end=day_start(first + timedelta(days=1))
            )
        leads = {
            r["id"]: r["display_name"]
            for r in await LeadReader.select(LeadReader.id, LeadReader.display_name).where(
                LeadReader.id.is_in(sorted({i for s in found for i in s.lead_reader_ids}) or [-1])
            )
        }
        books = await book_titles({b for s in found for b in s.book_ids})
        loggers = await user_names({s.logged_by for s in found if s.logged_by is not None})
        names = {s["id"]: s["name"] for s in spaces}
        now = clock.now()
        return Template(
            "programme/sessions.html",
            context={
                "actor": actor,
                "spaces": spaces,
                "picked": picked,
                "day": first,
                "today": today,
                "prev_day": first - timedelta(days=1),
                "next_day": first + timedelta(days=1),
                "items": [
                    {
                        "session": s,
                        "space": names.get(s.space_id, ""),
                        "leads": [leads[i] for i in s.lead_reader_ids if i in leads],
                        "books": [books[b] for b in s.book_ids if b in books],
                        "logged_by": loggers.get(s.logged_by or 0, ""),
                        "editable": now - s.created_at <= timedelta(days=SESSION_EDIT_DAYS),
                    }
                    for s in found
                ],
                "may_review": actor.has("district_admin", "librarian"),
                "note": note,
                "saved": saved,
                "saved_key": key or "",
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/sessions", opt=STAFF)
    async def list_sessions(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: FromQuery[int | None] = None,
        day: FromQuery[str | None] = None,
        note: FromQuery[str | None] = None,
        saved: FromQuery[int | None] = None,
        key: FromQuery[str | None] = None,
    ) -> Template:
        """The sessions of a space (or all the actor serves) on one day."""
        return await self._list_page(actor, clock, space=space, day=day, note=note, saved=saved, key=key)

    async def _session_form(self, session: SessionOut) -> dict[str, Any]:
        return {
            "space_id": str(session.space_id),
            "slot_id": str(session.slot_id or ""),
            "started_at": local_input(session.started_at),
            "minutes": str(session.minutes),
            "adults": str(session.adults),
            "children": str(session.children),
            "theme": session.theme,
            "notes": session.notes,
            "isbns": "",
            "lead_reader_ids": session.lead_reader_ids,
            "book_ids": session.book_ids,
            "client_key": "",
        }

    async def _visible(self, session_id: int, actor: Actor) -> SessionOut:
        session = await sessions.session_out(session_id)
        if not actor.serves(session.space_id):
            raise SessionNotFound()
        return session

    @get("/sessions/{session_id:int}/edit", opt=STAFF)
    async def edit(self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template:
        session = await self._visible(session_id, actor)
        form = await self._session_form(session)
        page = await self._form_page(actor, clock, form=form, session_id=session_id)
        page.context["locked"] = clock.now() - session.created_at > timedelta(days=SESSION_EDIT_DAYS)
        return page

    @post("/sessions/{session_id:int}", opt=STAFF, status_code=200)
    async def update(
        self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Edit within 7 days (then 409, shown kindly)."""
        session = await self._visible(session_id, actor)
        form = await self._read_form(request)
        form["space_id"], form["slot_id"] = str(session.space_id), str(session.slot_id or "")
        form["started_at"], form["client_key"] = local_input(session.started_at), ""
        if form["action"] == "search":
            return await self._form_page(actor, clock, form=form, session_id=session_id, q=form["q"])
        try:
            minutes, adults, children = self._counts(form)
            book_ids, isbns = await self._books(form, clock)
            resolved = await sessions.resolve_books(book_ids, isbns, clock)
            change = SessionUpdate(
                minutes=minutes,
                adults=adults,
                children=children,
                theme=form["theme"],
                notes=form["notes"],
                lead_reader_ids=form["lead_reader_ids"],
                book_ids=resolved,
            )
            saved = await sessions.update_session(session_id, change, actor=actor, clock=clock)
        except DomainError as exc:
            page = await self._form_page(
                actor, clock, form=form, session_id=session_id, problem=refusal(exc), status=status_of(exc)
            )
            return page
        day = saved.started_at.astimezone(local_zone()).date().isoformat()
        return see_other(f"/staff/sessions?space={saved.space_id}&day={day}&note=updated&saved={saved.id}")

    @post("/sessions/{session_id:int}/review", opt=STAFF, status_code=200)
    async def review(
        self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Librarians mark a session reviewed (or not); volunteers are refused kindly."""
        raw = await request.form()
        reviewed = str(raw.get("reviewed") or "") == "1"
        session = await self._visible(session_id, actor)
        day = session.started_at.astimezone(local_zone()).date().isoformat()
        try:
            await sessions.update_session(session_id, SessionUpdate(reviewed=reviewed), actor=actor, clock=clock)
        except DomainError as exc:
            return await self._list_page(
                actor, clock, space=session.space_id, day=day, problem=refusal(exc), status=status_of(exc)
            )
        note = "reviewed" if reviewed else "unreviewed"
        return see_other(f"/staff/sessions?space={session.space_id}&day={day}&note={note}&saved={session_id}")

    @get("/volunteer-hours", opt=STAFF)
    async def hours(self, actor: ActorDep, space: FromQuery[int | None] = None) -> Template:
        """Hours per person and space, from the sessions they ran or led; totals per person."""
        spaces = await served_spaces(actor)
        picked = space if space is not None and any(s["id"] == space for s in spaces) else None
        rows = await sessions.hours(actor=actor, space_id=picked)
        names = {s["id"]: s["name"] for s in spaces} | await space_names({r.space_id for r in rows if r.space_id})
        people: dict[int, dict[str, Any]] = {}
        for r in rows:
            person = people.setdefault(
                r.user_id, {"name": r.display_name, "user_id": r.user_id, "sessions": 0, "minutes": 0, "spaces": []}
            )
            person["sessions"] += r.sessions
            person["minutes"] += r.minutes
            person["spaces"].append(
                {"name": names.get(r.space_id or 0, ""), "sessions": r.sessions, "hours": hours_text(r.minutes)}
            )
        for person in people.values():
            person["hours"] = hours_text(person["minutes"])
        return Template(
            "programme/hours.html",
            context={
                "actor": actor,
                "spaces": spaces,
                "picked": picked,
                "people": sorted(people.values(), key=lambda p: (-p["minutes"], p["name"])),
                "csv": "/staff/volunteer-hours.csv" + (f"?space={picked}" if picked else ""),
            },
        )

    @get("/volunteer-hours.csv", opt=STAFF, media_type="text/csv")
    async def hours_csv(self, actor: ActorDep, space: FromQuery[int | None] = None) -> Response[bytes]:
        """The same figures as CSV, for the browser session."""
        return hours_csv_response(await sessions.hours(actor=actor, space_id=space))

    @get("/my-certificate.png", opt=STAFF, media_type="image/png")
    async def my_certificate(self, actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """My volunteer certificate (hours from the sessions I ran or led)."""
        issued = await certificates.issue_for_volunteer(actor.user_id, actor=actor, now=clock.now())
        return rendered(await certificate_doc(issued, state, clock.now()), "png")


# --- district admins and librarians: lead readers --------------------------------------------


class LeadReaderAdminPages(Controller):
    include_in_schema = False
    path = "/staff/lead-readers"

    async def _page(
        self,
        actor: Actor,
        *,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        focus: str | None = None,
        status: int = 200,
    ) -> Template:
        applications = await leadreaders.applications(actor=actor)
        rows = list(await LeadReader.select().order_by(LeadReader.id, ascending=False).limit(200))
        leads = []
        for row in rows:
            out = await leadreaders.lead_reader_out(row)
            may = await leadreaders.may_manage(row, actor)
            moves = sorted(leadreaders.TRANSITIONS[row["status"]], key=STATUSES.index) if may else []
            leads.append({"lead": out, "hours": hours_text(out.minutes_led), "moves": moves})
        names = await space_names({i for a in applications for i in a["preferred_space_ids"]})
        recent = []
        if actor.is_admin:
            recent = list(await Certificate.select().order_by(Certificate.id, ascending=False).limit(50))
        return Template(
            "programme/lead_readers.html",
            context={
                "actor": actor,
                "applications": [
                    {**a, "spaces": [names[i] for i in a["preferred_space_ids"] if i in names]} for a in applications
                ],
                "leads": leads,
                "certificates": recent,
                "training_theme": TRAINING_THEME,
                "note": note,
                "refusal": problem,
                "focus": focus,
            },
            status_code=status,
        )

    @get("/", opt=LIBRARIANS)
    async def page(self, actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        """Applications to decide, lead readers and their states, certificates (admins)."""
        return await self._page(actor, note=note)

    @post("/applications/{application_id:int}/decision", opt=LIBRARIANS, status_code=200)
    async def decide(
        self, application_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Approve (→ trainee) or reject with a note; a second decision is refused kindly (409)."""
        raw = await request.form()
        approve = str(raw.get("approve") or "") == "1"
        note = str(raw.get("note") or "").strip()
        try:
            if len(note) > 500:
                raise InvalidInput("备注最多 500 字", fields=[{"field": "note", "message": "at most 500"}])
            await leadreaders.decide(application_id, DecisionIn(approve=approve, note=note), actor=actor, clock=clock)
        except DomainError as exc:
            return await self._page(actor, problem=refusal(exc), focus=f"a{application_id}", status=status_of(exc))
        return see_other(f"/staff/lead-readers?note={'approved' if approve else 'rejected'}")

    @post("/{lead_reader_id:int}/status", opt=LIBRARIANS, status_code=200)
    async def set_status(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """trainee → active (after the training), active ⇄ paused, → retired."""
        raw = await request.form()
        wanted = str(raw.get("status") or "")
        try:
            if wanted not in ("active", "paused", "retired"):
                raise InvalidInput("请选择要做的变更", fields=[{"field": "status", "message": "active/paused/retired"}])
            await leadreaders.set_status(lead_reader_id, wanted, actor=actor, now=clock.now())
        except DomainError as exc:
            return await self._page(actor, problem=refusal(exc), focus=f"l{lead_reader_id}", status=status_of(exc))
        return see_other(f"/staff/lead-readers?note=status_{wanted}#l{lead_reader_id}")

    @post("/certificates/{certificate_id:int}/revoke", opt=ADMINS, status_code=200)
    async def revoke(self, certificate_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        """Revoke a certificate: its verification page then says so."""
        try:
            await certificates.revoke(certificate_id, now=clock.now())
        except DomainError as exc:
            return await self._page(actor, problem=refusal(exc), status=status_of(exc))
        return see_other("/staff/lead-readers?note=revoked#certificates")


PROGRAMME_PAGES = [LeadReaderPages, ReadingLogPages, SessionPages, LeadReaderAdminPages]
