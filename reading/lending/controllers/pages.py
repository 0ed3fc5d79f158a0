"""Picture-book pages (issue 5, item 10), server-rendered for phones; they call the same
services as the JSON API (`reading/lending/controllers/api.py`).

Families: book search with availability per space, a book's page with its availability at
each space and a hold ("预约借书"), my loans (renew), my holds (cancel), and borrowing or
returning by scanning a copy's QR code (`/lend/<token>`; `/q/<token>` redirects there).

Staff: the catalogue (search, add by ISBN with a keyboard-wedge scanner, edit, cover), the
CSV import (dry-run report, then a job with a progress bar), exports, copies and labels,
the circulation desk (find the family, scan copies in a row; returns say where the copy
goes), holds to pull, transfers and stocktakes.

Scan-driven pages post one scan at a time from a queue with a nonce per scan
(`app/static/lending.js`); a retried request with the same nonce is answered from the
first (`once()`), so fast scanning never loses or doubles a loan. Refusals are shown in
plain words chosen by their code (`friendly()`), never as an error dump.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, LIBRARIANS, PUBLIC, STAFF
from app.accounts.tables import Child, Family, Guardian
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import is_unique_violation
from app.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound, RateLimited
from app.kernel.i18n import N_, current_locale, gettext
from app.kernel.jobs import JobQueue
from app.kernel.jsonvalue import loads
from app.kernel.tables import IdempotencyRecord
from qr import posters
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.errors import BookNotFound, CopyNotFound, StocktakeNotFound, TransferNotFound
from reading.lending.rules import PRESENCE, rules_for
from reading.lending.schemas import BookIn, BookOut, BookUpdate, HoldOut, LoanOut, TransferIn
from reading.lending.services import catalogue, circulation, copies, imports, stock
from reading.lending.tables import Book, Copy, Hold, Loan, Stocktake, StocktakeScan, Transfer, TransferItem
from spaces.errors import NotStaffOfSpace, SpaceNotFound
from spaces.services.access import ensure_serves
from spaces.tables import CheckIn, Space

ActorDep = NamedDependency[Actor]
MaybeActor = NamedDependency[Actor | None]
ClockDep = NamedDependency[Clock]
QueueDep = NamedDependency[JobQueue]
Text = Annotated[str | None, QueryParameter(max_length=200)]
Number = Annotated[int | None, QueryParameter(ge=0, le=2_000_000_000)]


AGE_BANDS = ("0-3", "3-6", "6-9", "9-12")
PAGE_SIZE = 20
NONCE = re.compile(r"^[A-Za-z0-9_.~:-]{1,64}$")
TOKEN_IN_URL = re.compile(r"/q/([A-Za-z0-9_.~-]+)/?\s*$")
TOKEN = re.compile(r"^[A-Za-z0-9_.~-]{16,200}$")
BARCODE = re.compile(r"^[A-Za-z0-9-]{1,40}$")
CJK = re.compile(r"[\u3400-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Copy statuses in plain words (the templates have the same in lending/_parts.html).
COPY_STATUS = {
    "available": N_("在架可借"),
    "on_loan": N_("已借出"),
    "on_hold_shelf": N_("在预约架上"),
    "in_transit": N_("调拨途中"),
    "awaiting_shelving": N_("已还，待上架"),
    "missing": N_("丢失"),
    "damaged": N_("损坏"),
    "withdrawn": N_("已剔除"),
}

# Refusals in plain words, by code. Details that name a number or a barcode are rebuilt from
# the refusal's extras, so that they can be translated.
KIND_WORDS = {
    "not_checked_in": N_("自助借书要先签到：请先扫描这个空间阅读角的二维码签到（3 小时内有效），再扫这本书。"),
    "copy_unavailable": N_("这一册现在不能借出（可能已被借走或正在整理）。可以在绘本页预约，书到了会通知您。"),
    "loan_limit_reached": N_("在借的绘本已达上限，请先归还一些再借。"),
    "family_blocked": N_("有绘本已经逾期超过 30 天，请先归还后再借。"),
    "renewal_limit_reached": N_("这笔借阅的续借次数已用完，请按时归还。"),
    "already_held": N_("您已经预约过这本绘本了，可以在“预约借书”里查看排队位置。"),
    "copy_not_found": N_("没有找到这个条码，请检查后再扫一次。"),
    "invalid_isbn": N_("ISBN 不正确，请检查后再输入（ISBN-10 和 ISBN-13 都可以）。"),
    "invalid_token": N_("这不是故事角绘本上的二维码，或者已经失效。"),
    "token_revoked": N_("这个二维码已作废，请使用新打印的标签。"),
    "illegal_transition": N_("这一册现在的状态不允许这个操作。"),
    "csrf_failed": N_("页面已过期，请刷新后重试"),
}

GOES_TO = {
    "shelf": N_("放回书架"),
    "hold_shelf": N_("放到预约架：已有家庭预约"),
    "transit": N_("放入调拨箱，送往%(space)s"),
    "awaiting_shelving": N_("已还，等待志愿者上架"),
}


# --- helpers ---------------------------------------------------------------------------------


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def status_of(exc: DomainError) -> int:
    for cls, status in ((InvalidInput, 400), (Forbidden, 403), (NotFound, 404), (RateLimited, 429)):
        if isinstance(exc, cls):
            return status
    return 409


def status_text(status: str) -> str:
    return gettext(COPY_STATUS.get(status, status))


def friendly(exc: DomainError) -> str:
    """A refusal in plain words, in the reader's language."""
    extra = exc.extra
    if exc.code == "loan_limit_reached" and extra.get("limit"):
        return gettext("在借的绘本最多 %(count)s 本，已达上限。请先归还一些再借。") % {"count": extra["limit"]}
    if exc.code == "copy_not_found" and extra.get("barcodes"):
        return gettext("没有找到这些条码：%(codes)s") % {"codes": ", ".join(str(b) for b in extra["barcodes"][:10])}
    if exc.code == "illegal_transition" and extra.get("barcode"):
        return gettext("%(barcode)s 现在不能这样处理（状态或所在空间不对）。") % {"barcode": extra["barcode"]}
    if exc.code == "illegal_transition" and extra.get("copy_status"):
        return gettext("这一册现在是“%(status)s”，不能这样操作。") % {"status": status_text(str(extra["copy_status"]))}
    if exc.code == "on_hold_for_other":
        if exc.detail != exc.title:  # the renewal's reason: a family is queuing for the title
            return gettext(exc.detail)
        return gettext("这一册已为其他家庭预留。可以在绘本页预约，书到了会通知您。")
    if exc.code in KIND_WORDS:
        return gettext(KIND_WORDS[exc.code])
    detail = gettext(exc.detail)
    if detail == exc.detail and current_locale.get() != "zh-CN" and CJK.search(detail):
        return gettext(exc.title)  # a detail built with numbers or names has no translation
    return detail


def refusal(exc: DomainError) -> dict[str, Any]:
    fields = [f.get("field") for f in exc.extra.get("fields") or [] if isinstance(f, dict)]
    return {"code": exc.code, "message": friendly(exc), "fields": set(fields)}


