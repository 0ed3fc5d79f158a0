"""What the API and the pages ask for: figures for an actor's filters (checked first)."""

from __future__ import annotations

from collections.abc import Awaitable

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.stats.schemas import QuietSites, Series, Summary
from app.stats.services import archive, kept, report_files
from app.stats.services import export as exports
from app.stats.services import quiet as quiet_sites
from app.stats.services import report as monthly
from app.stats.services import series as series_of
from app.stats.services import summary as summary_of
from app.stats.services.scope import Filters, resolve

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def summary(filters: Filters, *, actor: Actor, clock: Clock) -> bytes:
    """The summary as its JSON answer (`Summary`), kept as encoded: every request within
    kept.FRESH answers the same bytes instead of encoding a city's 271 streets again (24 µs
    each, docs/benchmarks.md)."""
    with kept.one_reading():
        scope = await resolve(filters, actor=actor, clock=clock)
        return await kept.fresh(("summary", scope), lambda: _encoded(summary_of.summary(scope)), clock.now())


async def series(filters: Filters, *, metric: str, by: str, actor: Actor, clock: Clock) -> bytes:
    """One figure over time as its JSON answer (`Series`), kept as encoded."""
    scope = await resolve(filters, actor=actor, clock=clock)
    return await kept.fresh(
        ("series", scope, metric, by), lambda: _encoded(series_of.series(scope, metric=metric, by=by)), clock.now()
    )


async def _encoded(reading: Awaitable[Summary | Series]) -> bytes:
    return msgspec.json.encode(await reading)


async def export(filters: Filters, *, kind: str, actor: Actor, clock: Clock) -> tuple[bytes, str]:
    """The export file and its name (`统计-<from>-<to>.xlsx`)."""
    with kept.one_reading():
        scope = await resolve(filters, actor=actor, clock=clock)
        found = await exports.table(scope)
    name = f"统计-{scope.first.isoformat()}-{scope.last.isoformat()}.{kind}"
    return (exports.xlsx(found) if kind == "xlsx" else exports.csv(found)), name


async def quiet(*, days: int, clock: Clock) -> QuietSites:
    return await quiet_sites.quiet_sites(days=days, clock=clock)


async def report(name: str, *, clock: Clock) -> tuple[bytes, str, str]:
    """The monthly report named `YYYY-MM.pdf` or `YYYY-MM.xlsx`: its bytes, file name and type;
    the kept one when the month's was made (archive.py), else made now."""
    first, kind = monthly.parse(name)
    filename = f"{monthly.month_title(first)}.{kind}"
    media_type = "application/pdf" if kind == "pdf" else XLSX_TYPE
    kept = await archive.stored_file(first, kind)
    if kept is not None:
        return kept, filename, media_type
    found = await monthly.monthly(first, clock=clock)
    return await report_files.draw(kind, found), filename, media_type
