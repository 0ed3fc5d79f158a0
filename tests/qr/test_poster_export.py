"""One PDF with the corner posters of some spaces or of every space: a job with progress for
district admins (POST /api/v1/poster-exports, GET /api/v1/jobs/posters-<n>,
GET /api/v1/poster-exports/<n>.pdf) and its form on the staff page."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import httpx
import pytest

from qr.services import tokens
from qr.tokens import Purpose
from spaces.services import poster_exports, poster_specs
from spaces.tables import PosterExport
from tests.helpers import FrozenClock, create_staff, register_family, staff_headers
from tests.qr.conftest import add_corner, decode_one, make_space, token_of
from tests.qr.test_codes import assert_quiet_zone, pdf_pages_as_png
from tests.web.forms import log_in, submit
from tests.web.msgids import CJK

EXPORTS = "/api/v1/poster-exports"


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> dict[str, str]:
    return await staff_headers(client, "posteradmin")


@pytest.fixture
async def corners(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[int, list[int]]:
    """Three spaces with one, two and three corners, and one space without any: space id →
    its corner ids (in page order: by space, then by corner)."""
    found: dict[int, list[int]] = {}
    for index, names in enumerate([["绘本架"], ["亲子共读区", "科普角"], ["绘本架", "安全角", "志愿者服务台"], []]):
        space = await make_space(client, admin, name=f"海报测试空间{index + 1}")
        found[space["id"]] = [await add_corner(client, space, name) for name in names]
    return found


async def run_export(client: httpx.AsyncClient, headers: dict[str, str], queue: Any, body: dict[str, Any]) -> str:
    r = await client.post(EXPORTS, json=body, headers=headers)
    assert r.status_code == 202, r.text
    job_id = str(r.json()["job_id"])
    assert re.fullmatch(r"posters-\d+", job_id), job_id
    await queue.drain()
    return job_id


async def assert_pages(pdf: bytes, corner_ids: list[int], settings: Any, clock: FrozenClock) -> None:
    """One page per corner, in order, each with one QR code of exactly <base_url>/q/<token>
    whose token is the corner's current one."""
    pages = pdf_pages_as_png(pdf)
    assert len(pages) == len(corner_ids), "one page per corner"
    for page, corner_id in zip(pages, corner_ids, strict=True):
        found = decode_one(page)
        assert found.ec_level == "Q"
        assert_quiet_zone(page, found)
        token = token_of(found.text, settings.base_url)
        assert found.text == f"{settings.base_url}/q/{token}"
        claims = await tokens.verify(token, purposes=(Purpose.corner,), now=clock.now())
        assert claims.subject == corner_id
        assert token == await tokens.issue(Purpose.corner, corner_id, now=clock.now()), "the corner's current token"


