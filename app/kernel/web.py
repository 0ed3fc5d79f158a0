"""What every domain's controllers share: typed dependencies, refusals on pages, form input,
redirects and file downloads. The only kernel module that knows Litestar; services never
import it (an import contract says so).

A refusal has one status everywhere (`status_for`, the one table in `app.kernel.errors`):
raised from a page it reaches the app's exception handler, which renders the friendly
error page; a page that shows the form again with the refusal above it uses
`refusal_page()`, which answers the same status with the same words.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import secrets
from dataclasses import field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.response import Redirect, Template
from litestar.response.base import ASGIResponse

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput, status_for
from app.kernel.i18n import N_, current_locale, gettext
from app.kernel.jobs import JobQueue
from app.kernel.recent import Recent
from app.kernel.values import frozen

# Dependencies every controller may ask for by these names (provided by the app factory).
ActorDep = NamedDependency[Actor]
MaybeActor = NamedDependency[Actor | None]
ClockDep = NamedDependency[Clock]
QueueDep = NamedDependency[JobQueue]

T = TypeVar("T")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Extras of a refusal that carry a moment as ISO text (for the JSON API); pages show them local.
_MOMENT_SUFFIXES = ("_at", "_until")
_FIELD = re.compile(r"at `\$\.([\w.\[\]]+)`")


@frozen
class Refusal:
    """What a page needs to say no kindly: the code, the status, the words and which fields
    to mark (`fields`), plus the refusal's extras with moments as datetimes."""

    code: str
    status: int
    title: str
    message: str
    fields: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)


def refusal(exc: DomainError) -> Refusal:
    extra = dict(exc.extra)
    for key, value in extra.items():
        if isinstance(value, str) and key.endswith(_MOMENT_SUFFIXES):
            with contextlib.suppress(ValueError):
                extra[key] = datetime.fromisoformat(value)
    fields = frozenset(str(f.get("field")) for f in extra.get("fields") or [] if isinstance(f, dict))
    return Refusal(
        code=exc.code,
        status=status_for(exc),
        title=gettext(exc.title),
        message=exc.message(),
        fields=fields,
        extra=extra,
    )


def refusal_page(exc: DomainError, template: str, context: dict[str, Any] | None = None) -> Template:
    """The page again with the refusal above it (`refusal` in the context), answered with the
    refusal's own status, as the API would."""
    answer = refusal(exc)
    return Template(template, context={**(context or {}), "refusal": answer}, status_code=answer.status)


def refusal_json(exc: DomainError) -> Response[dict[str, Any]]:
    """A scan page's answer to one queued scan: 200 with `ok: false`, so the page's queue
    moves on and shows the words (a status other than 200 means "try this scan again")."""
    return Response({"ok": False, "code": exc.code, "message": exc.message()}, status_code=200)


def view_context(view: Any, **more: Any) -> dict[str, Any]:
    """A template's context from a page's read model (a dataclass or a Struct): its fields by
    name, beside `more` (the actor, a note from the query, a form as posted)."""
    if isinstance(view, msgspec.Struct):
        names = view.__struct_fields__
    else:
        names = tuple(f.name for f in dataclasses.fields(view))
    return {**{name: getattr(view, name) for name in names}, **more}


def see_other(path: str) -> Redirect:
    """After a form's POST: the browser GETs the next page (no resubmission on reload)."""
    return Redirect(path=path, status_code=303)


def download(content: bytes, filename: str, media_type: str, *, inline: bool = False) -> Response[bytes]:
    """A file to save (or to show, `inline`); the name survives Chinese characters (RFC 6266)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = "inline" if inline else "attachment"
    header = f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": header})


def json_answer(body: bytes) -> Response[Any]:
    """An answer encoded as JSON already (a kept answer, encoded once for all who read it);
    the handler's return type (`Response[Summary]`) still describes it in the API schema."""
    return Response(body, media_type=MediaType.JSON)


def to_int(value: Any, default: int | None = None) -> int | None:
    """A form's number, or `default` when it is missing or not a number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def parse_day(raw: str | None, default: date) -> date:
    """A form's or query's `YYYY-MM-DD`, or `default`."""
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


async def form_dict(request: Request[Any, Any, Any]) -> dict[str, str]:
    """A posted form's single-valued fields, stripped of nothing (the services validate)."""
    form = await request.form()
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


