"""Each space's visits per week over the twelve weeks up to the period's last day: the small
trend line beside every space in the dashboard's table (an inline SVG line, its figures
spelled out for screen readers)."""

from __future__ import annotations

from datetime import timedelta

from app.kernel.values import frozen
from app.stats.services import counted, kept, sources
from app.stats.services.scope import Scope

WEEKS = 12
WIDTH, HEIGHT = 60, 16  # the line's box, in CSS pixels


@frozen
class Trend:
    weeks: tuple[str, ...]  # the Mondays
    visits: tuple[int, ...]

    @property
    def points(self) -> str:
        """The SVG polyline's points: oldest week on the left, the highest week at the top."""
        top = max(self.visits) or 1
        step = WIDTH / (len(self.visits) - 1)
        return " ".join(f"{i * step:.1f},{HEIGHT - 1 - v / top * (HEIGHT - 2):.1f}" for i, v in enumerate(self.visits))

    @property
    def spoken(self) -> str:
        return ", ".join(str(v) for v in self.visits)


def window(scope: Scope) -> Scope:
    """The twelve weeks (from Monday) that end with the week of the period's last day."""
    monday = scope.last - timedelta(days=scope.last.weekday())
    return scope.shifted(monday - timedelta(weeks=WEEKS - 1), scope.last)


async def _weekly(scope: Scope, mondays: tuple[str, ...]) -> dict[int, tuple[int, ...]]:
    """Each space's visits in each week of `mondays` (spaces with a visit only)."""
    found: dict[int, list[int]] = {}
    column = {monday: i for i, monday in enumerate(mondays)}
    for source, measure in ((sources.checkins(), "checkins"), (sources.DOOR, "door")):
        for row in await counted.run(source, scope, ("space", "week"), [measure]):
            if row[measure]:
                found.setdefault(int(row["k0"]), [0] * len(mondays))[column[str(row["k1"])]] += int(row[measure])
    return {space: tuple(visits) for space, visits in found.items()}


async def trends(scope: Scope) -> dict[int, Trend]:
    """Each space's trend (spaces without a visit in the twelve weeks have none: a flat line
    says nothing a zero in the table does not)."""
    weeks = window(scope)
    mondays = tuple((weeks.first + timedelta(weeks=i)).isoformat() for i in range(WEEKS))
    held, later = counted.split(weeks)
    found: dict[int, tuple[int, ...]] = {}
    if held is not None:
        found = await kept.value(weeks.rollup_run, ("trend", held), lambda: _weekly(held, mondays))
    if later is not None:
        found = dict(found)
        for space, visits in (await _weekly(later, mondays)).items():
            before = found.get(space, (0,) * WEEKS)
            found[space] = tuple(a + b for a, b in zip(before, visits, strict=True))
    return {space: Trend(mondays, visits) for space, visits in found.items()}
