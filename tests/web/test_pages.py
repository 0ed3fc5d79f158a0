"""The family's HTML pages over ASGI, as a browser uses them: forms with CSRF, the session
cookie, redirects, and what ends up in the database."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.accounts.tables import Child, Consent, Family, User
from tests.helpers import FrozenClock, create_staff, next_phone, register_family
from tests.web.forms import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    log_in,
    log_out,
    register_in_browser,
    submit,
)
from tests.web.msgids import template_files

PASSWORD = "family-pass-1"

Browser = Callable[[str | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def fresh_browser(app: Any) -> AsyncIterator[Browser]:
    """Another browser on the same app, optionally holding a given session cookie."""
    clients: list[httpx.AsyncClient] = []

    async def make(session: str | None = None) -> httpx.AsyncClient:
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        if session is not None:
            c.headers["Cookie"] = f"{SESSION_COOKIE}={session}"
        clients.append(c)
        return c

    yield make
    for c in clients:
        await c.aclose()


async def counts() -> tuple[int, int, int]:
    return (await User.count(), await Family.count(), await Child.count())


async def children_of(phone: str) -> list[dict[str, Any]]:
    user = await User.select(User.family).where(User.login == phone).first()
    assert user is not None
    return list(await Child.select().where(Child.family == user["family"]).order_by(Child.id))


def session_of(response: httpx.Response) -> str:
    match = re.search(rf"{SESSION_COOKIE}=([^;]*)", response.headers.get("set-cookie", ""))
    assert match, response.headers
    return match.group(1)


async def space(clock: FrozenClock, name: str, street: str, kind: str = "ten_square", **kw: Any) -> int:
    from spaces.schemas import OpeningHoursIn, SpaceIn
    from spaces.services.spaces import create_space

    data = SpaceIn(
        name=name,
        kind=kind,  # type: ignore[arg-type]
        street=street,
        community=kw.get("community", f"{street}社区"),
        host_name=kw.get("host_name", f"{street}社区儿童之家"),
        address=kw.get("address", f"东城区{street}街道服务站一层"),
        capacity=kw.get("capacity", 12),
        opening_hours=[OpeningHoursIn(weekday=6, opens="09:30", closes="11:30")],
    )
    return await create_space(data, clock=clock)


# --- home and spaces -------------------------------------------------------------------------


async def test_home_lists_spaces_grouped_by_subdistrict(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    jixiang = await space(clock, "吉祥十平米阅读空间", "景山")
    fuxiang = await space(clock, "福祥十平米阅读空间", "交道口")
    base = await space(
        clock, "王府井新华书店家庭亲子阅读体验基地", "东华门", kind="reading_base", address="王府井大街 218 号"
    )
    sanyan = await space(clock, "三眼井十平米阅读空间", "景山")

    r = await client.get("/")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="zh-CN">' in html
    assert 'href="/register"' in html  # the call to sign up, for a visitor

    # The reading base comes first, in its own section, before the small spaces.
    bases_heading, small_heading = html.index("亲子阅读体验基地</h2>"), html.index("十平米阅读空间</h2>")
    assert bases_heading < html.index(f'href="/spaces/{base}"') < small_heading
    small = html[html.index("十平米阅读空间</h2>") :]
    assert f'href="/spaces/{base}"' not in small

    # One heading per subdistrict, each listing its own spaces.
    groups = dict(re.findall(r"<h3>(.+?)街道</h3>\s*<ul class=\"cards\">(.*?)</ul>", small, re.S))
    assert set(groups) == {"景山", "交道口"}
    assert f'href="/spaces/{jixiang}"' in groups["景山"]
    assert f'href="/spaces/{sanyan}"' in groups["景山"]
    assert f'href="/spaces/{fuxiang}"' in groups["交道口"]
    assert "吉祥社区" not in groups["交道口"]
    assert "景山社区儿童之家 · 东城区景山街道服务站一层" in groups["景山"]

    r = await client.get(f"/spaces/{jixiang}")
    assert r.status_code == 200
    assert "吉祥十平米阅读空间" in r.text
    assert "景山街道" in r.text
    assert "周六" in r.text
    assert "09:30–11:30" in r.text
    assert "可同时容纳 12 人" in r.text


async def test_home_without_spaces_says_so(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert "还没有空间。" in r.text


async def test_unknown_space_is_a_friendly_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/spaces/424242")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "没有找到这个空间" in r.text
    assert 'href="/"' in r.text


# --- registration ----------------------------------------------------------------------------


async def test_register_family_with_two_children_logs_the_browser_in(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    r = await register_in_browser(client, phone)
    assert r.status_code == 302, r.text
    assert r.headers["location"] == "/family?welcome=1"
    assert client.cookies.get(SESSION_COOKIE)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie

    user = await User.select().where(User.login == phone).first()
    assert user is not None
    assert user["roles"] == "family"
    assert user["display_name"] == "王妈妈"
    kids = await children_of(phone)
    assert [c["nickname"] for c in kids] == ["小雨", "豆豆"]
    assert [c["birth_month"].strftime("%Y-%m") for c in kids] == ["2021-05", "2023-09"]
    assert await Consent.count().where(Consent.family == user["family"]) == 1

    r = await client.get("/family")
    assert r.status_code == 200
    assert "小雨" in r.text
    assert "豆豆" in r.text
    assert "王妈妈" in r.text
    assert 'action="/logout"' in r.text  # the header offers to log out


async def test_register_with_children_but_without_consent_is_refused_kindly(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    r = await register_in_browser(client, phone, consent=False)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert '<p class="alert" role="alert"' in r.text
    assert "登记孩子信息需要监护人同意隐私政策" in r.text
    assert '<label class="check invalid">' in r.text  # the box to tick is highlighted
    # What the guardian typed is kept (but never the password), so they only tick the box.
    assert 'value="王妈妈"' in r.text
    assert 'value="小雨"' in r.text
    assert 'value="2023-09"' in r.text
    assert PASSWORD not in r.text
    assert await counts() == (0, 0, 0)
    assert not client.cookies.get(SESSION_COOKIE)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "手机号格式不正确"),
        ({"password": "short"}, "密码至少 8 位"),
        ({"guardian_name": "  "}, "请填写监护人姓名"),
        ({"child_nickname": ["", "豆豆"]}, "请填写孩子的昵称"),
        ({"child_birth_month": ["2021-05", "2030-01"]}, "出生年月格式应为 YYYY-MM"),
    ],
)
async def test_register_refusals_show_the_reason_and_create_nothing(
    client: httpx.AsyncClient, overrides: dict[str, Any], message: str
) -> None:
    fields = dict(overrides)
    r = await register_in_browser(client, fields.pop("phone", next_phone()), **fields)
    assert r.status_code == 400
    assert message in r.text
    assert 'aria-describedby="refusal"' in r.text
    if "phone" in overrides:
        assert re.search(r'id="phone"[^>]*aria-invalid="true"', r.text, re.S)
    assert await counts() == (0, 0, 0)


async def test_register_an_existing_phone_is_refused(client: httpx.AsyncClient, fresh_browser: Browser) -> None:
    phone = next_phone()
    assert (await register_in_browser(client, phone)).status_code == 302
    other = await fresh_browser(None)
    r = await register_in_browser(other, phone)
    assert r.status_code == 409
    assert "这个手机号已经注册过了" in r.text
    assert await counts() == (1, 1, 2)


async def test_register_without_children_needs_no_consent(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    r = await register_in_browser(client, phone, children=0, consent=False)
    assert r.status_code == 302, r.text
    r = await client.get("/family")
    assert "还没有添加孩子。" in r.text
    assert 'name="consent"' in r.text  # consent is asked for when the first child is added


# --- CSRF ------------------------------------------------------------------------------------


async def test_post_without_csrf_token_is_refused(client: httpx.AsyncClient) -> None:
    from tests.web.forms import family_form

    await client.get("/register")  # the browser has the CSRF cookie, but the form lacks the token
    assert client.cookies.get(CSRF_COOKIE)
    r = await client.post("/register", data=family_form(next_phone()))
    assert r.status_code == 403
    assert "页面已过期，请刷新后重试" in r.text
    assert await counts() == (0, 0, 0)

    # A forged token (well-formed, but not this browser's) is refused too.
    forged = "0" * 64 + "f" * 64
    r = await client.post("/register", data={**family_form(next_phone()), "_csrf_token": forged})
    assert r.status_code == 403
    assert await counts() == (0, 0, 0)


async def test_login_and_logout_need_csrf_too(client: httpx.AsyncClient, fresh_browser: Browser) -> None:
    phone = next_phone()
    await register_in_browser(client, phone)
    session = client.cookies.get(SESSION_COOKIE)

    stranger = await fresh_browser(None)
    r = await stranger.post("/login", data={"login": phone, "password": PASSWORD})
    assert r.status_code == 403
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")

    # A cross-site "log out" without the token does not end the session.
    r = await client.post("/logout")
    assert r.status_code == 403
    r = await (await fresh_browser(session)).get("/family")
    assert r.status_code == 200


def test_every_post_form_carries_the_csrf_input() -> None:
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, re.S | re.I):
            if re.search(r'method="post"', form, re.I):
                assert "{{ csrf_input | safe }}" in form, f"{path.name}: {form[:80]}"


# --- log in, log out, sessions ---------------------------------------------------------------


async def test_login_and_logout(client: httpx.AsyncClient, fresh_browser: Browser) -> None:
    phone = next_phone()
    await register_family(client, phone=phone)  # through the API: no browser session yet

    r = await client.get("/family")
    assert r.status_code == 302
    assert r.headers["location"] == "/login?next=%2Ffamily"

    r = await log_in(client, phone, "wrong-password")
    assert r.status_code == 401
    assert "账号或密码不正确" in r.text
    assert not client.cookies.get(SESSION_COOKIE)

    r = await log_in(client, phone, PASSWORD, next="/family")
    assert r.status_code == 302
    assert r.headers["location"] == "/family"
    session = client.cookies.get(SESSION_COOKIE)
    assert session
    r = await client.get("/family")
    assert r.status_code == 200
    assert "孩子1" in r.text
    assert "孩子2" in r.text

    r = await log_out(client)
    assert r.status_code == 302
    assert r.headers["location"] == "/"
    assert "max-age=0" in r.headers["set-cookie"].lower()
    assert not client.cookies.get(SESSION_COOKIE)
    r = await client.get("/family")
    assert r.status_code == 302
    assert r.headers["location"].startswith("/login")
    # The old cookie, replayed, is dead on the server too.
    r = await (await fresh_browser(session)).get("/family")
    assert r.status_code == 302


async def test_login_with_empty_fields_is_refused_kindly(client: httpx.AsyncClient) -> None:
    r = await submit(client, "/login", {"login": "", "password": ""}, page="/login")
    assert r.status_code == 400
    assert "请输入账号和密码" in r.text


async def test_session_id_rotates_at_every_login(client: httpx.AsyncClient, fresh_browser: Browser) -> None:
    phone = next_phone()
    await register_family(client, phone=phone)

    first = await log_in(client, phone, PASSWORD)
    assert first.status_code == 302
    old = session_of(first)
    second = await log_in(client, phone, PASSWORD)  # logging in again, with the old cookie sent
    assert second.status_code == 302
    new = session_of(second)
    assert new
    assert new != old
    assert client.cookies.get(SESSION_COOKIE) == new

    assert (await (await fresh_browser(old)).get("/family")).status_code == 302
    assert (await (await fresh_browser(new)).get("/family")).status_code == 200


async def test_a_session_id_planted_before_login_is_not_adopted(fresh_browser: Browser) -> None:
    """Session fixation: an attacker sets a known cookie in the victim's browser first."""
    phone = next_phone()
    planted = "attacker-chosen-session-id-0123456789abcdef"
    victim = await fresh_browser(planted)
    await register_family(victim, phone=phone)
    # The victim's browser sends the planted cookie (fixed header) with the CSRF cookie it gets.
    page = await victim.get("/login")
    token = page.cookies.get(CSRF_COOKIE) or victim.cookies.get(CSRF_COOKIE)
    assert token
    victim.headers["Cookie"] = f"{SESSION_COOKIE}={planted}; {CSRF_COOKIE}={token}"
    r = await victim.post("/login", data={"login": phone, "password": PASSWORD, "_csrf_token": token})
    assert r.status_code == 302
    issued = session_of(r)
    assert issued != planted
    assert (await (await fresh_browser(planted)).get("/family")).status_code == 302
    assert (await (await fresh_browser(issued)).get("/family")).status_code == 200


