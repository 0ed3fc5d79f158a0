"""The monthly reports kept: made on demand by a job with progress (POST /api/v1/stats/reports,
GET /api/v1/jobs/report-<n>), listed newest first, downloaded as they were made; district
admins only; a bad or future month is refused naming `month`; the dashboard lists them with
the form making one (district admins only)."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime
from typing import Any

import httpx
import openpyxl
import pytest

from app.jobs.queue import InProcessQueue
from app.jobs.registry import JOBS
from app.stats.services import report_runs
from tests.helpers import FrozenClock, create_staff, staff_headers
from tests.stats.history import add_check_in, add_slot, seed_november, utc
from tests.stats.test_report import pdf_text
from tests.web.forms import log_in, log_out, submit

REPORTS = "/api/v1/stats/reports"


@pytest.fixture
def queue(clock: FrozenClock) -> InProcessQueue:
    # The jobs run on the test's clock, as a worker runs on the real one.
    return InProcessQueue(JOBS, [], context={"clock": clock})


async def made(client: httpx.AsyncClient, queue: InProcessQueue, headers: dict[str, str], month: str) -> str:
    r = await client.post(REPORTS, json={"month": month}, headers=headers)
    assert r.status_code == 202, r.text
    await queue.drain()
    return str(r.json()["job_id"])


async def test_made_with_progress_listed_and_downloaded(
    client: httpx.AsyncClient, queue: InProcessQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await seed_november()
    admin = await staff_headers(client, "archive_admin")
    assert (await client.get(REPORTS, headers=admin)).json() == {"items": []}
    written: list[float] = []
    progress = report_runs._progress

    async def recording(report_id: int, attempt: int, value: float, now: datetime) -> bool:
        written.append(value)
        return await progress(report_id, attempt, value, now)

    monkeypatch.setattr(report_runs, "_progress", recording)

    r = await client.post(REPORTS, json={"month": "2026-10"}, headers=admin)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert re.fullmatch(r"report-\d+", job_id) and r.json()["month"] == "2026-10"
    r = await client.get(f"/api/v1/jobs/{job_id}", headers=admin)
    assert r.status_code == 200 and r.json()["status"] in ("queued", "running"), r.text
    seen: list[float] = []
    drained = asyncio.ensure_future(queue.drain())
    while not drained.done():
        seen.append((await client.get(f"/api/v1/jobs/{job_id}", headers=admin)).json()["progress"])
        await asyncio.sleep(0.01)
    await drained
    assert seen == sorted(seen) and all(0.0 <= p <= 1.0 for p in seen), seen
    assert written == [0.5, 0.6, 0.9]
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=admin)).json()
    assert job["status"] == "done" and job["progress"] == 1.0 and job["finished_at"], job
    assert job["result"] == {
        "month": "2026-10",
        "pdf_url": f"{REPORTS}/2026-10.pdf",
        "xlsx_url": f"{REPORTS}/2026-10.xlsx",
    }

    # November is the current month (the clock says 28 November): made as it stands so far.
    november = await made(client, queue, admin, "2026-11")
    items = (await client.get(REPORTS, headers=admin)).json()["items"]
    assert [(i["month"], i["complete"]) for i in items] == [("2026-11", False), ("2026-10", True)]
    assert items[0]["pdf_url"] == f"{REPORTS}/2026-11.pdf" and items[0]["xlsx_url"] == f"{REPORTS}/2026-11.xlsx"

    # The kept files are served as they were made: a visit added since is not in them.
    slot = await add_slot(h.spaces["A"], utc(2026, 11, 27, 1), kind="open_reading")
    await add_check_in(h.spaces["A"], slot, utc(2026, 11, 27, 2), family=h.families["F1"], children=[], people=1)
    r = await client.get(items[0]["xlsx_url"], headers=admin)
    assert r.status_code == 200 and len(r.content) == items[0]["xlsx_size"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert dict(book["全区"].iter_rows(values_only=True))["签到人次"] == 5
    r = await client.get(items[0]["pdf_url"], headers=admin)
    assert r.headers["content-type"] == "application/pdf" and len(r.content) == items[0]["pdf_size"]
    assert "家庭亲子阅读项目月报 2026年11月" in pdf_text(r.content)
    # Made again on demand: the same job id (one row a month), now with the visit.
    assert await made(client, queue, admin, "2026-11") == november
    book = openpyxl.load_workbook(io.BytesIO((await client.get(f"{REPORTS}/2026-11.xlsx", headers=admin)).content))
    assert dict(book["全区"].iter_rows(values_only=True))["签到人次"] == 6


@pytest.mark.parametrize(
    "body",
    [{"month": "2026-13"}, {"month": "2026-12"}, {"month": "november"}, {"month": "2026-1"}, {}],
)
async def test_a_bad_or_future_month_is_refused(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    admin = await staff_headers(client, "archive_bad")
    r = await client.post(REPORTS, json=body, headers=admin)
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["code"] == "invalid_input" and [f["field"] for f in problem["fields"]] == ["month"], problem


async def test_district_admins_only(client: httpx.AsyncClient) -> None:
    lib = await staff_headers(client, "archive_lib", roles=("librarian",))
    for method, body in (("GET", None), ("POST", {"month": "2026-10"})):
        r = await client.request(method, REPORTS, json=body, headers=lib)
        assert (r.status_code, r.json()["code"]) == (403, "forbidden"), method
        r = await client.request(method, REPORTS, json=body)
        assert (r.status_code, r.json()["code"]) == (401, "not_authenticated"), method
    admin = await staff_headers(client, "archive_admin2")
    job_id = (await client.post(REPORTS, json={"month": "2026-10"}, headers=admin)).json()["job_id"]
    # A librarian cannot follow a report's making either.
    assert (await client.get(f"/api/v1/jobs/{job_id}", headers=lib)).status_code == 404


async def test_the_dashboard_lists_and_makes_them(client: httpx.AsyncClient, queue: InProcessQueue) -> None:
    await seed_november()
    await create_staff("archive_dash")
    assert (await log_in(client, "archive_dash", "staff-pass-1")).status_code in (302, 303)
    page = (await client.get("/staff/stats")).text
    assert 'id="reports"' in page and "还没有生成过月报。" in page
    assert 'name="month" value="2026-10"' in page and 'max="2026-11"' in page

    r = await submit(client, "/staff/stats/reports", {"month": "2026-13"}, page="/staff/stats")
    assert r.status_code == 400 and "月份格式应为 YYYY-MM，例如 2026-11" in r.text
    assert re.search(r'id="report-month" name="month" value="2026-13"[^>]*aria-invalid="true"', r.text)
    r = await submit(client, "/staff/stats/reports", {"month": "2026-12"}, page="/staff/stats")
    assert r.status_code == 400 and "这个月还没有开始，不能生成月报" in r.text

    r = await submit(client, "/staff/stats/reports", {"month": "2026-10"}, page="/staff/stats")
    assert r.status_code == 303 and r.headers["location"] == "/staff/stats#reports"
    job = re.search(r'data-url="(/staff/jobs/report-\d+\.json)"', (await client.get("/staff/stats")).text)
    assert job is not None
    await queue.drain()
    status = (await client.get(job.group(1))).json()
    assert status["status"] == "done" and status["result"]["pdf_url"] == "/staff/stats/reports/2026-10.pdf"
    page = (await client.get("/staff/stats", params={"lang": "en"})).text
    assert 'data-url="/staff/jobs/report-' not in page and "Monthly reports" in page
    row = re.search(r'<tr data-month="2026-10">.*?</tr>', page, re.S)
    assert row is not None and 'href="/staff/stats/reports/2026-10.pdf"' in row.group(0)
    assert 'href="/staff/stats/reports/2026-10.xlsx"' in row.group(0)
    r = await client.get("/staff/stats/reports/2026-10.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")

    await log_out(client)
    await create_staff("archive_dash_lib", roles=("librarian",))
    assert (await log_in(client, "archive_dash_lib", "staff-pass-1")).status_code in (302, 303)
    assert 'id="reports"' not in (await client.get("/staff/stats")).text
    r = await submit(client, "/staff/stats/reports", {"month": "2026-10"}, page="/staff/stats")
    assert r.status_code == 403
