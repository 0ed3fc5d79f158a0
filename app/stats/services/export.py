"""The figures per space and month, as rows for Excel and CSV (Chinese headers, numbers as
numbers), every space of the scope in every month of the period, then the totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from app.kernel.spreadsheets import csv_bytes, xlsx_bytes
from app.stats.schemas import Summary
from app.stats.services import counted, sources, summary
from app.stats.services.scope import Scope
from app.stats.services.series import periods
from spaces.tables import Space

# (header, figure): the figure is a Summary field, computed per row the same way.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("签到人次", "visits"),
    ("散客人次", "visits_walk_in"),
    ("预约签到人次", "visits_booked"),
    ("到场人数", "people"),
    ("到场成人", "adults"),
    ("到场儿童", "children"),
    ("到场家庭", "families"),
    ("新家庭", "new_families"),
    ("预约", "bookings"),
    ("预约到场", "attended"),
    ("预约未到", "no_shows"),
    ("取消预约", "cancelled"),
    ("爽约率", "no_show_rate"),
    ("活动场次", "activities"),
    ("阅读活动", "sessions"),
    ("阅读活动分钟", "session_minutes"),
    ("领读活动", "lead_reader_sessions"),
    ("活跃领读人", "lead_readers_active"),
    ("志愿服务小时", "volunteer_hours"),
    ("借出", "loans"),
    ("归还", "returns"),
    ("借阅家庭", "active_borrowers"),
)
HEADER = ("街道", "阅读空间", "空间编号", "月份", *(h for h, _ in COLUMNS))
SHEET = "阅读空间月报"
TOTAL = "合计"


@dataclass(frozen=True, slots=True)
class Table:
    rows: list[list[Any]]  # the header first, then one row per space and month, then the totals


async def _spaces(scope: Scope) -> list[dict[str, Any]]:
    query = Space.select(Space.id, Space.name, Space.street).order_by(Space.street).order_by(Space.name)
    found = await query
    if scope.space_ids is not None:
        allowed = set(scope.space_ids)
        found = [s for s in found if s["id"] in allowed]
    return list(found)


async def _cells(scope: Scope, keys: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, int]]:
    """Every source's measures per group of `keys` (the space first): the sums in one pass,
    then each source's distinct counts."""
    cells: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(row: dict[str, Any], names: list[str]) -> None:
        bucket = cells[(int(row["k0"]), *(str(row[f"k{i}"]) for i in range(1, len(keys))))]
        for name in names:
            bucket[name] += int(row.get(name) or 0)

    additive = counted.additive_measures()
    for row in await counted.grouped(scope, keys):
        if int(row["k0"]):  # space 0: the reading log, of no space
            add(row, additive)
    for source in sources.sources():
        distinct = [m for m in source.measures if m in counted.DISTINCT]
        for row in await counted.run(source, scope, keys, distinct) if distinct else []:
            add(row, distinct)
    return cells


def _zero() -> dict[str, int]:
    return {name: 0 for source in sources.sources() for name in source.measures}


async def by_space(scope: Scope) -> list[tuple[dict[str, Any], Summary]]:
    """Each space of the scope (street, name) with its figures (the dashboard's table)."""
    cells = await _cells(scope, ("space",))
    zero = _zero()
    return [
        (space, summary.from_totals(scope, {**zero, **cells.get((space["id"],), {})})) for space in await _spaces(scope)
    ]


async def table(scope: Scope) -> Table:
    cells = await _cells(scope, ("space", "month"))
    zero = _zero()
    rows: list[list[Any]] = [list(HEADER)]
    for space in await _spaces(scope):
        for month in periods(scope, "month"):
            figures = summary.from_totals(scope, {**zero, **cells.get((space["id"], month), {})})
            rows.append([space["street"], space["name"], space["id"], month, *_figures(figures)])
    total = await summary.summary(scope, detail=False)
    rows.append([TOTAL, "", None, f"{scope.first.isoformat()}~{scope.last.isoformat()}", *_figures(total)])
    return Table(rows=rows)


def _figures(figures: Any) -> list[Any]:
    return [getattr(figures, name) for _, name in COLUMNS]


def xlsx(found: Table) -> bytes:
    return xlsx_bytes({SHEET: found.rows})


def csv(found: Table) -> bytes:
    return csv_bytes(found.rows)
