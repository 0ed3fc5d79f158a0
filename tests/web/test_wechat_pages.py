"""WeChat log-in, binding and unbinding through the pages, against the fake WeChat: the
browser goes to the fake's authorization page and comes back with a code, as in WeChat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.accounts.tables import WeChatBinding
from app.notify.wechat import WeChatClient
from tests.fakes.fixtures import app_client, console_code, messaging, wechat_config
from tests.fakes.wechat import FakeWeChat
from tests.helpers import FrozenClock, register_family
from tests.web.forms import SESSION_COOKIE, log_out, submit

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile "
    "Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F30) NetType/WIFI Language/zh_CN"
)


@pytest.fixture
async def client(
    settings: Any, clock: FrozenClock, queue: Any, fake_wechat: FakeWeChat
) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings, clock, queue, messaging(wechat=wechat_config(fake_wechat))) as c:
        c.headers["user-agent"] = WECHAT_UA
        yield c


async def back_from_wechat(client: httpx.AsyncClient, fake: FakeWeChat, r: httpx.Response) -> httpx.Response:
    """Follow the app's redirect to WeChat's authorization and WeChat's back to the app."""
    assert r.status_code in (302, 303), r.text
    url = r.headers["location"].split("#", 1)[0]
    assert url.startswith(f"{fake.url}/connect/oauth2/authorize?"), url
    assert "scope=snsapi_base" in url
    async with httpx.AsyncClient() as wechat:
        back = await wechat.get(url)
    assert back.status_code == 302
    callback = back.headers["location"]
    assert callback.startswith("http://testserver/wechat/callback?")
    return await client.get(callback.removeprefix("http://testserver"))


async def bound_openids() -> list[str]:
    return [r["openid"] for r in await WeChatBinding.select(WeChatBinding.openid)]


async def test_first_wechat_log_in_binds_with_the_password_then_logs_in_by_wechat(
    client: httpx.AsyncClient, fake_wechat: FakeWeChat
) -> None:
    fam = await register_family(client)
    page = await client.get("/login")
    assert "微信一键登录" in page.text  # inside WeChat, with WeChat configured
    r = await back_from_wechat(client, fake_wechat, await client.get("/wechat/login?next=/bookings"))
    assert (r.status_code, r.headers["location"]) == (302, "/wechat/bind")
    assert "绑定微信" in (await client.get("/wechat/bind")).text
    r = await submit(client, "/wechat/bind", {"phone": fam["phone"], "password": fam["password"]}, page="/wechat/bind")
    assert (r.status_code, r.headers["location"]) == (302, "/bookings")
    assert await bound_openids() == [fake_wechat.follower]
    await log_out(client)
    # From now on WeChat logs the family in at once.
    r = await back_from_wechat(client, fake_wechat, await client.get("/wechat/login?next=/family"))
    assert (r.status_code, r.headers["location"]) == (302, "/family")
    assert client.cookies.get(SESSION_COOKIE)
    assert (await client.get("/family")).status_code == 200


async def test_binding_with_an_sms_code(client: httpx.AsyncClient, fake_wechat: FakeWeChat) -> None:
    fam = await register_family(client)
    await back_from_wechat(client, fake_wechat, await client.get("/wechat/login"))
    r = await submit(client, "/wechat/bind/code", {"phone": fam["phone"]}, page="/wechat/bind")
    assert r.status_code == 200 and 'name="sms_code"' in r.text
    code = await console_code(fam["phone"])
    r = await submit(client, "/wechat/bind", {"phone": fam["phone"], "sms_code": code}, page="/wechat/bind")
    assert r.status_code == 302, r.text
    assert await bound_openids() == [fake_wechat.follower]


async def test_a_replayed_wechat_code_is_refused(client: httpx.AsyncClient, fake_wechat: FakeWeChat) -> None:
    r = await client.get("/wechat/login")
    url = r.headers["location"].split("#", 1)[0]
    async with httpx.AsyncClient() as wechat:
        callback = (await wechat.get(url)).headers["location"].removeprefix("http://testserver")
    assert (await client.get(callback)).status_code == 302
    r = await client.get(callback)  # the same callback again: its state is spent
    assert r.status_code == 400 and "微信授权已失效" in r.text
    # The same code under a new state: WeChat answers 40163 "code been used".
    code = httpx.URL(callback).params["code"]
    r = await client.get("/wechat/login")
    state = httpx.URL(r.headers["location"].split("#", 1)[0]).params["state"]
    r = await client.get(f"/wechat/callback?code={code}&state={state}")
    assert r.status_code == 400
    r = await client.get("/wechat/callback?code=made-up&state=made-up")
    assert r.status_code == 400