async def test_disabled_users_browser_session_is_logged_out(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    from app.accounts.services.users import disable_user

    phone = next_phone()
    await register_in_browser(client, phone)
    assert (await client.get("/family")).status_code == 200

    user = await User.select(User.id).where(User.login == phone).first()
    assert user is not None
    await disable_user(user["id"], clock=clock)

    r = await client.get("/family")
    assert r.status_code == 302
    assert r.headers["location"] == "/login?next=%2Ffamily"
    r = await client.get("/")
    assert 'href="/login"' in r.text  # the header no longer shows a logged-in family
    assert 'action="/logout"' not in r.text
    # Nor can the disabled user log in again.
    r = await log_in(client, phone, PASSWORD)
    assert r.status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "https://evil.example/family",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
async def test_login_next_only_allows_same_site_paths(client: httpx.AsyncClient, target: str) -> None:
    phone = next_phone()
    await register_family(client, phone=phone)
    page = await client.get(f"/login?next={quote(target, safe='')}")
    assert 'name="next" value="/"' in page.text
    r = await log_in(client, phone, PASSWORD, next=target)
    assert r.status_code == 302
    assert r.headers["location"] == "/"


async def test_login_next_keeps_a_same_site_path(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    await register_family(client, phone=phone)
    r = await client.get("/notifications")
    assert r.status_code == 302
    assert r.headers["location"] == "/login?next=%2Fnotifications"
    page = await client.get(r.headers["location"])
    assert 'name="next" value="/notifications"' in page.text
    r = await log_in(client, phone, PASSWORD, next="/notifications?page=2")
    assert r.headers["location"] == "/notifications?page=2"


# --- my family: children ---------------------------------------------------------------------


async def test_add_edit_and_delete_a_child(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    await register_in_browser(client, phone)
    assert len(await children_of(phone)) == 2

    r = await submit(client, "/family/children", {"nickname": "乐乐", "birth_month": "2020-02"}, page="/family")
    assert r.status_code == 302
    assert r.headers["location"] == "/family"
    kids = await children_of(phone)
    assert [c["nickname"] for c in kids] == ["小雨", "豆豆", "乐乐"]
    lele = kids[2]["id"]
    assert "乐乐" in (await client.get("/family")).text

    r = await submit(
        client,
        f"/family/children/{lele}",
        {"nickname": "乐乐宝", "birth_month": "2019-11", "action": "save"},
        page="/family",
    )
    assert r.status_code == 302
    row = (await children_of(phone))[2]
    assert row["nickname"] == "乐乐宝"
    assert row["birth_month"].strftime("%Y-%m") == "2019-11"
    page = (await client.get("/family")).text
    assert 'value="乐乐宝"' in page
    assert 'value="2019-11"' in page

    r = await submit(client, f"/family/children/{lele}", {"action": "delete"}, page="/family")
    assert r.status_code == 302
    assert [c["nickname"] for c in await children_of(phone)] == ["小雨", "豆豆"]
    assert "乐乐宝" not in (await client.get("/family")).text


async def test_child_form_refusals_keep_the_page(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    await register_in_browser(client, phone)
    kid = (await children_of(phone))[0]

    r = await submit(client, "/family/children", {"nickname": " ", "birth_month": "2020-02"}, page="/family")
    assert r.status_code == 400
    assert "请填写孩子的昵称" in r.text
    r = await submit(client, "/family/children", {"nickname": "星星", "birth_month": "1999-01"}, page="/family")
    assert r.status_code == 400
    assert "出生年月格式应为 YYYY-MM" in r.text
    assert 'value="星星"' in r.text  # what was typed stays in the form
    r = await submit(client, f"/family/children/{kid['id']}", {"nickname": "", "action": "save"}, page="/family")
    assert r.status_code == 400
    assert len(await children_of(phone)) == 2
    assert (await children_of(phone))[0]["nickname"] == "小雨"


async def test_first_child_of_a_family_without_consent_needs_the_box_ticked(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    await register_in_browser(client, phone, children=0, consent=False)
    r = await submit(client, "/family/children", {"nickname": "乐乐", "birth_month": "2020-02"}, page="/family")
    assert r.status_code == 400
    assert "登记孩子信息需要监护人同意隐私政策" in r.text
    assert await children_of(phone) == []

    from app.accounts.consent import CURRENT_POLICY

    r = await submit(
        client,
        "/family/children",
        {"nickname": "乐乐", "birth_month": "2020-02", "consent": "yes", "policy_version": CURRENT_POLICY.version},
        page="/family",
    )
    assert r.status_code == 302
    assert [c["nickname"] for c in await children_of(phone)] == ["乐乐"]
    assert 'name="consent"' not in (await client.get("/family")).text


async def test_another_familys_child_is_not_found(client: httpx.AsyncClient) -> None:
    other_phone = next_phone()
    await register_family(client, phone=other_phone)  # another family, through the API
    theirs = (await children_of(other_phone))[0]

    await register_in_browser(client, next_phone())
    for form in ({"nickname": "改名", "birth_month": "2020-01", "action": "save"}, {"action": "delete"}):
        r = await submit(client, f"/family/children/{theirs['id']}", form, page="/family")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("text/html")
        assert "没有找到这个孩子" in r.text

    unchanged = (await children_of(other_phone))[0]
    assert unchanged == theirs


async def test_family_pages_need_a_family_account(client: httpx.AsyncClient) -> None:
    await create_staff("librarian1", roles=("librarian",))
    r = await submit(
        client, "/login", {"login": "librarian1", "password": "staff-pass-1", "staff": "1"}, page="/staff/login"
    )
    assert r.status_code == 302
    r = await client.get("/family")
    assert r.status_code == 403
    assert "没有权限" in r.text
    assert 'href="/family"' not in r.text  # a staff member's header has no "my family"


async def test_family_data_export_downloads_json(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    assert (await client.get("/family/export")).status_code == 302
    await register_in_browser(client, phone)
    page = await client.get("/family")
    assert 'href="/family/export"' in page.text
    r = await client.get("/family/export")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert [c["nickname"] for c in data["children"]] == ["小雨", "豆豆"]
    assert all("password_hash" not in a for a in data["accounts"])


# --- staff login, notifications --------------------------------------------------------------


async def test_staff_login_page_renders(client: httpx.AsyncClient) -> None:
    r = await client.get("/staff/login")
    assert r.status_code == 200
    assert "<h1>工作人员登录</h1>" in r.text
    assert 'name="staff" value="1"' in r.text
    assert 'autocomplete="username"' in r.text
    assert 'name="_csrf_token"' in r.text
    assert "注册家庭账号" not in r.text.split("<main", 1)[1].split("</main>", 1)[0]

    await create_staff("volunteer1", roles=("volunteer",))
    r = await submit(
        client, "/login", {"login": "volunteer1", "password": "nope-nope", "staff": "1"}, page="/staff/login"
    )
    assert r.status_code == 401
    assert "<h1>工作人员登录</h1>" in r.text  # a failed staff login stays on the staff form
    assert 'value="volunteer1"' in r.text


async def test_notifications_show_the_welcome_message(client: httpx.AsyncClient, queue: Any) -> None:
    await register_in_browser(client, next_phone())
    await queue.drain()
    r = await client.get("/notifications")
    assert r.status_code == 200
    assert "欢迎加入故事角" in r.text
    assert "您的家庭账号已开通" in r.text
    assert 'class="card unread"' in r.text
    assert 'href="/family"' in r.text

    r = await submit(client, "/notifications/read", {}, page="/notifications")
    assert r.status_code == 302
    r = await client.get("/notifications")
    assert "欢迎加入故事角" in r.text
    assert "unread" not in r.text


async def test_notifications_need_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/notifications")
    assert r.status_code == 302
    assert r.headers["location"] == "/login?next=%2Fnotifications"


async def test_privacy_page_shows_the_policy(client: httpx.AsyncClient) -> None:
    from app.accounts.consent import CURRENT_POLICY

    r = await client.get("/privacy")
    assert r.status_code == 200
    assert CURRENT_POLICY.version in r.text
    assert "个人信息保护法" in r.text


async def test_the_privacy_page_says_what_is_kept_and_how_long(client: httpx.AsyncClient) -> None:
    r = await client.get("/privacy")
    assert r.status_code == 200
    assert "保存多久" in r.text
    assert "扫码记录（包括失败的扫码）：180 天。" in r.text and "登录尝试记录：30 天。" in r.text
