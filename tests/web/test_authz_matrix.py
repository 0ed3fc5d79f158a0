"""The authorization matrix (issue 13): every route of the app, called as every kind of caller on
one seeded world, answers as `tests/web/authz_table.py` says.

The callers: nobody, family A (the owner of the seeded booking, loan, hold, lead-reader record),
family B, a volunteer and a librarian of space X (where everything is seeded), a librarian of
space Y, a district admin, and a volunteer whom the admin disabled. A caller the table allows
must get past the access checks (no 401/403, no redirect to the log-in page, never a 5xx); a
refused one gets 401 `not_authenticated` on the API (pages: a redirect to the log-in page), 403
`forbidden` for a role the route does not admit, and 403 or 404 with a problem code for another
family's or another space's object. The JSON API is called with bearer tokens, pages with the
session cookie and the CSRF token, as a browser would.

One app and one world per module (`tests/reading/support.py`): the tables are emptied once.
`AUTHZ_MATRIX_REPORT=<file>` lists every call with its expectation and answer, to review.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar.routes import HTTPRoute

from qr.tokens import Purpose
from tests.conftest import empty_tables
from tests.helpers import bearer
from tests.reading.conftest import make_space
from tests.reading.support import add_book, add_copies, lend, one_app_per_module, quick_staff
from tests.spaces.conftest import make_slot, quick_families
from tests.web.authz_table import (
    ADMIN,
    ADMINS,
    ANON,
    FAMILY_ROLE,
    LIBRARIAN,
    LIBRARIANS,
    MATRIX,
    STAFF,
    VOLUNTEER,
    Rule,
)
from tests.web.forms import log_in

clock_fixture, queue_fixture, app_fixture, between_tests = one_app_per_module()
# The routes share one world: under pytest-xdist's `--dist loadgroup` they stay on one worker
# (elsewhere a worker that switches modules tears the world down and seeds it again).
pytestmark = pytest.mark.xdist_group("authz_matrix")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
SPACE_X = "吉祥十平米阅读空间"
REPORT = os.environ.get("AUTHZ_MATRIX_REPORT")  # a file to list every call and its answer in


@pytest.fixture(autouse=True)
async def clean_tables() -> None:
    """This module shares one world: `world` empties the tables once, before seeding."""


def app_routes(app: Any) -> dict[str, dict[str, Any]]:
    """`METHOD /path/{param}` of every route of the app, with its access declaration."""
    return {
        f"{method} {route.path_format}": handler.opt
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        for method in handler.http_methods
        if method not in SKIPPED_METHODS
    }


DECLARED = {
    (): "USER",
    tuple(sorted(STAFF.roles)): "STAFF",
    tuple(sorted(LIBRARIANS.roles)): "LIBRARIANS",
    tuple(sorted(ADMINS.roles)): "ADMINS",
    (FAMILY_ROLE,): "FAMILY",
}
ROLE_NAMES = {"district_admin": ADMIN, "librarian": LIBRARIAN, "volunteer": VOLUNTEER, "family": FAMILY_ROLE}


def suggested_line(key: str, opt: dict[str, Any]) -> str:
    """A starting line for the table from the route's declaration (add `.own(...)` as needed)."""
    if opt.get("public"):
        return f'    "{key}": PUBLIC,'
    roles = tuple(sorted(ROLE_NAMES.get(r, r) for r in opt.get("roles", ())))
    return f'    "{key}": {DECLARED.get(roles, "USER")},'


@dataclass
class Caller:
    name: str
    role: str
    headers: dict[str, str]  # the API's bearer token (none: anonymous)
    page: httpx.AsyncClient  # the browser: session cookie and CSRF cookie
    login: str = ""
    password: str = ""


