"""The one place that turns errors into HTTP: problem details (RFC 9457) for the JSON API,
a friendly page (Chinese by default) for browsers.

Domain errors carry a stable `code`; their status comes from the one table in
`app.kernel.errors` (`status_for`), which the pages use too.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.kernel.errors import DomainError, RateLimited, status_for
from app.web.i18n import current_locale, gettext, pick_locale

log = logging.getLogger("storycorner.errors")

PROBLEM_JSON = "application/problem+json"

# Framework exceptions: status → (code, title msgid).
HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("invalid_input", "输入有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "没有找到"),
    405: ("method_not_allowed", "不支持这种请求方式"),
    406: ("not_acceptable", "无法提供所要求的格式"),
    410: ("gone", "已失效"),
    409: ("conflict", "与当前状态冲突"),
    413: ("payload_too_large", "提交的内容太大"),
    415: ("unsupported_media_type", "不支持的内容格式"),
    422: ("invalid_input", "输入有误"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器出了点问题，请稍后再试"),
    503: ("unavailable", "服务暂时不可用"),
}

# SQLite's write lock stayed taken longer than the busy timeout: the request did nothing (its
# statement or transaction failed whole), so the client may simply try again in a moment.
DATABASE_BUSY_CODE = "database_busy"
DATABASE_BUSY_TITLE = "系统繁忙，请稍后再试"
DATABASE_BUSY_RETRY_AFTER = 1
_BUSY_MESSAGES = ("database is locked", "database is busy")


def wants_json(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path.startswith("/schema") or path in {"/healthz", "/readyz"}


def _ensure_locale(request: Request[Any, Any, Any]) -> None:
    """Routing errors (404, 405) are raised before the app's middleware ran: pick the locale here."""
    if "locale" not in request.scope:
        current_locale.set(pick_locale(request.scope, request.app.state.settings.default_locale))


def problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[Any]:
    """A problem-details response for API paths, an error page for everything else. `extra`
    members never replace the standard ones."""
    if wants_json(request):
        body: dict[str, Any] = {"type": "about:blank", "status": status, "code": code, "title": title, "detail": detail}
        body.update({k: v for k, v in (extra or {}).items() if v is not None and k not in body})
        return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)
    return Template(
        template_name="error.html",
        context={"status": status, "code": code, "title": title, "detail": detail},
        status_code=status,
        headers=headers,
        media_type=MediaType.HTML,
    )  # type: ignore[return-value]


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_for(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    detail = exc.message()
    return problem(
        request,
        status=status,
        code=exc.code,
        title=gettext(exc.title),
        detail=detail,
        headers=headers,
        extra=exc.extra,
    )


def _validation_fields(exc: ValidationException) -> list[dict[str, str]]:
    fields: list[dict[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    for item in extra:
        if isinstance(item, dict):
            fields.append({"field": str(item.get("key", "body")), "message": str(item.get("message", ""))})
    return fields or [{"field": "body", "message": str(exc.detail)}]


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    _ensure_locale(request)
    status = exc.status_code
    if status >= 500 and is_database_busy(exc):
        return database_busy(request, exc)
    if status >= 500 and is_database_down(exc):
        return database_down(request, exc)
    if status >= 500:
        log.error("server error on %s %s: %s", request.method, request.url.path, exc.detail, exc_info=exc)
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path=f"/login?next={quote(target, safe='')}")  # type: ignore[return-value]
    code, title = HTTP_CODES.get(status, ("http_error", "请求未能完成"))
    if isinstance(exc, PermissionDeniedException) and exc.detail and exc.detail.startswith("CSRF"):
        code, title = "csrf_failed", "页面已过期，请刷新后重试"
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationException) or status == 400:
        code = "invalid_input"
        extra["fields"] = _validation_fields(exc) if isinstance(exc, ValidationException) else []
    headers = dict(exc.headers or {})
    return problem(
        request, status=status, code=code, title=gettext(title), detail=gettext(title), headers=headers, extra=extra
    )


def is_bad_value(exc: Exception) -> bool:
    """A value the database cannot store: an id beyond its integer range, a NUL character.
    The statement failed, so its transaction rolled back: the client sent bad input."""
    if isinstance(exc, OverflowError | RecursionError):  # a number too large; JSON nested too deep
        return True
    return _is_asyncpg(exc, "DataError")


def is_missing_reference(exc: Exception) -> bool:
    """A foreign key refused: the request named something that does not exist (or is still
    in use). The statement failed and its transaction rolled back."""
    import sqlite3

    if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc):
        return True
    return _is_asyncpg(exc, "ForeignKeyViolationError")


