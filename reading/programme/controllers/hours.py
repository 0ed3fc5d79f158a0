"""Volunteer hours per person and space, from the sessions they ran or led; with a CSV
export (for the API and for the browser session)."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from app.accounts.roles import STAFF
from app.kernel.web import ActorDep, Pages, download
from reading.programme.schemas import HoursList
from reading.programme.services import hours as service
from reading.programme.services.views_hours import hours_page

CSV = "text/csv; charset=utf-8"
CSV_NAME = "volunteer-hours.csv"


class HoursController(Controller):
    path = "/api/v1"
    tags = ("reading programme",)

    @get("/volunteer-hours", opt=STAFF)
    async def hours(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> HoursList:
        """Hours per person and space, from the sessions they ran or led."""
        return HoursList(items=await service.hours(actor=actor, space_id=space_id))

    @get("/volunteer-hours.csv", opt=STAFF, media_type="text/csv")
    async def hours_csv(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> Response[bytes]:
        return download(service.hours_csv(await service.hours(actor=actor, space_id=space_id)), CSV_NAME, CSV)


class HoursPages(Pages):
    @get("/staff/volunteer-hours", opt=STAFF)
    async def hours(self, actor: ActorDep, space: FromQuery[int | None] = None) -> Template:
        """Hours per person and space, from the sessions they ran or led; totals per person."""
        page = await hours_page(actor, space=space)
        return Template("programme/hours.html", context=page.context(actor=actor))

    @get("/staff/volunteer-hours.csv", opt=STAFF, media_type="text/csv")
    async def hours_csv(self, actor: ActorDep, space: FromQuery[int | None] = None) -> Response[bytes]:
        """The same figures as CSV, for the browser session."""
        return download(service.hours_csv(await service.hours(actor=actor, space_id=space)), CSV_NAME, CSV)