async def test_every_space_as_one_pdf_with_progress(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    queue: Any,
    settings: Any,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(poster_exports, "BATCH", 2)
    written: list[tuple[float, float]] = []  # (value written, value read back from the table)
    write = poster_exports._progress

    async def recording(export_id: int, attempt: int, value: float, now: datetime) -> bool:
        ok = await write(export_id, attempt, value, now)
        row = (
            await PosterExport.select(PosterExport.progress, PosterExport.status)
            .where(PosterExport.id == export_id)
            .first()
        )
        assert row is not None and row["status"] == "running"
        written.append((value, row["progress"]))
        return ok

    monkeypatch.setattr(poster_exports, "_progress", recording)

    r = await client.post(EXPORTS, json={}, headers=admin)
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    number = int(job_id.removeprefix("posters-"))
    r = await client.get(f"/api/v1/jobs/{job_id}", headers=admin)
    assert r.status_code == 200 and r.json()["status"] in ("queued", "running"), r.text
    r = await client.get(f"{EXPORTS}/{number}.pdf", headers=admin)
    assert r.status_code == 404, "no PDF before the job is done"

    # The event loop stays free while pages are drawn: the status answers all along.
    seen: list[float] = []
    drained = asyncio.ensure_future(queue.drain())
    while not drained.done():
        status = (await client.get(f"/api/v1/jobs/{job_id}", headers=admin)).json()
        seen.append(status["progress"])
        await asyncio.sleep(0.02)
    await drained
    assert seen == sorted(seen) and all(0.0 <= p <= 1.0 for p in seen), seen

    # Six pages in batches of two: the progress was written after each batch, below 1.
    assert [w for w, _ in written] == [round(n / 7, 4) for n in (2, 4, 6)], written
    assert all(w == stored for w, stored in written), written

    r = await client.get(f"/api/v1/jobs/{job_id}", headers=admin)
    job = r.json()
    assert job["status"] == "done" and job["progress"] == 1.0, job
    assert job["result"] == {"pages": 6, "pdf_url": f"{EXPORTS}/{number}.pdf"}
    assert job["finished_at"] is not None

    r = await client.get(f"{EXPORTS}/{number}.pdf", headers=admin)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="corner-posters-{number}.pdf"'
    await assert_pages(r.content, [c for ids in corners.values() for c in ids], settings, clock)


async def test_listed_spaces_and_refusals(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    queue: Any,
    settings: Any,
    clock: FrozenClock,
) -> None:
    first, second, third, empty = corners
    job_id = await run_export(client, admin, queue, {"space_ids": [third, first, third]})
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=admin)).json()
    assert job["status"] == "done" and job["result"]["pages"] == 4, job
    r = await client.get(job["result"]["pdf_url"], headers=admin)
    await assert_pages(r.content, corners[first] + corners[third], settings, clock)

    r = await client.post(EXPORTS, json={"space_ids": [empty]}, headers=admin)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no_corners"
    assert r.headers["content-type"].startswith("application/problem+json")

    r = await client.post(EXPORTS, json={"space_ids": [second, 999999]}, headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "space_not_found", r.text
    assert r.json()["space_ids"] == [999999]

    for body in ({"space_ids": []}, {"space_ids": [0]}, {"space_ids": "all"}, {"spaces": [1]}, [1, 2]):
        r = await client.post(EXPORTS, json=body, headers=admin)
        assert r.status_code == 400 and r.json()["code"] == "invalid_input", (body, r.text)
    assert await PosterExport.count() == 1, "a refused export leaves nothing behind"

    for name in ("1", "1.png", "x.pdf", "99999999999.pdf", "999.pdf"):
        r = await client.get(f"{EXPORTS}/{name}", headers=admin)
        assert r.status_code == 404, (name, r.text)


async def test_no_corners_at_all_is_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await make_space(client, admin)
    r = await client.post(EXPORTS, json={}, headers=admin)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no_corners"
    assert r.json()["detail"] == "所选的空间还没有阅读角，没有可以打印的海报"


async def test_only_district_admins_and_only_their_own(
    client: httpx.AsyncClient, admin: dict[str, str], corners: dict[int, list[int]], queue: Any
) -> None:
    job_id = await run_export(client, admin, queue, {})
    number = job_id.removeprefix("posters-")
    space_id = next(iter(corners))

    family = await register_family(client)
    librarian = await staff_headers(client, "posterlib", roles=("librarian",), spaces=(space_id,))
    volunteer = await staff_headers(client, "postervol", roles=("volunteer",), spaces=(space_id,))
    for headers in (family["headers"], librarian, volunteer):
        r = await client.post(EXPORTS, json={"space_ids": [space_id]}, headers=headers)
        assert r.status_code == 403, r.text
        r = await client.get(f"{EXPORTS}/{number}.pdf", headers=headers)
        assert r.status_code == 403, r.text
        r = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        assert r.status_code == 404, r.text
    r = await client.post(EXPORTS, json={})
    assert r.status_code == 401

    other = await staff_headers(client, "posteradmin2")
    r = await client.get(f"/api/v1/jobs/{job_id}", headers=other)
    assert r.status_code == 404, r.text
    r = await client.get(f"{EXPORTS}/{number}.pdf", headers=other)
    assert r.status_code == 404, r.text
    r = await client.get(f"{EXPORTS}/{number}.pdf", headers=admin)
    assert r.status_code == 200


async def test_runs_at_least_once(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    queue: Any,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job_id = await run_export(client, admin, queue, {})
    number = int(job_id.removeprefix("posters-"))
    done = await PosterExport.select(PosterExport.pdf, PosterExport.attempt).where(PosterExport.id == number).first()
    assert done is not None and done["attempt"] == 1

    # A second delivery of a finished export does nothing.
    assert (await poster_exports.run_export(number, clock=clock)).status == "done"
    again = await PosterExport.select(PosterExport.pdf, PosterExport.attempt).where(PosterExport.id == number).first()
    assert again == done

    # Left running by a dead worker: a rerun starts again from the first page and finishes.
    await PosterExport.update({PosterExport.status: "running", PosterExport.progress: 0.5}).where(
        PosterExport.id == number
    )
    assert (await poster_exports.run_export(number, clock=clock)).status == "done"
    row = await poster_exports.export_status(number, None)
    assert row is not None and row.status == "done" and row.progress == 1.0 and row.pages == 6

    # A run overtaken by a newer one (same export enqueued again) stops at its next batch.
    await PosterExport.update({PosterExport.status: "queued"}).where(PosterExport.id == number)
    write = poster_exports._progress

    async def overtaken(export_id: int, attempt: int, value: float, now: datetime) -> bool:
        await PosterExport.update({PosterExport.attempt: attempt + 1}).where(PosterExport.id == export_id)
        return await write(export_id, attempt, value, now)

    monkeypatch.setattr(poster_exports, "_progress", overtaken)
    assert (await poster_exports.run_export(number, clock=clock)).status == "superseded"
    row = await poster_exports.export_status(number, None)
    assert row is not None and row.status == "running", "left to the newer run"


async def test_asking_twice_and_old_pdfs(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    queue: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A double click gives the same job back while it is queued or running; each PDF is tens
    of megabytes, so only a user's newest few finished exports are kept."""
    first = next(iter(corners))
    one = (await client.post(EXPORTS, json={}, headers=admin)).json()["job_id"]
    again = (await client.post(EXPORTS, json={}, headers=admin)).json()["job_id"]
    listed = (await client.post(EXPORTS, json={"space_ids": [first]}, headers=admin)).json()["job_id"]
    assert again == one and listed != one
    await queue.drain()
    assert (await client.post(EXPORTS, json={}, headers=admin)).json()["job_id"] not in (one, listed)
    await queue.drain()

    monkeypatch.setattr(poster_specs, "KEEP", 2)
    newest = await run_export(client, admin, queue, {"space_ids": [first]})
    ids = sorted(r["id"] for r in await PosterExport.select(PosterExport.id))
    assert len(ids) == 3 and f"posters-{ids[-1]}" == newest, ids  # two finished ones and the new one
    r = await client.get(f"/api/v1/jobs/{one}", headers=admin)
    assert r.status_code == 404, "the oldest was dropped"


async def test_an_interrupted_run_is_failed_and_a_redelivery_resumes_it(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    settings: Any,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cancelled midway (a worker shutting down, a job timeout): failed as `interrupted`, never
    left running; the job delivered again starts it over and finishes it."""
    monkeypatch.setattr(poster_exports, "BATCH", 1)
    started = asyncio.Event()
    write = poster_exports._progress

    async def signalling(export_id: int, attempt: int, value: float, now: datetime) -> bool:
        started.set()
        return await write(export_id, attempt, value, now)

    monkeypatch.setattr(poster_exports, "_progress", signalling)
    export_id = await poster_specs.start_export(user_id=1, space_ids=None, base_url=settings.base_url, clock=clock)
    task = asyncio.ensure_future(poster_exports.run_export(export_id, clock=clock))
    await asyncio.wait_for(started.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    row = await poster_exports.export_status(export_id, None)
    assert row is not None and row.status == "failed" and row.error == poster_exports.INTERRUPTED, row

    assert (await poster_exports.run_export(export_id, clock=clock)).status == "done"
    row = await poster_exports.export_status(export_id, None)
    assert row is not None and row.status == "done" and row.error == "" and row.pages == 6


async def test_a_failure_is_reported_never_left_running(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    corners: dict[int, list[int]],
    queue: Any,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qr import posters

    drawn: list[str] = []
    draw = posters.poster_image

    def flaky(poster: posters.Poster) -> Any:
        drawn.append(poster.corner_name)
        if len(drawn) == 4:
            raise OSError("disk on fire")
        return draw(poster)

    monkeypatch.setattr(posters, "poster_image", flaky)  # the module itself: services read it lazily
    job_id = await run_export(client, admin, queue, {})
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=admin)).json()
    assert job["status"] == "failed", job
    assert job["result"] == {"error": "OSError: disk on fire"}
    assert job["finished_at"] is not None
    number = int(job_id.removeprefix("posters-"))
    r = await client.get(f"{EXPORTS}/{number}.pdf", headers=admin)
    assert r.status_code == 404
    # A failed export stays failed when the job is delivered again.
    assert (await poster_exports.run_export(number, clock=clock)).status == "failed"


async def test_the_staff_page_starts_it_and_offers_the_download(
    app: Any, corners: dict[int, list[int]], queue: Any, settings: Any, clock: FrozenClock
) -> None:
    await create_staff("posterpage")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        r = await log_in(browser, "posterpage", "staff-pass-1")
        assert r.status_code in (302, 303), r.text
        page = await browser.get("/staff")
        assert page.status_code == 200
        assert "生成全部空间海报（PDF）" in page.text
        assert 'action="/staff/poster-exports"' in page.text
        assert "posters.pdf" not in page.text

        r = await submit(browser, "/staff/poster-exports", {}, page="/staff")
        assert r.status_code == 303 and r.headers["location"] == "/staff#posters", r.text
        page = await browser.get("/staff")
        number = re.search(r'data-url="/staff/jobs/posters-(\d+)\.json"', page.text)
        assert number is not None, page.text
        status = await browser.get(f"/staff/jobs/posters-{number[1]}.json")
        assert status.status_code == 200 and status.json()["status"] in ("queued", "running")

        await queue.drain()
        status = await browser.get(f"/staff/jobs/posters-{number[1]}.json")
        assert {k: status.json()[k] for k in ("job_id", "status", "progress")} == {
            "job_id": f"posters-{number[1]}",
            "status": "done",
            "progress": 1.0,
        }
        assert status.json()["result"] == {"pages": 6, "pdf_url": f"/staff/poster-exports/{number[1]}/posters.pdf"}
        page = await browser.get("/staff")
        link = f"/staff/poster-exports/{number[1]}/posters.pdf"
        assert f'href="{link}"' in page.text and "下载海报 PDF（6 页）" in page.text, page.text
        r = await browser.get(link)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].startswith("attachment;")
        await assert_pages(r.content, [c for ids in corners.values() for c in ids], settings, clock)

        r = await browser.get(f"{EXPORTS}/{number[1]}.pdf")
        assert r.status_code == 401, "the JSON API takes no session cookie"

        page = await browser.get("/staff?lang=en")
        section = page.text[page.text.index('<section aria-labelledby="posters"') :]
        section = section[: section.index("</section>")]
        assert "Make posters for all spaces (PDF)" in section and "Download the posters PDF (6 pages)" in section
        assert not CJK.search(section), CJK.findall(section)

    await create_staff("posterlib2", roles=("librarian",), spaces=tuple(corners))
    await create_staff("posterpage2")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await log_in(other, "posterlib2", "staff-pass-1")
        page = await other.get("/staff")
        assert page.status_code == 200 and "生成全部空间海报" not in page.text
        r = await other.get(link)
        assert r.status_code == 403

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as other:
        await log_in(other, "posterpage2", "staff-pass-1")
        r = await other.get(link)
        assert r.status_code == 404
        r = await other.get(f"/staff/jobs/posters-{number[1]}.json")
        assert r.status_code == 404


async def test_the_staff_page_says_when_there_is_nothing_to_print(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await make_space(client, admin)
    await create_staff("posterpage3")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        await log_in(browser, "posterpage3", "staff-pass-1")
        r = await submit(browser, "/staff/poster-exports", {}, page="/staff")
        assert r.status_code == 303 and r.headers["location"] == "/staff?posters=no_corners#posters"
        page = await browser.get(r.headers["location"])
        assert "所选的空间还没有阅读角，没有可以打印的海报" in page.text
        assert 'id="job"' not in page.text