async def test_a_wechat_bound_to_another_family_is_refused_and_nothing_is_bound(
    client: httpx.AsyncClient, fake_wechat: FakeWeChat
) -> None:
    first, second = await register_family(client), await register_family(client)
    await back_from_wechat(client, fake_wechat, await client.get("/wechat/login"))
    await submit(client, "/wechat/bind", {"phone": first["phone"], "password": first["password"]}, page="/wechat/bind")
    await log_out(client)
    # The same WeChat, now trying to bind the second family through "我的家庭".
    r = await submit(client, "/login", {"login": second["phone"], "password": second["password"]}, page="/login")
    assert r.status_code == 302
    r = await back_from_wechat(client, fake_wechat, await submit(client, "/family/wechat", {}, page="/family"))
    assert r.status_code == 409 and "这个微信已经绑定了另一个家庭账号" in r.text
    rows = await WeChatBinding.select(WeChatBinding.user, WeChatBinding.openid)
    assert len(rows) == 1 and rows[0]["openid"] == fake_wechat.follower


async def test_bind_from_my_family_then_unbind(client: httpx.AsyncClient, fake_wechat: FakeWeChat) -> None:
    fam = await register_family(client)
    r = await submit(client, "/login", {"login": fam["phone"], "password": fam["password"]}, page="/login")
    page = await client.get("/family")
    assert "绑定当前微信" in page.text
    r = await back_from_wechat(client, fake_wechat, await submit(client, "/family/wechat", {}, page="/family"))
    assert (r.status_code, r.headers["location"]) == (303, "/family")
    page = await client.get("/family")
    assert "解除微信绑定" in page.text
    channels = (await client.get("/api/v1/families/me/channels", headers=fam["headers"])).json()
    assert channels["wechat"]["bound"] is True
    r = await submit(client, "/family/wechat/unbind", {}, page="/family")
    assert r.status_code == 303
    assert await bound_openids() == []
    await log_out(client)
    r = await back_from_wechat(client, fake_wechat, await client.get("/wechat/login"))
    assert r.headers["location"] == "/wechat/bind"  # no longer logs in by WeChat


async def test_unbind_through_the_api(client: httpx.AsyncClient, fake_wechat: FakeWeChat, clock: FrozenClock) -> None:
    from app.accounts.services import wechat as bindings
    from app.accounts.tables import User

    fam = await register_family(client)
    user = await User.select(User.id).where(User.login == fam["phone"]).first()
    await bindings.bind(user["id"], "o-someone", None, clock=clock)
    assert (await client.delete("/api/v1/families/me/wechat", headers=fam["headers"])).status_code == 204
    r = await client.delete("/api/v1/families/me/wechat", headers=fam["headers"])
    assert r.status_code == 404 and r.json()["code"] == "wechat_not_bound"


async def test_the_wechat_button_only_inside_wechat(client: httpx.AsyncClient) -> None:
    page = await client.get("/login", headers={"user-agent": "Mozilla/5.0 (iPhone) Safari/604.1"})
    assert "微信一键登录" not in page.text


async def test_wechat_off_when_unset(client: httpx.AsyncClient, settings: Any, clock: FrozenClock, queue: Any) -> None:
    async with app_client(settings, clock, queue, messaging()) as plain:
        plain.headers["user-agent"] = WECHAT_UA
        assert "微信一键登录" not in (await plain.get("/login")).text
        r = await plain.get("/wechat/login")
        assert r.status_code == 404 and "微信登录没有开通" in r.text


async def test_the_account_token_is_refreshed_by_one_process_at_a_time(
    fake_wechat: FakeWeChat, clock: FrozenClock
) -> None:
    """Several processes (clients) asking at once for the account's token: one fetch."""
    config = wechat_config(fake_wechat)
    tokens = await asyncio.gather(*(WeChatClient(config).access_token(clock.now()) for _ in range(5)))
    assert len(set(tokens)) == 1
    assert fake_wechat.token_fetches == 1
    # A token WeChat called stale is refreshed once, whoever asks.
    fresh = await asyncio.gather(*(WeChatClient(config).access_token(clock.now(), stale=tokens[0]) for _ in range(3)))
    assert len(set(fresh)) == 1 and fresh[0] != tokens[0]
    assert fake_wechat.token_fetches == 2
