"""Read model of the family reading-log page: the books read together, milestones and the
next one, suggestions, a search, and the add form (prefilled with every child and today)."""

from __future__ import annotations

from datetime import date, timedelta

from app.accounts.tables import Child
from app.kernel.clock import Clock, local_today
from app.kernel.values import frozen
from reading.lending.schemas import BookOut
from reading.lending.services import catalogue
from reading.programme.rules import MILESTONES, STREAK_DAYS
from reading.programme.schemas import ReadingLogOut
from reading.programme.services import readinglog
from reading.programme.services.readinglog import LogForm
from reading.programme.services.views import PageView


@frozen
class ChildChoice:
    id: int
    nickname: str


@frozen
class ReadingLogPage(PageView):
    log: ReadingLogOut
    children: list[ChildChoice]
    nicknames: dict[int, str]
    q: str
    found: list[BookOut]
    form: LogForm
    today: date
    year: int
    earliest: str  # the add form's first day (a year back)
    next_books: int | None  # the next books milestone, if any is left
    books_to_go: int
    streak_reached: bool
    read_again: list[BookOut]  # books logged lately: a re-read in one tap
    goals: list[Goal]  # every milestone, with how far the family is
    streak_days: int = STREAK_DAYS


@frozen
class Goal:
    """A milestone and the way to it: `done` of `target` (books, or days in a row)."""

    kind: str  # "books" or "streak"
    target: int
    done: int
    reached_on: date | None

    @property
    def reached(self) -> bool:
        return self.done >= self.target


def goals(log: ReadingLogOut, streak_now: int) -> list[Goal]:
    """Each books milestone (10, 50, 100) and the 21-day streak (the days in a row so far),
    reached or on the way."""
    reached = {(m.kind, m.value): m.reached_on for m in log.milestones}
    out = [Goal("books", n, min(log.books_read, n), reached.get(("books", n))) for n in MILESTONES]
    streak = STREAK_DAYS if ("streak", STREAK_DAYS) in reached else min(streak_now, STREAK_DAYS)
    out.append(Goal("streak", STREAK_DAYS, streak, reached.get(("streak", STREAK_DAYS))))
    return out


async def reading_log_page(
    family_id: int | None, *, clock: Clock, q: str | None = None, form: LogForm | None = None
) -> ReadingLogPage:
    log = await readinglog.reading_log(family_id, clock=clock, limit=30)  # 403 for a staff account
    rows = await Child.select(Child.id, Child.nickname).where(Child.family == family_id).order_by(Child.id)
    children = [ChildChoice(id=r["id"], nickname=r["nickname"]) for r in rows]
    text = (q or "").strip()[:100]
    today = local_today(clock)
    next_books = next((n for n in MILESTONES if n > log.books_read), None)
    suggested = {b.id for b in log.suggestions}
    return ReadingLogPage(
        log=log,
        children=children,
        nicknames={c.id: c.nickname for c in children},
        q=text,
        found=await catalogue.search(text, limit=8) if text else [],
        form=form or LogForm(child_ids=tuple(c.id for c in children), read_on=today.isoformat()),
        today=today,
        year=today.year,
        earliest=(today - timedelta(days=366)).isoformat(),
        next_books=next_books,
        books_to_go=(next_books - log.books_read) if next_books else 0,
        streak_reached=any((m.kind, m.value) == ("streak", STREAK_DAYS) for m in log.milestones),
        read_again=[b for b in await readinglog.read_before(family_id) if b.id not in suggested] if family_id else [],
        goals=goals(log, log.current_streak),
    )
