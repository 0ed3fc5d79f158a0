"""Copies on the spaces' shelves (the base holds a tenth of a district's), popular titles in
more copies; a year of loans per copy, one at a time, returned after 3-28 days (21 are
allowed), borrowed by families living nearby. Loans still out leave their copy on loan."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

from app.seed.context import Context, SpaceInfo, pick_family
from app.seed.rows import CopyRow, LoanRow

MAX_OPEN_LOANS = 8  # per family: stays under the lending limit


@dataclass(slots=True)
class Shelf:
    """A space's shelf and the families who borrow from it."""

    ctx: Context
    rng: random.Random
    space: SpaceInfo
    pool: list[int]  # families living by the space
    nearby: list[int]  # families of its district
    per_copy: float  # loans a year, on average
    open_loans: dict[int, int]  # by family index, over every shelf

    def stock(self, book: int) -> None:
        """A copy on the shelf and its loans, one after the other up to yesterday."""
        ctx, rng, space = self.ctx, self.rng, self.space
        copy_id = ctx.next_id(CopyRow)
        loans = int(self.per_copy * rng.uniform(0.2, 1.8) + rng.random())
        day = ctx.first_day + timedelta(days=rng.randrange(30))
        current: int | None = space.id
        status, seen = "available", ctx.anchor
        for _ in range(loans):
            day += timedelta(days=rng.randrange(1, max(2, int(365 / max(1, loans)))))
            if day >= ctx.today:
                break
            lent = self.lend(copy_id, day)
            if lent is None:
                break
            loan, day = lent
            ctx.add(loan)
            if loan.returned_at is None:
                status, current, seen = "on_loan", None, loan.borrowed_at
                break
            seen = loan.returned_at
        ctx.add(
            CopyRow(
                id=copy_id,
                book=book,
                barcode=f"SC{copy_id:08d}",
                home_space=space.id,
                current_space=current,
                status=status,
                created_at=ctx.anchor,
                last_seen_at=seen,
            )
        )

    def lend(self, copy_id: int, day: date) -> tuple[LoanRow, date] | None:
        """A loan from that day and the day it came back (or would have: then it is still
        out); None when the family has too many loans out already."""
        ctx, rng = self.ctx, self.rng
        f_index = pick_family(rng, self.pool, self.nearby, 0.8)
        back = day + timedelta(days=rng.randint(3, 28))
        borrowed = ctx.at(day, time(9)) + timedelta(seconds=rng.randrange(10 * 3600))
        renewals = 1 if (back - day).days > 21 and rng.random() < 0.5 else 0
        returned = None
        if back >= ctx.today:
            if self.open_loans.get(f_index, 0) >= MAX_OPEN_LOANS:
                return None
            self.open_loans[f_index] = self.open_loans.get(f_index, 0) + 1
        else:
            returned = ctx.at(back, time(9)) + timedelta(seconds=rng.randrange(10 * 3600))
        row = LoanRow(
            id=ctx.next_id(LoanRow),
            copy=copy_id,
            family=ctx.families[f_index].id,
            space=self.space.id,
            borrowed_at=borrowed,
            due_on=day + timedelta(days=21 * (1 + renewals)),
            renewals=renewals,
            returned_at=returned,
            returned_space=None if returned is None else self.space.id,
            by_user=self.space.volunteer_user or None,
        )
        return row, back


def part_copies_and_loans(ctx: Context) -> Iterator[None]:
    rng = ctx.rng("copies")
    if not ctx.book_ids:
        return
    popularity = list(range(len(ctx.book_ids)))
    rng.shuffle(popularity)
    cum = list(itertools.accumulate(1.0 / (rank + 20) for rank in popularity))
    per_copy = ctx.scale.loans_per_district / ctx.scale.copies_per_district
    open_loans: dict[int, int] = {}
    by_district: dict[int, list[int]] = {}
    for index, space in enumerate(ctx.spaces):
        by_district.setdefault(space.district, []).append(index)
    total = ctx.scale.copies_per_district
    base_share = total // 10
    for indexes in by_district.values():
        small = [i for i in indexes if ctx.spaces[i].kind != "reading_base"]
        for s_index in indexes:
            space = ctx.spaces[s_index]
            shelf = Shelf(ctx, rng, space, *ctx.neighbours(s_index), per_copy, open_loans)
            count = base_share if space.kind == "reading_base" else (total - base_share) // max(1, len(small))
            for book in rng.choices(ctx.book_ids, cum_weights=cum, k=count):
                shelf.stock(book)
            yield
