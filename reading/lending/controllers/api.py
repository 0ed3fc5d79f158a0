"""JSON API: picture books, copies and lending (API.md, "Picture books, copies and lending")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, LIBRARIANS, PUBLIC, STAFF
from app.accounts.tables import Child, Guardian
from app.kernel.clock import Clock
from app.kernel.errors import Forbidden, InvalidInput, NotFound
from qr import posters
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.errors import CopyNotFound, LoanNotFound
from reading.lending.schemas import (
    ApplyIn,
    BookIn,
    BookOut,
    BookUpdate,
    CopiesIn,
    CopyOut,
    HoldIn,
    HoldOut,
    LoanIn,
    LoanOut,
    ReceiveIn,
    ReturnIn,
    ReturnOut,
    ScansIn,
    StocktakeOut,
    TransferIn,
    TransferOut,
)
from reading.lending.services import catalogue, circulation, copies, imports, stock
from reading.lending.tables import Copy, Hold
from spaces.services.access import ensure_serves

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]


class BookPage(Struct):
    items: list[BookOut]
    next_cursor: str | None


class CopyList(Struct):
    items: list[CopyOut]


class CopyDetail(Struct):
    copy: CopyOut
    history: list[dict[str, Any]]
    open_loan_id: int | None = None


class LoanPage(Struct):
    items: list[LoanOut]
    next_cursor: str | None


class HoldList(Struct):
    items: list[HoldOut]


class StatusIn(Struct, forbid_unknown_fields=True):
    status: Literal["available", "missing", "damaged", "withdrawn"]
    note: str = ""


class JobQueued(Struct):
    job_id: str


class FamilyCard(Struct):
    family_id: int
    guardian_name: str
    children: list[str]
    open_loans: int


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise InvalidInput("分页游标无效", fields=[{"field": "cursor", "message": "not a cursor from this API"}])
    return int(cursor)


async def copy_from_token(token: str, clock: Clock) -> int:
    claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
    return claims.subject


class BooksController(Controller):
    path = "/api/v1/books"
    tags = ("books",)

    @get("/", opt=PUBLIC)
    async def search(
        self,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        age_band: FromQuery[Literal["0-3", "3-6", "6-9", "9-12"] | None] = None,
        theme: Annotated[str | None, QueryParameter(max_length=30)] = None,
        space_id: FromQuery[int | None] = None,
        available: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: FromQuery[str | None] = None,
    ) -> BookPage:
        """Search by title, author, ISBN (any spelling) or pinyin initials, with availability."""
        offset = _offset(cursor)
        items = await catalogue.search(
            q, age_band=age_band, theme=theme, space_id=space_id, available_only=available, limit=limit, offset=offset
        )
        more = len(items) == limit and offset + limit < catalogue.SEARCH_CANDIDATES
        return BookPage(items=items, next_cursor=str(offset + limit) if more else None)

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
        body = await request.body()
        await catalogue.set_cover(book_id, body, now=clock.now())

    @get("/{book_id:int}/cover.jpg", opt=PUBLIC, media_type="image/jpeg")
    async def get_cover(self, book_id: FromPath[int], thumb: FromQuery[bool] = False) -> Response[bytes]:
        image = await catalogue.cover(book_id, thumbnail=thumb)
        if image is None:
            raise NotFound("这本书还没有封面")
        return Response(image, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"})

    @post("/{book_id:int}/copies", opt=LIBRARIANS, status_code=201)
    async def add_copies(
        self, book_id: FromPath[int], data: JSONBody[CopiesIn], actor: ActorDep, clock: ClockDep
    ) -> CopyList:
        """New copies at a space, each with a unique barcode."""
        ensure_serves(actor, data.space_id)
        return CopyList(
            items=await copies.add_copies(book_id, data.space_id, data.count, now=clock.now(), actor_id=actor.user_id)
        )

    @post("/{book_id:int}/holds", opt=FAMILIES, status_code=201)
    async def place_hold(
        self, book_id: FromPath[int], data: JSONBody[HoldIn], actor: ActorDep, clock: ClockDep
    ) -> HoldOut:
        """Join the queue for a title, with a pickup space; answers the queue position."""
        return await circulation.place_hold(book_id, data.pickup_space_id, actor=actor, clock=clock)

    @post("/import", opt=LIBRARIANS, status_code=202, request_max_body_size=imports.MAX_UPLOAD_BYTES)
    async def import_csv(
        self,
        data: MultipartBody[dict[str, Any]],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
    ) -> Response[Any]:
        """CSV upload (`file`; `mode` skip|update; `dry_run` true for the per-row report only)."""
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("请选择要导入的 CSV 文件", fields=[{"field": "file", "message": "required"}])
        raw = await upload.read(imports.MAX_BYTES + 1)  # one byte more than allowed: "too large"
        mode = str(data.get("mode") or "skip")
        if mode not in ("skip", "update"):
            raise InvalidInput("mode 应为 skip 或 update", fields=[{"field": "mode", "message": "skip or update"}])
        if str(data.get("dry_run") or "").lower() in ("1", "true", "yes", "on"):
            return Response(await imports.dry_run(raw, mode), status_code=200)
        import_id = await imports.queue_import(
            raw, mode=mode, filename=upload.filename or "", user_id=actor.user_id, clock=clock
        )
        await state.queue.enqueue("import_books", job_id=f"import-{import_id}", import_id=import_id)
        return Response(JobQueued(job_id=f"import-{import_id}"), status_code=202)

    @get("/import-template.csv", opt=PUBLIC, media_type="text/csv")
    async def template(self) -> Response[bytes]:
        return Response(
            imports.template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="books-template.csv"'},
        )

    @get("/export.csv", opt=LIBRARIANS, media_type="text/csv")
    async def export_csv(self) -> Response[bytes]:
        return Response(
            await imports.export_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="books.csv"'},
        )

    @get("/export.xlsx", opt=LIBRARIANS, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    async def export_xlsx(self) -> Response[bytes]:
        return Response(
            await imports.export_xlsx(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="books.xlsx"'},
        )


class CopiesController(Controller):
    path = "/api/v1"
    tags = ("copies",)

    @get("/copies/{barcode:str}", opt=STAFF)
    async def get_copy(self, barcode: FromPath[str]) -> CopyDetail:
        """A copy with its status, location and history."""
        row = await copies.by_barcode(barcode)
        loan_id = await circulation.open_loan_id(row["id"])
        history = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
            for e in await copies.history(row["id"])
        ]
        return CopyDetail(copy=copies.copy_out(row), history=history, open_loan_id=loan_id)

    @post("/copies/{barcode:str}/status", opt=LIBRARIANS, status_code=200)
    async def set_status(
        self, barcode: FromPath[str], data: JSONBody[StatusIn], actor: ActorDep, clock: ClockDep
    ) -> CopyOut:
        """Mark a copy missing, damaged, withdrawn, or found again (409 illegal_transition)."""
        row = await copies.by_barcode(barcode)
        ensure_serves(actor, row["current_space"] or row["home_space"])
        await copies.move(
            row["id"],
            data.status,
            kind=f"marked_{data.status}",
            now=clock.now(),
            actor_id=actor.user_id,
            space_id=row["current_space"],
            detail={"note": data.note[:200]},
        )
        return copies.copy_out(await copies.by_id(row["id"]))

    @get("/spaces/{space_id:int}/labels.pdf", opt=LIBRARIANS, media_type="application/pdf")
    async def labels(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        copy_ids: Annotated[str | None, QueryParameter(max_length=5000)] = None,
    ) -> Response[bytes]:
        """A4 label sheets (3 × 8): QR code, title and barcode per copy (default: all at the space)."""
        ensure_serves(actor, space_id)
        query = Copy.select(Copy.id, Copy.barcode, Copy.book._.title, Copy.home_space._.name).where(
            Copy.home_space == space_id
        )
        if copy_ids:
            ids = [int(i) for i in copy_ids.split(",") if i.strip().isdigit() and len(i.strip()) <= 9][:1000]
            query = query.where(Copy.id.is_in(ids or [-1]))
        rows = await query.order_by(Copy.id).limit(1000)
        if not rows:
            raise CopyNotFound("这个空间没有要打印标签的绘本")
        labels = []
        for r in rows:
            token = await tokens.issue(Purpose.copy, r["id"], now=clock.now())
            labels.append(
                posters.Label(
                    title=r["book.title"],
                    barcode=r["barcode"],
                    url=f"{state.settings.base_url}/q/{token}",
                    space_name=r["home_space.name"],
                )
            )
        return Response(posters.to_pdf(posters.label_sheets(labels)), media_type="application/pdf")

    @get("/families/lookup", opt=STAFF)
    async def lookup_family(
        self,
        clock: ClockDep,
        phone: Annotated[str | None, QueryParameter(max_length=20)] = None,
        card: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> FamilyCard:
        """Find a family at the desk by its card's QR code or a guardian's phone number."""
        if card:
            family_id = (await tokens.verify(card, purposes=(Purpose.family,), now=clock.now())).subject
        elif phone:
            from app.accounts.people import normalize_phone

            row = await Guardian.select(Guardian.family).where(Guardian.phone == normalize_phone(phone)).first()
            if row is None:
                raise NotFound("没有找到这个家庭")
            family_id = row["family"]
        else:
            raise InvalidInput("请扫描家庭卡或输入手机号", fields=[{"field": "phone", "message": "phone or card"}])
        guardian = (
            await Guardian.select(Guardian.name).where(Guardian.family == family_id).order_by(Guardian.id).first()
        )
        children = await Child.select(Child.nickname).where(Child.family == family_id).order_by(Child.id)
        open_loans = await circulation.open_loan_count(family_id)
        return FamilyCard(
            family_id=family_id,
            guardian_name=guardian["name"] if guardian else "",
            children=[c["nickname"] for c in children],
            open_loans=int(open_loans),
        )


class LendingController(Controller):
    path = "/api/v1"
    tags = ("lending",)

    @post("/loans", status_code=201)
    async def lend(self, data: JSONBody[LoanIn], actor: ActorDep, clock: ClockDep) -> LoanOut:
        """Staff lend a copy (`barcode`, `family_id`); a family borrows with the copy's QR
        (`copy_token`), only after checking in at that space within 3 hours."""
        if data.copy_token:
            if actor.family_id is None:
                raise Forbidden("自助借书需要家庭账号")
            copy_id = await copy_from_token(data.copy_token, clock)
            return await circulation.lend(copy_id, actor.family_id, actor=actor, clock=clock, self_service=True)
        if not actor.is_staff:
            raise Forbidden("请扫描绘本上的二维码借书")
        if not data.barcode or data.family_id is None:
            raise InvalidInput("需要条码和家庭", fields=[{"field": "barcode", "message": "barcode and family_id"}])
        row = await copies.by_barcode(data.barcode)
        ensure_serves(actor, row["current_space"] or row["home_space"])
        return await circulation.lend(row["id"], data.family_id, actor=actor, clock=clock)

    @post("/returns", status_code=200)
    async def return_copy(self, data: JSONBody[ReturnIn], actor: ActorDep, clock: ClockDep) -> ReturnOut:
        """Return at any space; the answer says where the copy goes next."""
        if data.copy_token:
            copy_id = await copy_from_token(data.copy_token, clock)
            row = await copies.by_id(copy_id)
            space = data.space_id or row["home_space"]
            return await circulation.return_copy(
                copy_id, space_id=space, actor=actor, clock=clock, self_service=not actor.is_staff
            )
        if not actor.is_staff:
            raise Forbidden("请扫描绘本上的二维码还书")
        if not data.barcode or data.space_id is None:
            raise InvalidInput("需要条码和空间", fields=[{"field": "barcode", "message": "barcode and space_id"}])
        ensure_serves(actor, data.space_id)
        row = await copies.by_barcode(data.barcode)
        return await circulation.return_copy(row["id"], space_id=data.space_id, actor=actor, clock=clock)

    @post("/loans/{loan_id:int}/renew", status_code=200)
    async def renew(self, loan_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> LoanOut:
        """Renew (409 renewal_limit_reached, on_hold_for_other)."""
        return await circulation.renew(loan_id, actor=actor, clock=clock)

    @get("/loans")
    async def loans(
        self,
        actor: ActorDep,
        clock: ClockDep,
        overdue: FromQuery[bool] = False,
        family_id: FromQuery[int | None] = None,
        include_returned: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> LoanPage:
        """A family's loans, or the loans of the spaces a staff member serves (`overdue=true`)."""
        after = _offset(cursor)
        items = await circulation.list_loans(
            actor=actor,
            clock=clock,
            overdue=overdue,
            family_id=family_id,
            open_only=not include_returned,
            after_id=after,
            limit=limit,
        )
        return LoanPage(items=items, next_cursor=str(items[-1].id) if len(items) == limit else None)

    @get("/holds")
    async def holds(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> HoldList:
        """A family's holds; staff: holds to pull at a space (ready or waiting)."""
        query = Hold.select(Hold.id).where(Hold.status.is_in(["waiting", "ready"]))
        if actor.is_staff and space_id is not None:
            ensure_serves(actor, space_id)
            query = query.where(Hold.pickup_space == space_id)
        elif actor.family_id is not None:
            query = query.where(Hold.family == actor.family_id)
        else:
            raise LoanNotFound("请指定空间")
        rows = await query.order_by(Hold.id).limit(500)
        return HoldList(items=[await circulation.hold_out(r["id"]) for r in rows])

    @delete("/holds/{hold_id:int}", status_code=200)
    async def cancel_hold(self, hold_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> HoldOut:
        return await circulation.cancel_hold(hold_id, actor=actor, clock=clock)

    @post("/transfers", opt=LIBRARIANS, status_code=201)
    async def transfer(self, data: JSONBody[TransferIn], actor: ActorDep, clock: ClockDep) -> TransferOut:
        """Move copies between spaces: `in_transit` until received by scan."""
        return await stock.create_transfer(data, actor=actor, clock=clock)

    @get("/transfers/{transfer_id:int}", opt=STAFF)
    async def get_transfer(self, transfer_id: FromPath[int]) -> TransferOut:
        return await stock.transfer_out(transfer_id)

    @post("/spaces/{space_id:int}/receive", opt=STAFF, status_code=200)
    async def receive(
        self, space_id: FromPath[int], data: JSONBody[ReceiveIn], actor: ActorDep, clock: ClockDep
    ) -> CopyList:
        """Scan copies arriving at a space (transfers, returns routed here)."""
        return CopyList(items=await stock.receive(space_id, data.barcodes, actor=actor, clock=clock))


class StocktakesController(Controller):
    path = "/api/v1/spaces/{space_id:int}/stocktakes"
    tags = ("stocktakes",)

    @post("/", opt=STAFF, status_code=201)
    async def start(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> StocktakeOut:
        return await stock.start_stocktake(space_id, actor=actor, clock=clock)

    @get("/{stocktake_id:int}", opt=STAFF)
    async def get(self, space_id: FromPath[int], stocktake_id: FromPath[int], actor: ActorDep) -> StocktakeOut:
        ensure_serves(actor, space_id)
        return await stock.stocktake_out(stocktake_id)

    @post("/{stocktake_id:int}/scans", opt=STAFF, status_code=200)
    async def scans(
        self,
        space_id: FromPath[int],
        stocktake_id: FromPath[int],
        data: JSONBody[ScansIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> StocktakeOut:
        return await stock.add_scans(space_id, stocktake_id, data.barcodes, actor=actor, clock=clock)

    @post("/{stocktake_id:int}/finish", opt=STAFF, status_code=200)
    async def finish(
        self, space_id: FromPath[int], stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> StocktakeOut:
        """The report: missing, unexpected (belongs elsewhere), inconsistent (on loan but here)."""
        return await stock.finish_stocktake(space_id, stocktake_id, actor=actor, clock=clock)

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
        if not data.confirm:
            raise InvalidInput("请确认后再应用盘点结果", fields=[{"field": "confirm", "message": "must be true"}])
        return await stock.apply_stocktake(
            space_id, stocktake_id, actor=actor, clock=clock, mark_missing=data.mark_missing
        )


READING_API = [BooksController, CopiesController, LendingController, StocktakesController]
