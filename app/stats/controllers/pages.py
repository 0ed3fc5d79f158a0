"""The statistics dashboard (`/staff/stats`), its Excel download and, for district admins, the
monthly reports (kept ones, and the form making one with a progress bar), for the browser
session."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, STAFF
from app.kernel.clock import Clock
from app.kernel.web import XLSX, ActorDep, ClockDep, Pages, QueueDep, form_dict, refusal_page, see_other, to_int
from app.stats.controllers.api import FiltersDep, From, To, exported, report_file
from app.stats.errors import BadFilter
from app.stats.services import archive
from app.stats.services.dashboard import Dashboard, dashboard
from app.stats.services.scope import Filters
from app.stats.services.space_table import TableView

TEMPLATE = "stats/dashboard.html"


async def form_filters(
    first: From = None,
    last: To = None,
    street: FromQuery[str | None] = None,
    space_id: FromQuery[str | None] = None,
    theme: FromQuery[str | None] = None,
) -> Filters:
    """The dashboard form's filters (its space may come empty: every space)."""
    return Filters(first, last, street, to_int(space_id), theme)


async def _context(page: Dashboard, actor: Actor, clock: Clock, **more: Any) -> dict[str, Any]:
    """The dashboard's context; district admins also get the monthly reports (`reports`)."""
    reports = await archive.shelf(clock=clock) if actor.is_admin else None
    return page.context(actor=actor, reports=reports, **more)


class StatsPages(Pages):
    dependencies = {"filters": Provide(form_filters)}  # noqa: RUF012 (Litestar reads it as the class's)

    @get("/staff/stats", opt=STAFF)
    async def dashboard(
        self,
        actor: ActorDep,
        clock: ClockDep,
        filters: FiltersDep,
        sort: FromQuery[str | None] = None,
        order: FromQuery[str | None] = None,
        page_number: Annotated[str | None, QueryParameter(name="page")] = None,
    ) -> Template:
        """Headline figures against the previous period, charts, every space (a table sorted
        by any column, a page at a time), quiet sites."""
        view = TableView.of(sort, order, page_number)
        try:
            page = await dashboard(filters, actor=actor, clock=clock, view=view)
        except BadFilter as exc:
            page = await dashboard(Filters(), actor=actor, clock=clock)
            return refusal_page(exc, TEMPLATE, await _context(page, actor, clock))
        return Template(TEMPLATE, context=await _context(page, actor, clock))

    @post("/staff/stats/reports", opt=ADMINS)
    async def make_report(
        self, request: Request[Any, Any, Any], actor: ActorDep, clock: ClockDep, queue: QueueDep
    ) -> Template | Redirect:
        """The form making a month's report: back to the dashboard's progress bar, or the
        dashboard again saying what is wrong with the month."""
        form = await form_dict(request)
        try:
            await archive.start(form.get("month", ""), user_id=actor.user_id, clock=clock, queue=queue)
        except BadFilter as exc:
            page = await dashboard(Filters(), actor=actor, clock=clock)
            return refusal_page(exc, TEMPLATE, await _context(page, actor, clock, asked_month=form.get("month", "")))
        return see_other("/staff/stats#reports")

    @get("/staff/stats/reports/{name:str}", opt=ADMINS, media_type="application/octet-stream")
    async def report(self, clock: ClockDep, name: FromPath[str]) -> Response[bytes]:
        """A month's report (PDF or Excel), for the browser session."""
        return await report_file(name, clock)

    @get("/staff/stats/export.xlsx", opt=STAFF, media_type=XLSX)
    async def export_xlsx(self, actor: ActorDep, clock: ClockDep, filters: FiltersDep) -> Response[bytes]:
        """The figures per space and month as Excel (the dashboard's download)."""
        return await exported(filters, "xlsx", actor, clock)
