"""The dashboard's read model: headline figures against the previous period, the charts with
their tables, every space's figures and the quiet sites, and the filters' choices."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today
from app.kernel.i18n import N_, current_locale, gettext
from app.kernel.values import frozen
from app.stats.schemas import QuietSite, Summary
from app.stats.services import charts, kept, quiet, series, summary
from app.stats.services.scope import THEMES, Filters, Scope, places, resolve
from app.stats.services.space_table import SpaceTable, TableView, space_table

TOP_STREETS = 20  # the streets chart's bars (the summary and the Excel have every street)
MAX_SPACE_CHOICES = 300  # more spaces than this: the form lists a street's once it is chosen
THEME_LABELS = {
    "culture": N_("文化"),
    "reading": N_("阅读"),
    "science": N_("科普"),
    "safety": N_("安全教育"),
    "volunteer": N_("志愿服务"),
}
BAND_LABELS = {"0-3": "0–3", "3-6": "3–6", "6-9": "6–9", "9-12": "9–12", "unknown": N_("未登记")}
HEADLINES: tuple[tuple[str, str], ...] = (
    ("visits", N_("签到人次")),
    ("people", N_("到场人数")),
    ("children", N_("到场儿童")),
    ("families", N_("到场家庭")),
    ("new_families", N_("新家庭")),
    ("bookings", N_("预约数")),
    ("no_show_rate", N_("爽约率")),
    ("activities", N_("活动场次")),
    ("sessions", N_("阅读活动")),
    ("loans", N_("借出册次")),
    ("volunteer_hours", N_("志愿服务小时")),
)


@frozen
class Headline:
    key: str
    label: str
    value: str
    change: str  # against the previous period: "+12%", "−5%", "—"
    direction: str  # up, down, flat


@frozen
class Dashboard:
    scope: Scope
    filters: dict[str, str]
    streets: list[str]
    spaces: list[dict[str, Any]]
    themes: list[tuple[str, str]]
    headlines: list[Headline]
    charts: list[charts.Chart]
    table: SpaceTable
    quiet: list[QuietSite]
    query: str  # the filters as a query string (the Excel link)

    @property
    def report_month(self) -> str:
        """The month whose report the dashboard offers (the period's last)."""
        return self.scope.last.isoformat()[:7]

    @property
    def compared(self) -> tuple[date, date]:
        return compared_with(self.scope)

    def context(self, **more: Any) -> dict[str, Any]:
        return {"page": self, **more}


def _shown(key: str, value: float) -> str:
    if key.endswith("_rate"):
        return f"{value * 100:.1f}%"
    return f"{value:g}"


def headline(key: str, label: str, now: float, before: float) -> Headline:
    if before == now:
        change, direction = "±0", "flat"
    elif not before:
        change, direction = "—", "up"
    else:
        pct = (now - before) / before * 100
        change, direction = f"{'+' if pct > 0 else '−'}{abs(pct):.0f}%", "up" if pct > 0 else "down"
    return Headline(key, label, _shown(key, now), change, direction)


async def _charts(scope: Scope, figures: Summary) -> list[charts.Chart]:
    weeks = await series.series(scope, metric="visits", by="week")
    labels = [p.period[5:] for p in weeks.items]
    visits = gettext(N_("签到人次"))
    out = [
        charts.line(
            "weeks", gettext(N_("每周签到")), labels, [p.value for p in weeks.items], (gettext(N_("周")), visits)
        )
    ]
    streets = figures.by_street[:TOP_STREETS]  # busiest first; a city's 270 bars read as none
    title = gettext(N_("各街道签到")) if len(figures.by_street) <= TOP_STREETS else gettext(N_("签到最多的街道"))
    out.append(
        charts.bars(
            "streets",
            title,
            [s.street for s in streets],
            [(visits, [s.visits for s in streets]), (gettext(N_("到场人数")), [s.people for s in streets])],
            gettext(N_("街道")),
            horizontal=True,
        )
    )
    bands = figures.children_by_age_band
    out.append(
        charts.bars(
            "ages",
            gettext(N_("到场儿童的年龄段")),
            [gettext(BAND_LABELS.get(b, b)) for b in bands],
            [(gettext(N_("人次")), list(bands.values()))],
            gettext(N_("年龄段")),
        )
    )
    themes = figures.by_theme
    out.append(
        charts.bars(
            "themes",
            gettext(N_("绘本＋主题活动")),
            [gettext(THEME_LABELS[t.theme]) for t in themes],
            [
                (gettext(N_("活动场次")), [t.activities for t in themes]),
                (gettext(N_("到场人数")), [t.people for t in themes]),
            ],
            gettext(N_("主题")),
        )
    )
    return out


async def _choices(actor: Actor) -> list[dict[str, Any]]:
    return [r for r in await places() if actor.serves(r["id"])]


def _space_choices(spaces: list[dict[str, Any]], street: str, chosen: int | None) -> list[dict[str, Any]]:
    """The spaces the form offers: the street's, or every one while they are few (a city's
    3,000 in one list help nobody: choose the street first); the chosen one always."""
    if street:
        return [s for s in spaces if s["street"] == street]
    if len(spaces) <= MAX_SPACE_CHOICES:
        return spaces
    return [s for s in spaces if s["id"] == chosen]


async def dashboard(filters: Filters, *, actor: Actor, clock: Clock, view: TableView | None = None) -> Dashboard:
    """The page's figures, read at most kept.FRESH seconds before; readers of the same page at
    once share one reading (eight admins opening it together cost one reading)."""
    view = view or TableView()
    with kept.one_reading():  # the summary, the table and the trends read today's rows once
        scope = await resolve(filters, actor=actor, clock=clock)
        seen_as = (actor.is_admin, actor.space_ids, current_locale.get(), local_today(clock))
        return await kept.fresh(
            ("dashboard", scope, view, seen_as), lambda: _dashboard(scope, actor, clock, view), clock.now()
        )


async def _dashboard(scope: Scope, actor: Actor, clock: Clock, view: TableView) -> Dashboard:
    figures = await summary.summary(scope)
    before = await summary.summary(scope.previous(), detail=False)
    spaces = await _choices(actor)
    echo = {
        "from": scope.first.isoformat(),
        "to": scope.last.isoformat(),
        "street": scope.street,
        "space_id": str(scope.space_id or ""),
        "theme": scope.theme,
    }
    query = urlencode({k: v for k, v in echo.items() if v})
    return Dashboard(
        scope=scope,
        filters=echo,
        streets=sorted({s["street"] for s in spaces}),
        spaces=_space_choices(spaces, scope.street, scope.space_id),
        themes=[(t, THEME_LABELS[t]) for t in THEMES],
        headlines=[
            headline(key, label, float(getattr(figures, key)), float(getattr(before, key))) for key, label in HEADLINES
        ],
        charts=await _charts(scope, figures),
        table=await space_table(scope, view, query),
        quiet=(await quiet.quiet_sites(clock=clock)).items if actor.is_admin else [],
        query=query,
    )


def compared_with(scope: Scope) -> tuple[date, date]:
    """The previous period the headline changes are against."""
    days = (scope.last - scope.first).days + 1
    return scope.first - timedelta(days=days), scope.first - timedelta(days=1)
