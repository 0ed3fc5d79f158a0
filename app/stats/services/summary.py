"""The summary of a scope: every figure of the programme, from who was actually present."""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.accounts.people import AGE_BANDS, age_band
from app.stats.schemas import StreetFigures, Summary, ThemeFigures
from app.stats.services import counted, grown, kept, sources, sql
from app.stats.services.scope import THEMES, Scope, covered, places

UNKNOWN_BAND = "unknown"  # children counted at the door, or no longer on record


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _int(row: dict[str, Any], name: str) -> int:
    return int(row.get(name) or 0)


async def totals(scope: Scope) -> dict[str, int]:
    """Every source's measures over the whole scope, in one flat mapping (zeros included)."""
    found = await counted.totals(scope)
    return {name: found.get(name, 0) for source in sources.sources() for name in source.measures}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


THEMED = ("activities", "adults", "children", "door_adults", "door_children", "sessions", "session_minutes")
PRESENT = ("adults", "children", "door_adults", "door_children")


@dataclass(slots=True)
class Cells:
    """What the detailed summary adds up from the cells grouped by space and theme: every
    measure, the themed ones per theme, visits and people per space (for the streets)."""

    totals: Counter[str] = field(default_factory=Counter)
    themes: dict[str, Counter[str]] = field(default_factory=dict)
    visits: Counter[int] = field(default_factory=Counter)
    people: Counter[int] = field(default_factory=Counter)

    def add(self, cells: list[dict[str, Any]]) -> Cells:
        for cell in cells:
            for name, value in cell.items():
                if name not in ("k0", "k1") and value:
                    self.totals[name] += int(value)
            into = self.themes.setdefault(cell["k1"] or "", Counter())
            for name in THEMED:
                into[name] += _int(cell, name)
            space = int(cell["k0"])
            self.visits[space] += _int(cell, "checkins") + _int(cell, "door")
            self.people[space] += sum(_int(cell, name) for name in PRESENT)
        return self

    def __iadd__(self, other: Cells) -> Cells:
        self.totals.update(other.totals)
        for theme, figures in other.themes.items():
            self.themes.setdefault(theme, Counter()).update(figures)
        self.visits.update(other.visits)
        self.people.update(other.people)
        return self


async def _cells(scope: Scope) -> Cells:
    found = Cells()
    for part in await counted.grouped_parts(scope, ("space", "theme")):
        found.add(part)  # sums, so the parts need no merging
    return found


async def cells(scope: Scope) -> Cells:
    """The cells of the scope: the held days' added up once per rollup run (kept.py), then the
    later days'."""
    held, later = counted.split(scope)
    found = Cells()
    if held is not None:
        found += await kept.value(scope.rollup_run, ("summary-cells", held), lambda: _cells(held))
    if later is not None:
        found += await _cells(later)
    return found


async def age_bands(scope: Scope, cells: Cells) -> dict[str, int]:
    """Children present by age band at the month of their visit (the door's as unknown): the
    held days' from the rollups' band columns, the later days' from the history."""
    bands: Counter[str] = Counter({band: 0 for band in AGE_BANDS})
    for band, column in {**counted.BAND_COLUMNS, UNKNOWN_BAND: counted.ROLLED_UNKNOWN}.items():
        bands[band] += cells.totals[column]
    _held, later = counted.split(scope)
    for born, month, n in await _live_bands(later) if later is not None else []:
        band = UNKNOWN_BAND if born is None else age_band(_day(born), date.fromisoformat(f"{month}-01"))
        bands[band] += n
    return dict(bands)


