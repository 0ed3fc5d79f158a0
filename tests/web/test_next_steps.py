"""After registering and after a staff log-in there is a next step (issue 15, item 9), on
both engines: a new family lands on its page welcomed, with "找一个阅读空间"; staff going
nowhere in particular land on their 工作台 (/staff), staff going somewhere still get there,
and families still land on the home page."""

from __future__ import annotations

import httpx

from tests.helpers import create_staff, next_phone
from tests.web.forms import log_in, log_out, register_in_browser


async def test_a_new_family_is_welcomed_with_the_next_step(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    r = await register_in_browser(client, phone)
    assert (r.status_code, r.headers["location"]) == (302, "/family?welcome=1")
    page = await client.get(r.headers["location"])
    assert "欢迎加入！" in page.text and 'href="/">找一个阅读空间' in page.text.replace("\n", "")
    assert "欢迎加入！" not in (await client.get("/family")).text, "only right after registering"

    await log_out(client)
    r = await log_in(client, phone, "family-pass-1")
    assert r.headers["location"] == "/", "a family logging in lands on the home page"


async def test_staff_land_on_their_workbench(client: httpx.AsyncClient) -> None:
    await create_staff("landing-lib", roles=("librarian",))
    r = await log_in(client, "landing-lib", "staff-pass-1")
    assert (r.status_code, r.headers["location"]) == (302, "/staff")
    await log_out(client)
    r = await log_in(client, "landing-lib", "staff-pass-1", next="/staff/scan")
    assert r.headers["location"] == "/staff/scan"
