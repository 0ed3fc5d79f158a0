"""The statistics dashboard (`/staff/stats`) and its Excel download, for the browser session."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from app.accounts.roles import ADMINS, STAFF
from app.kernel.web import XLSX, ActorDep, ClockDep, download, refusal_page, to_int
from app.stats.errors import BadFilter
from app.stats.services import figures
from app.stats.services.dashboard import dashboard
from app.stats.services.scope import Filters

From = Annotated[str | None, QueryParameter(name="from")]
To = Annotated[str | None, QueryParameter(name="to")]
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


FiltersDep = NamedDependency[Filters]


class StatsPages(Controller):
    include_in_schema = False
    dependencies = {"filters": Provide(form_filters)}  # noqa: RUF012 (Litestar reads it as the class's)

    @get("/staff/stats", opt=STAFF)
    async def dashboard(
        self,
        actor: ActorDep,
        clock: ClockDep,
        filters: FiltersDep,
    ) -> Template:
        """Headline figures against the previous period, charts, every space, quiet sites."""
        try:
            page = await dashboard(filters, actor=actor, clock=clock)
        except BadFilter as exc:
            page = await dashboard(Filters(), actor=actor, clock=clock)
            return refusal_page(exc, TEMPLATE, page.context(actor=actor))
        return Template(TEMPLATE, context=page.context(actor=actor))

    @get("/staff/stats/reports/{name:str}", opt=ADMINS, media_type="application/octet-stream")
    async def report(self, clock: ClockDep, name: FromPath[str]) -> Response[bytes]:
        """A month's report (PDF or Excel), for the browser session."""
        content, filename, media_type = await figures.report(name, clock=clock)
        return download(content, filename, media_type)

    @get("/staff/stats/export.xlsx", opt=STAFF, media_type=XLSX)
    async def export_xlsx(
        self,
        actor: ActorDep,
        clock: ClockDep,
        filters: FiltersDep,
    ) -> Response[bytes]:
        """The figures per space and month as Excel (the dashboard's download)."""
        content, name = await figures.export(filters, kind="xlsx", actor=actor, clock=clock)
        return download(content, name, XLSX)
