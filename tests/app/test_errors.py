"""Errors as RFC 9457 problem details on the API, a page for browsers; health endpoints;
the OpenAPI document's security (API.md, Conventions and Health and docs)."""

from __future__ import annotations

from typing import Any

import httpx

from app.web.i18n import catalogue
from tests.app.conftest import PROBLEM_JSON, expect_problem, field_names
from tests.helpers import family_body, register_family

BEARER = [{"BearerToken": []}]
INT32_MAX = 2**31 - 1
ACCOUNT_PATHS = {
    "/api/v1/consent-policy",
    "/api/v1/users/me",
    "/api/v1/users/{user_id}/disable",
    "/api/v1/staff",
    "/api/v1/notifications",
    "/api/v1/notifications/read",
}


# --- problem details ----------------------------------------------------------------------


async def test_unknown_api_path_is_a_problem(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/api/v1/nope"), ("POST", "/api/v1/nope"), ("GET", "/api/v2/families")]:
        body = expect_problem(await client.request(method, path), 404, "not_found")
        assert body["type"] == "about:blank"
        assert body["title"] == body["detail"] == "没有找到"


async def test_method_not_allowed(client: httpx.AsyncClient) -> None:
    r = await client.delete("/api/v1/consent-policy")
    expect_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["allow"]
    expect_problem(await client.put("/api/v1/families"), 405, "method_not_allowed")


async def test_malformed_json_is_invalid_input(client: httpx.AsyncClient) -> None:
    json_header = {"content-type": "application/json"}
    for raw in [b"{not json", b'{"phone": "139', b"", b"[1, 2]", b"null", b'"a string"', b'{"phone": "\xff\xfe"}']:
        r = await client.post("/api/v1/families", content=raw, headers=json_header)
        body = expect_problem(r, 400, "invalid_input")
        assert isinstance(body["fields"], list), (raw, body)


async def test_wrong_types_name_the_fields(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/families", json={**family_body(), "phone": 13900001234})
    body = expect_problem(r, 400, "invalid_input")
    assert field_names(body) == {"phone"}
    assert body["fields"][0]["message"]

    r = await client.post("/api/v1/families", json={**family_body(), "children": [{"nickname": 7, "birth_month": 1}]})
    body = expect_problem(r, 400, "invalid_input")
    assert any(name.startswith("children[0].") for name in field_names(body)), body

    r = await client.post("/api/v1/families", json={"phone": "13900001234"})
    body = expect_problem(r, 400, "invalid_input")
    assert body["fields"], body

    r = await client.get("/api/v1/spaces", params={"limit": "many"})
    assert field_names(expect_problem(r, 400, "invalid_input")) == {"limit"}


async def test_domain_not_found_has_its_own_code(client: httpx.AsyncClient) -> None:
    body = expect_problem(await client.get("/api/v1/spaces/999999"), 404, "space_not_found")
    assert body["title"] == "没有找到这个空间"


async def test_authentication_and_permission_problems(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    expect_problem(await client.get("/api/v1/users/me"), 401, "not_authenticated")
    fam = await register_family(client)
    expect_problem(await client.post("/api/v1/staff", json={}, headers=fam["headers"]), 403, "forbidden")
    expect_problem(await client.get("/api/v1/families/me", headers=admin), 403, "forbidden")


async def no_server_errors(client: httpx.AsyncClient, requests: list[tuple[str, str, dict[str, Any]]]) -> None:
    """API.md: no request, however malformed, may produce a 500 (on either engine)."""
    server_errors = []
    for method, path, kw in requests:
        r = await client.request(method, path, **kw)
        if r.status_code >= 500:
            server_errors.append(f"{method} {path} {kw.get('json') or ''} -> {r.status_code}")
        elif r.status_code >= 400:
            assert r.headers["content-type"].startswith(PROBLEM_JSON), (method, path, r.text)
    assert not server_errors, "server errors:\n" + "\n".join(server_errors)


async def test_ids_beyond_the_integer_range_are_not_server_errors(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """Ids are 32-bit on PostgreSQL and 64-bit on SQLite; a bigger one is simply not found."""
    family = (await register_family(client))["headers"]
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for big in [INT32_MAX + 1, 2**63, 10**20]:
        requests += [
            ("GET", f"/api/v1/spaces/{big}", {}),
            ("PATCH", f"/api/v1/families/me/children/{big}", {"json": {"nickname": "x"}, "headers": family}),
            ("DELETE", f"/api/v1/families/me/children/{big}", {"headers": family}),
            ("POST", f"/api/v1/users/{big}/disable", {"headers": admin}),
        ]
    staff = {"login": "vol.big", "password": "staff-pass-1", "display_name": "x", "roles": ["volunteer"]}
    requests += [
        ("POST", "/api/v1/staff", {"json": {**staff, "space_ids": [INT32_MAX + 1]}, "headers": admin}),
        ("GET", "/api/v1/notifications?cursor=MjE0NzQ4MzY0OA", {"headers": family}),  # cursor of 2**31
        ("GET", "/api/v1/notifications?cursor=OTk5OTk5OTk5OTk5OTk5OTk5OQ", {"headers": family}),  # 10**20
    ]
    await no_server_errors(client, requests)


async def test_digits_that_are_not_ascii_are_refused_not_crashed(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    """'³' passes `str.isdigit()` but not `int()` (schemathesis found a 500 with `cursor=³`)."""
    r = await client.get("/api/v1/books", params={"cursor": "³", "limit": 32}, headers=admin)
    assert expect_problem(r, 400, "invalid_input")["fields"][0]["field"] == "cursor"
    expect_problem(await client.get("/api/v1/books", params={"cursor": "٣"}, headers=admin), 400, "invalid_input")
    await no_server_errors(
        client,
        [
            ("GET", "/api/v1/jobs/import-³", {"headers": admin}),
            ("GET", "/api/v1/jobs/posters-٣", {"headers": admin}),
            ("GET", "/api/v1/poster-exports/²³.pdf", {"headers": admin}),
        ],
    )


async def test_nul_characters_are_not_server_errors(client: httpx.AsyncClient) -> None:
    """PostgreSQL text cannot hold U+0000; such input must be refused, not crash."""
    family = (await register_family(client))["headers"]
    await no_server_errors(
        client,
        [
            ("POST", "/api/v1/families", {"json": {**family_body(), "guardian_name": "王\x00妈妈"}}),
            ("POST", "/api/v1/auth/tokens", {"json": {"login": "lib\x00wang", "password": "staff-pass-1"}}),
            (
                "POST",
                "/api/v1/families/me/children",
                {"json": {"nickname": "小\x00宝", "birth_month": "2022-01"}, "headers": family},
            ),
        ],
    )


# --- pages --------------------------------------------------------------------------------


async def test_html_404_for_a_page_path(client: httpx.AsyncClient) -> None:
    r = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().lower().startswith("<!doctype html")
    assert "没有找到" in r.text
    assert '"code"' not in r.text
    # Even a client asking for JSON gets the page outside /api.
    r = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")


async def test_html_page_needing_login_redirects(client: httpx.AsyncClient) -> None:
    r = await client.get("/family")
    assert r.status_code in (302, 303)
    assert r.headers["location"] == "/login?next=%2Ffamily"


# --- health -------------------------------------------------------------------------------


async def test_health_endpoints(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/readyz"):
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == {"status": "ok"}
    # No token needed, and a bad one does not matter either.
    r = await client.get("/readyz", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 200


# --- OpenAPI ------------------------------------------------------------------------------


async def test_openapi_security_follows_the_access_rules(client: httpx.AsyncClient) -> None:
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    paths = doc["paths"]

    public = [
        ("post", "/api/v1/families"),
        ("get", "/api/v1/consent-policy"),
        ("post", "/api/v1/auth/tokens"),
        ("get", "/api/v1/spaces"),
        ("get", "/api/v1/spaces/{space_id}"),
        ("get", "/healthz"),
        ("get", "/readyz"),
    ]
    protected = [
        ("get", "/api/v1/families/me"),
        ("delete", "/api/v1/families/me"),
        ("get", "/api/v1/families/me/export"),
        ("post", "/api/v1/families/me/children"),
        ("patch", "/api/v1/families/me/children/{child_id}"),
        ("delete", "/api/v1/families/me/children/{child_id}"),
        ("delete", "/api/v1/auth/tokens/current"),
        ("get", "/api/v1/users/me"),
        ("post", "/api/v1/users/{user_id}/disable"),
        ("post", "/api/v1/staff"),
        ("get", "/api/v1/notifications"),
        ("post", "/api/v1/spaces"),
    ]
    for method, path in public:
        assert paths[path][method]["security"] == [], (method, path)
    for method, path in protected:
        assert paths[path][method]["security"] == BEARER, (method, path)
    # Every operation says which it is.
    for path, item in paths.items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                assert operation.get("security") in ([], BEARER), (method, path)
    # HTML pages are not API operations.
    assert "/family" not in paths
    assert "/login" not in paths


async def test_openapi_security_matches_the_real_guard(client: httpx.AsyncClient) -> None:
    """What the document calls protected answers 401 without a token; what it calls public does not."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    concrete = {"{child_id}": "1", "{user_id}": "1", "{space_id}": "1", "{family_id}": "1"}
    checked = 0
    for path, item in paths.items():
        if not (path.startswith("/api/v1/families") or path.startswith("/api/v1/auth") or path in ACCOUNT_PATHS):
            continue
        url = path
        for name, value in concrete.items():
            url = url.replace(name, value)
        for method, operation in item.items():
            if not (isinstance(operation, dict) and "responses" in operation):
                continue
            r = await client.request(method.upper(), url, json={})
            if operation["security"] == BEARER:
                assert r.status_code == 401, (method, path, r.status_code)
            else:
                assert r.status_code != 401, (method, path, r.status_code)
            checked += 1
    assert checked >= 12


# --- English ------------------------------------------------------------------------------


def english(msgid: str) -> str:
    translated = catalogue("en").get(msgid)
    assert translated, f"no English for {msgid!r} in any package catalogue"
    return translated


async def test_api_errors_in_english_with_accept_language(client: httpx.AsyncClient) -> None:
    en = {"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"}
    body = expect_problem(await client.get("/api/v1/spaces/999999", headers=en), 404, "space_not_found")
    assert body["title"] == english("没有找到这个空间")

    body = expect_problem(await client.get("/api/v1/users/me", headers=en), 401, "not_authenticated")
    assert body["title"] == english("请先登录")

    r = await client.post("/api/v1/families", json=family_body(consent=False), headers=en)
    body = expect_problem(r, 400, "consent_required")
    assert body["title"] == english("登记孩子信息需要监护人同意隐私政策")

    r = await client.post("/api/v1/families", json={**family_body(), "phone": 1}, headers=en)
    body = expect_problem(r, 400, "invalid_input")
    assert body["title"] == english("输入有误")

    # Without the header: Simplified Chinese, the default.
    body = expect_problem(await client.get("/api/v1/spaces/999999"), 404, "space_not_found")
    assert body["title"] == "没有找到这个空间"


async def test_routing_errors_in_english_with_accept_language(client: httpx.AsyncClient) -> None:
    """404 for an unknown path and 405 come from the router, not from a handler: they must
    honour Accept-Language too."""
    en = {"Accept-Language": "en"}
    body = expect_problem(await client.get("/api/v1/nope", headers=en), 404, "not_found")
    assert body["title"] == english("没有找到")
    body = expect_problem(await client.delete("/api/v1/consent-policy", headers=en), 405, "method_not_allowed")
    assert body["title"] == english("不支持这种请求方式")


# --- a database going away ------------------------------------------------------------------


def test_what_counts_as_the_database_going_away() -> None:
    """asyncpg's errors when PostgreSQL shuts down under a pooled connection are 503s; the
    InternalClientError is the race the restart test hit (tests/live/test_database_down.py):
    the server's FATAL reached an idle connection just before a query was bound."""
    from asyncpg import exceptions as pg

    from app.errors import is_database_down

    race = pg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")
    assert is_database_down(race)
    assert is_database_down(pg.AdminShutdownError("terminating connection due to administrator command"))
    assert is_database_down(RuntimeError("wrapped")) is False
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = pg.CannotConnectNowError("the database system is shutting down")
    assert is_database_down(wrapped)
    assert is_database_down(pg.UniqueViolationError("duplicate key")) is False
    # asyncpg's other internal errors are bugs to see, not a database away.
    assert is_database_down(pg.InternalClientError("missing codec information for OID 1234")) is False
    assert is_database_down(pg.OutdatedSchemaCacheError("cached statement plan is invalid")) is False


def test_the_database_checks_look_inside_causes_contexts_and_groups() -> None:
    """`is_database_busy` and `is_database_down` walk what an exception wraps (app.errors
    `_wrapped`), each exception once, a cycle included."""
    import errno
    import sqlite3

    from asyncpg import exceptions as pg

    from app.errors import is_bad_value, is_database_busy, is_database_down, is_missing_reference

    locked = sqlite3.OperationalError("database is locked")
    outer = RuntimeError("outer")
    outer.__context__ = ExceptionGroup("several", [ValueError("other"), locked])
    assert is_database_busy(outer)
    assert not is_database_busy(sqlite3.OperationalError("no such table: x"))
    refused = OSError(errno.ECONNREFUSED, "refused")
    caused = RuntimeError("query failed")
    caused.__cause__ = refused
    assert is_database_down(caused)
    looped = RuntimeError("a")
    other = RuntimeError("b")
    looped.__context__, other.__context__ = other, looped
    assert not is_database_down(looped) and not is_database_busy(looped)
    assert is_bad_value(pg.DataError("bad")) and not is_bad_value(ValueError("bad"))
    assert is_missing_reference(pg.ForeignKeyViolationError("fk")) and not is_missing_reference(pg.DataError("x"))
