"""The corner's offline pieces over HTTP (issue 14, point 8): `/sw.js` may control /staff/,
is never cached long and obeys the page policy; the scanning pages (staff scanning, the desk,
a stocktake) show the sync state and load the durable queue, by hashed names, before their
own scanning script. The browser test (tests/e2e/test_offline_corner_browser.py) takes the
network away."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import httpx

from app.web.app import STATIC_DIR
from app.web.security import PAGE_POLICY
from reading.programme.services.session_form import local_input
from tests.helpers import FrozenClock, create_staff, staff_headers
from tests.qr.conftest import make_space
from tests.web.forms import csrf_token, log_in


async def test_the_service_worker_is_served_from_the_root_never_cached_long(client: httpx.AsyncClient) -> None:
    source = (STATIC_DIR / "sw.js").read_bytes()
    r = await client.get("/sw.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.content == source
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-security-policy"] == PAGE_POLICY, "a worker obeys the pages' policy"

    async with client.stream("GET", "/sw.js", headers={"Accept-Encoding": "gzip"}) as raw:
        body = b"".join([chunk async for chunk in raw.aiter_raw()])
    assert raw.headers["content-encoding"] == "gzip" and gzip.decompress(body) == source
    r = await client.get("/sw.js", headers={"Accept-Encoding": "gzip", "If-None-Match": raw.headers["etag"]})
    assert r.status_code == 304 and not r.content


async def test_scanning_pages_load_the_durable_queue_before_their_script(client: httpx.AsyncClient) -> None:
    await create_staff("offline-admin")
    await log_in(client, "offline-admin", "staff-pass-1")
    r = await client.post("/api/v1/auth/tokens", json={"login": "offline-admin", "password": "staff-pass-1"})
    admin = {"Authorization": f"Bearer {r.json()['token']}"}
    r = await client.post(
        "/api/v1/spaces",
        json={
            "name": "福祥十平米阅读空间",
            "kind": "ten_square",
            "street": "交道口",
            "address": "东城区交道口街道福祥社区",
            "capacity": 12,
            "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/spaces/{r.json()['id']}/stocktakes", headers=admin)
    assert r.status_code == 201, r.text
    pages = {"/staff/scan": "scan", "/staff/desk": "lending", f"/staff/stocktakes/{r.json()['id']}": "lending"}
    for path, own in pages.items():
        r = await client.get(path)
        assert r.status_code == 200, path
        assert 'id="sync-status"' in r.text, path
        scripts = re.findall(r'<script src="/static/([^"]+)"', r.text)
        names = [re.sub(r"\.[0-9a-f]{8}\.js$", ".js", s) for s in scripts]
        assert all(re.search(r"\.[0-9a-f]{8}\.js$", s) for s in scripts), scripts
        assert names.index("corner-queue.js") < names.index(f"{own}.js"), (path, names)
        assert 'data-waiting="待同步 {n} 条"' in r.text and 'data-synced="已同步"' in r.text


async def test_a_session_form_from_the_queue_is_answered_in_json_and_recorded_once(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """The queue posts the session form as JSON (the CSRF header, the volunteer's session):
    the answer is JSON, the queue's key is the form's client_key, so the same save again
    answers the first session; a refusal is 200 with `ok: false` (the queue moves on); without
    the CSRF header nothing is recorded."""
    admin = await staff_headers(client, "offline-session-admin")
    space = await make_space(client, admin)
    await create_staff("offline-session-vol", roles=("volunteer",), spaces=(space["id"],))
    await log_in(client, "offline-session-vol", "staff-pass-1")
    r = await client.get("/staff/sessions/new")
    assert r.status_code == 200
    scripts = re.findall(r'<script src="/static/([^"]+)"', r.text)
    names = [re.sub(r"\.[0-9a-f]{8}\.js$", ".js", s) for s in scripts]
    assert names.index("corner-queue.js") < names.index("session-draft.js"), names
    assert 'id="sync-status"' in r.text and 'id="session-queue"' in r.text
    token = await csrf_token(client, "/staff/sessions/new")
    key = "0b5c1c1e-5f0e-4a43-9a57-1d1b2c3d4e5f"
    body = {
        "space_id": str(space["id"]),
        "slot_id": "",
        "started_at": local_input(clock.now() - timedelta(hours=1)),
        "minutes": "30",
        "adults": "1",
        "children": "2",
        "theme": "小猪",
        "notes": "",
        "isbns": "9787533259662",
        "lead_reader_id": [],
        "book_id": [],
        "client_key": key,
        "nonce": key,
    }
    headers = {"x-csrftoken": token, "Accept": "application/json", "Idempotency-Key": key}

    first = await client.post("/staff/sessions", json=body, headers=headers)
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    saved = first.json()
    assert saved["ok"] is True and saved["message"] == "阅读活动已记录。"
    assert saved["href"].startswith(f"/staff/sessions?space={space['id']}&") and f"key={key}" in saved["href"]
    again = await client.post("/staff/sessions", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == saved["id"]
    r = await client.get("/api/v1/reading-sessions", headers=admin)
    assert [(s["id"], s["minutes"], s["theme"]) for s in r.json()["items"]] == [(saved["id"], 30, "小猪")]

    other = "7d1f0a52-2b8e-4c5b-8a51-3e2f1a0b9c8d"
    refused = await client.post(
        "/staff/sessions", json={**body, "minutes": "0", "client_key": other, "nonce": other}, headers=headers
    )
    assert refused.status_code == 200
    assert refused.json()["ok"] is False and refused.json()["code"] == "invalid_input" and refused.json()["message"]
    no_csrf = await client.post(
        "/staff/sessions", json={**body, "client_key": other}, headers={"Accept": "application/json"}
    )
    assert no_csrf.status_code == 403
    garbled = "5a6b7c8d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"
    not_an_object = await client.post("/staff/sessions", json=[body], headers={**headers, "Idempotency-Key": garbled})
    assert not_an_object.status_code == 200, not_an_object.text
    assert not_an_object.json()["ok"] is False and not_an_object.json()["code"] == "invalid_input"
    r = await client.get("/api/v1/reading-sessions", headers=admin)
    assert len(r.json()["items"]) == 1
