"""The family reading log: a book read together (picked from suggestions or found by search
or ISBN), kind milestones, and the yearly summary image to share in WeChat."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES
from app.kernel.clock import local_today
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, download, refusal_page, see_other
from reading.programme.schemas import LogEntryOut, LogIn, ReadingLogOut
from reading.programme.services import documents, readinglog
from reading.programme.services.views_readinglog import reading_log_page

PAGE = "programme/reading_log.html"
PNG = "image/png"


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

    @get("/reading-summary.png", opt=FAMILIES, media_type=PNG)
    async def summary(
        self,
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        year: Annotated[int | None, QueryParameter(ge=2020, le=2100)] = None,
    ) -> Response[bytes]:
        """This year's summary, 1080 × 1920, to share in WeChat."""
        chosen = year or local_today(clock).year
        return Response(await documents.summary_png(actor.family_id, chosen, state.settings.base_url), media_type=PNG)


class ReadingLogPages(Pages):
    path = "/reading-log"

    @get("/", opt=FAMILIES)
    async def page(
        self,
        actor: ActorDep,
        clock: ClockDep,
        q: FromQuery[str | None] = None,
        note: FromQuery[str | None] = None,
    ) -> Template:
        """The books read together, milestones, suggestions and the add form."""
        page = await reading_log_page(actor.family_id, clock=clock, q=q)
        return Template(PAGE, context=page.context(actor=actor, note=note))

    @post("/", opt=FAMILIES, status_code=200)
    async def add(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = readinglog.log_form((await request.form()).dict())
        try:
            await readinglog.add_from_form(actor.family_id, form, clock=clock)
        except DomainError as exc:
            page = await reading_log_page(actor.family_id, clock=clock, form=form)
            return refusal_page(exc, PAGE, page.context(actor=actor))
        return see_other("/reading-log?note=logged")

    @get("/summary.png", opt=FAMILIES, media_type=PNG)
    async def summary(
        self, actor: ActorDep, clock: ClockDep, state: State, year: FromQuery[int | None] = None
    ) -> Response[bytes]:
        """This year's summary image (1080 × 1920) for the browser session, to share in WeChat."""
        today = local_today(clock)
        chosen = year if year is not None and 2020 <= year <= today.year else today.year
        image = await documents.summary_png(actor.family_id, chosen, state.settings.base_url)
        response = download(image, f"reading-{chosen}.png", PNG, inline=True)
        response.headers["Cache-Control"] = "no-store"
        return response
