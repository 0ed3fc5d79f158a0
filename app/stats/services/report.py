"""The monthly report upward (to the District Women's Federation): a month's figures for the
district and per street, the most active and the quiet sites, activities by theme, lead
readers and volunteer hours; as a PDF (fpdf2, the repository's Noto Sans SC subset) and as
an Excel workbook. Made for any finished or current month; the job keeps each month's
(report_runs.py), and a kept one is served as it was made (archive.py)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import qr.fonts
from app.kernel.clock import Clock
from app.kernel.i18n import N_
from app.kernel.spreadsheets import xlsx_bytes
from app.kernel.values import frozen
from app.stats.errors import BadFilter
from app.stats.schemas import QuietSite, Summary
from app.stats.services import export, quiet, summary
from app.stats.services.dashboard import THEME_LABELS
from app.stats.services.scope import Scope, next_month, rollup_state

FONT = Path(qr.fonts.__file__).parent / "NotoSansSC-Regular-GB2312.otf"
NAME = re.compile(r"^(\d{4})-(\d{2})\.(pdf|xlsx)$")
STREET_FIGURES = ("visits", "people", "children", "bookings", "no_shows", "activities", "sessions", "loans")
STREET_HEADER = (
    "街道",
    "空间数",
    "签到人次",
    "到场人数",
    "到场儿童",
    "预约",
    "预约未到",
    "活动场次",
    "阅读活动",
    "借出",
)
TOP = 10


@frozen
class MonthlyReport:
    month: str  # YYYY-MM
    district: Summary
    streets: list[list[object]]  # STREET_HEADER rows
    active: list[tuple[str, str, int, int]]  # name, street, visits, people
    quiet: list[QuietSite]


def parse(name: str) -> tuple[date, str]:
    """`2026-11.pdf` → the month's first day and the kind; anything else is refused."""
    found = NAME.match(name)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise BadFilter(N_("报告名称应为 YYYY-MM.pdf 或 YYYY-MM.xlsx"), field="month", message="YYYY-MM.pdf or .xlsx")
    return date(int(found.group(1)), int(found.group(2)), 1), found.group(3)


async def month_scope(first: date) -> Scope:
    held = await rollup_state()
    last = next_month(first) - timedelta(days=1)
    return Scope(first, last, None, rolled_through=held.through, rollup_run=held.run, held_until=held.until)


async def monthly(first: date, *, clock: Clock) -> MonthlyReport:
    scope = await month_scope(first)
    district = await summary.summary(scope)
    spaces = await export.by_space(scope)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for space, figures in spaces:
        bucket = totals[space["street"]]
        bucket["spaces"] += 1
        for name in STREET_FIGURES:
            bucket[name] += int(getattr(figures, name))
    streets: list[list[object]] = [
        [street, figures["spaces"], *(figures[name] for name in STREET_FIGURES)]
        for street, figures in sorted(totals.items(), key=lambda item: (-item[1]["visits"], item[0]))
    ]
    ranked = sorted(spaces, key=lambda item: (-item[1].visits, item[0]["name"]))[:TOP]
    active = [(s["name"], s["street"], f.visits, f.people) for s, f in ranked if f.visits]
    return MonthlyReport(
        month=first.isoformat()[:7],
        district=district,
        streets=streets,
        active=active,
        quiet=(await quiet.quiet_sites(clock=clock)).items,
    )


def district_rows(r: MonthlyReport) -> list[tuple[str, object]]:
    d = r.district
    return [
        ("签到人次", d.visits),
        ("其中散客 / 预约", f"{d.visits_walk_in} / {d.visits_booked}"),
        ("到场人数（成人 / 儿童）", f"{d.people}（{d.adults} / {d.children}）"),
        ("到场家庭 / 新家庭", f"{d.families} / {d.new_families}"),
        ("预约 / 到场 / 未到", f"{d.bookings} / {d.attended} / {d.no_shows}"),
        ("爽约率", f"{d.no_show_rate * 100:.1f}%"),
        ("绘本＋活动场次", d.activities),
        ("阅读活动（场 / 分钟）", f"{d.sessions} / {d.session_minutes}"),
        ("活跃家庭领读人 / 领读场次", f"{d.lead_readers_active} / {d.lead_reader_sessions}"),
        ("志愿者 / 志愿服务小时", f"{d.volunteers} / {d.volunteer_hours:g}"),
        ("借出 / 归还 / 借阅家庭", f"{d.loans} / {d.returns} / {d.active_borrowers}"),
        ("亲子阅读记录", d.reading_log_entries or 0),
    ]


def theme_rows(r: MonthlyReport) -> list[tuple[str, int, int, int]]:
    return [(THEME_LABELS[t.theme], t.activities, t.people, t.sessions) for t in r.district.by_theme]


def month_title(first: date) -> str:
    return f"家庭亲子阅读项目月报 {first.year}年{first.month}月"


def title(r: MonthlyReport) -> str:
    return month_title(date.fromisoformat(f"{r.month}-01"))


def xlsx(r: MonthlyReport) -> bytes:
    quiet_rows = [(q.name, q.street, "无签到" if q.reason == "no_check_in" else "低于平时") for q in r.quiet]
    return xlsx_bytes(
        {
            "全区": [("项目", "数值"), *district_rows(r)],
            "各街道": [STREET_HEADER, *r.streets],
            "最活跃的空间": [("阅读空间", "街道", "签到人次", "到场人数"), *r.active],
            "冷清的空间": [("阅读空间", "街道", "原因"), *quiet_rows],
            "绘本＋主题": [("主题", "活动场次", "到场人数", "阅读活动"), *theme_rows(r)],
        }
    )