def _is_asyncpg(exc: Exception, name: str) -> bool:
    """`exc` is asyncpg's exception `name` (never, where asyncpg is not installed)."""
    try:
        from asyncpg import exceptions
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, getattr(exceptions, name))


def _wrapped(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception it wraps (`__cause__`, `__context__`, an exception group's
    members), each once: where the busy and the down checks look for the database's error."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def is_database_busy(exc: BaseException) -> bool:
    """True when `exc`, or an exception it wraps (`__cause__`, `__context__`, an exception
    group's members), is SQLite's "database is locked" / "database is busy"."""
    import sqlite3

    return any(
        isinstance(e, sqlite3.OperationalError) and any(busy in str(e).lower() for busy in _BUSY_MESSAGES)
        for e in _wrapped(exc)
    )


DATABASE_DOWN_CODE = "database_unavailable"
DATABASE_DOWN_TITLE = "系统正在恢复，请稍后再试"
DATABASE_DOWN_RETRY_AFTER = 5
_NETWORK_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
_DOWN_LOG_EVERY = 60.0  # seconds: one log line per episode, not a trace per request
_down_logged_at = -_DOWN_LOG_EVERY


def is_database_down(exc: BaseException) -> bool:
    """The database could not be reached or dropped the connection (restarted, shutting down,
    out of connections): the request did nothing, and the same request will work again soon."""
    try:
        import asyncpg
        from asyncpg import exceptions as pg
    except ImportError:  # pragma: no cover
        return False
    down = (
        pg.PostgresConnectionError,
        pg.OperatorInterventionError,  # admin shutdown, crash shutdown, cannot connect now
        pg.TooManyConnectionsError,
        asyncpg.InterfaceError,  # the connection was closed under the query
        ConnectionError,
        TimeoutError,
    )
    return any(
        isinstance(e, down) or (isinstance(e, OSError) and e.errno in _NETWORK_ERRNOS) or _shutdown_race(e)
        for e in _wrapped(exc)
    )


def _shutdown_race(exc: BaseException) -> bool:
    """The server's FATAL (admin shutdown) reached an idle pooled connection just before a
    query: asyncpg refuses to bind before sending anything ("cannot switch to state 12;
    another operation (2) is in progress": 2 is its error-consuming state). Only that one:
    asyncpg's other internal errors (a stale statement cache, its own bugs) stay 500s."""
    from asyncpg.exceptions import InternalClientError

    return type(exc) is InternalClientError and "another operation (2) is in progress" in str(exc)


def database_down(request: Request[Any, Any, Any], exc: BaseException) -> Response[Any]:
    """503 with Retry-After, and a friendly page for browsers; logged once a minute at most."""
    global _down_logged_at
    _ensure_locale(request)
    now = time.monotonic()
    if now - _down_logged_at >= _DOWN_LOG_EVERY:
        _down_logged_at = now
        log.error("database unavailable (%s: %s); answering 503 until it is back", type(exc).__name__, exc)
    return _unavailable(request, DATABASE_DOWN_CODE, DATABASE_DOWN_TITLE, DATABASE_DOWN_RETRY_AFTER)


def database_busy(request: Request[Any, Any, Any], exc: BaseException) -> Response[Any]:
    """503 with Retry-After: an expected moment of contention, logged without a trace."""
    _ensure_locale(request)
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    return _unavailable(request, DATABASE_BUSY_CODE, DATABASE_BUSY_TITLE, DATABASE_BUSY_RETRY_AFTER)


def _unavailable(request: Request[Any, Any, Any], code: str, title: str, retry_after: int) -> Response[Any]:
    """A 503 problem (a page for browsers) saying when to try again."""
    said = gettext(title)
    return problem(request, status=503, code=code, title=said, detail=said, headers={"Retry-After": str(retry_after)})


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_database_busy(exc):
        return database_busy(request, exc)
    if is_database_down(exc):
        return database_down(request, exc)
    if is_missing_reference(exc):
        log.warning("foreign key refused on %s %s: %s", request.method, request.url.path, exc)
        title = "引用的对象不存在或仍在使用"
        return problem(request, status=409, code="reference_conflict", title=gettext(title), detail=gettext(title))
    if is_bad_value(exc):
        title = "输入的数值超出范围或含有无效字符"
        return problem(
            request,
            status=400,
            code="invalid_input",
            title=gettext(HTTP_CODES[400][1]),
            detail=gettext(title),
            extra={"fields": []},
        )
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    code, title = HTTP_CODES[500]
    return problem(
        request, status=HTTP_500_INTERNAL_SERVER_ERROR, code=code, title=gettext(title), detail=gettext(title)
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
