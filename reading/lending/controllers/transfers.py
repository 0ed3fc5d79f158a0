"""Transfers ("book boxes" between spaces): the open ones, a new one by scanning the copies
into the box, one transfer's copies, and receiving copies at a space by scan; pages and API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from app.accounts.roles import LIBRARIANS, STAFF
from app.kernel.errors import DomainError
from app.kernel.web import (
    ActorDep,
    ClockDep,
    Pages,
    form_dict,
    json_or_form,
    refusal_page,
    see_other,
    to_int,
    view_context,
)
from reading.lending.controllers.shared import Note, Number, scan_answer
from reading.lending.schemas import CopyList, ReceiveIn, TransferIn, TransferOut
from reading.lending.services import desk, scans, transfers, views_stock
from reading.lending.services.scans import ScanAnswer

PAGE = "lending/staff_transfers.html"
FORM = ("from_space_id", "to_space_id", "barcodes", "note")


class TransferPages(Pages):
    path = "/staff"

    @get("/transfers", opt=STAFF)
    async def transfers(self, actor: ActorDep, space: Number = None, note: Note = None) -> Template:
        """Open transfers from and to my spaces; a new one by scanning barcodes."""
        view = await views_stock.transfers_page(actor, space)
        return Template(PAGE, context=view_context(view, actor=actor, note=note, form=dict.fromkeys(FORM, "")))

    @post("/transfers", opt=LIBRARIANS, status_code=200)
    async def create(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        posted = await form_dict(request)
        form = {k: posted.get(k, "") for k in FORM}
        from_space, to_space = to_int(form["from_space_id"]), to_int(form["to_space_id"])
        try:
            done = await transfers.create_from_scans(
                from_space, to_space, form["barcodes"], form["note"], actor=actor, clock=clock
            )
        except DomainError as exc:
            view = await views_stock.transfers_page(actor, None)
            return refusal_page(exc, PAGE, view_context(view, actor=actor, form=form))
        return see_other(f"/staff/transfers/{done.id}?note=created")

    @get("/transfers/{transfer_id:int}", opt=STAFF)
    async def transfer(self, transfer_id: FromPath[int], actor: ActorDep, note: Note = None) -> Template:
        view = await views_stock.transfer_page(transfer_id, actor)
        return Template("lending/staff_transfer.html", context=view_context(view, actor=actor, note=note))

    @get("/receive", opt=STAFF)
    async def receive_page(self, actor: ActorDep, space: Number = None) -> Template:
        """Scan copies arriving at a space (book boxes, returns sent here)."""
        view = await views_stock.receive_page(actor, space)
        return Template("lending/staff_receive.html", context=view_context(view, actor=actor))

    @post("/receive", opt=STAFF, status_code=200)
    async def receive(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[Any] | Template:
        """One scanned arrival (JSON from the page's queue, or the plain form without script)."""
        data = await json_or_form(request)
        space_id = to_int(data.get("space_id"))

        async def receive(code: str) -> ScanAnswer:
            return await desk.receive_scan(actor, clock, space_id, code)

        answer = await scans.queued(actor, data, f"receive:{space_id}", receive, clock=clock)
        return await scan_answer(
            request, answer, "lending/staff_receive.html", lambda: views_stock.receive_page(actor, space_id), actor
        )


class TransfersApi(Controller):
    path = "/api/v1"
    tags = ("lending",)

    @post("/transfers", opt=LIBRARIANS, status_code=201)
    async def transfer(self, data: JSONBody[TransferIn], actor: ActorDep, clock: ClockDep) -> TransferOut:
        """Move copies between spaces: `in_transit` until received by scan."""
        return await transfers.create_transfer(data, actor=actor, clock=clock)

    @get("/transfers/{transfer_id:int}", opt=STAFF)
    async def get_transfer(self, transfer_id: FromPath[int], actor: ActorDep) -> TransferOut:
        """A transfer, for staff of the space it leaves or goes to (others: 404)."""
        return await transfers.visible_transfer(transfer_id, actor)

    @post("/spaces/{space_id:int}/receive", opt=STAFF, status_code=200)
    async def receive(
        self, space_id: FromPath[int], data: JSONBody[ReceiveIn], actor: ActorDep, clock: ClockDep
    ) -> CopyList:
        """Scan copies arriving at a space (transfers, returns routed here)."""
        return CopyList(items=await transfers.receive(space_id, data.barcodes, actor=actor, clock=clock))
