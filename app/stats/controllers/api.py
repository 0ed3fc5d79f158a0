"""JSON API of the statistics: the summary, one figure over time, the export per space and
month (Excel, CSV), the quiet sites and the monthly reports (kept ones listed, one made on
demand by a job: its progress is GET /api/v1/jobs/report-<n>)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIResponse, Operation
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, STAFF
from app.kernel.clock import Clock
from app.kernel.web import XLSX, ActorDep, ClockDep, QueueDep, download, json_answer
from app.stats.schemas import QuietSites, ReportIn, ReportQueued, Series, StoredReports, Summary
from app.stats.services import archive, figures
from app.stats.services.quiet import DEFAULT_DAYS
from app.stats.services.scope import Filters

CSV = "text/csv; charset=utf-8"
PDF = "application/pdf"


@dataclass
class ReportFiles(Operation):
    """The report route's OpenAPI operation: its 200 answer is a PDF or a workbook, as the
    name asks (one route, two kinds of file; a route handler documents one media type)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content:
            media = next(iter(ok.content.values()))
            ok.content = {PDF: media, XLSX: media}


From = Annotated[str | None, QueryParameter(name="from", description="first local day, YYYY-MM-DD")]
To = Annotated[str | None, QueryParameter(name="to", description="last local day, YYYY-MM-DD")]


async def query_filters(
    first: From = None,
    last: To = None,
    street: FromQuery[str | None] = None,
    space_id: FromQuery[int | None] = None,
    theme: FromQuery[str | None] = None,
) -> Filters:
    """The filters every answer of the statistics takes: the period, a street, a space, a theme."""
    return Filters(first, last, street, space_id, theme)


FiltersDep = NamedDependency[Filters]
EXPORTS = {"xlsx": XLSX, "csv": CSV}  # the export's kinds and their media types


async def exported(filters: Filters, kind: str, actor: Actor, clock: Clock) -> Response[bytes]:
    """The export per space and month as a file to save: `xlsx` (Excel) or `csv`."""
    content, name = await figures.export(filters, kind=kind, actor=actor, clock=clock)
    return download(content, name, EXPORTS[kind])


async def report_file(name: str, clock: Clock) -> Response[bytes]:
    """A month's report (`2026-11.pdf` or `2026-11.xlsx`) as a file to save."""
    content, filename, media_type = await figures.report(name, clock=clock)
    return download(content, filename, media_type)


class StatsController(Controller):
    path = "/api/v1/stats"
    tags = ("statistics",)
    dependencies = {"filters": Provide(query_filters)}  # noqa: RUF012 (Litestar reads it as the class's)

    @get("/summary", opt=STAFF)
    async def summary(
        self,
        actor: ActorDep,
        clock: ClockDep,
        filters: FiltersDep,
    ) -> Response[Summary]:
        """Every figure of the period, from the people actually present (local days)."""
        return json_answer(await figures.summary(filters, actor=actor, clock=clock))

    @get("/series", opt=STAFF)
    async def series(
        self,
        actor: ActorDep,
        clock: ClockDep,
        filters: FiltersDep,
        metric: FromQuery[str] = "visits",
        by: FromQuery[str] = "day",
    ) -> Response[Series]:
        """One figure by local day, week (from Monday) or month; every period listed."""
        return json_answer(await figures.series(filters, metric=metric, by=by, actor=actor, clock=clock))

    @get("/export.xlsx", opt=STAFF, media_type=XLSX)
    async def export_xlsx(self, actor: ActorDep, clock: ClockDep, filters: FiltersDep) -> Response[bytes]:
        """One row per space and month, then the totals (numbers as numbers)."""
        return await exported(filters, "xlsx", actor, clock)

    @get("/export.csv", opt=STAFF, media_type="text/csv")
    async def export_csv(self, actor: ActorDep, clock: ClockDep, filters: FiltersDep) -> Response[bytes]:
        """The same rows as CSV (UTF-8 with BOM, Chinese headers)."""
        return await exported(filters, "csv", actor, clock)

    @get("/reports", opt=ADMINS)
    async def reports(self) -> StoredReports:
        """The monthly reports kept (made on the 1st for the month before, or on demand), newest
        month first, with the URLs of their PDF and Excel files."""
        return await archive.stored()

    @post("/reports", opt=ADMINS, status_code=202)
    async def make_report(
        self, actor: ActorDep, clock: ClockDep, queue: QueueDep, data: JSONBody[ReportIn]
    ) -> ReportQueued:
        """Make a month's report (`{"month": "2026-11"}`) and keep it: 202 with the job id
        (progress: GET /api/v1/jobs/{job_id}); a month made before is made again, one under way
        is joined. 400 `invalid_input` (field `month`) for a bad month or one not begun."""
        job_id, month = await archive.start(data.month, user_id=actor.user_id, clock=clock, queue=queue)
        return ReportQueued(job_id=job_id, month=month)

    @get("/reports/{name:str}", opt=ADMINS, media_type=PDF, operation_class=ReportFiles)
    async def report(self, clock: ClockDep, name: FromPath[str]) -> Response[bytes]:
        """A month's report for the District Women's Federation: `2026-11.pdf` or `2026-11.xlsx`;
        the kept file when the month's was made, else made now."""
        return await report_file(name, clock)

    @get("/quiet-sites", opt=ADMINS)
    async def quiet_sites(self, clock: ClockDep, days: FromQuery[int] = DEFAULT_DAYS) -> QuietSites:
        """Open spaces with no check-in for `days` open days, or well below their usual."""
        return await figures.quiet(days=days, clock=clock)
