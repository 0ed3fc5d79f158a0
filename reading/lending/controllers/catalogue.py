"""The staff's catalogue: search, add a title by scanning its ISBN (a keyboard-wedge scanner
submits the form), edit it, upload its cover."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.roles import LIBRARIANS, STAFF
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, view_context
from reading.lending import books
from reading.lending.controllers.shared import Note, SearchText
from reading.lending.errors import BookNotFound
from reading.lending.services import catalogue, covers, views_books


class CataloguePages(Pages):
    path = "/staff/books"

    @get("/", opt=STAFF)
    async def books(self, actor: ActorDep, q: SearchText = None, note: Note = None) -> Template:
        """The catalogue: search, and add a title by scanning its ISBN."""
        view = await views_books.catalogue_page(q)
        return Template("lending/staff_books.html", context=view_context(view, actor=actor, note=note))

    @post("/", opt=LIBRARIANS, status_code=200)
    async def add_book(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Scan an ISBN: a known title opens; a new one asks for its title (and the rest)."""
        form = books.form_of(await form_dict(request))
        new = {"actor": actor, "form": form, "age_bands": books.AGE_BANDS}
        try:
            added = await catalogue.add_from_form(form, clock=clock)
        except DomainError as exc:
            if form["title"].strip() or exc.code != "invalid_isbn":
                return refusal_page(exc, "lending/staff_book_new.html", new)
            empty = views_books.CataloguePage(q="", books=[], recent=[])
            return refusal_page(exc, "lending/staff_books.html", view_context(empty, actor=actor, isbn=form["isbn"]))
        if added.book_id is None:  # a new ISBN: its title, please
            return Template("lending/staff_book_new.html", context={**new, "form": {**form, "isbn": added.isbn}})
        return see_other(f"/staff/books/{added.book_id}?note={'exists' if added.existed else 'created'}")

    @get("/{book_id:int}", opt=STAFF)
    async def book(self, book_id: FromPath[int], actor: ActorDep, note: Note = None) -> Template:
        view = await views_books.edit_page(book_id)
        return Template("lending/staff_book.html", context=view_context(view, actor=actor, note=note))

    @post("/{book_id:int}", opt=LIBRARIANS, status_code=200)
    async def edit_book(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = books.form_of(await form_dict(request))
        try:
            await catalogue.edit_from_form(book_id, form, clock=clock)
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            view = await views_books.edit_page(book_id, form)
            return refusal_page(exc, "lending/staff_book.html", view_context(view, actor=actor))
        return see_other(f"/staff/books/{book_id}?note=saved")

    @post("/{book_id:int}/cover", opt=LIBRARIANS, status_code=200)
    async def cover(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """A cover photo (JPEG, PNG or WebP up to 5 MB): checked and re-encoded by the service."""
        upload = (await request.form()).get("cover")
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput(N_("请选择封面图片"), fields=[{"field": "cover", "message": "required"}])
            await covers.set_cover(book_id, await upload.read(), now=clock.now())
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            view = await views_books.edit_page(book_id)
            return refusal_page(exc, "lending/staff_book.html", view_context(view, actor=actor))
        return see_other(f"/staff/books/{book_id}?note=cover")
