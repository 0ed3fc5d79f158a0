"""The summary of a scope: every figure of the programme, from who was actually present."""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from app.accounts.people import AGE_BANDS, age_band
from app.stats.schemas import StreetFigures, Summary, ThemeFigures
from app.stats.services import counted, sources, sql
from app.stats.services.scope import THEMES, Scope
from spaces.tables import Space

UNKNOWN_BAND = "unknown"  # children counted at the door, or no longer on record
# The rollups' columns of the bands (services/rollup.py counts them as age_band() does).
BAND_COLUMNS = {"0-3": "band_0_3", "3-6": "band_3_6", "6-9": "band_6_9", "9-12": "band_9_12"}
ROLLED_UNKNOWN = "band_unknown"


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _int(row: dict[str, Any], name: str) -> int:
    return int(row.get(name) or 0)


async def totals(scope: Scope) -> dict[str, int]:
    """Every source's measures over the whole scope, in one flat mapping."""
    out: dict[str, int] = {}
    for source in sources.sources():
        found = await counted.run(source, scope)
        row = found[0] if found else {}
        for name in source.measures:
            out[name] = _int(row, name)
    return out


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def age_bands(scope: Scope) -> dict[str, int]:
    """Children present by age band at the month of their visit (the door's as unknown)."""
    bands: Counter[str] = Counter({band: 0 for band in AGE_BANDS})
    held, later = counted.split(scope)
    if held is not None:
        columns = {**BAND_COLUMNS, UNKNOWN_BAND: ROLLED_UNKNOWN}
        row = (await counted.rolled(sources.checkins(), held, (), list(columns.values())))[0]
        for band, column in columns.items():
            bands[band] += _int(row, column)
    if later is not None:
        for born, month, n in await _live_bands(later):
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
    return [(row["born"], str(row["month"]), int(row["n"])) for row in await sql.rows(statement, params)]


async def themes(scope: Scope) -> list[ThemeFigures]:
    """Activities held, people present at them and reading sessions, per 绘本＋ theme."""
    held = {r["k0"]: _int(r, "activities") for r in await counted.run(sources.ACTIVITIES, scope, ("theme",))}
    present: Counter[str] = Counter()
    for r in await counted.run(sources.checkins(), scope, ("theme",), ("adults", "children")):
        present[r["k0"]] += _int(r, "adults") + _int(r, "children")
    for r in await counted.run(sources.DOOR, scope, ("theme",)):
        present[r["k0"]] += _int(r, "door_adults") + _int(r, "door_children")
    sessions = {r["k0"]: r for r in await counted.run(sources.SESSIONS, scope, ("theme",))}
    wanted = [scope.theme] if scope.theme else list(THEMES)
    return [
        ThemeFigures(
            theme=theme,
            activities=held.get(theme, 0),
            people=present.get(theme, 0),
            sessions=_int(sessions.get(theme, {}), "sessions"),
            session_minutes=_int(sessions.get(theme, {}), "session_minutes"),
        )
        for theme in wanted
    ]


async def streets(scope: Scope) -> list[StreetFigures]:
    """Visits and people present per street (from the per-space figures)."""
    where = await Space.select(Space.id, Space.street)
    if scope.space_ids is not None:
        allowed = set(scope.space_ids)
        where = [w for w in where if w["id"] in allowed]
    street_of = {w["id"]: w["street"] for w in where}
    spaces: Counter[str] = Counter(street_of.values())
    visits: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for r in await counted.run(sources.checkins(), scope, ("space",), ("checkins", "adults", "children")):
        street = street_of.get(r["k0"], "")
        visits[street] += _int(r, "checkins")
        people[street] += _int(r, "adults") + _int(r, "children")
    for r in await counted.run(sources.DOOR, scope, ("space",)):
        street = street_of.get(r["k0"], "")
        visits[street] += _int(r, "door")
        people[street] += _int(r, "door_adults") + _int(r, "door_children")
    return [
        StreetFigures(street=s, spaces=spaces[s], visits=visits[s], people=people[s])
        for s in sorted(spaces, key=lambda s: (-visits[s], s))
    ]


def from_totals(scope: Scope, t: dict[str, int]) -> Summary:
    """The summary's headline figures from the sources' totals."""
    kept = t["attended"] + t["no_shows"]
    adults = t["adults"] + t["door_adults"]
    children = t["children"] + t["door_children"]
    return Summary(
        first=scope.first,
        last=scope.last,
        street=scope.street,
        space_id=scope.space_id,
        theme=scope.theme,
        visits=t["checkins"] + t["door"],
        visits_walk_in=t["walk_in"] + t["door"],
        visits_booked=t["booked"],
        door_registrations=t["door"],
        people=adults + children,
        adults=adults,
        children=children,
        families=t["families"],
        new_families=t["new_families"],
        bookings=t["bookings"],
        attended=t["attended"],
        no_shows=t["no_shows"],
        cancelled=t["cancelled"],
        attendance_rate=ratio(t["attended"], kept),
        no_show_rate=ratio(t["no_shows"], kept),
        activities=t["activities"],
        sessions=t["sessions"],
        session_minutes=t["session_minutes"],
        session_adults=t["session_adults"],
        session_children=t["session_children"],
        lead_readers_active=t["lead_readers"],
        lead_reader_sessions=t["lead_sessions"],
        lead_reader_minutes=t["lead_minutes"],
        volunteers=t["volunteers"],
        volunteer_hours=round(t["volunteer_minutes"] / 60, 2),
        loans=t["loans"],
        returns=t["returns"],
        active_borrowers=t["borrowers"],
        reading_log_entries=t["reading_log"] if scope.district else None,
    )


async def summary(scope: Scope, *, detail: bool = True) -> Summary:
    """The figures of the scope; `detail` adds age bands, themes and streets."""
    found = await totals(scope)
    out = from_totals(scope, found)
    if detail:
        bands = await age_bands(scope)
        bands[UNKNOWN_BAND] = bands.get(UNKNOWN_BAND, 0) + found["door_children"]
        out.children_by_age_band = bands
        out.by_theme = await themes(scope)
        out.by_street = await streets(scope)
    return out
