"""The dashboard page: headline figures against the previous period, the charts (SVG images
with a data table each), every space in a sortable table, the quiet sites, the filters and
the Excel download; librarians see their own spaces; a bad filter is said on the page."""

from __future__ import annotations

import base64
import io
import re

import httpx
import openpyxl
import pytest

from app.stats.services import dashboard, space_table
from tests.helpers import create_staff
from tests.stats.history import ROLLUPS, roll, seed_november
from tests.web.forms import log_in, log_out


async def test_dashboard(client: httpx.AsyncClient) -> None:
    h = await seed_november()
    await create_staff("stats_dash")
    assert (await log_in(client, "stats_dash", "staff-pass-1")).status_code in (302, 303)
    admin: dict[str, str] = {}
    assert 'href="/staff/stats"' in (await client.get("/staff", headers=admin, follow_redirects=True)).text
    r = await client.get("/staff/stats", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=admin)
    assert r.status_code == 200, r.text
    page = r.text
    visits = re.search(
        r'data-key="visits"><span class="label">[^<]+</span><strong>(\d+)</strong><span class="change (\w+)">([^<]+)<',
        page,
    )
    assert visits is not None and visits.groups() == ("5", "up", "—")  # October had none
    rate = re.search(r'data-key="no_show_rate">.*?<strong>([^<]+)</strong>', page)
    assert rate is not None and rate.group(1) == "33.3%"
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) == 4
    svg = base64.b64decode(images[1]).decode()
    assert svg.startswith("<?xml") and "东四" in svg and "<script" not in svg
    for chart in ("weeks", "streets", "ages", "themes"):
        assert f'id="chart-{chart}"' in page
    assert '<th scope="row">东四</th><td class="num">5</td><td class="num">13</td>' in page  # streets' data table
    rows = re.findall(
        r'<tr data-space="(\d+)"><th scope="row">([^<]+)</th><td>([^<]+)</td>\s*<td class="num">(\d+)</td>', page
    )
    assert sorted(rows) == sorted(
        [
            (str(h.spaces["A"]), "东四甲空间", "东四", "4"),
            (str(h.spaces["B"]), "东四乙空间", "东四", "1"),
            (str(h.spaces["C"]), "景山空间", "景山", "0"),
        ]
    )
    assert 'href="/staff/stats/reports/2026-11.pdf"' in page
    report = await client.get("/staff/stats/reports/2026-11.pdf", headers=admin)
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    assert 'id="quiet-sites"' in page and "景山空间" in page.split('id="quiet-sites"')[1]

    r = await client.get(
        "/staff/stats", params={"from": "2026-11-01", "to": "2026-11-30", "street": "景山"}, headers=admin
    )
    assert re.findall(r'<tr data-space="(\d+)">', r.text) == [str(h.spaces["C"])]
    link = re.search(r'href="(/staff/stats/export\.xlsx\?[^"]+)"', r.text)
    assert link is not None and "street=" in link.group(1)
    r = await client.get(link.group(1).replace("&amp;", "&"), headers=admin)
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in values[1:]] == ["景山", "合计"]

    r = await client.get("/staff/stats", params={"from": "2026-11-01", "to": "2026-11-30", "lang": "en"}, headers=admin)
    assert r.status_code == 200
    for words in ("Visits per week", "Children present by age band", "Every reading space", "Download Excel"):
        assert words in r.text, words
    svg = base64.b64decode(re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', r.text)[3]).decode()
    assert "Culture" in svg and "Popular science" in svg
    r = await client.get("/staff/stats", params={"lang": "zh-CN"}, headers=admin)
    assert "每周签到" in r.text

    r = await client.get("/staff/stats", params={"from": "2026-12-01", "to": "2026-11-01"}, headers=admin)
    assert r.status_code == 400 and 'role="alert"' in r.text and 'id="from" name="from"' in r.text

    await create_staff("stats_dash_lib", roles=("librarian",), spaces=(h.spaces["B"],))
    await log_out(client)
    assert (await log_in(client, "stats_dash_lib", "staff-pass-1")).status_code in (302, 303)
    lib: dict[str, str] = {}
    r = await client.get("/staff/stats", params={"from": "2026-11-01", "to": "2026-11-30"}, headers=lib)
    assert r.status_code == 200
    assert re.findall(r'<tr data-space="(\d+)">', r.text) == [str(h.spaces["B"])]
    assert 'id="quiet-sites"' not in r.text and "/staff/stats/reports/" not in r.text
    r = await client.get("/staff/stats", params={"space_id": h.spaces["A"]}, headers=lib)
    assert r.status_code == 403


@pytest.mark.parametrize("rollup", ROLLUPS)
async def test_each_space_has_its_trend_line(client: httpx.AsyncClient, rollup: str) -> None:
    """Visits per week (from Monday, Beijing days) over the twelve weeks up to 30 November."""
    h = await seed_november()
    await roll(rollup)
    await create_staff("stats_trend")
    assert (await log_in(client, "stats_trend", "staff-pass-1")).status_code in (302, 303)
    page = (await client.get("/staff/stats", params={"from": "2026-11-01", "to": "2026-11-30"})).text
    trends = dict(re.findall(r'<tr data-space="(\d+)">.*?<td class="trend">(.*?)</td></tr>', page, flags=re.DOTALL))
    # A: 1 November (a Sunday, 00:10 in Beijing) in the week of 26 October; 10 November's
    # check-in and door registration and 15 November's check-in in the week of the 9th.
    assert "每周签到：0, 0, 0, 0, 0, 0, 1, 0, 3, 0, 0, 0<" in trends[str(h.spaces["A"])]
    assert '<polyline points="0.0,15.0 5.5,15.0' in trends[str(h.spaces["A"])]
    assert "每周签到：0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0<" in trends[str(h.spaces["B"])]
    assert "<svg" not in trends[str(h.spaces["C"])]  # no visit in twelve weeks: no line


async def test_the_table_sorts_by_any_column_a_page_at_a_time(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await seed_november()
    monkeypatch.setattr(space_table, "PAGE_SIZE", 2)
    await create_staff("stats_pages")
    assert (await log_in(client, "stats_pages", "staff-pass-1")).status_code in (302, 303)
    november = {"from": "2026-11-01", "to": "2026-11-30"}
    a, b, c = (str(h.spaces[k]) for k in "ABC")

    async def shown(**view: str) -> tuple[list[str], str]:
        r = await client.get("/staff/stats", params={**november, **view})
        assert r.status_code == 200, r.text
        return re.findall(r'<tr data-space="(\d+)">', r.text), r.text

    # By street and name: 东四's B (乙) and A (甲) first; the second page holds C.
    rows, page = await shown()
    assert rows == [b, a] and "共 3 个阅读空间" in page and "第 1 / 2 页" in page
    assert 'rel="next" href="?from=2026-11-01&amp;to=2026-11-30&amp;sort=street&amp;order=asc&amp;page=2' in page
    assert (await shown(page="2"))[0] == [c]
    assert (await shown(page="9"))[0] == [c]  # past the end: the last page
    assert (await shown(page="x²"))[0] == [b, a]  # not a page: the first
    # By visits, busiest first (A 4, B 1, C 0); the header says so, and its link turns it round.
    rows, page = await shown(sort="visits")
    assert rows == [a, b]
    assert re.search(r'aria-sort="descending"><a class="sort" href="[^"]*order=asc[^"]*" data-column="visits"', page)
    assert (await shown(sort="visits", order="asc"))[0] == [c, b]
    assert (await shown(sort="no_show_rate", order="desc", page="2"))[0] == [c]
    assert (await shown(sort="nonsense"))[0] == [b, a]  # an unknown column: the default
    # The filters stay with the view: one street, one page.
    rows, page = await shown(street="景山", sort="visits")
    assert rows == [c] and "第 1 / 1 页" not in page and 'rel="next"' not in page


async def test_a_city_chooses_the_street_before_the_space(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a few hundred spaces the form lists a street's spaces once the street is chosen,
    and the streets chart shows the busiest only."""
    h = await seed_november()
    monkeypatch.setattr(dashboard, "MAX_SPACE_CHOICES", 2)
    monkeypatch.setattr(dashboard, "TOP_STREETS", 1)
    await create_staff("stats_city")
    assert (await log_in(client, "stats_city", "staff-pass-1")).status_code in (302, 303)
    november = {"from": "2026-11-01", "to": "2026-11-30"}

    async def offered(**more: str) -> tuple[list[str], str]:
        page = (await client.get("/staff/stats", params={**november, **more})).text
        form = page.split('id="space_id"')[1].split("</select>")[0]
        return re.findall(r'<option value="(\d+)"', form), page

    spaces, page = await offered()
    assert spaces == [] and "先选街道再选空间" in page
    assert "签到最多的街道" in page and '<th scope="row">东四</th>' in page and '<th scope="row">景山</th>' not in page
    spaces, _page = await offered(street="东四")
    assert sorted(spaces) == sorted([str(h.spaces["A"]), str(h.spaces["B"])])
    spaces, _page = await offered(space_id=str(h.spaces["C"]))
    assert spaces == [str(h.spaces["C"])]  # the chosen one stays chosen