def browser(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def sign_in(app: Any, name: str, role: str, headers: dict[str, str], login: str, password: str) -> Caller:
    page = browser(app)
    r = await log_in(page, login, password)
    assert r.status_code in (302, 303), (login, r.status_code, r.text[:300])
    return Caller(name, role, headers, page, login, password)


async def user_id_of(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    r = await client.get("/api/v1/users/me", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["id"])


async def seed(client: httpx.AsyncClient, clock: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Space X with everything in it (staff, a corner, a closure, a slot with family A's booking, a
    book with copies, one lent to A and one held, a transfer, a stocktake, a reading session, A's
    lead-reader record) and an empty space Y; returns the ids and the accounts."""
    from qr.services import tokens

    admin = await quick_staff("mx-admin", roles=(ADMIN,))
    x = await make_space(client, admin, SPACE_X, "景山")
    y = await make_space(client, admin, "福祥十平米阅读空间", "交道口")
    z = await make_space(client, admin, "天坛十平米阅读空间", "天坛")
    staff = {
        "volunteer": await quick_staff("mx-volunteer", roles=(VOLUNTEER,), spaces=(x,)),
        "librarian": await quick_staff("mx-librarian", roles=(LIBRARIAN,), spaces=(x,)),
        "other_staff": await quick_staff("mx-other", roles=(LIBRARIAN,), spaces=(y,)),
        "disabled": await quick_staff("mx-disabled", roles=(VOLUNTEER,), spaces=(x,)),
        "admin": admin,
    }
    spare = await quick_staff("mx-spare", roles=(VOLUNTEER,), spaces=(x,))
    fam_a, fam_b = await quick_families(2)
    lib = staff["librarian"]

    async def made(method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        r = await client.request(method, url, json=body, headers=headers)
        assert r.status_code in (200, 201, 202), (url, r.status_code, r.text)
        return r.json()

    corner = await made("POST", f"/api/v1/spaces/{x}/corners", {"name": "绘本角"}, admin)
    day = (clock.now().date()).isoformat()
    closure = await made(
        "POST", f"/api/v1/spaces/{x}/closures", {"first_day": "2027-02-01", "last_day": "2027-02-02"}, admin
    )
    slot = await make_slot(client, {"id": x, "admin": admin}, clock, waitlist=True)
    spare_slot = await make_slot(client, {"id": x, "admin": admin}, clock, starts_at=clock.now() + timedelta(days=3))
    child = fam_a["family"]["children"][0]["id"]
    booking, spare_booking = [
        await made("POST", f"/api/v1/slots/{s['id']}/bookings", {"child_ids": [child], "adults": 1}, fam_a["headers"])
        for s in (slot, spare_slot)
    ]
    book = await add_book(client, lib, "7544717445", "猜猜我有多爱你")
    # 0: lent to A; 1: the copy the routes look at (A's hold takes it); 2: lent and returned by the
    # routes; 3: travelling to Z; 4: for a transfer by the routes.
    copies = await add_copies(client, lib, book["id"], x, 5)
    r = await lend(client, lib, copies[0]["barcode"], fam_a["family"]["id"])
    assert r.status_code == 201, r.text
    loan = r.json()
    hold = await made("POST", f"/api/v1/books/{book['id']}/holds", {"pickup_space_id": x}, fam_a["headers"])
    transfer = await made(
        "POST", "/api/v1/transfers", {"from_space_id": x, "to_space_id": z, "barcodes": [copies[3]["barcode"]]}, lib
    )
    stocktake = await made("POST", f"/api/v1/spaces/{x}/stocktakes", None, lib)
    session = await made(
        "POST",
        "/api/v1/reading-sessions",
        {"space_id": x, "started_at": clock.now().isoformat(), "minutes": 45, "adults": 2, "children": 3},
        staff["volunteer"],
    )
    application = await made(
        "POST",
        "/api/v1/lead-readers/applications",
        {"motivation": "喜欢讲故事", "availability": "周六上午", "preferred_space_ids": [x]},
        fam_a["headers"],
    )
    decision = await made(
        "POST", f"/api/v1/lead-readers/applications/{application['id']}/decision", {"approve": True}, lib
    )
    feed = await made("GET", "/api/v1/families/me/calendar", None, fam_a["headers"])
    ids = {
        "space_id": x,
        "other_space_id": y,
        "corner_id": corner["id"],
        "closure_id": closure["id"],
        "slot_id": slot["id"],
        "booking_id": booking["id"],
        "spare_booking_id": spare_booking["id"],
        "child_id": child,
        "book_id": book["id"],
        "barcode": copies[1]["barcode"],
        "free_barcode": copies[2]["barcode"],
        "travelling_barcode": copies[3]["barcode"],
        "spare_barcode": copies[4]["barcode"],
        "copy_id": copies[1]["id"],
        "loan_id": loan["id"],
        "hold_id": hold["id"],
        "transfer_id": transfer["id"],
        "stocktake_id": stocktake["id"],
        "session_id": session["id"],
        "application_id": application["id"],
        "lead_reader_id": decision["lead_reader_id"],
        "user_id": await user_id_of(client, spare),
        "family_id": fam_a["family"]["id"],
        "phone": fam_a["phone"],
        "calendar_token": str(feed["feed_url"]).rstrip("/").rsplit("/", 1)[1],
        "corner_token": await tokens.issue(Purpose.corner, corner["id"], now=clock.now()),
        "token": "not-a-real-token",
        "job_id": "no-such-job",
        "job_name": "no-such-job",
        "name": "no-such-export.zip",
        "export_id": 999_999,
        "import_id": 999_999,
        "certificate_id": 999_999,
        "path": "site.css",
        "day": day,
    }
    accounts = {"family": fam_a, "other_family": fam_b, **{k: {"headers": v} for k, v in staff.items()}}
    return ids, accounts


LOGINS = {
    "volunteer": ("mx-volunteer", VOLUNTEER),
    "librarian": ("mx-librarian", LIBRARIAN),
    "other_staff": ("mx-other", LIBRARIAN),
    "disabled": ("mx-disabled", VOLUNTEER),
    "admin": ("mx-admin", ADMIN),
}


@pytest.fixture(scope="module")
async def world(app: Any, clock: Any) -> Any:
    await empty_tables()
    async with browser(app) as client:
        ids, accounts = await seed(client, clock)
        callers = [Caller("anonymous", ANON, {}, browser(app))]
        for name in ("family", "other_family"):
            fam = accounts[name]
            callers.append(await sign_in(app, name, FAMILY_ROLE, fam["headers"], fam["phone"], fam["password"]))
        for name, (login, role) in LOGINS.items():
            callers.append(await sign_in(app, name, role, accounts[name]["headers"], login, "staff-pass-1"))
        disabled = await user_id_of(client, accounts["disabled"]["headers"])
        r = await client.post(f"/api/v1/users/{disabled}/disable", headers=accounts["admin"]["headers"])
        assert r.status_code == 200, r.text
        for caller in callers:
            await caller.page.get("/")  # the CSRF cookie, as a browser has it from any page
        yield {"ids": ids, "callers": callers, "routes": app_routes(app), "app": app, "client": client}
        for caller in callers:
            await caller.page.aclose()


def expectation(rule: Rule, caller: Caller) -> str:
    """`allow`, or the refusal the caller must get: `login`, `role` or `object`."""
    if caller.name in ("anonymous", "disabled"):
        return "allow" if ANON in rule.roles else "login"
    if caller.role not in rule.roles:
        return "role"
    if (caller.name == "other_family" and "family" in rule.scope) or (
        caller.name == "other_staff" and "space" in rule.scope
    ):
        return "object"
    if caller.name == "other_staff" and "space_hidden" in rule.scope:
        return "hidden"
    return "allow"


def fill(path: str, rule: Rule, ids: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        key = rule.ids.get(match.group(1), match.group(1))
        assert key in ids, f"no seeded value for {{{match.group(1)}}}: add one to seed()"
        return str(ids[key])

    return re.sub(r"\{(\w+)\}", value, path)


async def call(caller: Caller, key: str, rule: Rule, world: Any) -> httpx.Response:
    method, path = key.split(" ", 1)
    ids = world["ids"]
    url = fill(path, rule, ids)
    params = rule.query(ids) if rule.query else None
    body = rule.body(ids) if rule.body else None
    if path.startswith("/api/"):
        has_body = method in {"POST", "PUT", "PATCH"}
        return await world["client"].request(
            method, url, params=params, headers=caller.headers, json=(body or {}) if has_body else None
        )
    headers = {"x-csrftoken": caller.page.cookies.get("csrftoken") or ""}
    if method == "GET":
        return await caller.page.get(url, params=params)
    return await caller.page.request(method, url, params=params, data=body or {}, headers=headers)


def problem_code(r: httpx.Response) -> str | None:
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return None
    code = r.json().get("code")
    return code if isinstance(code, str) else None


def verdict(key: str, expect: str, r: httpx.Response) -> str | None:
    """What is wrong with the answer, or None."""
    api = key.split(" ", 1)[1].startswith("/api/")
    status, code = r.status_code, problem_code(r) if api else None
    to_login = status in (302, 303) and r.headers.get("location", "").startswith("/login?next=")
    if status >= 500:
        return f"{status} (a server error)"
    if expect == "allow":
        return f"refused with {status} {code or ''}".strip() if status in (401, 403) or to_login else None
    if expect == "hidden":  # the page opens, on the caller's own spaces: nothing of space X in it
        return None if status == 200 and SPACE_X not in r.text else f"{status}, or space X's name shown"
    if expect == "login":
        ok = (status, code) == (401, "not_authenticated") if api else to_login
        return None if ok else f"{status} {code or r.headers.get('location', '')}, not the log-in refusal"
    if expect == "role":
        ok = (status, code) == (403, "forbidden") if api else status == 403
        return None if ok else f"{status} {code or ''}, not 403 forbidden"
    ok = status in (403, 404) and (code is not None or not api)
    return None if ok else f"{status} {code or ''}, not 403/404 for someone else's object"


async def refresh(caller: Caller, key: str, world: Any) -> Caller:
    """Fresh credentials for a route that ends them: a new token for the API, a new session for
    pages, and a new family for a family (it may be erased)."""
    if caller.name in ("anonymous", "disabled"):
        return caller
    api = key.split(" ", 1)[1].startswith("/api/")
    if caller.role == FAMILY_ROLE:
        (fam,) = await quick_families(1)
        login, password, headers = fam["phone"], fam["password"], fam["headers"]
    else:
        login, password, headers = caller.login, caller.password, bearer(await new_token(caller.login))
    if api:
        return Caller(caller.name, caller.role, headers, caller.page, login, password)
    fresh = await sign_in(world["app"], caller.name, caller.role, headers, login, password)
    await fresh.page.get("/")
    return fresh


async def new_token(login: str) -> str:
    from app.accounts.services.auth import hash_token
    from app.accounts.tables import ApiToken, User

    user = await User.select(User.id).where(User.login == login).first()
    assert user is not None
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await ApiToken.insert(
        ApiToken(user=user["id"], token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(days=1))
    )
    return token


ORDER = {"login": 0, "role": 1, "object": 2, "hidden": 2, "allow": 3}
ROUTES = sorted(MATRIX, key=lambda k: MATRIX[k].fresh)  # the credential-ending ones last


def test_every_route_is_in_the_matrix(world: Any) -> None:
    routes = world["routes"]
    missing = sorted(routes.keys() - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes.keys())
    assert not missing, "routes without a line in tests/web/authz_table.py (from their declaration):\n" + "\n".join(
        suggested_line(key, routes[key]) for key in missing
    )
    assert not stale, "lines of tests/web/authz_table.py for routes that do not exist:\n" + "\n".join(stale)


@pytest.mark.parametrize("key", ROUTES)
async def test_route_answers_each_caller_as_the_matrix_says(key: str, world: Any) -> None:
    if key not in world["routes"]:
        pytest.fail(f"{key} is not a route of the app")
    rule = MATRIX[key]
    callers = [c for c in world["callers"] if not rule.only or c.name in rule.only]
    callers.sort(key=lambda c: ORDER[expectation(rule, c)])
    wrong = []
    for seeded in callers:
        caller = await refresh(seeded, key, world) if rule.fresh and expectation(rule, seeded) == "allow" else seeded
        expect = expectation(rule, caller)
        r = await call(caller, key, rule, world)
        problem = verdict(key, expect, r)
        if REPORT:
            with open(REPORT, "a") as out:
                out.write(f"{key}\t{caller.name}\t{expect}\t{r.status_code}\t{r.text[:100]!r}\n")
        if problem:
            wrong.append(f"{caller.name} (expected {expect}): {problem}: {r.text[:160]!r}")
        if caller.page is not seeded.page:
            await caller.page.aclose()
    assert not wrong, f"{key}\n" + "\n".join(wrong)


def test_callers_are_distinct(world: Any) -> None:
    """The world holds one caller of each kind, tokens apart (a shared token would hide refusals)."""
    callers = world["callers"]
    assert len({c.name for c in callers}) == len(callers) == 8
    tokens = [c.headers.get("Authorization") for c in callers if c.headers]
    assert len(set(tokens)) == len(tokens) == 7


def test_a_missing_route_is_reported_with_a_line_to_start_from() -> None:
    from app.accounts import roles

    assert suggested_line("GET /staff/stats", roles.STAFF) == '    "GET /staff/stats": STAFF,'
    assert suggested_line("POST /api/v1/policies", roles.ADMINS) == '    "POST /api/v1/policies": ADMINS,'
    assert suggested_line("GET /api/v1/x", roles.LIBRARIANS) == '    "GET /api/v1/x": LIBRARIANS,'
    assert suggested_line("GET /x", roles.PUBLIC) == '    "GET /x": PUBLIC,'
    assert suggested_line("GET /api/v1/y", {}) == '    "GET /api/v1/y": USER,'
    assert suggested_line("GET /family/z", roles.FAMILIES) == '    "GET /family/z": FAMILY,'
