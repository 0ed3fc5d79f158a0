"""Stocktakes: start one for a space, scan its shelf (a QR label or a barcode per copy), finish
it for the report, apply the report once a librarian confirmed; pages and API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from app.accounts.roles import LIBRARIANS, STAFF
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, json_or_form, see_other, to_int, view_context
from reading.lending.controllers.shared import Number, scan_answer
from reading.lending.schemas import ApplyIn, ScansIn, StocktakeOut
from reading.lending.services import desk, scans, stocktakes, views_stock
from reading.lending.services.scans import ScanAnswer
from spaces.errors import SpaceNotFound


class StocktakePages(Pages):
    path = "/staff/stocktakes"

    @get("/", opt=STAFF)
    async def index(self, actor: ActorDep, space: Number = None) -> Template:
        """Start a stocktake for a space; earlier ones, kept as history."""
        view = await views_stock.stocktakes_page(actor, space)
        return Template("lending/stocktakes.html", context=view_context(view, actor=actor))

    @post("/", opt=STAFF)
    async def start(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Redirect:
        space_id = to_int((await form_dict(request)).get("space_id"))
        if space_id is None:
            raise SpaceNotFound()
        started = await stocktakes.start_stocktake(space_id, actor=actor, clock=clock)
        return see_other(f"/staff/stocktakes/{started.id}")

    @get("/{stocktake_id:int}", opt=STAFF)
    async def stocktake(self, stocktake_id: FromPath[int], actor: ActorDep) -> Template:
        """Scanning (while open), or the report (once finished)."""
        view = await views_stock.stocktake_page(stocktake_id, actor)
        return Template("lending/stocktake.html", context=view_context(view, actor=actor))

    @post("/{stocktake_id:int}/scans", opt=STAFF, status_code=200)
    async def scan(
        self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[Any] | Template:
        """One shelf scan (a QR label or a barcode); repeats count once. JSON from the page's
        queue; the plain form (no script yet, or none) gets the page back."""

        async def on_shelf(code: str) -> ScanAnswer:
            return await desk.shelf_scan(actor, clock, stocktake_id, code)

        data = await json_or_form(request)
        answer = await scans.queued(actor, data, f"stocktake:{stocktake_id}", on_shelf, clock=clock)
        return await scan_answer(
            request, answer, "lending/stocktake.html", lambda: views_stock.stocktake_page(stocktake_id, actor), actor
        )

    @post("/{stocktake_id:int}/finish", opt=STAFF)
    async def finish(self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Redirect:
        space_id = await stocktakes.space_of(stocktake_id, actor)
        await stocktakes.finish_stocktake(space_id, stocktake_id, actor=actor, clock=clock)
        return see_other(f"/staff/stocktakes/{stocktake_id}#report")

    @post("/{stocktake_id:int}/apply", opt=LIBRARIANS)
    async def apply(
        self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Redirect:
        """Make the records match the shelf, after the librarian confirmed."""
        space_id = await stocktakes.space_of(stocktake_id, actor)
        form = await form_dict(request)
        stocktakes.require_confirmation(form.get("confirm") == "yes", "yes")
        mark_missing = form.get("mark_missing") == "yes"
        await stocktakes.apply_stocktake(space_id, stocktake_id, actor=actor, clock=clock, mark_missing=mark_missing)
        return see_other(f"/staff/stocktakes/{stocktake_id}#report")


class StocktakesApi(Controller):
    path = "/api/v1/spaces/{space_id:int}/stocktakes"
    tags = ("stocktakes",)

    @post("/", opt=STAFF, status_code=201)
    async def start(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> StocktakeOut:
        return await stocktakes.start_stocktake(space_id, actor=actor, clock=clock)

    @get("/{stocktake_id:int}", opt=STAFF)
    async def get(self, space_id: FromPath[int], stocktake_id: FromPath[int], actor: ActorDep) -> StocktakeOut:
        return await stocktakes.seen_by(space_id, stocktake_id, actor)

    @post("/{stocktake_id:int}/scans", opt=STAFF, status_code=200)
    async def scans(
        self,
        space_id: FromPath[int],
        stocktake_id: FromPath[int],
        data: JSONBody[ScansIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> StocktakeOut:
        return await stocktakes.add_scans(space_id, stocktake_id, data.barcodes, actor=actor, clock=clock)

    @post("/{stocktake_id:int}/finish", opt=STAFF, status_code=200)
    async def finish(
        self, space_id: FromPath[int], stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> StocktakeOut:
        """The report: missing, unexpected (belongs elsewhere), inconsistent (on loan but here)."""
        return await stocktakes.finish_stocktake(space_id, stocktake_id, actor=actor, clock=clock)

    @post("/{stocktake_id:int}/apply", opt=LIBRARIANS, status_code=200)
    async def apply(
        self,
        space_id: FromPath[int],
        stocktake_id: FromPath[int],
        data: JSONBody[ApplyIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> StocktakeOut:
        """Make the records match the shelf (needs `confirm: true`)."""
        stocktakes.require_confirmation(data.confirm, "true")
        return await stocktakes.apply_stocktake(
            space_id, stocktake_id, actor=actor, clock=clock, mark_missing=data.mark_missing
        )