async def _live_bands(scope: Scope) -> list[tuple[Any, str, int]]:
    """(birth month or None, month of the visit, children) of the check-ins in the scope."""
    month = sql.local("c.checked_in_at", "month", scope.start, scope.end)
    conditions = ["c.checked_in_at >= {}", "c.checked_in_at < {}"]
    params: list[Any] = [scope.start, scope.end]
    if scope.space_ids is not None:
        conditions.append(sql.ids_in("c.space", scope.space_ids))
    if scope.theme:
        conditions.append("s.theme = {}")
        params.append(scope.theme)
    statement = (
        f"SELECT ch.birth_month AS born, {month} AS month, COUNT(*) AS n "
        f"FROM spaces_check_in c JOIN spaces_slot s ON s.id = c.slot {sql.json_ids('c.child_ids', 'j')} "
        f"LEFT JOIN accounts_child ch ON ch.id = j.value WHERE {' AND '.join(conditions)} GROUP BY 1, 2"
    )
    found = await grown.rows(grown.CHECK_INS, scope, statement, params)
    return [(row["born"], str(row["month"]), int(row["n"])) for row in found]


def themes(scope: Scope, cells: Cells) -> list[ThemeFigures]:
    """Activities held, people present at them and reading sessions, per 绘本＋ theme."""
    wanted = [scope.theme] if scope.theme else list(THEMES)
    return [
        ThemeFigures(
            theme=theme,
            activities=t["activities"],
            people=sum(t[name] for name in PRESENT),
            sessions=t["sessions"],
            session_minutes=t["session_minutes"],
        )
        for theme in wanted
        for t in [cells.themes.get(theme, Counter())]
    ]


async def streets(scope: Scope, cells: Cells) -> list[StreetFigures]:
    """Visits and people present per street."""
    where = covered(scope, await places())
    spaces: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    people: Counter[str] = Counter()
    seen, present = cells.visits.get, cells.people.get  # most of a city's spaces: no key, no __missing__
    for w in where:
        street = w["street"]
        spaces[street] += 1
        visits[street] += seen(w["id"], 0)
        people[street] += present(w["id"], 0)
    return [
        StreetFigures(street=s, spaces=spaces[s], visits=visits[s], people=people[s])
        for s in sorted(spaces, key=lambda s: (-visits[s], s))
    ]


# The summary's figures that are a source's measure under the same name.
AS_MEASURED = (
    "families",
    "new_families",
    "bookings",
    "attended",
    "no_shows",
    "cancelled",
    "activities",
    "sessions",
    "session_minutes",
    "session_adults",
    "session_children",
    "volunteers",
    "loans",
    "returns",
)


def from_totals(scope: Scope, t: dict[str, int]) -> Summary:
    """The summary's headline figures from the sources' totals."""
    kept = t["attended"] + t["no_shows"]
    adults = t["adults"] + t["door_adults"]
    children = t["children"] + t["door_children"]
    figures: dict[str, Any] = {name: t[name] for name in AS_MEASURED}
    figures.update(
        visits=t["checkins"] + t["door"],
        visits_walk_in=t["walk_in"] + t["door"],
        visits_booked=t["booked"],
        door_registrations=t["door"],
        people=adults + children,
        adults=adults,
        children=children,
        attendance_rate=ratio(t["attended"], kept),
        no_show_rate=ratio(t["no_shows"], kept),
        lead_readers_active=t["lead_readers"],
        lead_reader_sessions=t["lead_sessions"],
        lead_reader_minutes=t["lead_minutes"],
        volunteer_hours=round(t["volunteer_minutes"] / 60, 2),
        active_borrowers=t["borrowers"],
        reading_log_entries=t["reading_log"] if scope.district else None,
    )
    return Summary(
        first=scope.first, last=scope.last, street=scope.street, space_id=scope.space_id, theme=scope.theme, **figures
    )


async def summary(scope: Scope, *, detail: bool = True) -> Summary:
    """The figures of the scope; `detail` adds age bands, themes and streets (all from one
    pass over the rollups, grouped by space and theme)."""
    if not detail:
        return from_totals(scope, await totals(scope))
    found = await cells(scope)
    figures = {name: found.totals[name] for s in sources.sources() for name in s.measures}
    figures.update(await counted.distinct_totals(scope))
    out = from_totals(scope, figures)
    bands = await age_bands(scope, found)
    bands[UNKNOWN_BAND] = bands.get(UNKNOWN_BAND, 0) + figures["door_children"]
    out.children_by_age_band = bands
    out.by_theme = themes(scope, found)
    out.by_street = await streets(scope, found)
    return out