async def json_or_form(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """A scan from a page's script (JSON) or from its plain form (no script)."""
    content_type, _options = request.content_type
    if content_type == "application/json":
        data = await json_object(request)
        return {str(k): v for k, v in data.items() if isinstance(v, str | int)}
    return await form_dict(request)


async def json_object(request: Request[Any, Any, Any]) -> dict[Any, Any]:
    """The body as a JSON object; anything else is refused as bad input (400)."""
    try:
        data = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(N_("请求格式不正确"), fields=[{"field": "body", "message": "a JSON object"}])
    return data


def validated(data: dict[str, Any], kind: type[T], messages: dict[str, str] | None = None) -> T:
    """A form's values as a request Struct, checked by the same schema as the API. A value the
    schema refuses is an `InvalidInput` naming its field, in the words of `messages[field]`
    (a msgid; the first path part of the field, e.g. `children` for `children[0].nickname`)."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        match = _FIELD.search(str(exc))
        field = match.group(1) if match else "body"
        root = re.split(r"[.\[]", field, maxsplit=1)[0]
        detail = (
            (messages or {}).get(field) or (messages or {}).get(root) or N_("请检查填写的内容：有一项太长或格式不对")
        )
        raise InvalidInput(detail, fields=[{"field": field, "message": str(exc)}]) from None


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """The page's script asked (it posts JSON and reads JSON back)."""
    return request.content_type[0] == "application/json"


# The scan remembered across log-in (the log-in side: app/web/scan_memory.py).
SCAN_COOKIE = "sc_scan"
SCAN_KEPT = timedelta(minutes=10)


def _scan_key(cookie: str) -> str:
    return "scan:" + hashlib.sha256(cookie.encode()).hexdigest()


async def store_scan(request: Request[Any, Any, Any], token: str, *, now: datetime) -> Cookie:
    """Remember server-side (the session store, 10 minutes) that this browser scanned `token`
    at `now`; returns the cookie naming the memory."""
    cookie = secrets.token_urlsafe(24)
    value = json.dumps({"token": token, "at": now.isoformat()})
    await request.app.state.session_store.set(_scan_key(cookie), value, expires_in=SCAN_KEPT + timedelta(minutes=1))
    secure = bool(request.app.state.settings.secure_cookies)
    age = int(SCAN_KEPT.total_seconds())
    return Cookie(key=SCAN_COOKIE, value=cookie, max_age=age, path="/", httponly=True, secure=secure, samesite="lax")


async def recall_scan(request: Request[Any, Any, Any], *, forget: bool = False) -> tuple[str, datetime] | None:
    """The token this browser scanned and when, if remembered (`forget`: used up now)."""
    cookie = request.cookies.get(SCAN_COOKIE)
    if not cookie:
        return None
    store = request.app.state.session_store
    raw = await store.get(_scan_key(cookie))
    if forget:
        await store.delete(_scan_key(cookie))
    try:
        data = json.loads(raw) if raw else None
        return (str(data["token"]), datetime.fromisoformat(data["at"])) if data else None
    except (ValueError, KeyError, TypeError):
        return None


async def remember_scan(request: Request[Any, Any, Any], token: str, *, now: datetime) -> Redirect:
    """For the /q/ page, a visitor not logged in who scanned a valid check-in code: off to log
    in, the scan remembered, so every way of logging in or registering lands back on it."""
    redirect = Redirect(path=f"/login?next=/q/{token}")
    redirect.cookies.append(await store_scan(request, token, now=now))
    return redirect


# SharedPage's bodies: (id of the model, template, language) -> (the model itself, the body),
# kept as long as their models (two seconds). Holding the model keeps its id from being reused
# while its body is here.
_SHARED_BODIES: Recent[tuple[int, str, str], tuple[object, bytes]] = Recent(seconds=2, size=4096)


class Pages(Controller):
    """A controller of HTML pages: pages are for people, not operations of the JSON API, so
    none of them is in the OpenAPI document."""

    include_in_schema = False


class SharedPage(Template):
    """A page every reader of one kept read model sees the same (anonymous readers of a space's
    week, kept two seconds: app/kernel/recent.py): rendered once per language while that model
    is kept, its bytes answered to the rest. A reader with anything of their own (a signed-in
    actor, a form, a CSRF token) gets a plain Template."""

    def __init__(self, template_name: str, *, context: dict[str, Any], shared: object) -> None:
        super().__init__(template_name=template_name, context=context)
        self.shared = shared

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any], **kwargs: Any) -> ASGIResponse:
        key = (id(self.shared), str(self.template_name), current_locale.get())
        now = datetime.now(UTC)  # bounds memory only: a body is answered with its own model
        found = _SHARED_BODIES.get(key, now)
        if found is None or found[0] is not self.shared:
            response = super().to_asgi_response(app, request, **kwargs)
            _SHARED_BODIES.put(key, (self.shared, bytes(response.body)), now)
            return response
        return ASGIResponse(
            body=found[1],
            media_type=MediaType.HTML,
            status_code=self.status_code or kwargs.get("status_code"),
            headers={**kwargs.get("headers", {}), **self.headers},
            cookies=list(self.cookies) + list(kwargs.get("cookies") or ()),
            encoded_headers=kwargs.get("encoded_headers"),
            background=self.background or kwargs.get("background"),
            is_head_response=kwargs.get("is_head_response", False),
        )
