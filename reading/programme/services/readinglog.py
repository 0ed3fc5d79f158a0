"""The family reading log: books read together, milestones fit for pre-readers (first
10 / 50 / 100 books, a 21-day streak), no leaderboards, a sanity cap per day, and a yearly
summary image to share."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec

from app.accounts.errors import ChildNotFound
from app.accounts.tables import Child
from app.kernel.clock import Clock, local_today
from app.kernel.errors import DomainError, Forbidden, InvalidInput
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.lending.errors import BookNotFound
from reading.lending.isbn import looks_like_isbn, normalize
from reading.lending.schemas import BookOut
from reading.lending.services import catalogue
from reading.lending.services.scans import copy_for_code
from reading.lending.tables import Book, Loan
from reading.programme.errors import DailyCapReached
from reading.programme.rules import DAILY_LOG_CAP, MILESTONES, STREAK_DAYS
from reading.programme.schemas import LogEntryOut, LogIn, Milestone, ReadingLogOut
from reading.programme.services.forms import Fields, ids, number, text
from reading.programme.tables import ReadingLogEntry, ReadingSession, SessionBook
from spaces.tables import CheckIn


@frozen
class YearSummary:
    books: int  # distinct books read together that year
    days: int
    longest_streak: int


@frozen
class LogForm:
    """The reading-log page's form, as typed."""

    book_id: int | None = None
    isbn: str = ""
    child_ids: tuple[int, ...] = ()
    read_on: str = ""
    minutes: str = ""


def log_form(fields: Fields) -> LogForm:
    return LogForm(
        book_id=number(text(fields, "book_id")),
        isbn=text(fields, "isbn", 300),  # an ISBN, or a copy's label read by the camera
        child_ids=ids(fields, "child_id"),
        read_on=text(fields, "read_on"),
        minutes=text(fields, "minutes"),
    )


def _log_in(form: LogForm) -> LogIn:
    """The page's form checked field by field, in words a family understands."""
    if form.book_id is None and not form.isbn:
        raise InvalidInput("请选择一本绘本，或输入 ISBN", fields=[{"field": "book_id", "message": "required"}])
    if not form.child_ids:
        raise InvalidInput("请选择一起读书的孩子", fields=[{"field": "child_id", "message": "required"}])
    if len(form.child_ids) > 8:
        raise InvalidInput("最多选择 8 个孩子", fields=[{"field": "child_id", "message": "at most 8"}])
    try:
        read_on = date.fromisoformat(form.read_on)
    except ValueError:
        raise InvalidInput("请选择日期", fields=[{"field": "read_on", "message": "YYYY-MM-DD"}]) from None
    minutes = number(form.minutes) if form.minutes else None
    if form.minutes and (minutes is None or not 1 <= minutes <= 600):
        raise InvalidInput("读书时长应在 1 到 600 分钟之间", fields=[{"field": "minutes", "message": "1-600"}])
    return LogIn(
        child_ids=list(form.child_ids),
        read_on=read_on,
        book_id=form.book_id,
        isbn=None if form.book_id is not None else form.isbn,
        minutes=minutes,
    )


async def add_from_form(family_id: int | None, form: LogForm, *, clock: Clock) -> LogEntryOut:
    """The reading-log page's form: checked, then `add_entry`. The ISBN field also takes what
    the phone's camera read off a library copy: its label's QR code (a `/q/` link) or barcode."""
    data = _log_in(form)
    if data.book_id is None and data.isbn and not looks_like_isbn(data.isbn):
        data = msgspec.structs.replace(data, book_id=await _book_of_copy(data.isbn, clock), isbn=None)
    return await add_entry(family_id, data, clock=clock)


async def _book_of_copy(code: str, clock: Clock) -> int:
    """The title of the library copy whose label was scanned (or typed)."""
    try:
        return (await copy_for_code(code, clock)).book_id
    except DomainError:
        raise BookNotFound(
            N_("没有找到这本绘本。请检查 ISBN，或用书名搜索。"), fields=[{"field": "isbn", "message": "unknown"}]
        ) from None


async def add_entry(family_id: int | None, data: LogIn, *, clock: Clock) -> LogEntryOut:
    if family_id is None:
        raise Forbidden("只有家庭账号可以记录共读")
    today = local_today(clock)
    if data.read_on > today or data.read_on < today - timedelta(days=366):
        raise InvalidInput("日期应在过去一年内", fields=[{"field": "read_on", "message": "within the past year"}])
    if data.book_id is not None:
        book = await Book.select(Book.id, Book.title).where(Book.id == data.book_id).first()
    elif data.isbn:
        book = await Book.select(Book.id, Book.title).where(Book.isbn == normalize(data.isbn)).first()
    else:
        raise InvalidInput("请选择绘本或输入 ISBN", fields=[{"field": "book_id", "message": "book_id or isbn"}])
    if book is None:
        raise BookNotFound(N_("没有找到这本绘本。请检查 ISBN，或用书名搜索。"))
    child_ids = sorted(set(data.child_ids))
    mine = {r["id"] for r in await Child.select(Child.id).where(Child.family == family_id)}
    if not set(child_ids) <= mine:
        raise ChildNotFound(N_("请选择您家的孩子。"))  # another family's child: not found
    if (
        await ReadingLogEntry.count().where(
            (ReadingLogEntry.family == family_id) & (ReadingLogEntry.read_on == data.read_on)
        )
        >= DAILY_LOG_CAP
    ):
        raise DailyCapReached()
    rows = await ReadingLogEntry.insert(
        ReadingLogEntry(
            family=family_id,
            book=book["id"],
            child_ids=child_ids,
            read_on=data.read_on,
            minutes=data.minutes,
            created_at=clock.now(),
        )
    ).returning(ReadingLogEntry.id)
    return LogEntryOut(
        id=rows[0]["id"],
        book_id=book["id"],
        title=book["title"],
        child_ids=child_ids,
        read_on=data.read_on,
        minutes=data.minutes,
    )


