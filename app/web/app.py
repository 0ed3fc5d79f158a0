"""The Litestar app factory: `create_app(settings)` wires settings, database, auth,
idempotency, i18n, templates, jobs and every controller. Nothing imports this module."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from app import database, lifecycle, runtime
from app.errors import EXCEPTION_HANDLERS
from app.jobs.queue import JobQueue
from app.jobs.registry import build_queue
from app.kernel.clock import Clock, local_zone, system_clock
from app.settings import ROOT, Settings, get_settings
from app.web import dependencies_in_turn
from app.web.auth import AuthMiddleware, access_guard, provide_actor, provide_maybe_actor
from app.web.i18n import LocaleMiddleware, current_locale, gettext, ngettext
from app.web.idempotency import IdempotencyMiddleware
from app.web.offline import service_worker_handler
from app.web.openapi import apply_security
from app.web.outbox_kick import OutboxKickMiddleware
from app.web.ratelimit import PHONE_TAKEN, REGISTRATION, Limit, RateLimiter, rate_limit_guard
from app.web.routes import ROUTES
from app.web.security import security_headers
from app.web.sessions import build_session_store
from app.web.static import StaticFiles, static_handlers

TEMPLATE_DIRS = [
    ROOT / "app" / "templates",
    ROOT / "spaces" / "templates",
    ROOT / "reading" / "lending" / "templates",
    ROOT / "reading" / "programme" / "templates",
    ROOT / "qr" / "templates",
    ROOT / "app" / "stats" / "templates",
]
STATIC_DIR = ROOT / "app" / "static"
STATIC = StaticFiles(STATIC_DIR)  # templates link files by their content-hashed names


def template_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS if Path(d).exists()]),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        site_name=settings.site_name,
        base_url=settings.base_url,
        current_locale=current_locale.get,
        status_label=status_label,
        static_url=STATIC.url,
    )
    env.filters["localtime"] = localtime
    return env


def localtime(moment: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A time in the service's zone, e.g. `11-28 10:30`."""
    return moment.astimezone(local_zone()).strftime(fmt) if moment else ""


BOOKING_STATUS = {
    "confirmed": "已确认",
    "waitlisted": "候补中",
    "offered": "候补到位，待确认",
    "attended": "已签到",
    "cancelled": "已取消",
    "no_show": "未到",
    "offer_expired": "候补已过期",
    "waitlist_closed": "候补已结束",
}


def status_label(status: str) -> str:
    return gettext(BOOKING_STATUS.get(status, status))


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, queue: JobQueue | None = None
) -> Litestar:
    dependencies_in_turn.install()  # no task per dependency (app/web/dependencies_in_turn.py)
    settings = settings or get_settings()
    clock = clock or system_clock
    queue = queue or build_queue(settings)
    session_store = build_session_store(settings)
    startup, shutdown = _lifecycle(settings, queue)

    def provide_clock() -> Clock:
        return clock  # type: ignore[return-value]

    def provide_queue() -> JobQueue:
        return queue  # type: ignore[return-value]

    return Litestar(
        route_handlers=[
            *ROUTES,
            *static_handlers(STATIC),
            service_worker_handler(STATIC),
        ],
        dependencies={
            "actor": Provide(provide_actor),
            "maybe_actor": Provide(provide_maybe_actor),
            "clock": Provide(provide_clock, sync_to_thread=False),
            "queue": Provide(provide_queue, sync_to_thread=False),
        },
        guards=[access_guard, rate_limit_guard],
        middleware=[
            DefineMiddleware(LocaleMiddleware, default_locale=settings.default_locale),
            DefineMiddleware(AuthMiddleware, session_store=session_store, clock=clock),
            DefineMiddleware(IdempotencyMiddleware, clock=clock),
            DefineMiddleware(OutboxKickMiddleware, queue=queue),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=["/api/", "/schema", "/healthz", "/readyz", "/static/"],
        ),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(template_environment(settings))),
        openapi_config=_openapi(),
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(https=settings.base_url.startswith("https://"))],
        on_startup=[startup],
        on_shutdown=[shutdown],
        state=State(
            {"settings": settings, "session_store": session_store, "queue": queue, "clock": clock, "redis": None}
        ),
        debug=settings.debug,
    )


def _lifecycle(settings: Settings, queue: JobQueue) -> tuple[Any, Any]:
    """What a web process does when it starts and stops."""

    async def startup(app: Litestar) -> None:
        runtime.configure(settings)
        lifecycle.install_drain(settings.shutdown_drain)
        app.state.owns_pool = await database.start(settings, serial=True)
        await queue.start()
        if settings.redis_url:
            from redis.asyncio import Redis

            app.state.redis = Redis.from_url(settings.redis_url)
        app.state.rate_limiter = RateLimiter(
            {
                "booking": Limit(settings.booking_rate_per_account, settings.booking_rate_per_client, 60),
                REGISTRATION: Limit(60, 60, 3600),
                PHONE_TAKEN: Limit(10, 10, 3600),
            },
            redis=app.state.redis,
        )
        apply_security(app)

    async def shutdown(app: Litestar) -> None:
        await queue.stop()
        redis = app.state.get("redis")
        if redis is not None:
            await redis.aclose()
        if app.state.get("owns_pool"):
            await database.stop()

    return startup, shutdown


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="StoryCorner API",
        version="1",
        path="/schema",
        description=(
            "JSON API of StoryCorner. Authenticate with `Authorization: Bearer <token>`"
            " from `POST /api/v1/auth/tokens`."
        ),
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", description="POST /api/v1/auth/tokens")
            }
        ),
    )
