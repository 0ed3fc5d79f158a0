"""One refusal map: every domain error of every package has a category, and the API, the
error page and a form page re-rendered with the refusal all answer the same status for it
(issue 10: "Pages and the API answer the same status for the same refusal")."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import get
from litestar.params import FromPath

from app.kernel.errors import CATEGORIES, DomainError, Gone, status_for
from app.kernel.web import refusal, refusal_page
from qr.errors import TokenRevoked
from tests.helpers import lifespan
from tests.web.msgids import domain_error_classes


def concrete_errors() -> list[type[DomainError]]:
    """Every refusal a service can raise: the leaves and the named ones, not the bases."""
    found = []
    for cls in domain_error_classes():
        if cls in CATEGORIES or cls is DomainError or not cls.__module__.endswith("errors"):
            continue
        if cls.__name__.endswith("Error") and cls.__subclasses__():
            continue  # a domain's base (SpacesError, LendingError, ...)
        found.append(cls)
    return found


def instance(cls: type[DomainError]) -> DomainError:
    required = [
        p
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return cls(*["x"] * len(required))


ERRORS = {cls.__name__: cls for cls in concrete_errors()}


def test_the_walk_sees_every_domain() -> None:
    modules = {cls.__module__ for cls in ERRORS.values()}
    assert {"app.accounts.errors", "spaces.errors", "qr.errors"} <= modules
    assert any(m.startswith("reading.lending") for m in modules)
    assert any(m.startswith("reading.programme") for m in modules)
    assert len(ERRORS) > 60


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_every_refusal_has_a_category_and_words(name: str) -> None:
    exc = instance(ERRORS[name])
    assert isinstance(exc, CATEGORIES), f"{name} derives from no category of app.kernel.errors"
    assert exc.code and exc.code == exc.code.lower() and " " not in exc.code
    assert exc.message()


def test_a_code_means_one_status() -> None:
    statuses: dict[str, set[int]] = {}
    for cls in ERRORS.values():
        statuses.setdefault(cls.code, set()).add(status_for(instance(cls)))
    assert {code: s for code, s in statuses.items() if len(s) > 1} == {}


def test_a_revoked_code_is_gone() -> None:
    assert isinstance(TokenRevoked(), Gone)
    assert status_for(TokenRevoked()) == 410


@get("/api/v1/test-refusal/{name:str}", opt={"public": True})
async def api_refusal(name: FromPath[str]) -> None:
    raise instance(ERRORS[name])


@get("/test-refusal/{name:str}", opt={"public": True}, include_in_schema=False)
async def page_refusal(name: FromPath[str]) -> None:
    raise instance(ERRORS[name])


@pytest.fixture(scope="module")
async def walk_client(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    from app.jobs.queue import InProcessQueue
    from app.jobs.registry import JOBS
    from app.web.app import create_app

    # No cron loop, as in every test app: with it, the watchdog's run at start resumed a
    # report an earlier module left in the tables, and its drawing ran on into these tests.
    application = create_app(settings, queue=InProcessQueue(JOBS, []))
    application.register(api_refusal)
    application.register(page_refusal)
    async with (
        lifespan(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver") as client,
    ):
        yield client


async def test_api_and_pages_answer_the_same_status_for_every_refusal(walk_client: httpx.AsyncClient) -> None:
    """The API's problem details, the error page and a re-rendered form page, per refusal."""
    mismatched = {}
    for name, cls in sorted(ERRORS.items()):
        expected = status_for(instance(cls))
        api = await walk_client.get(f"/api/v1/test-refusal/{name}")
        page = await walk_client.get(f"/test-refusal/{name}")
        form = refusal_page(instance(cls), "error.html", {}).status_code
        answers = (api.status_code, page.status_code, form)
        if answers != (expected,) * 3 or api.json()["code"] != cls.code:
            mismatched[name] = answers
        assert api.headers["content-type"].startswith("application/problem+json")
        assert page.headers["content-type"].startswith("text/html")
    assert mismatched == {}


async def test_page_and_api_say_the_same_words(walk_client: httpx.AsyncClient) -> None:
    for name in ("SlotFull", "TokenRevoked", "CopyUnavailable", "SessionLocked"):
        if name not in ERRORS:
            continue
        words = refusal(instance(ERRORS[name])).message
        api = (await walk_client.get(f"/api/v1/test-refusal/{name}")).json()
        page = (await walk_client.get(f"/test-refusal/{name}")).text
        assert api["detail"] == words
        assert words in page
