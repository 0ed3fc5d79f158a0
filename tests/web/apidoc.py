"""docs/api.md, written from the app itself: every JSON operation with who may call it (the
same access declaration the guard enforces), what it does (the handler's docstring) and the
error codes of the API. `python -m tests.web.apidoc` rewrites it; a test fails while it is
out of date, so the reference cannot drift from the code."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"

HEADER = """# The JSON API (v1)

Generated from the application by `python -m tests.web.apidoc` (a test fails when this file is
out of date). The OpenAPI 3.1 document is served at `/schema/openapi.json` and browsable at
`/schema`.

## Conventions

- Everything is under `/api/v1`; times are ISO 8601 with offset, in the service's time zone.
- Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/tokens`. Pages use a
  session cookie and CSRF instead; the API never accepts the cookie.
- Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`:
  `{"type", "status", "code", "title", "detail"}`; validation errors are 400 `invalid_input`
  with `fields`. The same refusal has the same status on the pages. The OpenAPI document lists
  them for every operation (400, 401, 403, 404, 409, any other 4xx, 503: the `Problem` schema).
- Every state-changing request accepts `Idempotency-Key`: the same key from the same caller gets
  the first answer again for 24 hours.
- Lists take `?limit=&cursor=` and answer `{"items": [...], "next_cursor": ...}`.
- 401: not logged in; 403: not allowed; 404 also for what exists but is someone else's.
- 429 with `Retry-After` when a rate limit is reached; 503 with `Retry-After` while the
  database is unavailable or busy.
"""


def _who(opt: dict[str, Any]) -> str:
    if opt.get("public"):
        return "anyone"
    roles = opt.get("roles")
    return ", ".join(roles) if roles else "logged in"


def operations() -> list[tuple[str, str, str, str, str]]:
    """(tag, method, path, who, summary) of every JSON operation."""
    from app.web.app import create_app

    app = create_app()
    found = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            if handler.include_in_schema is False:
                continue
            doc = inspect.cleandoc(handler.fn.__doc__ or "")
            summary = " ".join(doc.split("\n\n")[0].split())
            tags = list(handler.resolve_tags() or ["other"])
            for method in sorted(handler.http_methods):
                if method in {"HEAD", "OPTIONS"}:
                    continue
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                found.append((tags[0], method, path, _who(handler.opt), summary or "—"))
    return sorted(found, key=lambda o: (o[0], o[2], o[1]))


def error_codes() -> list[tuple[str, int, str]]:
    """(code, status, title) of every refusal a service can raise."""
    from app.kernel.errors import CATEGORIES, DomainError, status_for
    from tests.web.msgids import domain_error_classes

    rows: dict[str, tuple[str, int, str]] = {}
    for cls in domain_error_classes():
        if cls is DomainError or cls in CATEGORIES or (cls.__subclasses__() and cls.__name__.endswith("Error")):
            continue
        try:
            status = status_for(cls())
        except TypeError:
            continue
        rows.setdefault(cls.code, (cls.code, status, cls.title))
    return sorted(rows.values(), key=lambda r: (r[1], r[0]))


def render() -> str:
    lines = [HEADER]
    tag = None
    for op_tag, method, path, who, summary in operations():
        if op_tag != tag:
            tag = op_tag
            lines += ["", f"## {tag}", "", "| method | path | who | what |", "|---|---|---|---|"]
        lines.append(f"| {method} | `{path}` | {who} | {summary.replace('|', '/')} |")
    lines += ["", "## Error codes", "", "| code | status | title (zh-CN) |", "|---|---|---|"]
    lines += [f"| `{code}` | {status} | {title} |" for code, status, title in error_codes()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)}")
