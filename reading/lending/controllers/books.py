"""Picture books: the families' search and a book's page with its availability at each space
and the hold form ("预约借书"); the API's catalogue (search, titles, covers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES, LIBRARIANS, PUBLIC
from app.kernel.errors import DomainError, InvalidInput, NotFound
from app.kernel.i18n import N_
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, refusal_page, see_other, to_int, view_context
from reading.lending.controllers.shared import Number, SearchText
from reading.lending.errors import BookNotFound
from reading.lending.schemas import BookIn, BookOut, BookPage, BookUpdate, CopiesIn, CopyList, HoldIn, HoldOut
from reading.lending.services import catalogue, copies, covers, holds, views_books


class BookPages(Pages):
    """Book search and a book's page with availability per space and the hold form."""

    @get("/books", opt=PUBLIC)
    async def search(
        self,
        maybe_actor: MaybeActor,
        q: SearchText = None,
        age_band: Annotated[str | None, QueryParameter(max_length=8)] = None,
        theme: Annotated[str | None, QueryParameter(max_length=30)] = None,
        space: Number = None,
        available: Annotated[str | None, QueryParameter(max_length=5)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=20)] = 1,
    ) -> Template:
        """Search by title, author, ISBN (ISBN-10 too) or pinyin initials; availability per space."""
        view = await views_books.search_page(q, age_band, theme, space, bool(available), page)
        return Template("lending/books.html", context=view_context(view, actor=maybe_actor))

    @get("/books/{book_id:int}", opt=PUBLIC)
    async def book(self, book_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep) -> Template:
        view = await views_books.book_page(book_id, maybe_actor, clock)
        return Template("lending/book.html", context=view_context(view, actor=maybe_actor))

    @post("/books/{book_id:int}/hold", opt=FAMILIES, status_code=200)
    async def hold(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """预约借书: join the title's queue with a pickup space."""
        form = await request.form()
        pickup = to_int(form.get("pickup_space_id"))
        try:
            if pickup is None:
                raise InvalidInput(N_("请选择取书的空间"), fields=[{"field": "pickup_space_id", "message": "required"}])
            hold = await holds.place_hold(book_id, pickup, actor=actor, clock=clock)
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            view = await views_books.book_page(book_id, actor, clock, pickup=pickup)
            return refusal_page(exc, "lending/book.html", view_context(view, actor=actor))
        return see_other(f"/holds?note=held&h={hold.id}#h{hold.id}")


class BooksApi(Controller):
    path = "/api/v1/books"
    tags = ("books",)

    @get("/", opt=PUBLIC)
    async def search(
        self,
        q: SearchText = None,
        age_band: FromQuery[Literal["0-3", "3-6", "6-9", "9-12"] | None] = None,
        theme: Annotated[str | None, QueryParameter(max_length=30)] = None,
        space_id: FromQuery[int | None] = None,
        available: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: FromQuery[str | None] = None,
    ) -> BookPage:
        """Search by title, author, ISBN (any spelling) or pinyin initials, with availability."""
        return await catalogue.search_page(
            q, age_band=age_band, theme=theme, space_id=space_id, available_only=available, limit=limit, cursor=cursor
        )

    @post("/", opt=LIBRARIANS, status_code=201)
    async def create(self, data: JSONBody[BookIn], clock: ClockDep) -> BookOut:
        """Add a title; ISBN-10 is converted to ISBN-13 (400 invalid_isbn, 409 isbn_exists)."""
        return await catalogue.create_book(data, clock=clock)

    @get("/{book_id:int}", opt=PUBLIC)
    async def get_book(self, book_id: FromPath[int], space_id: FromQuery[int | None] = None) -> BookOut:
        return await catalogue.get_book(book_id, space_id=space_id)

    @patch("/{book_id:int}", opt=LIBRARIANS)
    async def update(self, book_id: FromPath[int], data: JSONBody[BookUpdate], clock: ClockDep) -> BookOut:
        return await catalogue.update_book(book_id, data, clock=clock)

    @put("/{book_id:int}/cover", opt=LIBRARIANS, status_code=204)
    async def set_cover(self, book_id: FromPath[int], request: Request[Any, Any, Any], clock: ClockDep) -> None:
        """Upload a cover (JPEG, PNG or WebP, at most 5 MB) as the raw request body."""
        await covers.set_cover(book_id, await request.body(), now=clock.now())

    @get("/{book_id:int}/cover.jpg", opt=PUBLIC, media_type="image/jpeg")
    async def get_cover(self, book_id: FromPath[int], thumb: FromQuery[bool] = False) -> Response[bytes]:
        image = await covers.cover(book_id, thumbnail=thumb)
        if image is None:
            raise NotFound(N_("这本书还没有封面"))
        return Response(image, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})

    @post("/{book_id:int}/copies", opt=LIBRARIANS, status_code=201)
    async def add_copies(
        self, book_id: FromPath[int], data: JSONBody[CopiesIn], actor: ActorDep, clock: ClockDep
    ) -> CopyList:
        """New copies at a space, each with a unique barcode."""
        return CopyList(items=await copies.add_at(book_id, data.space_id, data.count, actor=actor, now=clock.now()))

    @post("/{book_id:int}/holds", opt=FAMILIES, status_code=201)
    async def place_hold(
        self, book_id: FromPath[int], data: JSONBody[HoldIn], actor: ActorDep, clock: ClockDep
    ) -> HoldOut:
        """Join the queue for a title, with a pickup space; answers the queue position."""
        return await holds.place_hold(book_id, data.pickup_space_id, actor=actor, clock=clock)