def streaks(days: list[date], today: date) -> tuple[int, int, date | None]:
    """(current streak ending today or yesterday, longest streak, day the longest first hit STREAK_DAYS)."""
    ordered = sorted(set(days))
    longest = run = 0
    reached: date | None = None
    previous: date | None = None
    for day in ordered:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        if run == STREAK_DAYS and reached is None:
            reached = day
        previous = day
    current = 0
    if ordered and (today - ordered[-1]).days <= 1:
        current = 1
        for a, b in zip(reversed(ordered[:-1]), reversed(ordered[1:]), strict=True):
            if b - a != timedelta(days=1):
                break
            current += 1
    return current, longest, reached


def milestones(entries: list[dict[str, Any]], today: date) -> list[Milestone]:
    """Distinct books reached 10 / 50 / 100 (on which day), and a 21-day streak."""
    out: list[Milestone] = []
    seen: set[int] = set()
    for entry in sorted(entries, key=lambda e: (e["read_on"], e["id"])):
        if entry["book"] in seen:
            continue
        seen.add(entry["book"])
        if len(seen) in MILESTONES:
            out.append(
                Milestone(
                    kind="books", value=len(seen), reached_on=entry["read_on"], title=f"一起读完 {len(seen)} 本绘本"
                )
            )
    _current, _longest, reached = streaks([e["read_on"] for e in entries], today)
    if reached is not None:
        out.append(Milestone(kind="streak", value=STREAK_DAYS, reached_on=reached, title=f"连续 {STREAK_DAYS} 天共读"))
    return out


async def reading_log(family_id: int | None, *, clock: Clock, limit: int = 100) -> ReadingLogOut:
    if family_id is None:
        raise Forbidden("只有家庭账号有共读记录")
    today = local_today(clock)
    entries = (
        await ReadingLogEntry.select(
            ReadingLogEntry.id,
            ReadingLogEntry.book,
            ReadingLogEntry.book._.title,
            ReadingLogEntry.child_ids,
            ReadingLogEntry.read_on,
            ReadingLogEntry.minutes,
        )
        .where(ReadingLogEntry.family == family_id)
        .order_by(ReadingLogEntry.read_on, ascending=False)
    )
    current, _longest, _reached = streaks([e["read_on"] for e in entries], today)
    items = [
        LogEntryOut(
            id=e["id"],
            book_id=e["book"],
            title=e["book.title"],
            child_ids=list(loads(e["child_ids"], [])),
            read_on=e["read_on"],
            minutes=e["minutes"],
        )
        for e in entries[:limit]
    ]
    return ReadingLogOut(
        items=items,
        books_read=len({e["book"] for e in entries}),
        days_read=len({e["read_on"] for e in entries}),
        current_streak=current,
        milestones=milestones(entries, today),
        suggestions=await suggestions(family_id),
    )


async def read_before(family_id: int, limit: int = 6) -> list[BookOut]:
    """The books the family logged most recently, newest first: one tap to log a re-read."""
    rows = (
        await ReadingLogEntry.select(ReadingLogEntry.book)
        .where(ReadingLogEntry.family == family_id)
        .order_by(ReadingLogEntry.read_on, ascending=False)
        .order_by(ReadingLogEntry.id, ascending=False)
        .limit(200)
    )
    return [await catalogue.get_book(book_id) for book_id in list(dict.fromkeys(r["book"] for r in rows))[:limit]]


async def suggestions(family_id: int, limit: int = 6) -> list[BookOut]:
    """Books from the family's loans and from sessions it attended, not yet in its log."""
    logged = {
        r["book"] for r in await ReadingLogEntry.select(ReadingLogEntry.book).where(ReadingLogEntry.family == family_id)
    }
    loans = (
        await Loan.select(Loan.copy._.book).where(Loan.family == family_id).order_by(Loan.id, ascending=False).limit(30)
    )
    candidates = [r["copy.book"] for r in loans]

    slots = [r["slot"] for r in await CheckIn.select(CheckIn.slot).where(CheckIn.family == family_id).limit(30)]
    if slots:
        session_ids = [
            r["id"] for r in await ReadingSession.select(ReadingSession.id).where(ReadingSession.slot.is_in(slots))
        ]
        if session_ids:
            candidates += [
                r["book"]
                for r in await SessionBook.select(SessionBook.book).where(SessionBook.session.is_in(session_ids))
            ]
    out: list[BookOut] = []
    for book_id in dict.fromkeys(candidates):
        if book_id not in logged and len(out) < limit:
            out.append(await catalogue.get_book(book_id))
    return out


async def year_summary(family_id: int, year: int) -> YearSummary:
    entries = await ReadingLogEntry.select(ReadingLogEntry.book, ReadingLogEntry.read_on).where(
        (ReadingLogEntry.family == family_id)
        & (ReadingLogEntry.read_on >= date(year, 1, 1))
        & (ReadingLogEntry.read_on <= date(year, 12, 31))
    )
    _current, longest, _reached = streaks([e["read_on"] for e in entries], date(year, 12, 31))
    return YearSummary(
        books=len({e["book"] for e in entries}),
        days=len({e["read_on"] for e in entries}),
        longest_streak=longest,
    )
