"""Posting HTML forms like a browser: CSRF cookie from a GET, `_csrf_token` in the form."""

from __future__ import annotations

from typing import Any

import httpx

from app.accounts.consent import CURRENT_POLICY

CSRF_COOKIE = "csrftoken"
SESSION_COOKIE = "sc_session"


async def csrf_token(client: httpx.AsyncClient, page: str) -> str:
    """Open the form page (as a browser would) and return the CSRF cookie it set or kept."""
    r = await client.get(page)
    assert r.status_code == 200, (page, r.status_code)
    token = client.cookies.get(CSRF_COOKIE)
    assert token, "the form page did not set a CSRF cookie"
    assert f'name="_csrf_token" value="{token}"' in r.text, "the form does not carry the CSRF token"
    return token


async def submit(client: httpx.AsyncClient, action: str, data: dict[str, Any], *, page: str) -> httpx.Response:
    """GET `page`, then POST its form to `action` with the CSRF token (lists are repeated fields)."""
    token = await csrf_token(client, page)
    return await client.post(action, data={**data, "_csrf_token": token})


def family_form(phone: str, *, children: int = 2, consent: bool = True, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "guardian_name": "王妈妈",
        "phone": phone,
        "password": "family-pass-1",
        "child_nickname": ["小雨", "豆豆"][:children],
        "child_birth_month": ["2021-05", "2023-09"][:children],
        "policy_version": CURRENT_POLICY.version,
    }
    if consent:
        form["consent"] = "yes"
    form.update(overrides)
    return form


async def register_in_browser(client: httpx.AsyncClient, phone: str, **kw: Any) -> httpx.Response:
    return await submit(client, "/register", family_form(phone, **kw), page="/register")


async def log_in(client: httpx.AsyncClient, login: str, password: str, *, next: str | None = None) -> httpx.Response:
    data = {"login": login, "password": password}
    if next is not None:
        data["next"] = next
    return await submit(client, "/login", data, page="/login")


async def log_out(client: httpx.AsyncClient) -> httpx.Response:
    return await submit(client, "/logout", {}, page="/")
