"""`/sw.js`: the corner's service worker (app/static/sw.js), at the site's root so it may
control the staff pages under /staff/ (a worker controls only paths under its script's
folder). The scanning pages register it (app/static/corner-queue.js) so they open and reload
without a network, while their scans wait in the browser's queue.

Served from the static files (compressed, with an ETag) but never under a hashed name and
never cached long: a browser checks its worker on every visit and must see a new one at
once.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler

from app.accounts.roles import PUBLIC
from app.web.static import StaticFiles

WORKER = "sw.js"


def service_worker_handler(files: StaticFiles) -> HTTPRouteHandler:
    @get("/sw.js", opt=PUBLIC, include_in_schema=False, name="service-worker")
    async def service_worker(request: Request[Any, Any, Any]) -> Response[bytes]:
        asset = files.asset(WORKER)
        if asset is None:
            raise NotFoundException()
        body, coding = asset.body_for(request.headers.get("accept-encoding", ""))
        etag = f'"{asset.digest}{"-" + coding if coding else ""}"'
        headers = {"Cache-Control": "no-cache", "ETag": etag, "Vary": "Accept-Encoding", "Service-Worker-Allowed": "/"}
        if coding:
            headers["Content-Encoding"] = coding
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, media_type=asset.media_type, headers=headers)
        return Response(body, status_code=200, media_type=asset.media_type, headers=headers)

    return service_worker
