"""The figures per space and month, as rows for Excel and CSV (Chinese headers, numbers as
numbers), every space of the scope in every month of the period, then the totals."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.kernel.spreadsheets import csv_bytes, xlsx_bytes
from app.kernel.values import frozen
from app.stats.schemas import Summary
from app.stats.services import counted, kept, sources, summary
from app.stats.services.scope import Scope, covered, places
from app.stats.services.series import periods

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


@frozen
class Table:
    rows: list[list[Any]]  # the header first, then one row per space and month, then the totals


async def spaces_of(scope: Scope) -> list[dict[str, Any]]:
    """The spaces the scope covers, by street and name (a new list: callers may sort it)."""
    return covered(scope, await places())


Cells = dict[tuple[Any, ...], dict[str, int]]


def _key(row: dict[str, Any], width: int) -> tuple[Any, ...]:
    return (int(row["k0"]), *(str(row[f"k{i}"]) for i in range(1, width)))


async def _added(scope: Scope, keys: tuple[str, ...]) -> Cells:
    """The additive measures per group of `keys` (the space first), in one pass. Per space,
    the cells of space and theme (the summary's, read once per page) are added up."""
    additive = counted.additive_measures()
    out: Cells = {}
    for row in await counted.grouped(scope, ("space", "theme") if keys == ("space",) else keys):
        if int(row["k0"]):  # space 0: the reading log, of no space
            into = out.setdefault(_key(row, len(keys)), dict.fromkeys(additive, 0))
            for name in additive:
                into[name] += int(row.get(name) or 0)
    return out


async def layers(scope: Scope, keys: tuple[str, ...], *, distinct: bool = True) -> list[Cells]:
    """Every source's measures per group of `keys`, as layers to add up: the held days'
    sums (made once per rollup run, kept.py), the later days', then the distinct counts
    (unless not wanted: they cost the most)."""
    held, later = counted.split(scope)
    layers = []
    if held is not None:
        layers.append(await kept.value(scope.rollup_run, ("export-cells", held, keys), lambda: _added(held, keys)))
    if later is not None:
        layers.append(await _added(later, keys))
    if not distinct:
        return layers
    counts: Cells = defaultdict(dict)
    for source in sources.sources():
        names = [m for m in source.measures if m in counted.DISTINCT]
        for row in await counted.run(source, scope, keys, names) if names else []:
            counts[_key(row, len(keys))].update({name: int(row.get(name) or 0) for name in names})
    return [*layers, counts]


def summed(found: list[Cells], key: tuple[Any, ...], nothing: dict[str, int]) -> dict[str, int]:
    """Every measure of one group, its layers added up (`nothing`: every measure at 0)."""
    figures = dict(nothing)
    for layer in found:
        for name, value in layer.get(key, {}).items():
            figures[name] += value
    return figures


def zero() -> dict[str, int]:
    return {name: 0 for source in sources.sources() for name in source.measures}


async def by_space(scope: Scope, *, distinct: bool = True) -> list[tuple[dict[str, Any], Summary]]:
    """Each space of the scope (street, name) with its figures (the dashboard's table, which
    shows no distinct count: `distinct=False` leaves them 0)."""
    found, nothing = await layers(scope, ("space",), distinct=distinct), zero()
    return [(s, summary.from_totals(scope, summed(found, (s["id"],), nothing))) for s in await spaces_of(scope)]


async def table(scope: Scope) -> Table:
    found, nothing = await layers(scope, ("space", "month")), zero()
    rows: list[list[Any]] = [list(HEADER)]
    for space in await spaces_of(scope):
        for month in periods(scope, "month"):
            figures = summary.from_totals(scope, summed(found, (space["id"], month), nothing))
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
