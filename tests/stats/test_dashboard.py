"""The dashboard page: headline figures against the previous period, the charts (SVG images
with a data table each), every space in a sortable table, the quiet sites, the filters and
the Excel download; librarians see their own spaces; a bad filter is said on the page."""

from __future__ import annotations

import base64
import io
import re

import httpx
import openpyxl

from tests.helpers import create_staff
from tests.stats.history import seed_november
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
