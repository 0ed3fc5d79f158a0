"""The dashboard's charts: server-rendered SVG with pygal (no script, nothing from outside),
shown as `data:` images (the pages' CSP allows those, not inline styles); each chart comes
with its figures as a table for screen readers."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from app.kernel.values import frozen

if TYPE_CHECKING:
    import pygal

# pygal (~8 MB resident) is imported by the first chart drawn: most processes draw none.


@cache
def _style() -> pygal.style.Style:
    from pygal.style import Style

    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#333333",
        foreground_strong="#222222",
        foreground_subtle="#cccccc",
        colors=("#a8321a", "#2f6f8f", "#d98c1f", "#5b8a3c", "#7a4d99"),
        font_family="'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
        label_font_size=14,
        major_label_font_size=14,
        value_font_size=14,
        legend_font_size=14,
    )


_SCRIPT = re.compile(rb"<script.*?</script>", re.DOTALL)


@frozen
class Chart:
    key: str
    title: str
    image: str  # a data: URI of the SVG
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the same figures, as a table


def _uri(chart: pygal.graph.graph.Graph) -> str:
    # pygal writes its configuration as a script (for its tooltips); an image runs none.
    svg = _SCRIPT.sub(b"", chart.render())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _config(kind: str, **more: object) -> pygal.graph.graph.Graph:
    import pygal

    options: dict[str, object] = {"show_legend": False, "print_values": False, **more}
    graph: pygal.graph.graph.Graph = getattr(pygal, kind)(js=[], style=_style(), width=640, height=320, **options)
    return graph


# Drawing a chart costs 20-100 ms of CPU (pygal, a city's streets); the same figures draw the
# same chart, so each is drawn once while it is asked for (the readers of a dashboard between
# two changes of its figures share it). Keyed by everything drawn: labels, figures, titles.
DRAWN = 64


def line(key: str, title: str, labels: Sequence[str], values: Sequence[float], header: tuple[str, str]) -> Chart:
    return _line(key, title, tuple(labels), tuple(values), header)


@lru_cache(maxsize=DRAWN)
def _line(key: str, title: str, labels: tuple[str, ...], values: tuple[float, ...], header: tuple[str, str]) -> Chart:
    chart = _config("Line", x_label_rotation=40, show_minor_x_labels=False, fill=True)
    chart.x_labels = list(labels)
    chart.x_labels_major = list(labels)[:: max(1, len(labels) // 8)]
    chart.add(title, list(values))
    rows = tuple((label, f"{value:g}") for label, value in zip(labels, values, strict=True))
    return Chart(key, title, _uri(chart), header, rows)


def bars(
    key: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    header: str,
    *,
    horizontal: bool = False,
) -> Chart:
    drawn = tuple((name, tuple(values)) for name, values in series)
    return _bars(key, title, tuple(labels), drawn, header, horizontal)


@lru_cache(maxsize=DRAWN)
def _bars(
    key: str,
    title: str,
    labels: tuple[str, ...],
    series: tuple[tuple[str, tuple[float, ...]], ...],
    header: str,
    horizontal: bool,
) -> Chart:
    chart = _config("HorizontalBar" if horizontal else "Bar", show_legend=len(series) > 1)
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    rows = tuple((label, *(f"{values[i]:g}" for _, values in series)) for i, label in enumerate(labels))
    return Chart(key, title, _uri(chart), (header, *(name for name, _ in series)), rows)
