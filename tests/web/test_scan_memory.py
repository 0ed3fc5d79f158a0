"""The scan remembered across log-in: a family scans a corner's live code, logs in (password,
SMS, WeChat) or registers, and lands back on that check-in, even though the live code
expired meanwhile; after 10 minutes, or for a code not valid when scanned, it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect

from app.kernel.web import SCAN_COOKIE, remember_scan
from tests.fakes.fixtures import app_client, console_code, messaging, space_body, wechat_config
from tests.fakes.wechat import FakeWeChat
from tests.helpers import FrozenClock, next_phone, register_family, staff_headers
from tests.web.forms import family_form, submit
from tests.web.test_wechat_pages import WECHAT_UA, back_from_wechat


@pytest.fixture
async def client(
    settings: Any, clock: FrozenClock, queue: Any, fake_wechat: FakeWeChat
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, clock, queue, messaging(wechat=wechat_config(fake_wechat))) as c:
        yield c


@pytest.fixture
async def live_token(client: httpx.AsyncClient) -> str:
    """A corner's live code, as its screen shows it now (valid one minute)."""
    admin = await staff_headers(client, "scanadmin")
    space_id = (await client.post("/api/v1/spaces", json=space_body(), headers=admin)).json()["id"]
    r = await client.post(f"/api/v1/spaces/{space_id}/corners", json={"name": "绘本架"}, headers=admin)
    corner_id = r.json()["id"]
    r = await client.get(f"/api/v1/spaces/{space_id}/corners/{corner_id}/live-token", headers=admin)
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def scan(client: httpx.AsyncClient, token: str) -> None:
    """What a phone not logged in does: open the code, be sent to log in."""
    r = await client.get(f"/q/{token}")
    assert (r.status_code, r.headers["location"]) == (302, f"/login?next=/q/{token}")
    r = await client.get(r.headers["location"])
    assert r.status_code == 200


async def checks_in(client: httpx.AsyncClient, target: str) -> None:
    """The page landed on is the corner's check-in, and checking in there works."""
    page = await client.get(target)
    assert page.status_code == 200, page.text
    assert "绘本架" in page.text
    r = await submit(client, target, {}, page=target)
    assert r.status_code == 200, r.text


async def test_sms_log_in_lands_on_the_scan_though_the_live_code_expired(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str
) -> None:
    fam = await register_family(client)
    await scan(client, live_token)
    clock.advance(minutes=5)  # the live code is long expired
    assert (await client.get(f"/q/{live_token}")).status_code == 400
    await submit(client, "/login/sms/code", {"phone": fam["phone"]}, page="/login/sms")
    data = {"phone": fam["phone"], "sms_code": await console_code(fam["phone"]), "next": f"/q/{live_token}"}
    r = await submit(client, "/login/sms", data, page="/login/sms")
    assert r.status_code == 302
    target = r.headers["location"]
    assert target.startswith("/q/") and target != f"/q/{live_token}"  # a fresh code for the same corner
    await checks_in(client, target)


async def test_password_log_in_lands_on_the_scan(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str
) -> None:
    fam = await register_family(client)
    await scan(client, live_token)
    clock.advance(seconds=30)  # still valid: the same code
    data = {"login": fam["phone"], "password": fam["password"], "next": "/"}  # the next was lost on the way
    r = await submit(client, "/login", data, page="/login")
    assert r.headers["location"] == f"/q/{live_token}"
    await checks_in(client, r.headers["location"])


async def test_registration_lands_on_the_scan(client: httpx.AsyncClient, clock: FrozenClock, live_token: str) -> None:
    await scan(client, live_token)
    r = await client.get(f"/register?next=/q/{live_token}")
    assert r.status_code == 200
    clock.advance(minutes=3)
    r = await submit(client, "/register", {**family_form(next_phone()), "next": "/family"}, page="/register")
    assert r.status_code == 302
    assert r.headers["location"].startswith("/q/")
    await checks_in(client, r.headers["location"])


async def test_wechat_log_in_lands_on_the_scan(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str, fake_wechat: FakeWeChat
) -> None:
    fam = await register_family(client)
    client.headers["user-agent"] = WECHAT_UA
    await scan(client, live_token)
    clock.advance(minutes=4)
    r = await back_from_wechat(client, fake_wechat, await client.get(f"/wechat/login?next=/q/{live_token}"))
    assert r.headers["location"] == "/wechat/bind"  # first time: bind, then land
    r = await submit(client, "/wechat/bind", {"phone": fam["phone"], "password": fam["password"]}, page="/wechat/bind")
    assert r.status_code == 302 and r.headers["location"].startswith("/q/")
    await checks_in(client, r.headers["location"])


async def test_after_ten_minutes_the_scan_is_forgotten(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str
) -> None:
    fam = await register_family(client)
    await scan(client, live_token)
    clock.advance(minutes=10, seconds=1)
    data = {"login": fam["phone"], "password": fam["password"], "next": f"/q/{live_token}"}
    r = await submit(client, "/login", data, page="/login")
    assert r.headers["location"] == f"/q/{live_token}"  # the code as asked: now invalid
    assert (await client.get(r.headers["location"])).status_code == 400


async def test_a_code_expired_before_the_scan_is_not_remembered(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str
) -> None:
    fam = await register_family(client)
    clock.advance(minutes=2)  # a photo of the live screen, used later
    r = await client.get(f"/login?next=/q/{live_token}")
    assert "sc_scan" not in r.headers.get("set-cookie", "")
    data = {"login": fam["phone"], "password": fam["password"], "next": f"/q/{live_token}"}
    r = await submit(client, "/login", data, page="/login")
    assert r.headers["location"] == f"/q/{live_token}"
    assert (await client.get(r.headers["location"])).status_code == 400


async def test_going_elsewhere_on_purpose_wins(client: httpx.AsyncClient, clock: FrozenClock, live_token: str) -> None:
    fam = await register_family(client)
    await scan(client, live_token)
    data = {"login": fam["phone"], "password": fam["password"], "next": "/bookings"}
    r = await submit(client, "/login", data, page="/login")
    assert r.headers["location"] == "/bookings"


async def test_the_scan_page_remembers_the_time_of_the_scan(
    client: httpx.AsyncClient, clock: FrozenClock, live_token: str, settings: Any
) -> None:
    """What the /q/ page does for a visitor not logged in (`app.kernel.web.remember_scan`):
    the scan's own time counts, however long the log-in takes (here 9 minutes, the live
    code long expired before the log-in page was even opened)."""

    @get("/q/{token:str}")
    async def scan_page(token: FromPath[str], request: Request[Any, Any, Any]) -> Redirect:
        return await remember_scan(request, token, now=clock.now())

    store = client._transport.app.state.session_store  # type: ignore[attr-defined]
    page = Litestar(route_handlers=[scan_page], state=State({"session_store": store, "settings": settings}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=page), base_url="http://testserver") as phone:
        r = await phone.get(f"/q/{live_token}")
    assert (r.status_code, r.headers["location"]) == (302, f"/login?next=/q/{live_token}")
    client.cookies.set(SCAN_COOKIE, r.cookies[SCAN_COOKIE])

    fam = await register_family(client)
    clock.advance(minutes=9)
    data = {"login": fam["phone"], "password": fam["password"], "next": f"/q/{live_token}"}
    r = await submit(client, "/login", data, page=f"/login?next=/q/{live_token}")
    assert r.status_code == 302 and r.headers["location"].startswith("/q/")
    assert r.headers["location"] != f"/q/{live_token}"
    await checks_in(client, r.headers["location"])
