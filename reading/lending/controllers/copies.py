"""Copies and their labels: a title's copies (add some, mark one missing, damaged or found),
A4 label sheets of a space's copies; the API's copies."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import LIBRARIANS, STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.numbers import whole_number
from app.kernel.web import ActorDep, ClockDep, Pages, download, form_dict, refusal_page, see_other, to_int, view_context
from reading.lending.controllers.shared import Note, Number, bulk_note, ticked
from reading.lending.errors import BookNotFound
from reading.lending.schemas import CopyDetail, CopyOut, StatusIn
from reading.lending.services import bulk, copies, labels, views_books

CopyIds = Annotated[str | None, QueryParameter(max_length=5000)]


PAGE = "lending/staff_copies.html"


async def _space_labels(space_id: int, copy_ids: str | None, actor: Actor, clock: Clock, state: State) -> bytes:
    """The label sheets of a space's copies, for the page's download and the API alike."""
    return await labels.label_pdf(space_id, copy_ids, actor=actor, base_url=state.settings.base_url, now=clock.now())


async def _context(book_id: int, actor: Actor, space: int | None, **more: Any) -> dict[str, Any]:
    view = await views_books.copies_page(book_id, actor, space)
    return view_context(view, actor=actor, new_space=space, **more)


class CopyPages(Pages):
    path = "/staff"

    @get("/books/{book_id:int}/copies", opt=STAFF)
    async def copies_page(
        self,
        book_id: FromPath[int],
        actor: ActorDep,
        note: Note = None,
        new: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        space: Number = None,
    ) -> Template:
        """The title's copies with status and place; add copies; print labels."""
        added = [n for i in (new or "").split(",") if (n := whole_number(i)) is not None][:200]
        return Template(PAGE, context=await _context(book_id, actor, space, note=note, new=added))

    @post("/books/{book_id:int}/copies", opt=LIBRARIANS, status_code=200)
    async def add_copies(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await form_dict(request)
        space_id, count = to_int(form.get("space_id")), to_int(form.get("count"), 0) or 0
        try:
            if space_id is None:
                raise InvalidInput(N_("请选择空间"), fields=[{"field": "space_id", "message": "required"}])
            added = await copies.add_at(book_id, space_id, count, actor=actor, now=clock.now())
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            return refusal_page(exc, PAGE, await _context(book_id, actor, space_id))
        ids = ",".join(str(c.id) for c in added)
        return see_other(f"/staff/books/{book_id}/copies?note=added&space={space_id}&new={ids}")

    @post("/copies/{copy_id:int}/status", opt=LIBRARIANS, status_code=200)
    async def copy_status(
        self, copy_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Mark a copy missing, damaged or withdrawn, or found again."""
        copy = await copies.by_id(copy_id)
        status = (await form_dict(request)).get("status", "")
        try:
            await copies.set_status(copy, status, actor=actor, now=clock.now())
        except DomainError as exc:
            return refusal_page(exc, PAGE, await _context(copy.book_id, actor, None))
        return see_other(f"/staff/books/{copy.book_id}/copies?note=status#c{copy_id}")

    @post("/copies/status", opt=LIBRARIANS, status_code=200)
    async def statuses(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """The copies ticked in the table marked missing, damaged, withdrawn or found again."""
        ids, form = await ticked(request)
        book_id = to_int(form.get("book_id")) or 0
        try:
            done = await bulk.set_statuses(ids, form.get("status", ""), actor=actor, now=clock.now())
        except DomainError as exc:
            return refusal_page(exc, PAGE, await _context(book_id, actor, None))
        if done.refused:
            context = await _context(book_id, actor, None, note="status", done=done)
            return Template(PAGE, context=context)
        return see_other(f"/staff/books/{book_id}/copies?{bulk_note(done.done, 0, 'status')}#all-copies")

    @post("/copies/labels.pdf", opt=LIBRARIANS, status_code=200)
    async def chosen_labels(
        self, actor: ActorDep, clock: ClockDep, state: State, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        """A4 label sheets of the copies ticked in the table."""
        ids, _form = await ticked(request)
        pdf = await labels.chosen_pdf(ids, actor=actor, base_url=state.settings.base_url, now=clock.now())
        return download(pdf, "labels.pdf", "application/pdf", inline=True)

    @get("/spaces/{space_id:int}/labels.pdf", opt=LIBRARIANS, media_type="application/pdf")
    async def labels(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State, copy_ids: CopyIds = None
    ) -> Response[bytes]:
        """A4 label sheets (3 × 8) of the copies whose home is the space (default: all of them)."""
        pdf = await _space_labels(space_id, copy_ids, actor, clock, state)
        return download(pdf, f"labels-{space_id}.pdf", "application/pdf", inline=True)


class CopiesApi(Controller):
    path = "/api/v1"
    tags = ("copies",)

    @get("/copies/{barcode:str}", opt=STAFF)
    async def get_copy(self, barcode: FromPath[str], actor: ActorDep) -> CopyDetail:
        """A copy with its status, location and history (which families had it: only for staff
        of its spaces and district admins)."""
        return await copies.detail(barcode, actor)

    @post("/copies/{barcode:str}/status", opt=LIBRARIANS, status_code=200)
    async def set_status(
        self, barcode: FromPath[str], data: JSONBody[StatusIn], actor: ActorDep, clock: ClockDep
    ) -> CopyOut:
        """Mark a copy missing, damaged, withdrawn, or found again (409 illegal_transition)."""
        copy = await copies.by_barcode(barcode)
        return await copies.set_status(copy, data.status, actor=actor, now=clock.now(), note=data.note)

    @get("/spaces/{space_id:int}/labels.pdf", opt=LIBRARIANS, media_type="application/pdf")
    async def labels(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State, copy_ids: CopyIds = None
    ) -> Response[bytes]:
        """A4 label sheets (3 × 8): QR code, title and barcode per copy (default: all at the space)."""
        return Response(await _space_labels(space_id, copy_ids, actor, clock, state), media_type="application/pdf")
