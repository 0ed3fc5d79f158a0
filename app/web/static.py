"""Static files: content-hashed names, compressed answers, long-lived caching.

Templates link a file through the `static_url()` Jinja global: `static_url("scan.js")` gives
`/static/scan.3f9a1c2b.js`, the first 8 hex digits of the file's SHA-256. A hashed name never
changes meaning, so it is cached for a year (`immutable`); a changed file gets a new name, and
pages link the new one at once (a file's hash is recomputed when its size or time changes).
The plain name (`/static/scan.js`) still answers, cached briefly, for whatever links it.

Text files are sent brotli- or gzip-compressed when the browser accepts it (each encoding
made once per file version, on first request), with `Vary: Accept-Encoding`; an `ETag`
answers a revalidation with 304.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
from litestar import Request, Response, get, head
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from app.accounts.roles import PUBLIC

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<ext>\.[A-Za-z0-9]+)$")
COMPRESSIBLE = {".css", ".js", ".svg", ".txt", ".json", ".map"}
ENCODERS = {
    "br": lambda body: bytes(brotli.compress(body, quality=11)),
    "gzip": lambda body: gzip.compress(body, compresslevel=9, mtime=0),
}


@dataclass(slots=True)
class Asset:
    """One version of one static file."""

    name: str  # relative to the static root, e.g. "vendor/jsQR.min.js"
    body: bytes
    digest: str  # first 8 hex digits of its SHA-256
    stamp: tuple[int, int]  # (mtime_ns, size) it was read at
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def hashed_name(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return f"{stem}.{self.digest}.{ext}" if dot and "/" not in ext else f"{self.name}.{self.digest}"

    @property
    def media_type(self) -> str:
        kind = mimetypes.guess_type(self.name)[0] or "application/octet-stream"
        return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else kind

    def body_for(self, accept_encoding: str) -> tuple[bytes, str | None]:
        """The body in the best encoding the browser accepts (br, then gzip), if it saves."""
        if Path(self.name).suffix not in COMPRESSIBLE:
            return self.body, None
        accepted = accepted_codings(accept_encoding)
        for coding in ("br", "gzip"):
            if coding in accepted:
                if coding not in self.encoded:
                    self.encoded[coding] = ENCODERS[coding](self.body)
                if len(self.encoded[coding]) < len(self.body):
                    return self.encoded[coding], coding
        return self.body, None


def accepted_codings(header: str) -> set[str]:
    """The content codings an `Accept-Encoding` header accepts (q=0 refuses one)."""
    out = set()
    for part in header.lower().split(","):
        coding, _sep, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            weight = float(q)
        except ValueError:
            weight = 0.0
        if coding and weight > 0:
            out.add(coding.strip())
    return out


class StaticFiles:
    """The files under `root`, by name, each with its current hash."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._assets: dict[str, Asset] = {}

    def asset(self, name: str) -> Asset | None:
        """The file's current version (re-read when its size or time changed), None if absent."""
        path = (self.root / name.lstrip("/")).resolve()
        if self.root not in path.parents or not path.is_file():
            return None
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._assets.get(name)
        if known is not None and known.stamp == stamp:
            return known
        body = path.read_bytes()
        asset = Asset(name, body, hashlib.sha256(body).hexdigest()[:8], stamp)
        self._assets[name] = asset
        return asset

    def url(self, name: str) -> str:
        """`/static/<hashed name>`; a missing file is a mistake in a template."""
        asset = self.asset(name)
        if asset is None:
            raise FileNotFoundError(f"no static file {name!r} in {self.root}")
        return f"/static/{asset.hashed_name}"

    def find(self, requested: str) -> tuple[Asset, bool] | None:
        """The file a URL names, and whether the name was its current hashed one (immutable)."""
        requested = requested.lstrip("/")
        plain = self.asset(requested)
        if plain is not None:
            return plain, False
        match = HASHED.match(requested)
        if match is None:
            return None
        asset = self.asset(match["stem"] + match["ext"])
        if asset is None:
            return None
        return asset, asset.digest == match["digest"]  # an old hash: today's file, not for a year


def static_handlers(files: StaticFiles) -> list[HTTPRouteHandler]:
    """GET and HEAD of `/static/<name>` for everyone."""

    def answer(request: Request[Any, Any, Any], path: str) -> tuple[Asset, dict[str, str], bytes, int]:
        found = files.find(path)
        if found is None:
            raise NotFoundException()
        asset, immutable = found
        body, coding = asset.body_for(request.headers.get("accept-encoding", ""))
        etag = f'"{asset.digest}{"-" + coding if coding else ""}"'
        headers = {"Cache-Control": IMMUTABLE if immutable else SHORT, "ETag": etag}
        if Path(asset.name).suffix in COMPRESSIBLE:
            headers["Vary"] = "Accept-Encoding"
        if coding:
            headers["Content-Encoding"] = coding
        status = 304 if etag in request.headers.get("if-none-match", "") else 200
        return asset, headers, body, status

    @get("/static/{path:path}", opt=PUBLIC, include_in_schema=False, name="static")
    async def static_get(request: Request[Any, Any, Any], path: FromPath[str]) -> Response[bytes]:
        asset, headers, body, status = answer(request, path)
        return Response(
            b"" if status == 304 else body, status_code=status, media_type=asset.media_type, headers=headers
        )

    @head("/static/{path:path}", opt=PUBLIC, include_in_schema=False, name="static-head")
    async def static_head(request: Request[Any, Any, Any], path: FromPath[str]) -> Response[None]:
        asset, headers, _body, status = answer(request, path)
        return Response(None, status_code=status, media_type=asset.media_type, headers=headers)

    return [static_get, static_head]
