"""Static files (issue 15, item 14): pages link content-hashed names; a hashed name is cached
for a year (`immutable`) and sent brotli- or gzip-compressed when the browser accepts it; a
changed file gets a new name; jsQR is served minified (and compressed), not 257 KB raw."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import brotli
import httpx
import rjsmin

from app.web.app import STATIC_DIR
from app.web.static import IMMUTABLE, StaticFiles
from tests.helpers import create_staff
from tests.web.forms import log_in

HASHED_CSS = re.compile(r'href="/static/site\.([0-9a-f]{8})\.css"')
JSQR_HEADER = "/*! jsQR (Apache-2.0, see jsQR.LICENSE.txt), minified from jsQR.js with rjsmin */\n"


async def raw_get(client: httpx.AsyncClient, url: str, **headers: str) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent on the wire (not decompressed)."""
    async with client.stream("GET", url, headers=headers) as r:
        body = b"".join([chunk async for chunk in r.aiter_raw()])
    return r, body


async def test_pages_link_hashed_names_cached_for_a_year_and_compressed(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    match = HASHED_CSS.search(r.text)
    assert match, "the page links site.css by its plain name"
    url = match.group(0)[6:-1]
    css = (STATIC_DIR / "site.css").read_bytes()

    r, body = await raw_get(client, url, **{"Accept-Encoding": "gzip, deflate"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable" == IMMUTABLE
    assert r.headers["content-encoding"] == "gzip" and "accept-encoding" in r.headers["vary"].lower()
    assert gzip.decompress(body) == css and len(body) < len(css) / 2
    assert "set-cookie" not in r.headers, "a publicly cached file must not set a cookie"

    r, body = await raw_get(client, url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert r.headers["content-encoding"] == "br" and brotli.decompress(body) == css
    r, body = await raw_get(client, url, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in r.headers and body == css
    r, body = await raw_get(client, url, **{"Accept-Encoding": "br;q=0, gzip"})
    assert r.headers["content-encoding"] == "gzip"

    # Revalidation, HEAD, the plain name (briefly cached), an old hash (not immutable).
    etag = r.headers["etag"]
    r = await client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert r.status_code == 304 and not r.content
    r = await client.head(url)
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE and not r.content
    r = await client.get("/static/site.css")
    assert r.status_code == 200 and "immutable" not in r.headers["cache-control"]
    assert r.content == css
    r = await client.get("/static/site.00000000.css")
    assert r.status_code == 200 and "immutable" not in r.headers["cache-control"]
    for missing in ("/static/nope.3f9a1c2b.js", "/static/../settings.py", "/static/%2e%2e/settings.py"):
        assert (await client.get(missing)).status_code == 404, missing


async def test_scanner_pages_load_jsqr_minified_and_compressed(client: httpx.AsyncClient) -> None:
    await create_staff("static-admin")
    await log_in(client, "static-admin", "staff-pass-1")
    r = await client.get("/staff/desk")
    assert r.status_code == 200
    scripts = re.findall(r'<script src="(/static/[^"]+)"', r.text)
    assert any(re.fullmatch(r"/static/vendor/jsQR\.min\.[0-9a-f]{8}\.js", s) for s in scripts), scripts
    assert any(re.fullmatch(r"/static/lending\.[0-9a-f]{8}\.js", s) for s in scripts), scripts
    (jsqr,) = [s for s in scripts if "jsQR" in s]
    r, body = await raw_get(client, jsqr, **{"Accept-Encoding": "gzip, deflate, br"})
    assert r.headers["cache-control"] == IMMUTABLE and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["content-encoding"] == "br" and len(body) < 40_000, len(body)
    r, body = await raw_get(client, jsqr, **{"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and len(body) < 60_000, len(body)


def minified_jsqr() -> str:
    """vendor/jsQR.js minified (rjsmin keeps the code, drops comments and blank space)."""
    source = (STATIC_DIR / "vendor" / "jsQR.js").read_text(encoding="utf-8")
    return JSQR_HEADER + rjsmin.jsmin(source) + "\n"


def test_the_minified_jsqr_is_the_vendored_source_minified() -> None:
    """vendor/jsQR.min.js is rjsmin's output of vendor/jsQR.js; when jsQR is updated,
    regenerate it with `.venv/bin/python -m tests.web.test_static`."""
    expected = minified_jsqr()
    assert (STATIC_DIR / "vendor" / "jsQR.min.js").read_text(encoding="utf-8") == expected, (
        "vendor/jsQR.min.js is stale: run .venv/bin/python -m tests.web.test_static"
    )
    assert len(expected) < 0.7 * (STATIC_DIR / "vendor" / "jsQR.js").stat().st_size


def test_a_changed_file_gets_a_new_name(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    script = tmp_path / "vendor" / "scan.js"
    script.write_text("console.log('one');\n")
    files = StaticFiles(tmp_path)
    first = files.url("vendor/scan.js")
    assert re.fullmatch(r"/static/vendor/scan\.[0-9a-f]{8}\.js", first)
    assert files.url("vendor/scan.js") == first, "the same file keeps its name"
    found = files.find(first.removeprefix("/static/"))
    assert found is not None and found[1] is True

    script.write_text("console.log('two');\n")
    os.utime(script, ns=(1, 2))  # a new modification time, whatever the clock's resolution
    second = files.url("vendor/scan.js")
    assert second != first
    old = files.find(first.removeprefix("/static/"))
    assert old is not None and old[1] is False, "an old name is no longer cached for a year"
    assert old[0].body == b"console.log('two');\n"


if __name__ == "__main__":
    (STATIC_DIR / "vendor" / "jsQR.min.js").write_text(minified_jsqr(), encoding="utf-8")