def to_int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def day_text(day: date) -> str:
    return gettext("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


def moment_text(moment: datetime | None) -> str:
    return moment.astimezone(local_zone()).strftime("%m-%d %H:%M") if moment else ""


async def space_names() -> dict[int, str]:
    rows = await Space.select(Space.id, Space.name).order_by(Space.id).limit(5000)
    return {int(r["id"]): str(r["name"]) for r in rows}


async def served_spaces(actor: Actor) -> list[dict[str, Any]]:
    """The spaces a staff member acts on (district admins: all), id and name."""
    query = Space.select(Space.id, Space.name).order_by(Space.id).limit(5000)
    if not actor.is_admin:
        query = query.where(Space.id.is_in(sorted(actor.space_ids) or [-1]))
    return list(await query)


def pick_space(served: list[dict[str, Any]], wanted: int | None, fallback: int | None = None) -> int | None:
    ids = [int(s["id"]) for s in served]
    for candidate in (wanted, fallback):
        if candidate is not None and candidate in ids:
            return candidate
    return ids[0] if ids else None


def code_token(code: str) -> str | None:
    """The token in a scanned QR code (`<base>/q/<token>`, or the bare token)."""
    text = code.strip()
    match = TOKEN_IN_URL.search(text)
    if match:
        return match.group(1)
    if len(text) > 20 and TOKEN.match(text):  # barcodes are at most 20 characters
        return text
    return None


async def copy_for_code(code: str, clock: Clock) -> dict[str, Any]:
    """A copy from what a scanner typed: its label's QR code (a URL) or its barcode."""
    text = code.strip()
    if not text:
        raise CopyNotFound()
    token = code_token(text)
    if token is not None:
        claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
        return await copies.by_id(claims.subject)
    if not BARCODE.match(text):
        raise CopyNotFound()
    return await copies.by_barcode(text)


async def family_exists(family_id: int) -> bool:
    return bool(await Family.exists().where((Family.id == family_id) & Family.erased_at.is_null()))


async def find_family(query: str, clock: Clock) -> int:
    """A family at the desk: by its family card's QR code or a guardian's mobile number."""
    from app.accounts.people import normalize_phone

    text = query.strip()
    digits = re.sub(r"[\s+-]", "", text)
    if not text:
        raise InvalidInput(N_("请扫描家庭卡或输入手机号"), fields=[{"field": "find", "message": "phone or card"}])
    token = None if digits.isdigit() else code_token(text)
    if token is not None:
        family_id = (await tokens.verify(token, purposes=(Purpose.family,), now=clock.now())).subject
    else:
        phone = normalize_phone(text, field="find")
        row = await Guardian.select(Guardian.family).where(Guardian.phone == phone).first()
        if row is None:
            raise NotFound(N_("没有找到这个家庭"))
        family_id = int(row["family"])
    if not await family_exists(family_id):
        raise NotFound(N_("没有找到这个家庭"))
    return family_id


async def family_card(family_id: int, clock: Clock) -> dict[str, Any]:
    guardian = await Guardian.select(Guardian.name, Guardian.phone).where(Guardian.family == family_id).first()
    children = await Child.select(Child.nickname).where(Child.family == family_id).order_by(Child.id)
    today = local_today(clock)
    loans = await Loan.select(*circulation.LOAN_COLUMNS).where((Loan.family == family_id) & Loan.returned_at.is_null())
    phone = str(guardian["phone"] or "") if guardian else ""
    return {
        "id": family_id,
        "guardian": guardian["name"] if guardian else "",
        "phone": f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 11 else phone,
        "children": [c["nickname"] for c in children],
        "loans": sorted((circulation.loan_out(r, today) for r in loans), key=lambda loan: (loan.due_on, loan.id)),
    }


async def once(
    actor: Actor, nonce: str, scope: str, work: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any] | None:
    """Do `work` once per (user, nonce): a retried scan gets the first answer again. None while
    the first is still being worked on (the page retries a moment later)."""
    owner = f"user:{actor.user_id}"
    key = f"page:{nonce}"
    where = (IdempotencyRecord.owner == owner) & (IdempotencyRecord.key == key)
    fingerprint = hashlib.sha256(scope.encode()).hexdigest()
    try:
        await IdempotencyRecord.insert(
            IdempotencyRecord(
                owner=owner,
                key=key,
                fingerprint=fingerprint,
                method="POST",
                path=scope[:500],
                created_at=datetime.now(UTC),
            )
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        row = await IdempotencyRecord.select().where(where).first()
        if row is None or not row["completed"]:
            return None
        if row["fingerprint"] != fingerprint:
            return {"ok": False, "code": "nonce_reused", "message": gettext("请重新扫描")}
        answer: dict[str, Any] = json.loads(bytes(row["body"]))
        return answer
    try:
        answer = await work()
    except BaseException:
        await IdempotencyRecord.delete().where(where)
        raise
    await IdempotencyRecord.update(
        {
            IdempotencyRecord.completed: True,
            IdempotencyRecord.status: 200,
            IdempotencyRecord.body: json.dumps(answer, ensure_ascii=False).encode(),
        }
    ).where(where)
    return answer


def scan_nonce(data: dict[str, Any]) -> str:
    nonce = str(data.get("nonce") or "")
    if not NONCE.match(nonce):
        raise InvalidInput(
            N_("扫码请求缺少编号，请刷新页面"), fields=[{"field": "nonce", "message": "1-64 characters"}]
        )
    return nonce


async def json_or_form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """A scan from the page's script (JSON) or from the plain form (no script)."""
    content_type, _options = request.content_type
    if content_type == "application/json":
        try:
            data = msgspec.json.decode(await request.body())
        except msgspec.DecodeError:
            data = None
        if not isinstance(data, dict):
            raise InvalidInput(N_("请求格式不正确"), fields=[{"field": "body", "message": "a JSON object"}])
        return {str(k): v for k, v in data.items() if isinstance(v, str | int)}
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.content_type[0] == "application/json"


def scan_answer(answer: dict[str, Any] | None) -> Response[dict[str, Any]]:
    if answer is None:  # the same scan is still being worked on: the page retries
        return Response({"ok": False, "retry": True, "message": gettext("处理中…")}, status_code=409)
    return Response(answer, status_code=200)


def parse_themes(raw: str) -> list[str]:
    parts = re.split(r"[,，;；、/\s]+", raw or "")
    return [p.strip()[:30] for p in parts if p.strip()][:10]


BOOK_FIELDS = (
    "isbn",
    "title",
    "subtitle",
    "authors",
    "illustrators",
    "translators",
    "publisher",
    "year",
    "age_band",
    "themes",
    "series",
    "summary",
)


def book_values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.get(k, "").strip() for k in BOOK_FIELDS if k not in ("year", "themes")}
    year = form.get("year", "").strip()
    values["year"] = to_int(year) if year else None
    if year and values["year"] is None:
        raise InvalidInput(N_("出版年份应为四位数字"), fields=[{"field": "year", "message": "a year"}])
    values["age_band"] = values["age_band"] if values["age_band"] in AGE_BANDS else None
    values["themes"] = parse_themes(form.get("themes", ""))
    return values


def convert_book(values: dict[str, Any], kind: type[BookIn] | type[BookUpdate]) -> Any:
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        match = re.search(r"\$\.(\w+)", str(exc))
        field = match.group(1) if match else "title"
        raise InvalidInput(
            N_("请检查填写的内容：有一项太长或格式不对"), fields=[{"field": field, "message": str(exc)}]
        ) from None


def book_form(book: BookOut) -> dict[str, str]:
    return {
        "isbn": book.isbn,
        "title": book.title,
        "subtitle": book.subtitle,
        "authors": book.authors,
        "illustrators": book.illustrators,
        "translators": book.translators,
        "publisher": book.publisher,
        "year": str(book.year or ""),
        "age_band": book.age_band or "",
        "themes": ", ".join(book.themes),
        "series": book.series,
        "summary": book.summary,
    }


async def availability_by_space(book_ids: list[int]) -> dict[int, dict[int, int]]:
    """Available copies per title and space: {book: {space: count}}."""
    if not book_ids:
        return {}
    rows = await Copy.select(Copy.book, Copy.current_space).where(
        Copy.book.is_in(book_ids) & (Copy.status == "available") & Copy.current_space.is_not_null()
    )
    found: dict[int, dict[int, int]] = {}
    for r in rows:
        per_space = found.setdefault(int(r["book"]), {})
        per_space[int(r["current_space"])] = per_space.get(int(r["current_space"]), 0) + 1
    return found


async def top_themes(limit: int = 24) -> list[str]:
    rows = await Book.select(Book.themes).where(Book.themes != "").limit(5000)
    counts: dict[str, int] = {}
    for r in rows:
        for theme in str(r["themes"]).split(","):
            if theme:
                counts[theme] = counts.get(theme, 0) + 1
    return [t for t, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


async def active_holds(family_id: int) -> list[HoldOut]:
    rows = await (
        Hold.select(Hold.id)
        .where((Hold.family == family_id) & Hold.status.is_in(["waiting", "ready"]))
        .order_by(Hold.id)
        .limit(200)
    )
    return [await circulation.hold_out(r["id"]) for r in rows]


async def label_pdf(rows: list[dict[str, Any]], base_url: str, now: datetime) -> bytes:
    """The label sheets of reading/lending/controllers/api.py: a QR code (the copy's `/q/` link),
    title, barcode and home space per copy; drawn off the event loop."""
    labels = []
    for r in rows:
        token = await tokens.issue(Purpose.copy, r["id"], now=now)
        labels.append(
            posters.Label(
                title=r["book.title"],
                barcode=r["barcode"],
                url=f"{base_url}/q/{token}",
                space_name=r["home_space.name"],
            )
        )
    return await anyio.to_thread.run_sync(lambda: posters.to_pdf(posters.label_sheets(labels)))


# --- family pages ----------------------------------------------------------------------------


class BookPages(Controller):
    """Book search and a book's page with availability per space and the hold form."""

    include_in_schema = False

    @get("/books", opt=PUBLIC)
    async def search(
        self,
        maybe_actor: MaybeActor,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        age_band: Annotated[str | None, QueryParameter(max_length=8)] = None,
        theme: Annotated[str | None, QueryParameter(max_length=30)] = None,
        space: Number = None,
        available: Annotated[str | None, QueryParameter(max_length=5)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=20)] = 1,
    ) -> Template:
        """Search by title, author, ISBN (ISBN-10 too) or pinyin initials; availability per space."""
        band = age_band if age_band in AGE_BANDS else None
        names = await space_names()
        space_id = space if space in names else None
        only_here = bool(available) and space_id is not None
        offset = (page - 1) * PAGE_SIZE
        books = await catalogue.search(
            q,
            age_band=band,
            theme=(theme or "").strip() or None,
            space_id=space_id,
            available_only=only_here,
            limit=PAGE_SIZE + 1,
            offset=offset,
        )
        more = len(books) > PAGE_SIZE and offset + PAGE_SIZE < catalogue.SEARCH_CANDIDATES
        books = books[:PAGE_SIZE]
        per_space = await availability_by_space([b.id for b in books])
        searched = bool((q or "").strip() or band or theme or space_id)
        return Template(
            "lending/books.html",
            context={
                "actor": maybe_actor,
                "books": books,
                "per_space": per_space,
                "names": names,
                "q": (q or "").strip(),
                "age_band": band or "",
                "theme": (theme or "").strip(),
                "space_id": space_id,
                "available": only_here,
                "themes": await top_themes(),
                "age_bands": AGE_BANDS,
                "page": page,
                "more": more,
                "searched": searched,
            },
        )

    async def _book_page(
        self,
        book_id: int,
        actor: Actor | None,
        clock: Clock,
        *,
        problem: dict[str, Any] | None = None,
        pickup: int | None = None,
        status: int = 200,
    ) -> Template:
        book = await catalogue.get_book(book_id)
        names = await space_names()
        rows = await Copy.select(Copy.status, Copy.current_space, Copy.home_space).where(Copy.book == book_id)
        here: dict[int, dict[str, int]] = {}
        for r in rows:
            space_id = r["current_space"] if r["current_space"] is not None else r["home_space"]
            counts = here.setdefault(int(space_id), {"available": 0, "total": 0})
            if r["status"] not in ("withdrawn", "missing"):
                counts["total"] += 1
            if r["status"] == "available" and r["current_space"] is not None:
                counts["available"] += 1
        order = sorted((sid for sid, c in here.items() if c["total"]), key=lambda sid: (-here[sid]["available"], sid))
        spaces: list[dict[str, Any]] = [{"id": sid, "name": names.get(sid, ""), **here[sid]} for sid in order]
        mine: HoldOut | None = None
        loan: LoanOut | None = None
        is_family = actor is not None and actor.is_family
        if is_family and actor is not None and actor.family_id is not None:
            mine = next((h for h in await active_holds(actor.family_id) if h.book_id == book_id), None)
            loans = await circulation.list_loans(actor=actor, clock=clock, limit=200)
            loan = next((x for x in loans if x.book_id == book_id), None)
        default_pickup = pickup or (spaces[0]["id"] if spaces else None)
        return Template(
            "lending/book.html",
            context={
                "actor": actor,
                "book": book,
                "spaces": spaces,
                "names": names,
                "all_spaces": sorted(names.items(), key=lambda kv: kv[0]),
                "is_family": is_family,
                "mine": mine,
                "loan": loan,
                "pickup": default_pickup,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/books/{book_id:int}", opt=PUBLIC)
    async def book(self, book_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep) -> Template:
        return await self._book_page(book_id, maybe_actor, clock)

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
            hold = await circulation.place_hold(book_id, pickup, actor=actor, clock=clock)
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            return await self._book_page(
                book_id, actor, clock, problem=refusal(exc), pickup=pickup, status=status_of(exc)
            )
        return see_other(f"/holds?note=held&h={hold.id}#h{hold.id}")


class FamilyLendingPages(Controller):
    """My loans (renew) and my holds (cancel)."""

    include_in_schema = False

    async def _loans_page(
        self,
        actor: Actor,
        clock: Clock,
        *,
        note: str | None = None,
        focus: int | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        loans = await circulation.list_loans(actor=actor, clock=clock, limit=200)
        loans.sort(key=lambda x: (x.due_on, x.id))
        spaces = {
            int(r["id"]): r["space"]
            for r in await Loan.select(Loan.id, Loan.space).where(Loan.id.is_in([x.id for x in loans] or [-1]))
        }
        limits = {x.id: (await rules_for(spaces.get(x.id))).renewals for x in loans}
        waiting = {
            int(r["book"])
            for r in await Hold.select(Hold.book).where(
                Hold.book.is_in([x.book_id for x in loans] or [-1]) & (Hold.status == "waiting")
            )
        }
        return Template(
            "lending/loans.html",
            context={
                "actor": actor,
                "loans": loans,
                "limits": limits,
                "waiting": waiting,
                "today": local_today(clock),
                "note": note,
                "focus": focus,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/loans", opt=FAMILIES)
    async def loans(
        self,
        actor: ActorDep,
        clock: ClockDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
        loan: Number = None,
    ) -> Template:
        """My loans: due dates, overdue ones first in red, renew."""
        return await self._loans_page(actor, clock, note=note, focus=loan)

    @post("/loans/{loan_id:int}/renew", opt=FAMILIES, status_code=200)
    async def renew(self, loan_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        try:
            await circulation.renew(loan_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._loans_page(actor, clock, focus=loan_id, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/loans?note=renewed&loan={loan_id}#l{loan_id}")

    async def _holds_page(
        self,
        actor: Actor,
        *,
        note: str | None = None,
        focus: int | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        assert actor.family_id is not None
        return Template(
            "lending/holds.html",
            context={
                "actor": actor,
                "holds": await active_holds(actor.family_id),
                "names": await space_names(),
                "note": note,
                "focus": focus,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/holds", opt=FAMILIES)
    async def holds(
        self,
        actor: ActorDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
        h: Number = None,
    ) -> Template:
        """My holds: the queue position, or the date to collect it by; cancel."""
        return await self._holds_page(actor, note=note, focus=h)

    @post("/holds/{hold_id:int}/cancel", opt=FAMILIES, status_code=200)
    async def cancel_hold(self, hold_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        try:
            await circulation.cancel_hold(hold_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._holds_page(actor, problem=refusal(exc), status=status_of(exc))
        return see_other("/holds?note=hold_cancelled")


# --- a copy's QR code: borrow, return, staff view --------------------------------------------


def problem_page(exc: DomainError, actor: Actor | None, status: int) -> Template:
    return Template(
        "qr/problem.html",
        context={"actor": actor, "title": gettext(exc.title), "detail": friendly(exc), "code": exc.code},
        status_code=status,
    )


async def presence_space(family_id: int, now: datetime) -> int | None:
    """Where the family checked in last within the presence window (3 hours)."""
    row = (
        await CheckIn.select(CheckIn.space)
        .where((CheckIn.family == family_id) & (CheckIn.checked_in_at >= now - PRESENCE))
        .order_by(CheckIn.checked_in_at, ascending=False)
        .first()
    )
    return int(row["space"]) if row else None


class CopyScanPages(Controller):
    """`/lend/<token>`: what a phone opens after scanning a copy's label."""

    include_in_schema = False

    async def _page(
        self,
        token: str,
        copy_id: int,
        actor: Actor,
        clock: Clock,
        *,
        note: str | None = None,
        goes: str | None = None,
        to: int | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        copy = await copies.by_id(copy_id)
        book = await catalogue.get_book(copy["book"])
        names = await space_names()
        loan_row = (
            await Loan.select(Loan.id, Loan.family, Loan.due_on, Loan.borrowed_at)
            .where((Loan.copy == copy_id) & Loan.returned_at.is_null())
            .first()
        )
        is_family = actor.is_family
        mine = loan_row is not None and loan_row["family"] == actor.family_id
        held_for = await Hold.select(Hold.family).where((Hold.copy == copy_id) & (Hold.status == "ready")).first()
        served = await served_spaces(actor) if actor.is_staff else []
        fallback = copy["current_space"] or copy["home_space"]
        history = (await copies.history(copy_id))[-5:] if actor.is_staff else []
        today = local_today(clock)
        return Template(
            "lending/lend.html",
            context={
                "actor": actor,
                "token": token,
                "copy": copy,
                "book": book,
                "names": names,
                "loan": loan_row,
                "mine": mine,
                "overdue": bool(mine and loan_row and loan_row["due_on"] < today),
                "is_family": is_family,
                "can_borrow": is_family
                and not mine
                and (
                    copy["status"] == "available"
                    or (
                        copy["status"] == "on_hold_shelf"
                        and held_for is not None
                        and held_for["family"] == actor.family_id
                    )
                ),
                "held_for_me": held_for is not None and held_for["family"] == actor.family_id,
                "served": served,
                "desk_space": pick_space(served, None, fallback),
                "history": list(reversed(history)),
                "note": note,
                "goes": goes if goes in GOES_TO else None,
                "to": names.get(to or 0, ""),
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/lend/{token:str}", opt=PUBLIC)
    async def open(
        self,
        token: FromPath[str],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
        goes: Annotated[str | None, QueryParameter(max_length=20)] = None,
        to: Number = None,
    ) -> Template | Redirect:
        """The copy: "借这本书" for a family, "还书" when it has it, status and actions for staff."""
        try:
            claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
        except QrError as exc:
            return problem_page(exc, maybe_actor, 410 if exc.code == "token_revoked" else 400)
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/lend/{token}")
        try:
            return await self._page(token, claims.subject, maybe_actor, clock, note=note, goes=goes, to=to)
        except (CopyNotFound, BookNotFound) as exc:
            return problem_page(exc, maybe_actor, 404)

    @post("/lend/{token:str}", opt=PUBLIC, status_code=200)
    async def act(
        self, token: FromPath[str], maybe_actor: MaybeActor, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """借这本书 (family, present at the space), 还书 (family: awaiting shelving; staff: routed)."""
        try:
            claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
        except QrError as exc:
            return problem_page(exc, maybe_actor, 410 if exc.code == "token_revoked" else 400)
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/lend/{token}")
        actor = maybe_actor
        form = await request.form()
        action = str(form.get("action") or "")
        copy_id = claims.subject
        try:
            if action == "borrow":
                if actor.family_id is None:
                    raise Forbidden(N_("自助借书需要家庭账号"))
                await circulation.lend(copy_id, actor.family_id, actor=actor, clock=clock, self_service=True)
                return see_other(f"/lend/{token}?note=borrowed")
            if action == "return" and not actor.is_staff:
                if actor.family_id is None:
                    raise Forbidden(N_("请用家庭账号还书"))
                copy = await copies.by_id(copy_id)
                space_id = await presence_space(actor.family_id, clock.now()) or copy["home_space"]
                await circulation.return_copy(copy_id, space_id=space_id, actor=actor, clock=clock, self_service=True)
                return see_other(f"/lend/{token}?note=returned")
            if action in ("return", "shelve") and actor.is_staff:
                space_id = to_int(form.get("space_id"))
                if space_id is None:
                    raise InvalidInput(N_("请选择所在的空间"), fields=[{"field": "space_id", "message": "required"}])
                ensure_serves(actor, space_id)
                out = await circulation.return_copy(copy_id, space_id=space_id, actor=actor, clock=clock)
                to = f"&to={out.destination_space_id}" if out.destination_space_id else ""
                return see_other(f"/lend/{token}?note=staff_{action}&goes={out.goes_to}{to}")
            raise InvalidInput(N_("请选择要做的操作"), fields=[{"field": "action", "message": "borrow or return"}])
        except (CopyNotFound, BookNotFound) as exc:
            return problem_page(exc, actor, 404)
        except DomainError as exc:
            return await self._page(token, copy_id, actor, clock, problem=refusal(exc), status=status_of(exc))


# --- staff: catalogue, import, export, copies and labels -------------------------------------


class CataloguePages(Controller):
    include_in_schema = False
    path = "/staff"

    @get("/lending", opt=STAFF)
    async def hub(self, actor: ActorDep, clock: ClockDep) -> Template:
        """The lending work: desk, catalogue, holds, transfers, stocktakes."""
        served = await served_spaces(actor)
        ids = [int(s["id"]) for s in served]
        today = local_today(clock)
        overdue = await Loan.count().where(
            Loan.returned_at.is_null() & (Loan.due_on < today) & Loan.space.is_in(ids or [-1])
        )
        to_shelve = await Copy.count().where(
            (Copy.status == "awaiting_shelving") & Copy.current_space.is_in(ids or [-1])
        )
        ready = await Hold.count().where((Hold.status == "ready") & Hold.pickup_space.is_in(ids or [-1]))
        return Template(
            "lending/staff_hub.html",
            context={
                "actor": actor,
                "served": served,
                "overdue": int(overdue),
                "to_shelve": int(to_shelve),
                "ready": int(ready),
            },
        )

    @get("/books", opt=STAFF)
    async def books(
        self,
        actor: ActorDep,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        """The catalogue: search, and add a title by scanning its ISBN."""
        books = await catalogue.search(q, limit=50) if (q or "").strip() else []
        recent = (
            []
            if books
            else [catalogue.book_out(r) for r in await Book.select().order_by(Book.id, ascending=False).limit(10)]
        )
        return Template(
            "lending/staff_books.html",
            context={"actor": actor, "q": (q or "").strip(), "books": books, "recent": recent, "note": note},
        )

    async def _new_page(
        self, actor: Actor, form: dict[str, str], *, problem: dict[str, Any] | None = None, status: int = 200
    ) -> Template:
        return Template(
            "lending/staff_book_new.html",
            context={"actor": actor, "form": form, "age_bands": AGE_BANDS, "refusal": problem},
            status_code=status,
        )

    @post("/books", opt=LIBRARIANS, status_code=200)
    async def add_book(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Scan an ISBN: a known title opens; a new one asks for its title (and the rest)."""
        raw = await request.form()
        form = {k: str(raw.get(k) or "") for k in BOOK_FIELDS}
        try:
            from reading.lending.isbn import normalize

            isbn = normalize(form["isbn"])
            form["isbn"] = isbn
            existing = await catalogue.book_by_isbn(isbn)
            if existing is not None:
                return see_other(f"/staff/books/{existing['id']}?note=exists")
            if not form["title"].strip():
                return await self._new_page(actor, form)
            book = await catalogue.create_book(convert_book(book_values(form), BookIn), clock=clock)
        except DomainError as exc:
            if exc.code == "isbn_exists":
                existing = await catalogue.book_by_isbn(form["isbn"])
                if existing is not None:
                    return see_other(f"/staff/books/{existing['id']}?note=exists")
            if form["title"].strip() or exc.code != "invalid_isbn":
                return await self._new_page(actor, form, problem=refusal(exc), status=status_of(exc))
            return Template(
                "lending/staff_books.html",
                context={
                    "actor": actor,
                    "q": "",
                    "books": [],
                    "recent": [],
                    "isbn": form["isbn"],
                    "refusal": refusal(exc),
                },
                status_code=status_of(exc),
            )
        return see_other(f"/staff/books/{book.id}?note=created")

    async def _edit_page(
        self,
        book_id: int,
        actor: Actor,
        *,
        form: dict[str, str] | None = None,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        book = await catalogue.get_book(book_id)
        count = await Copy.count().where(Copy.book == book_id)
        return Template(
            "lending/staff_book.html",
            context={
                "actor": actor,
                "book": book,
                "form": form or book_form(book),
                "copies": int(count),
                "age_bands": AGE_BANDS,
                "note": note,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/books/{book_id:int}", opt=STAFF)
    async def book(
        self,
        book_id: FromPath[int],
        actor: ActorDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        return await self._edit_page(book_id, actor, note=note)

    @post("/books/{book_id:int}", opt=LIBRARIANS, status_code=200)
    async def edit_book(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        raw = await request.form()
        form = {k: str(raw.get(k) or "") for k in BOOK_FIELDS}
        try:
            values = book_values(form)
            values.pop("isbn", None)
            if not values["title"]:
                raise InvalidInput(N_("请填写书名"), fields=[{"field": "title", "message": "required"}])
            if values["age_band"] is None:
                values.pop("age_band")
            await catalogue.update_book(book_id, convert_book(values, BookUpdate), clock=clock)
            if not form["age_band"]:  # "不限" clears the age band (BookUpdate leaves None alone)
                await Book.update({Book.age_band: ""}).where(Book.id == book_id)
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            return await self._edit_page(book_id, actor, form=form, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/books/{book_id}?note=saved")

    @post("/books/{book_id:int}/cover", opt=LIBRARIANS, status_code=200)
    async def cover(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """A cover photo (JPEG, PNG or WebP up to 5 MB): checked and re-encoded by the service."""
        form = await request.form()
        upload = form.get("cover")
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput(N_("请选择封面图片"), fields=[{"field": "cover", "message": "required"}])
            raw = await upload.read()
            await catalogue.set_cover(book_id, raw, now=clock.now())
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            return await self._edit_page(book_id, actor, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/books/{book_id}?note=cover")

    # Copies and labels

    async def _copies_page(
        self,
        book_id: int,
        actor: Actor,
        *,
        note: str | None = None,
        new: list[int] | None = None,
        space: int | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        book = await catalogue.get_book(book_id)
        rows = await Copy.select(*copies.COPY_COLUMNS).where(Copy.book == book_id).order_by(Copy.id).limit(1000)
        served = await served_spaces(actor)
        by_home: dict[int, list[int]] = {}
        for r in rows:
            by_home.setdefault(int(r["home_space"]), []).append(int(r["id"]))
        return Template(
            "lending/staff_copies.html",
            context={
                "actor": actor,
                "book": book,
                "copies": rows,
                "names": await space_names(),
                "served": served,
                "serves": {int(s["id"]) for s in served},
                "by_home": by_home,
                "space_id": pick_space(served, space),
                "note": note,
                "new": new or [],
                "new_space": space,
                "refusal": problem,
                "statuses": ("available", "missing", "damaged", "withdrawn"),
            },
            status_code=status,
        )

    @get("/books/{book_id:int}/copies", opt=STAFF)
    async def copies_page(
        self,
        book_id: FromPath[int],
        actor: ActorDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
        new: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        space: Number = None,
    ) -> Template:
        """The title's copies with status and place; add copies; print labels."""
        ids = [int(i) for i in (new or "").split(",") if i.isdigit()][:200]
        return await self._copies_page(book_id, actor, note=note, new=ids, space=space)

    @post("/books/{book_id:int}/copies", opt=LIBRARIANS, status_code=200)
    async def add_copies(
        self, book_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        space_id = to_int(form.get("space_id"))
        count = to_int(form.get("count"), 0) or 0
        try:
            if space_id is None:
                raise InvalidInput(N_("请选择空间"), fields=[{"field": "space_id", "message": "required"}])
            ensure_serves(actor, space_id)
            if not 1 <= count <= 200:
                raise InvalidInput(N_("一次可以添加 1 到 200 册"), fields=[{"field": "count", "message": "1-200"}])
            added = await copies.add_copies(book_id, space_id, count, now=clock.now(), actor_id=actor.user_id)
        except DomainError as exc:
            if isinstance(exc, BookNotFound):
                raise
            return await self._copies_page(book_id, actor, space=space_id, problem=refusal(exc), status=status_of(exc))
        ids = ",".join(str(c.id) for c in added)
        return see_other(f"/staff/books/{book_id}/copies?note=added&space={space_id}&new={ids}")

    @post("/copies/{copy_id:int}/status", opt=LIBRARIANS, status_code=200)
    async def copy_status(
        self, copy_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Mark a copy missing, damaged or withdrawn, or found again."""
        form = await request.form()
        to = str(form.get("status") or "")
        row = await copies.by_id(copy_id)
        try:
            if to not in ("available", "missing", "damaged", "withdrawn"):
                raise InvalidInput(N_("请选择状态"), fields=[{"field": "status", "message": "a status"}])
            ensure_serves(actor, row["current_space"] or row["home_space"])
            await copies.move(
                copy_id,
                to,
                kind=f"marked_{to}",
                now=clock.now(),
                actor_id=actor.user_id,
                space_id=row["current_space"],
            )
        except DomainError as exc:
            return await self._copies_page(row["book"], actor, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/books/{row['book']}/copies?note=status#c{copy_id}")

    @get("/spaces/{space_id:int}/labels.pdf", opt=LIBRARIANS, media_type="application/pdf")
    async def labels(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        copy_ids: Annotated[str | None, QueryParameter(max_length=5000)] = None,
    ) -> Response[bytes]:
        """A4 label sheets (3 × 8) of the copies whose home is the space (default: all of them)."""
        ensure_serves(actor, space_id)
        query = Copy.select(Copy.id, Copy.barcode, Copy.book._.title, Copy.home_space._.name).where(
            Copy.home_space == space_id
        )
        if copy_ids:
            ids = [int(i) for i in copy_ids.split(",") if i.strip().isdigit()][:1000]
            query = query.where(Copy.id.is_in(ids or [-1]))
        rows = await query.order_by(Copy.id).limit(1000)
        if not rows:
            raise CopyNotFound(N_("这个空间没有要打印标签的绘本"))
        pdf = await label_pdf(list(rows), state.settings.base_url, clock.now())
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="labels-{space_id}.pdf"'},
        )

    # CSV import and export

    @get("/books/import", opt=LIBRARIANS)
    async def import_page(self, actor: ActorDep) -> Template:
        return Template("lending/staff_import.html", context={"actor": actor, "mode": "skip"})

    @post("/books/import", opt=LIBRARIANS, status_code=200)
    async def import_check(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template:
        """Step 1: the dry run. The file is checked row by row and kept for step 2; nothing is
        imported yet."""
        form = await request.form()
        upload = form.get("file")
        mode = str(form.get("mode") or "skip")
        mode = mode if mode in ("skip", "update") else "skip"
        try:
            if not isinstance(upload, UploadFile):
                raise InvalidInput(N_("请选择要导入的 CSV 文件"), fields=[{"field": "file", "message": "required"}])
            raw = await upload.read()
            report = await imports.dry_run(raw, mode)
            import_id = await imports.queue_import(
                raw, mode=mode, filename=upload.filename or "", user_id=actor.user_id, clock=clock
            )
        except DomainError as exc:
            return Template(
                "lending/staff_import.html",
                context={"actor": actor, "mode": mode, "refusal": refusal(exc)},
                status_code=status_of(exc),
            )
        importable = sum(n for k, n in report["counts"].items() if k in ("new", "update"))
        return Template(
            "lending/staff_import.html",
            context={
                "actor": actor,
                "mode": mode,
                "report": report,
                "problems": report["problems"][:500],
                "importable": importable,
                "import_id": import_id,
                "filename": upload.filename or "",
            },
        )

    @post("/books/import/{import_id:int}/start", opt=LIBRARIANS)
    async def import_start(self, import_id: FromPath[int], actor: ActorDep, queue: QueueDep) -> Redirect:
        """Step 2: the import itself, as a job; the page shows its progress."""
        row = await imports.import_status(import_id, actor.user_id)
        if row is None:
            raise NotFound(N_("没有找到这个任务"))
        if row["status"] == "queued":
            await queue.enqueue("import_books", job_id=f"import-{import_id}", import_id=import_id)
        return see_other(f"/staff/books/import/{import_id}")

    @get("/books/import/{import_id:int}", opt=LIBRARIANS)
    async def import_progress(self, import_id: FromPath[int], actor: ActorDep) -> Template:
        row = await imports.import_status(import_id, actor.user_id)
        if row is None:
            raise NotFound(N_("没有找到这个任务"))
        result = loads(row["report"]) or {}
        return Template(
            "lending/staff_import_job.html",
            context={"actor": actor, "job": row, "job_id": f"import-{import_id}", "result": result},
        )

    @get("/books/import-template.csv", opt=LIBRARIANS, media_type="text/csv")
    async def template(self) -> Response[bytes]:
        return Response(
            imports.template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="books-template.csv"'},
        )

    @get("/books/export.csv", opt=LIBRARIANS, media_type="text/csv")
    async def export_csv(self) -> Response[bytes]:
        return Response(
            await imports.export_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="books.csv"'},
        )

    @get("/books/export.xlsx", opt=LIBRARIANS, media_type=XLSX)
    async def export_xlsx(self) -> Response[bytes]:
        return Response(
            await imports.export_xlsx(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="books.xlsx"'},
        )


# --- staff: the circulation desk, holds to pull, transfers -----------------------------------


async def desk_lend(actor: Actor, clock: Clock, family_id: int, code: str) -> dict[str, Any]:
    copy: dict[str, Any] | None = None
    try:
        copy = await copy_for_code(code, clock)
        ensure_serves(actor, copy["current_space"] or copy["home_space"])
        loan = await circulation.lend(copy["id"], family_id, actor=actor, clock=clock)
    except DomainError as exc:
        if exc.code == "copy_unavailable" and copy is not None:
            held = await Loan.select(Loan.family).where((Loan.copy == copy["id"]) & Loan.returned_at.is_null()).first()
            if held is not None and held["family"] == family_id:  # the same copy scanned again
                return {
                    "ok": True,
                    "title": copy["book.title"],
                    "barcode": copy["barcode"],
                    "message": gettext("这一册已经借给这个家庭了"),
                    "count": await circulation.open_loan_count(family_id),
                }
        return {"ok": False, "code": exc.code, "title": code.strip()[:40], "message": friendly(exc)}
    return {
        "ok": True,
        "title": loan.title,
        "barcode": loan.barcode,
        "message": gettext("已借出，%(date)s 前归还") % {"date": day_text(loan.due_on)},
        "due_on": loan.due_on.isoformat(),
        "count": await circulation.open_loan_count(family_id),
    }


async def goes_to_text(goes_to: str, space_id: int | None) -> str:
    if goes_to == "transit":
        name = await Space.select(Space.name).where(Space.id == (space_id or -1)).first()
        return gettext(GOES_TO["transit"]) % {"space": name["name"] if name else ""}
    return gettext(GOES_TO.get(goes_to, GOES_TO["shelf"]))


async def desk_return(actor: Actor, clock: Clock, space_id: int, code: str) -> dict[str, Any]:
    try:
        ensure_serves(actor, space_id)
        copy = await copy_for_code(code, clock)
        out = await circulation.return_copy(copy["id"], space_id=space_id, actor=actor, clock=clock)
    except DomainError as exc:
        return {"ok": False, "code": exc.code, "title": code.strip()[:40], "message": friendly(exc)}
    return {
        "ok": True,
        "title": copy["book.title"],
        "barcode": out.barcode,
        "goes_to": out.goes_to,
        "message": await goes_to_text(out.goes_to, out.destination_space_id),
    }


async def receive_one(actor: Actor, clock: Clock, space_id: int, code: str) -> dict[str, Any]:
    try:
        copy = await copy_for_code(code, clock)
        done = (await stock.receive(space_id, [copy["barcode"]], actor=actor, clock=clock))[0]
    except DomainError as exc:
        return {"ok": False, "code": exc.code, "title": code.strip()[:40], "message": friendly(exc)}
    if done.status == "in_transit":
        row = (
            await Transfer.select(Transfer.to_space)
            .where(
                Transfer.id.is_in(
                    TransferItem.select(TransferItem.transfer).where(
                        (TransferItem.copy == done.id) & TransferItem.received_at.is_null()
                    )
                )
            )
            .first()
        )
        message = await goes_to_text("transit", row["to_space"] if row else None)
    elif done.status == "on_hold_shelf":
        message = gettext(GOES_TO["hold_shelf"])
    else:
        message = gettext("已收到，放上书架")
    return {"ok": True, "title": done.title, "barcode": done.barcode, "message": message, "status": done.status}


class DeskPages(Controller):
    include_in_schema = False
    path = "/staff"

    async def _desk(
        self,
        actor: Actor,
        clock: Clock,
        *,
        space: int | None,
        mode: str,
        family_id: int | None = None,
        find: str = "",
        last: dict[str, Any] | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        served = await served_spaces(actor)
        space_id = pick_space(served, space)
        card = await family_card(family_id, clock) if family_id is not None else None
        return Template(
            "lending/desk.html",
            context={
                "actor": actor,
                "served": served,
                "space_id": space_id,
                "mode": "return" if mode == "return" else "lend",
                "family": card,
                "find": find,
                "today": local_today(clock),
                "last": last,
                "nonce": secrets.token_urlsafe(12),
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/desk", opt=STAFF)
    async def desk(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: Number = None,
        mode: Annotated[str | None, QueryParameter(max_length=10)] = None,
        find: Annotated[str | None, QueryParameter(max_length=300)] = None,
        family: Number = None,
    ) -> Template:
        """The circulation desk: find the family (card or phone), then scan copies to lend;
        or scan returns, each answered with where the copy goes."""
        family_id: int | None = None
        problem = None
        status = 200
        try:
            if find and find.strip():
                family_id = await find_family(find, clock)
            elif family is not None and await family_exists(family):
                family_id = family
        except (DomainError, QrError) as exc:
            problem, status = refusal(exc), status_of(exc)
        return await self._desk(
            actor,
            clock,
            space=space,
            mode=mode or "lend",
            family_id=family_id,
            find=(find or "").strip() if family_id is None else "",
            problem=problem,
            status=status,
        )

    async def _scan(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        clock: Clock,
        mode: str,
    ) -> Response[dict[str, Any]] | Template:
        data = await json_or_form(request)
        space_id = to_int(data.get("space_id"))
        family_id = to_int(data.get("family_id"))
        code = str(data.get("code") or "")[:300]
        try:
            nonce = scan_nonce(data)
            if space_id is None:
                raise InvalidInput(N_("请选择所在的空间"), fields=[{"field": "space_id", "message": "required"}])
            ensure_serves(actor, space_id)
            if mode == "lend" and (family_id is None or not await family_exists(family_id)):
                raise NotFound(N_("请先找到借书的家庭"))
        except DomainError as exc:
            if wants_json(request):
                return Response({"ok": False, "code": exc.code, "message": friendly(exc)}, status_code=200)
            return await self._desk(
                actor,
                clock,
                space=space_id,
                mode=mode,
                family_id=family_id,
                problem=refusal(exc),
                status=status_of(exc),
            )
        assert space_id is not None

        async def work() -> dict[str, Any]:
            if mode == "lend":
                assert family_id is not None
                return await desk_lend(actor, clock, family_id, code)
            return await desk_return(actor, clock, space_id, code)

        answer = await once(actor, nonce, f"desk-{mode}:{space_id}:{family_id}:{code}", work)
        if wants_json(request):
            return scan_answer(answer)
        return await self._desk(actor, clock, space=space_id, mode=mode, family_id=family_id, last=answer)

    @post("/desk/lend", opt=STAFF, status_code=200)
    async def desk_lend(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[dict[str, Any]] | Template:
        """One scanned copy lent to the family (JSON from the page's queue, or the plain form)."""
        return await self._scan(request, actor, clock, "lend")

    @post("/desk/return", opt=STAFF, status_code=200)
    async def desk_return(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[dict[str, Any]] | Template:
        """One scanned copy returned here; the answer says where it goes."""
        return await self._scan(request, actor, clock, "return")

    # Holds to pull

    async def _holds(
        self,
        actor: Actor,
        clock: Clock,
        space: int | None,
        *,
        note: str | None = None,
        goes: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        served = await served_spaces(actor)
        space_id = pick_space(served, space)
        names = await space_names()
        ready: list[dict[str, Any]] = []
        queue: list[dict[str, Any]] = []
        pull: list[dict[str, Any]] = []
        if space_id is not None:
            ready = list(
                await Hold.select(
                    Hold.id,
                    Hold.book,
                    Hold.book._.title,
                    Hold.family,
                    Hold.copy._.barcode,
                    Hold.expires_at,
                    Hold.ready_at,
                )
                .where((Hold.pickup_space == space_id) & (Hold.status == "ready"))
                .order_by(Hold.expires_at)
                .limit(500)
            )
            queue = list(
                await Hold.select(
                    Hold.id, Hold.book, Hold.book._.title, Hold.copy, Hold.copy._.barcode, Hold.created_at
                )
                .where((Hold.pickup_space == space_id) & (Hold.status == "waiting"))
                .order_by(Hold.id)
                .limit(500)
            )
            waiting = await (
                Hold.select(Hold.id, Hold.book, Hold.book._.title, Hold.pickup_space)
                .where((Hold.status == "waiting") & Hold.copy.is_null())
                .order_by(Hold.id)
                .limit(2000)
            )
            first: dict[int, dict[str, Any]] = {}
            for h in waiting:
                first.setdefault(int(h["book"]), h)
            shelf = (
                await Copy.select(Copy.id, Copy.barcode, Copy.book)
                .where(
                    Copy.book.is_in(list(first) or [-1])
                    & (Copy.current_space == space_id)
                    & (Copy.status == "available")
                )
                .order_by(Copy.id)
            )
            seen: set[int] = set()
            for c in shelf:
                book_id = int(c["book"])
                if book_id in seen:
                    continue
                seen.add(book_id)
                h = first[book_id]
                pull.append(
                    {
                        "copy_id": c["id"],
                        "barcode": c["barcode"],
                        "title": h["book.title"],
                        "pickup": names.get(int(h["pickup_space"]), ""),
                        "here": int(h["pickup_space"]) == space_id,
                    }
                )
            families = {int(h["family"]) for h in ready}
            guardians = {
                int(g["family"]): g["name"]
                for g in await Guardian.select(Guardian.family, Guardian.name).where(
                    Guardian.family.is_in(sorted(families) or [-1])
                )
            }
            for h in ready:
                h["guardian"] = guardians.get(int(h["family"]), "")
        return Template(
            "lending/staff_holds.html",
            context={
                "actor": actor,
                "served": served,
                "space_id": space_id,
                "ready": ready,
                "queue": queue,
                "pull": pull,
                "now": clock.now(),
                "note": note,
                "goes": goes if goes in GOES_TO else None,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/holds", opt=STAFF)
    async def holds(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: Number = None,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
        goes: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        """Holds at a space: on the hold shelf (to hand out), copies to pull from the shelf for
        a waiting family, and the queue."""
        return await self._holds(actor, clock, space, note=note, goes=goes)

    @post("/holds/pull", opt=STAFF, status_code=200)
    async def pull(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """A copy taken from the shelf for the first waiting family: onto the hold shelf here,
        or into the transfer box for the family's pickup space."""
        form = await request.form()
        space_id = to_int(form.get("space_id"))
        copy_id = to_int(form.get("copy_id"))
        try:
            if space_id is None or copy_id is None:
                raise InvalidInput(N_("请选择要取下的绘本"), fields=[{"field": "copy_id", "message": "required"}])
            ensure_serves(actor, space_id)
            copy = await copies.by_id(copy_id)
            if copy["status"] != "available" or copy["current_space"] != space_id:
                raise CopyNotFound(N_("这一册已不在这个空间的书架上"))
            destination = await circulation.shelve(
                copy_id, space_id, actor_id=actor.user_id, now=clock.now(), kind="hold_pull"
            )
        except DomainError as exc:
            return await self._holds(actor, clock, space_id, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/holds?space={space_id}&note=pulled&goes={destination.goes_to}")

    # Transfers

    async def _transfers(
        self,
        actor: Actor,
        *,
        space: int | None = None,
        form: dict[str, str] | None = None,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        served = await served_spaces(actor)
        ids = [int(s["id"]) for s in served]
        open_rows = await (
            Transfer.select()
            .where(
                Transfer.received_at.is_null()
                & (Transfer.from_space.is_in(ids or [-1]) | Transfer.to_space.is_in(ids or [-1]))
            )
            .order_by(Transfer.id, ascending=False)
            .limit(100)
        )
        counts: dict[int, list[int]] = {}
        for item in await TransferItem.select(TransferItem.transfer, TransferItem.received_at).where(
            TransferItem.transfer.is_in([t["id"] for t in open_rows] or [-1])
        ):
            entry = counts.setdefault(int(item["transfer"]), [0, 0])
            entry[0] += 1
            entry[1] += 1 if item["received_at"] is not None else 0
        return Template(
            "lending/staff_transfers.html",
            context={
                "actor": actor,
                "served": served,
                "all_spaces": sorted((await space_names()).items()),
                "names": await space_names(),
                "space_id": pick_space(served, space),
                "open": open_rows,
                "counts": counts,
                "form": form or {"from_space_id": "", "to_space_id": "", "barcodes": "", "note": ""},
                "can_create": actor.has("district_admin", "librarian"),
                "note": note,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/transfers", opt=STAFF)
    async def transfers(
        self,
        actor: ActorDep,
        space: Number = None,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        """Open transfers from and to my spaces; a new one by scanning barcodes."""
        return await self._transfers(actor, space=space, note=note)

    @post("/transfers", opt=LIBRARIANS, status_code=200)
    async def create_transfer(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        raw = await request.form()
        form = {k: str(raw.get(k) or "") for k in ("from_space_id", "to_space_id", "barcodes", "note")}
        try:
            codes = [c for c in re.split(r"[\s,，;；]+", form["barcodes"]) if c.strip()]
            barcodes = []
            for code in codes[:500]:
                copy = await copy_for_code(code, clock)
                barcodes.append(str(copy["barcode"]))
            from_space, to_space = to_int(form["from_space_id"]), to_int(form["to_space_id"])
            if from_space is None or to_space is None:
                raise InvalidInput(
                    N_("请选择调出和调入的空间"), fields=[{"field": "to_space_id", "message": "required"}]
                )
            if not barcodes:
                raise InvalidInput(N_("请扫描要调拨的绘本"), fields=[{"field": "barcodes", "message": "required"}])
            data = TransferIn(
                from_space_id=from_space, to_space_id=to_space, barcodes=barcodes, note=form["note"].strip()[:200]
            )
            done = await stock.create_transfer(data, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._transfers(actor, form=form, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/transfers/{done.id}?note=created")

    @get("/transfers/{transfer_id:int}", opt=STAFF)
    async def transfer(
        self,
        transfer_id: FromPath[int],
        actor: ActorDep,
        note: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Template:
        done = await stock.transfer_out(transfer_id)
        if not (actor.serves(done.from_space_id) or actor.serves(done.to_space_id)):
            raise TransferNotFound()
        received = {
            int(i["copy"]): i["received_at"]
            for i in await TransferItem.select(TransferItem.copy, TransferItem.received_at).where(
                TransferItem.transfer == transfer_id
            )
        }
        return Template(
            "lending/staff_transfer.html",
            context={
                "actor": actor,
                "transfer": done,
                "names": await space_names(),
                "received": received,
                "note": note,
            },
        )

    @get("/receive", opt=STAFF)
    async def receive_page(self, actor: ActorDep, space: Number = None) -> Template:
        """Scan copies arriving at a space (book boxes, returns sent here)."""
        served = await served_spaces(actor)
        space_id = pick_space(served, space)
        arriving = []
        if space_id is not None:
            arriving = list(
                await Copy.select(Copy.id, Copy.barcode, Copy.book._.title)
                .where(
                    (Copy.status == "in_transit")
                    & Copy.id.is_in(
                        TransferItem.select(TransferItem.copy).where(
                            TransferItem.received_at.is_null()
                            & TransferItem.transfer.is_in(
                                Transfer.select(Transfer.id).where(Transfer.to_space == space_id)
                            )
                        )
                    )
                )
                .order_by(Copy.id)
                .limit(500)
            )
        return Template(
            "lending/staff_receive.html",
            context={
                "actor": actor,
                "served": served,
                "space_id": space_id,
                "arriving": arriving,
                "nonce": secrets.token_urlsafe(12),
            },
        )

    @post("/receive", opt=STAFF, status_code=200)
    async def receive(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[dict[str, Any]]:
        """One scanned arrival (JSON from the page's queue)."""
        data = await json_or_form(request)
        space_id = to_int(data.get("space_id"))
        code = str(data.get("code") or "")[:300]
        try:
            nonce = scan_nonce(data)
            if space_id is None:
                raise InvalidInput(N_("请选择所在的空间"), fields=[{"field": "space_id", "message": "required"}])
            ensure_serves(actor, space_id)
        except DomainError as exc:
            return Response({"ok": False, "code": exc.code, "message": friendly(exc)}, status_code=200)

        async def work() -> dict[str, Any]:
            assert space_id is not None
            return await receive_one(actor, clock, space_id, code)

        return scan_answer(await once(actor, nonce, f"receive:{space_id}:{code}", work))


# --- staff: stocktakes -----------------------------------------------------------------------


async def stocktake_row(stocktake_id: int, actor: Actor) -> dict[str, Any]:
    row = await Stocktake.select().where(Stocktake.id == stocktake_id).first()
    if row is None:
        raise StocktakeNotFound()
    if not actor.serves(int(row["space"])):
        raise NotStaffOfSpace()
    return row


class StocktakePages(Controller):
    include_in_schema = False
    path = "/staff/stocktakes"

    @get("/", opt=STAFF)
    async def index(self, actor: ActorDep, space: Number = None) -> Template:
        """Start a stocktake for a space; earlier ones, kept as history."""
        served = await served_spaces(actor)
        space_id = pick_space(served, space)
        history = []
        if space_id is not None:
            history = list(
                await Stocktake.select(Stocktake.id, Stocktake.started_at, Stocktake.finished_at, Stocktake.applied_at)
                .where(Stocktake.space == space_id)
                .order_by(Stocktake.id, ascending=False)
                .limit(50)
            )
        shelf = (
            await Copy.count().where((Copy.current_space == space_id) & (Copy.status == "available"))
            if space_id is not None
            else 0
        )
        return Template(
            "lending/stocktakes.html",
            context={"actor": actor, "served": served, "space_id": space_id, "history": history, "shelf": int(shelf)},
        )

    @post("/", opt=STAFF)
    async def start(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Redirect:
        form = await request.form()
        space_id = to_int(form.get("space_id"))
        if space_id is None:
            raise SpaceNotFound()
        started = await stock.start_stocktake(space_id, actor=actor, clock=clock)
        return see_other(f"/staff/stocktakes/{started.id}")

    @get("/{stocktake_id:int}", opt=STAFF)
    async def stocktake(self, stocktake_id: FromPath[int], actor: ActorDep) -> Template:
        """Scanning (while open), or the report (once finished)."""
        row = await stocktake_row(stocktake_id, actor)
        out = await stock.stocktake_out(stocktake_id)
        names = await space_names()
        recent = list(
            await StocktakeScan.select(StocktakeScan.barcode, StocktakeScan.copy._.book._.title)
            .where(StocktakeScan.stocktake == stocktake_id)
            .order_by(StocktakeScan.id, ascending=False)
            .limit(20)
        )
        return Template(
            "lending/stocktake.html",
            context={
                "actor": actor,
                "stocktake": out,
                "space_name": names.get(int(row["space"]), ""),
                "names": names,
                "report": out.report or {},
                "recent": recent,
                "can_apply": actor.has("district_admin", "librarian"),
                "nonce": secrets.token_urlsafe(12),
            },
        )

    @post("/{stocktake_id:int}/scans", opt=STAFF, status_code=200)
    async def scan(
        self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[dict[str, Any]]:
        """One shelf scan (a QR label or a barcode); repeats count once."""
        data = await json_or_form(request)
        code = str(data.get("code") or "")[:300]
        try:
            nonce = scan_nonce(data)
            row = await stocktake_row(stocktake_id, actor)
        except DomainError as exc:
            return Response({"ok": False, "code": exc.code, "message": friendly(exc)}, status_code=200)

        async def work() -> dict[str, Any]:
            title = ""
            try:
                try:
                    copy = await copy_for_code(code, clock)
                    barcode, title = str(copy["barcode"]), str(copy["book.title"])
                except CopyNotFound:
                    barcode = code.strip().upper()
                    if not BARCODE.match(barcode):
                        raise
                out = await stock.add_scans(int(row["space"]), stocktake_id, [barcode], actor=actor, clock=clock)
            except (DomainError, QrError) as exc:
                return {"ok": False, "code": exc.code, "title": code.strip()[:40], "message": friendly(exc)}
            message = gettext("已扫描 %(count)s 册") % {"count": out.scanned}
            if not title:
                message = gettext("不认识的条码，已记下") + " · " + message
            return {
                "ok": bool(title),
                "title": title or barcode,
                "barcode": barcode,
                "message": message,
                "count": out.scanned,
            }

        return scan_answer(await once(actor, nonce, f"stocktake:{stocktake_id}:{code}", work))

    @post("/{stocktake_id:int}/finish", opt=STAFF)
    async def finish(self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Redirect:
        row = await stocktake_row(stocktake_id, actor)
        await stock.finish_stocktake(int(row["space"]), stocktake_id, actor=actor, clock=clock)
        return see_other(f"/staff/stocktakes/{stocktake_id}#report")

    @post("/{stocktake_id:int}/apply", opt=LIBRARIANS)
    async def apply(
        self, stocktake_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Redirect:
        """Make the records match the shelf, after the librarian confirmed."""
        row = await stocktake_row(stocktake_id, actor)
        form = await request.form()
        if form.get("confirm") != "yes":
            raise InvalidInput(N_("请确认后再应用盘点结果"), fields=[{"field": "confirm", "message": "must be yes"}])
        await stock.apply_stocktake(
            int(row["space"]), stocktake_id, actor=actor, clock=clock, mark_missing=form.get("mark_missing") == "yes"
        )
        return see_other(f"/staff/stocktakes/{stocktake_id}#report")


READING_PAGES = [BookPages, FamilyLendingPages, CopyScanPages, CataloguePages, DeskPages, StocktakePages]
