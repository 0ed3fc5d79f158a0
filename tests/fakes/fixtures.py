"""Fixtures and helpers for the messaging tests: the fakes, settings pointing at them, an app
configured with them, codes read back from what the fakes (or the console) received, a
space and an activity to book."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.notify import channels
from app.notify.config import MessagingConfig, SmsConfig, WeChatConfig
from tests.fakes import aliyun, tencent, wechat
from tests.fakes.aliyun import FakeAliyunSms
from tests.fakes.tencent import FakeTencentSms
from tests.fakes.wechat import FakeWeChat
from tests.helpers import lifespan

SMS_TEMPLATES = {"code": "1100001", "waitlist_offer": "1100002", "booking_confirmed": "1100003"}
WECHAT_TEMPLATES = {"waitlist_offer": "tmpl-waitlist-offer", "booking_confirmed": "tmpl-booking-confirmed"}


@pytest.fixture
def tencent_sms() -> Iterator[FakeTencentSms]:
    with FakeTencentSms() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def aliyun_sms() -> Iterator[FakeAliyunSms]:
    with FakeAliyunSms() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    with FakeWeChat() as fake:
        yield fake  # type: ignore[misc]


def tencent_config(fake: FakeTencentSms, **overrides: Any) -> SmsConfig:
    values: dict[str, Any] = {
        "provider": "tencent",
        "secret_id": tencent.SECRET_ID,
        "secret_key": tencent.SECRET_KEY,
        "sdk_app_id": tencent.SDK_APP_ID,
        "sign_name": "故事角",
        "endpoint": fake.url,
        "templates": SMS_TEMPLATES,
        "timeout": 5,
        **overrides,
    }
    return SmsConfig(**values)


def aliyun_config(fake: FakeAliyunSms, **overrides: Any) -> SmsConfig:
    values: dict[str, Any] = {
        "provider": "aliyun",
        "secret_id": aliyun.ACCESS_KEY_ID,
        "secret_key": aliyun.ACCESS_KEY_SECRET,
        "sign_name": "故事角",
        "endpoint": fake.url,
        "templates": {k: f"SMS_{v}" for k, v in SMS_TEMPLATES.items()},
        "timeout": 5,
        **overrides,
    }
    return SmsConfig(**values)


def wechat_config(fake: FakeWeChat, **overrides: Any) -> WeChatConfig:
    values: dict[str, Any] = {
        "app_id": wechat.APP_ID,
        "app_secret": wechat.APP_SECRET,
        "templates": WECHAT_TEMPLATES,
        "oauth_url": fake.url,
        "api_url": fake.url,
        "timeout": 5,
        **overrides,
    }
    return WeChatConfig(**values)


def messaging(sms: SmsConfig | None = None, wechat: WeChatConfig | None = None) -> MessagingConfig:
    return MessagingConfig(sms=sms or SmsConfig(provider="console"), wechat=wechat or WeChatConfig())


def configure(settings: Any, config: MessagingConfig) -> Any:
    """Settings with this messaging, and this process's channels built from them."""
    configured = dataclasses.replace(settings, messaging=config)
    channels.configure(config, configured.base_url)
    return configured


@asynccontextmanager
async def app_client(
    settings: Any, clock: Any, queue: Any, config: MessagingConfig
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with this messaging, and a client for it (like the `client` fixture)."""
    from app.web.app import create_app

    application = create_app(configure(settings, config), clock=clock, queue=queue)
    async with lifespan(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    channels.configure(MessagingConfig(), settings.base_url)


def tencent_code(fake: FakeTencentSms, phone: str) -> str:
    sent = [s for s in fake.sent if s.phone == phone and s.template == SMS_TEMPLATES["code"]]
    assert sent, f"no code was sent to {phone}"
    return sent[-1].params[0]


def aliyun_code(fake: FakeAliyunSms, phone: str) -> str:
    sent = [s for s in fake.sent if s.phone == phone and s.template == f"SMS_{SMS_TEMPLATES['code']}"]
    assert sent, f"no code was sent to {phone}"
    return sent[-1].params["code"]


async def console_code(phone: str) -> str:
    """The last code the console provider "sent" to `phone`."""
    import re

    from app.notify.sms.console import latest

    for message in await latest(200):
        if message.phone == phone and (found := re.search(r"\b([0-9]{6})\b", message.text)):
            return found.group(1)
    raise AssertionError(f"no code was sent to {phone}")


def space_body(name: str = "吉祥十平米阅读空间") -> dict[str, Any]:
    """A small space open 09:00-17:00 every day (`POST /api/v1/spaces`)."""
    return {
        "name": name,
        "kind": "ten_square",
        "street": "景山",
        "address": "东城区景山街道吉祥社区",
        "capacity": 12,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
    }


def activity_body(title: str, starts: Any, capacity: int = 10) -> dict[str, Any]:
    """An activity of an hour with a waitlist (`POST /api/v1/spaces/{id}/slots`)."""
    return {
        "kind": "activity",
        "title": title,
        "theme": "nature",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "capacity": capacity,
        "waitlist": True,
    }
