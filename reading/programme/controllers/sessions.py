"""Reading sessions, the volunteer's log: logged on a phone in under a minute (prefilled
from a slot and its check-ins; books by ISBN with a keyboard-wedge scanner, a copy's QR
code, or a search; a `client_key` so that a form submitted twice records once; a draft kept
in the browser by `app/static/session-draft.js`), the sessions of a space and day, edited
within 7 days, reviewed by librarians."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.errors import DomainError
from app.kernel.i18n import N_, gettext
from app.kernel.web import (
    ActorDep,
    ClockDep,
    Pages,
    form_dict,
    json_object,
    parse_day,
    refusal_json,
    refusal_page,
    see_other,
    wants_json,
)
from reading.programme.schemas import SessionIn, SessionList, SessionOut, SessionPrefill, SessionUpdate
from reading.programme.services import session_form, sessions, views_sessions
from reading.programme.services.session_form import SessionForm

Time = Annotated[datetime, Parameter(description="ISO 8601 with offset")]
FORM = "programme/session_form.html"
LIST = "programme/sessions.html"
SAVED = N_("阅读活动已记录。")


def _day(moment: datetime) -> str:
    return moment.astimezone(local_zone()).date().isoformat()


def _saved_at(saved: SessionOut, client_key: str) -> str:
    """The sessions list that shows a saved session (and forgets its draft)."""
    where = f"space={saved.space_id}&day={_day(saved.started_at)}"
    return f"/staff/sessions?{where}&note=saved&saved={saved.id}&key={client_key}"


async def _queued_form(request: Request[Any, Any, Any]) -> dict[str, list[Any]]:
    """The form as the corner's offline queue sends it (JSON: a field's value, or its values
    for the ticked boxes); always a save, never a search."""
    data = await json_object(request)
    fields = {str(k): v if isinstance(v, list) else [v] for k, v in data.items()}
    return {**fields, "action": ["save"]}


async def _create_queued(request: Request[Any, Any, Any], actor: Actor, clock: Clock) -> Response[dict[str, Any]]:
    """A session the volunteer saved while offline, sent by the corner's queue
    (app/static/corner-queue.js): its `client_key` is the queue's idempotency key, so a
    replay answers the first session. 200 with `ok` either way (the queue moves on)."""
    try:
        form = session_form.posted_form(await _queued_form(request))
        saved = await session_form.save_new(form, actor=actor, clock=clock)
    except DomainError as exc:
        return refusal_json(exc)
    answer = {"ok": True, "message": gettext(SAVED), "id": saved.id, "href": _saved_at(saved, form.client_key)}
    return Response(answer, status_code=200)


async def _form_page(
    actor: Actor, clock: Clock, form: SessionForm, *, session_id: int | None = None, refused: DomainError | None = None
) -> Template:
    page = await views_sessions.session_form_page(actor, clock, form=form, session_id=session_id)
    context = page.context(actor=actor)
    return refusal_page(refused, FORM, context) if refused is not None else Template(FORM, context=context)


class SessionsController(Controller):
    path = "/api/v1/reading-sessions"
    tags = ("reading programme",)

    @post("/", opt=STAFF, status_code=201)
    async def log(self, data: JSONBody[SessionIn], actor: ActorDep, clock: ClockDep) -> Response[SessionOut]:
        """Log a session; the same `client_key` again answers 200 with the first session."""
        session, created = await sessions.log_session(data, actor=actor, clock=clock)
        return Response(session, status_code=201 if created else 200)

    @get("/", opt=STAFF)
    async def list_sessions(
        self,
        actor: ActorDep,
        space_id: FromQuery[int | None] = None,
        start: Annotated[Time | None, QueryParameter(name="from")] = None,
        end: Annotated[Time | None, QueryParameter(name="to")] = None,
    ) -> SessionList:
        return SessionList(items=await sessions.list_sessions(actor=actor, space_id=space_id, start=start, end=end))

    @get("/prefill", opt=STAFF)
    async def prefill(self, slot_id: FromQuery[int], actor: ActorDep) -> SessionPrefill:
        """A session form filled in from a slot and its check-ins."""
        return await sessions.prefill(slot_id, actor=actor)

    @patch("/{session_id:int}", opt=STAFF)
    async def update(
        self, session_id: FromPath[int], data: JSONBody[SessionUpdate], actor: ActorDep, clock: ClockDep
    ) -> SessionOut:
        """Edit within 7 days (409 session_locked); librarians set `reviewed`."""
        return await sessions.update_session(session_id, data, actor=actor, clock=clock)


class SessionPages(Pages):
    path = "/staff/sessions"

    @get("/new", opt=STAFF)
    async def new(
        self,
        actor: ActorDep,
        clock: ClockDep,
        slot_id: FromQuery[int | None] = None,
        space: FromQuery[int | None] = None,
    ) -> Template:
        """The session form: prefilled from a slot and its check-ins when `slot_id` is given."""
        form = await session_form.new_form(actor=actor, clock=clock, slot_id=slot_id, space=space)
        return await _form_page(actor, clock, form)

    @post("/", opt=STAFF, status_code=200)
    async def create(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect | Response[dict[str, Any]]:
        """Save the session; the same `client_key` again answers with the first session. JSON
        from the corner's offline queue is answered in JSON (`ok`, `message`, `href`)."""
        if wants_json(request):
            return await _create_queued(request, actor, clock)
        form = session_form.posted_form((await request.form()).dict())
        if form.searching:
            return await _form_page(actor, clock, form)
        try:
            saved = await session_form.save_new(form, actor=actor, clock=clock)
        except DomainError as exc:
            return await _form_page(actor, clock, form, refused=exc)
        return see_other(_saved_at(saved, form.client_key))

    @get("/", opt=STAFF)
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
        page = await views_sessions.sessions_page(actor, clock, space=space, day=parse_day(day, local_today(clock)))
        return Template(LIST, context=page.context(actor=actor, note=note, saved=saved, saved_key=key or ""))

    @get("/{session_id:int}/edit", opt=STAFF)
    async def edit(self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template:
        page = await views_sessions.edit_page(session_id, actor, clock)
        return Template(FORM, context=page.context(actor=actor))

    @post("/{session_id:int}", opt=STAFF, status_code=200)
    async def update(
        self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Edit within 7 days (then 409, shown kindly)."""
        session = await sessions.visible_session(session_id, actor)
        form = session_form.posted_form((await request.form()).dict(), session=session)
        if form.searching:
            return await _form_page(actor, clock, form, session_id=session_id)
        try:
            saved = await session_form.save_edit(session_id, form, actor=actor, clock=clock)
        except DomainError as exc:
            return await _form_page(actor, clock, form, session_id=session_id, refused=exc)
        where = f"space={saved.space_id}&day={_day(saved.started_at)}"
        return see_other(f"/staff/sessions?{where}&note=updated&saved={saved.id}")

    @post("/{session_id:int}/review", opt=STAFF, status_code=200)
    async def review(
        self, session_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Librarians mark a session reviewed (or not); volunteers are refused kindly."""
        reviewed = (await form_dict(request)).get("reviewed") == "1"
        session = await sessions.visible_session(session_id, actor)
        where = f"space={session.space_id}&day={_day(session.started_at)}"
        try:
            await sessions.update_session(session_id, SessionUpdate(reviewed=reviewed), actor=actor, clock=clock)
        except DomainError as exc:
            day = session.started_at.astimezone(local_zone()).date()
            page = await views_sessions.sessions_page(actor, clock, space=session.space_id, day=day)
            return refusal_page(exc, LIST, page.context(actor=actor))
        note = "reviewed" if reviewed else "unreviewed"
        return see_other(f"/staff/sessions?{where}&note={note}&saved={session_id}")
