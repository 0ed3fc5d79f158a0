"""The corner's offline pieces over HTTP (issue 14, point 8): `/sw.js` may control /staff/,
is never cached long and obeys the page policy; the scanning pages (staff scanning, the desk,
a stocktake) show the sync state and load the durable queue, by hashed names, before their
own scanning script. The browser test (tests/e2e/test_offline_corner_browser.py) takes the
network away."""

from __future__ import annotations

import gzip
import re

import httpx

from app.web.app import STATIC_DIR
from app.web.security import PAGE_POLICY
from tests.helpers import create_staff
from tests.web.forms import log_in


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
