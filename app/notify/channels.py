"""The outside channels behind one interface: SMS and WeChat (the inbox is written with the
notice itself, in `delivery`). A channel says whether it can reach a recipient with a kind
(configured, an address, a template) and sends one rendered notice.

`configure()` builds them from the settings once per process (`app.runtime`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from app.accounts.services.preferences import Recipient
from app.kernel import notices
from app.kernel.i18n import N_
from app.kernel.notices import Rendered
from app.kernel.values import frozen
from app.notify.config import MessagingConfig, SmsConfig
from app.notify.sms.base import SendResult, SmsMessage, SmsProvider
from app.notify.wechat import WeChatClient

THING = 20  # WeChat's "thing" fields hold 20 characters


@frozen
class Outgoing:
    kind: str
    params: dict[str, Any]
    rendered: Rendered


class Channel(Protocol):
    name: str
    provider: str

    def reaches(self, recipient: Recipient, kind: str) -> bool: ...

    async def send(self, recipient: Recipient, notice: Outgoing, now: datetime) -> SendResult: ...


def sms_text(title: str, body: str, locale: str) -> str:
    separator = "：" if locale == "zh-CN" else ": "
    return f"{title}{separator}{body}" if body else title


class SmsChannel:
    name = "sms"

    def __init__(self, provider: SmsProvider, config: SmsConfig) -> None:
        self.sms = provider
        self.provider = provider.name
        self.templates = config.templates

    def reaches(self, recipient: Recipient, kind: str) -> bool:
        return bool(recipient.phone) and (self.provider == "console" or kind in self.templates)

    async def send(self, recipient: Recipient, notice: Outgoing, now: datetime) -> SendResult:
        assert recipient.phone is not None
        entry = notices.get(notice.kind)
        names = entry.sms_params if entry else ("title",)
        # The template's variables: the notice's parameters as the recipient reads them, and
        # `title` and `body`, the notice's own words.
        shown = {
            **notices.shown(notice.params, recipient.preferences.locale),
            "title": notice.rendered.title,
            "body": notice.rendered.body,
        }
        message = SmsMessage(
            phone=recipient.phone,
            template=self.templates.get(notice.kind, ""),
            params=tuple(str(shown.get(name, "")) for name in names),
            names=names,
            text=sms_text(notice.rendered.title, notice.rendered.body, recipient.preferences.locale),
            kind=notice.kind,
        )
        return await self.sms.send(message)


class WeChatChannel:
    """Subscription messages: a template with a title (`thing1`) and a line of detail
    (`thing2`); a tap opens the notice's page on the site."""

    name = "wechat"
    provider = "wechat"

    def __init__(self, client: WeChatClient, base_url: str) -> None:
        self.client = client
        self.templates = client.config.templates
        self.base_url = base_url

    def reaches(self, recipient: Recipient, kind: str) -> bool:
        return bool(recipient.openid) and kind in self.templates

    async def send(self, recipient: Recipient, notice: Outgoing, now: datetime) -> SendResult:
        assert recipient.openid is not None
        data = {"thing1": notice.rendered.title[:THING], "thing2": notice.rendered.body[:THING]}
        page = f"{self.base_url}{notice.rendered.link or '/notifications'}"
        return await self.client.send(recipient.openid, self.templates[notice.kind], data, page, now)


@dataclass(slots=True)
class _Configured:
    channels: dict[str, Channel]
    sms: SmsProvider | None
    sms_templates: dict[str, str]
    wechat: WeChatClient | None


_configured = _Configured(channels={}, sms=None, sms_templates={}, wechat=None)


def sms_provider_for(config: SmsConfig) -> SmsProvider | None:
    if config.provider == "tencent":
        from app.notify.sms.tencent import TencentProvider

        return TencentProvider(config)
    if config.provider == "aliyun":
        from app.notify.sms.aliyun import AliyunProvider

        return AliyunProvider(config)
    if config.provider == "console":
        from app.notify.sms.console import ConsoleProvider

        return ConsoleProvider()
    return None


def configure(config: MessagingConfig, base_url: str) -> None:
    """Build the channels of this process from the settings."""
    global _configured
    channels: dict[str, Channel] = {}
    sms = sms_provider_for(config.sms)
    if sms is not None:
        channels["sms"] = SmsChannel(sms, config.sms)
    wechat = WeChatClient(config.wechat) if config.wechat.enabled else None
    if wechat is not None:
        channels["wechat"] = WeChatChannel(wechat, base_url)
    _configured = _Configured(channels, sms, dict(config.sms.templates), wechat)


def channels() -> dict[str, Channel]:
    return dict(_configured.channels)


def sms() -> tuple[SmsProvider | None, dict[str, str]]:
    """The SMS provider (None when SMS is off) and its templates."""
    return _configured.sms, _configured.sms_templates


def wechat() -> WeChatClient | None:
    """The official account's client, None when WeChat is off."""
    return _configured.wechat


CODE_TEXT = N_("【故事角】您的验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。")
