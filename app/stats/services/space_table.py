"""The dashboard's table of every space: sorted by any of its columns, a page at a time (a
city's 3,000 rows made a 2.5 MB page that no phone could use), each with its trend line."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from app.kernel.numbers import whole_number
from app.kernel.values import frozen
from app.stats.schemas import Summary
from app.stats.services import export, trend
from app.stats.services.scope import Scope
from app.stats.services.summary import from_totals
from app.stats.services.trend import Trend

PAGE_SIZE = 100
# The columns one may sort by: text columns rise by default, figures fall (the busiest first).
TEXT = ("name", "street")
FIGURES = ("visits", "people", "bookings", "no_show_rate", "activities", "loans")
# The measures each figure column adds up (summary.from_totals makes them the same way).
MADE_OF = {
    "visits": ("checkins", "door"),
    "people": ("adults", "children", "door_adults", "door_children"),
    "bookings": ("bookings",),
    "activities": ("activities",),
    "loans": ("loans",),
}


@frozen
class SpaceRow:
    id: int
    name: str
    street: str
    figures: Summary  # additive figures only: the table shows no distinct count
    trend: Trend | None  # visits per week, the twelve weeks up to the period's end


@frozen
class TableView:
    """How the table is asked for: the column, the order, the page (anything else: the default)."""

    sort: str = "street"
    descending: bool = False
    page: int = 1

    @classmethod
    def of(cls, sort: str | None, order: str | None, page: str | None) -> TableView:
        column = sort if sort in (*TEXT, *FIGURES) else "street"
        descending = order == "desc" if order in ("asc", "desc") else column in FIGURES
        return cls(column, descending, max(1, whole_number(page or "") or 1))


@frozen
class SpaceTable:
    view: TableView
    rows: list[SpaceRow]  # this page's
    total: int  # spaces in the scope
    pages: int
    query: str  # the filters, for the links

    def link(self, **change: Any) -> str:
        """The dashboard's address with this table's view changed (sort, order, page)."""
        view = {"sort": self.view.sort, "order": "desc" if self.view.descending else "asc", "page": self.view.page}
        view.update(change)
        return "?" + "&".join(part for part in (self.query, urlencode(view)) if part) + "#spaces-title"

    def sort_link(self, column: str) -> str:
        """Sorting by `column`: the other way round if it is the current one, else its default."""
        if column == self.view.sort:
            return self.link(order="asc" if self.view.descending else "desc", page=1)
        return self.link(sort=column, order="desc" if column in FIGURES else "asc", page=1)

    def aria_sort(self, column: str) -> str:
        if column != self.view.sort:
            return ""
        return "descending" if self.view.descending else "ascending"


def _sort_value(found: list[export.Cells], space: int, column: str) -> float:
    """A figure column of one space, from the measures it is made of (as Summary makes it)."""

    def total(*names: str) -> int:
        return sum(layer.get((space,), {}).get(name, 0) for layer in found for name in names)

    if column == "no_show_rate":
        no_shows = total("no_shows")
        return no_shows / (no_shows + total("attended")) if no_shows else 0.0
    return total(*MADE_OF[column])


async def space_table(scope: Scope, view: TableView, query: str) -> SpaceTable:
    """One page of the table: every space sorted by the column's figure (only its measures
    are added up per space: a city has 3,000), the page's rows in full."""
    spaces = await export.spaces_of(scope)  # by street and name: sorting is stable, ties stay so
    found = await export.layers(scope, ("space",), distinct=False)
    if view.sort in FIGURES:
        values = {s["id"]: _sort_value(found, s["id"], view.sort) for s in spaces}
        spaces.sort(key=lambda s: values[s["id"]], reverse=view.descending)
    elif view.sort != "street" or view.descending:
        spaces.sort(key=lambda s: str(s[view.sort]), reverse=view.descending)
    pages = max(1, math.ceil(len(spaces) / PAGE_SIZE))
    page = min(view.page, pages)
    lines = await trend.trends(scope)
    nothing = export.zero()
    rows = [
        SpaceRow(
            s["id"],
            s["name"],
            s["street"],
            from_totals(scope, export.summed(found, (s["id"],), nothing)),
            lines.get(s["id"]),
        )
        for s in spaces[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    ]
    return SpaceTable(TableView(view.sort, view.descending, page), rows, len(spaces), pages, query)
