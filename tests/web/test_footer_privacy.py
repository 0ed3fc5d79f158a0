"""The footer and the privacy page (issue 15, item 20): "工作人员登录" is offered to anonymous
visitors only, never to someone already logged in (a family, a librarian, an admin); the
privacy page names its responsible person once, not under a title that the person's own
words repeat."""

from __future__ import annotations

import httpx

from tests.helpers import create_staff, next_phone
from tests.web.forms import log_in, log_out, register_in_browser

STAFF_LOGIN = 'href="/staff/login"'


async def test_staff_login_in_the_footer_only_for_anonymous_visitors(client: httpx.AsyncClient) -> None:
    for page in ("/", "/privacy", "/books"):
        r = await client.get(page)
        assert r.status_code == 200 and STAFF_LOGIN in r.text, page

    phone = next_phone()
    assert (await register_in_browser(client, phone)).status_code in (200, 302, 303)
    await log_in(client, phone, "family-pass-1")
    for page in ("/", "/privacy", "/family", "/loans"):
        r = await client.get(page)
        assert r.status_code == 200 and STAFF_LOGIN not in r.text, f"a family is offered the staff login on {page}"
    await log_out(client)

    await create_staff("footer-admin")
    r = await log_in(client, "footer-admin", "staff-pass-1")
    assert r.status_code in (200, 302, 303)
    for page in ("/", "/privacy", "/staff/lending"):
        r = await client.get(page)
        assert r.status_code == 200 and STAFF_LOGIN not in r.text, f"an admin is offered the staff login on {page}"


async def test_the_privacy_page_says_its_responsible_person_once(client: httpx.AsyncClient) -> None:
    r = await client.get("/privacy")
    assert r.status_code == 200
    main = r.text.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert main.count("个人信息保护负责人") == 1, "the privacy page doubles its title"
    assert "东城区妇联家庭教育工作部" in main
    r = await client.get("/privacy?lang=en")
    main = r.text.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert main.lower().count("personal information protection officer") == 1
    assert "Family Education Department" in main
