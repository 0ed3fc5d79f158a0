"""The export per space and month (Excel opened with openpyxl, CSV) against the summary, and
the quiet sites against a hand-made calendar (closed days, Beijing's day boundary)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import httpx
import openpyxl
import pytest

from app.stats.services.rollup import catch_up
from tests.helpers import FrozenClock, staff_headers
from tests.stats.history import (
    ROLLUPS,
    History,
    add_check_in,
    add_closure,
    add_slot,
    add_space,
    roll,
    seed_november,
    utc,
)

ADDITIVE = (
    "签到人次",
    "到场人数",
    "到场成人",
    "到场儿童",
    "预约",
    "预约到场",
    "预约未到",
    "活动场次",
    "阅读活动",
    "借出",
    "归还",
)


def sheet_rows(content: bytes) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book["阅读空间月报"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


@pytest.mark.parametrize("rollup", ROLLUPS)
async def test_export_has_a_row_per_space_and_month(
    client: httpx.AsyncClient, admin: dict[str, str], rollup: str
) -> None:
    h: History = await seed_november()
    await roll(rollup)
    params = {"from": "2026-10-01", "to": "2026-11-30"}
    r = await client.get("/api/v1/stats/export.xlsx", params=params, headers=admin)
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    rows = sheet_rows(r.content)
    *spaces, total = rows
    assert len(spaces) == 3 * 2
    by = {(row["空间编号"], row["月份"]): row for row in spaces}
    a, b, c = h.spaces["A"], h.spaces["B"], h.spaces["C"]
    assert set(by) == {(s, m) for s in (a, b, c) for m in ("2026-10", "2026-11")}
    # The check-in at 00:10 on 1 November (Beijing) is November's, though UTC says October.
    assert (by[(a, "2026-10")]["签到人次"], by[(a, "2026-10")]["借出"]) == (0, 1)
    a11 = by[(a, "2026-11")]
    assert (a11["街道"], a11["签到人次"], a11["到场人数"], a11["到场儿童"], a11["预约未到"]) == ("东四", 4, 11, 6, 1)
    assert isinstance(a11["爽约率"], float) and a11["爽约率"] == 0.5
    assert (by[(b, "2026-11")]["签到人次"], by[(b, "2026-11")]["归还"]) == (1, 1)
    assert (by[(c, "2026-11")]["签到人次"], by[(c, "2026-11")]["借出"], by[(c, "2026-10")]["阅读活动"]) == (0, 1, 1)
    summary = (await client.get("/api/v1/stats/summary", params=params, headers=admin)).json()
    assert total["街道"] == "合计"
    for header in ADDITIVE:
        assert total[header] == sum(row[header] for row in spaces), header
    assert (total["签到人次"], total["到场人数"], total["预约"], total["借出"], total["归还"]) == (
        summary["visits"],
        summary["people"],
        summary["bookings"],
        summary["loans"],
        summary["returns"],
    )
    assert (total["到场家庭"], total["志愿服务小时"]) == (summary["families"], summary["volunteer_hours"])

    r = await client.get("/api/v1/stats/export.csv", params=params, headers=admin)
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0][:5] == ["街道", "阅读空间", "空间编号", "月份", "签到人次"]
    assert len(lines) == 1 + 6 + 1
    assert lines[-1][0] == "合计" and lines[-1][4] == str(summary["visits"])

    lib = await staff_headers(client, "stats_lib2", roles=("librarian",), spaces=(b,))
    rows = sheet_rows((await client.get("/api/v1/stats/export.xlsx", params=params, headers=lib)).content)
    assert {row["空间编号"] for row in rows[:-1]} == {b}


async def seed_quiet() -> dict[str, int]:
    """Today is Saturday 28 November 2026 in Beijing (the tests' clock)."""
    q = {
        "Q1": await add_space("一号", "东四"),
        "Q2": await add_space("二号", "东四", (6,)),  # Saturdays only
        "Q3": await add_space("三号", "东四"),
        "Q4": await add_space("四号", "东四"),
        "Q5": await add_space("五号", "东四", ()),  # never open
    }
    slots = {name: await add_slot(space, utc(2026, 8, 1, 2), kind="open_reading") for name, space in q.items()}
    # 00:30 on 20 November in Beijing (UTC: the 19th): open days without since are 21–27.
    await add_check_in(q["Q1"], slots["Q1"], utc(2026, 11, 19, 16, 30), family=None, children=[], people=1)
    # Closed from 10 to 27 November: only 6–9 November count.
    await add_check_in(q["Q3"], slots["Q3"], utc(2026, 11, 5, 3), family=None, children=[], people=1)
    await add_closure(q["Q3"], date(2026, 11, 10), date(2026, 11, 27))
    # One a day over the twelve usual weeks (8 August – 30 October), five in the last four.
    day = date(2026, 8, 8)
    while day <= date(2026, 10, 30):
        await add_check_in(
            q["Q4"], slots["Q4"], utc(day.year, day.month, day.day, 3), family=None, children=[], people=1
        )
        day += timedelta(days=1)
    for d in range(23, 28):
        await add_check_in(q["Q4"], slots["Q4"], utc(2026, 11, d, 3), family=None, children=[], people=1)
    return q


async def quiet(client: httpx.AsyncClient, admin: dict[str, str], days: int) -> dict[int, dict[str, Any]]:
    r = await client.get("/api/v1/stats/quiet-sites", params={"days": days}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["days"] == days
    return {item["space_id"]: item for item in r.json()["items"]}


@pytest.mark.parametrize("rollup", [*ROLLUPS, "through the 20th"])
async def test_quiet_sites(client: httpx.AsyncClient, admin: dict[str, str], rollup: str) -> None:
    """The same sites whether their check-ins are read live, from the rollups, or both (the
    rollups through 20 November, the days after from the history)."""
    q = await seed_quiet()
    if rollup == "through the 20th":
        await catch_up(clock=FrozenClock(utc(2026, 11, 21, 2)))
    else:
        await roll(rollup)
    found = await quiet(client, admin, 14)
    assert set(found) == {q["Q2"], q["Q4"]}
    assert found[q["Q2"]] == {
        "space_id": q["Q2"],
        "name": "二号",
        "street": "东四",
        "reason": "no_check_in",
        "last_check_in_on": None,
        "open_days_without": 16,  # the Saturdays from 8 August to 21 November
        "recent_visits": 0,
        "usual_visits": 0.0,
    }
    q4 = found[q["Q4"]]
    assert (q4["reason"], q4["last_check_in_on"], q4["open_days_without"]) == ("below_usual", "2026-11-27", 0)
    assert (q4["recent_visits"], q4["usual_visits"]) == (5, 28.0)
    # Seven open days without since the 20th (Beijing), not eight (as UTC's 19th would say).
    found = await quiet(client, admin, 7)
    assert set(found) == {q["Q1"], q["Q2"], q["Q4"]}
    assert (found[q["Q1"]]["last_check_in_on"], found[q["Q1"]]["open_days_without"]) == ("2026-11-20", 7)
    assert set(await quiet(client, admin, 8)) == {q["Q2"], q["Q4"]}
    # Q3 saw nobody for 22 days, but was closed for 18 of them.
    assert q["Q3"] not in await quiet(client, admin, 5)
    assert q["Q3"] in await quiet(client, admin, 4)
    r = await client.get("/api/v1/stats/quiet-sites", params={"days": 0}, headers=admin)
    assert r.status_code == 400 and r.json()["code"] == "invalid_input" and "days" in r.text
