"""Today's stamped rows after the rollups' run (grown.py): what a reading counted of them is
kept per process and read again only when they change, with the same figures as counting
them each time, on both engines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from app.stats.services import sql
from app.stats.services.kept import FRESH
from app.stats.services.rollup import catch_up
from reading.lending.tables import Copy, Loan
from spaces.tables import CheckIn
from tests.helpers import FrozenClock
from tests.stats.history import add_check_in, add_slot, insert_row, roll, seed_november, utc

TODAY = {"from": "2026-11-28", "to": "2026-11-28"}
# What the counts of today's rows after the run read (grown.py reads them with their marks).
COUNTING = ("FROM spaces_check_in c", "FROM spaces_check_in h", "FROM reading_loan l", "FROM reading_loan h")


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the statistics run, as they run."""
    seen: list[str] = []
    real = sql.rows

    async def recorded(statement: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        seen.append(statement)
        return await real(statement, params)

    monkeypatch.setattr(sql, "rows", recorded)
    return seen


MARKS = "SELECT COUNT(*) AS marked_rows"  # grown.py's marks read alone


def counting(statements: list[str]) -> list[str]:
    return [s for s in statements if any(table in s for table in COUNTING) and not s.startswith(MARKS)]


async def test_rows_after_the_run_are_counted_again_only_when_they_change(
    client: httpx.AsyncClient, admin: dict[str, str], clock: FrozenClock, statements: list[str]
) -> None:
    h = await seed_november()
    a, f1, f2 = h.spaces["A"], h.families["F1"], h.families["F2"]
    slot = await add_slot(a, utc(2026, 11, 28, 1), theme="science")
    await roll("days")  # holds the 28th's stamped rows before 01:58 UTC
    await add_check_in(a, slot, utc(2026, 11, 28, 1, 59), family=f1, children=[h.children["k1"]], people=2)
    row = await Copy.select(Copy.id).where(Copy.barcode == "SC000000").first()
    assert row is not None
    copy = row["id"]
    at = utc(2026, 11, 28, 1, 59)
    await insert_row(Loan(copy=copy, family=f2, space=a, borrowed_at=at, due_on=at.date()))

    async def read() -> dict[str, Any]:
        clock.advance(seconds=FRESH)  # past the answer kept for the same request (kept.fresh)
        r = await client.get("/api/v1/stats/summary", params=TODAY, headers=admin)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def figures(s: dict[str, Any]) -> tuple[int, ...]:
        return s["visits"], s["families"], s["children"], s["loans"], s["active_borrowers"], s["returns"]

    first = await read()
    assert figures(first) == (1, 1, 1, 1, 1, 0)
    assert counting(statements), "the first reading counts today's rows after the run"

    statements.clear()
    assert await read() == first
    assert counting(statements) == [], "unchanged rows are not counted again"
    assert any(s.startswith(MARKS) for s in statements), "only their marks are read"

    # A new check-in and a return: counted again, the same as counting them each time.
    later = await add_check_in(a, slot, utc(2026, 11, 28, 2, 1), family=f2, children=[h.children["k3"]], people=2)
    await Loan.update({Loan.returned_at: utc(2026, 11, 28, 2, 2), Loan.returned_space: a}).where(
        (Loan.copy == copy) & Loan.returned_at.is_null()
    )
    statements.clear()
    assert figures(await read()) == (2, 2, 2, 1, 1, 1)
    assert counting(statements)

    # A row removed (a family's account erased takes its check-ins): counted again too.
    await CheckIn.delete().where(CheckIn.id == later)
    assert figures(await read()) == (1, 1, 1, 1, 1, 1)

    # The next run holds them all, and a reading counts nothing after it.
    await catch_up(clock=FrozenClock(utc(2026, 11, 28, 3)))
    assert figures(await read()) == (1, 1, 1, 1, 1, 1)
