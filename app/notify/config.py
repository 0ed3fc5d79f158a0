"""Messaging settings: which SMS provider, its keys, sign and templates; the WeChat official
account. Read with the other settings (`app.settings`); a wrong value stops the process with
a message naming the variable. See docs/messaging.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from urllib.parse import urlsplit

from app.kernel.values import frozen

SMS_PROVIDERS = ("console", "tencent", "aliyun", "off")


class ConfigError(ValueError):
    """A messaging variable is wrong; the message names it."""


@frozen
class SmsConfig:
    provider: str = "console"
    secret_id: str = ""  # Tencent SecretId / Alibaba AccessKey ID
    secret_key: str = ""  # Tencent SecretKey / Alibaba AccessKey secret
    sdk_app_id: str = ""  # Tencent SmsSdkAppId
    sign_name: str = ""
    region: str = "ap-guangzhou"
    endpoint: str = ""  # empty: the provider's own; a URL such as http://127.0.0.1:9001 for a fake
    templates: Mapping[str, str] = field(default_factory=dict)  # notice kind (or "code") → template id
    timeout: float = 10.0


@frozen
class WeChatConfig:
    app_id: str = ""
    app_secret: str = ""
    templates: Mapping[str, str] = field(default_factory=dict)  # notice kind → subscription template id
    oauth_url: str = "https://open.weixin.qq.com"
    api_url: str = "https://api.weixin.qq.com"
    timeout: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.app_id and self.app_secret)


@frozen
class MessagingConfig:
    sms: SmsConfig = field(default_factory=SmsConfig)
    wechat: WeChatConfig = field(default_factory=WeChatConfig)


def _templates(env: Mapping[str, str], name: str) -> dict[str, str]:
    """`kind=template_id,kind=template_id`, e.g. `code=1234567,waitlist_offer=1234568`."""
    raw = env.get(name, "").strip()
    templates: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        kind, sep, template = part.partition("=")
        if not sep or not kind.strip() or not template.strip():
            raise ConfigError(f"{name} must look like code=1234567,waitlist_offer=1234568, got {raw!r}")
        templates[kind.strip()] = template.strip()
    return templates


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).rstrip("/")
    if value and (urlsplit(value).scheme not in {"http", "https"} or not urlsplit(value).netloc):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _sms(env: Mapping[str, str]) -> SmsConfig:
    provider = (env.get("SMS_PROVIDER") or "console").strip().lower()
    if provider not in SMS_PROVIDERS:
        raise ConfigError(f"SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {provider!r}")
    config = SmsConfig(
        provider=provider,
        secret_id=env.get("SMS_SECRET_ID", ""),
        secret_key=env.get("SMS_SECRET_KEY", ""),
        sdk_app_id=env.get("SMS_SDK_APP_ID", ""),
        sign_name=env.get("SMS_SIGN_NAME", ""),
        region=env.get("SMS_REGION") or "ap-guangzhou",
        endpoint=_url(env, "SMS_ENDPOINT", ""),
        templates=_templates(env, "SMS_TEMPLATES"),
    )
    needed = {"tencent": ("SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_SDK_APP_ID", "SMS_SIGN_NAME")}.get(
        provider, ("SMS_SECRET_ID", "SMS_SECRET_KEY", "SMS_SIGN_NAME") if provider == "aliyun" else ()
    )
    missing = [name for name in needed if not env.get(name)]
    if missing:
        raise ConfigError(f"SMS_PROVIDER={provider} needs {', '.join(missing)}")
    if provider in {"tencent", "aliyun"} and "code" not in config.templates:
        raise ConfigError("SMS_TEMPLATES needs code=<template id> (the verification-code template)")
    return config


def _wechat(env: Mapping[str, str]) -> WeChatConfig:
    config = WeChatConfig(
        app_id=env.get("WECHAT_APP_ID", ""),
        app_secret=env.get("WECHAT_APP_SECRET", ""),
        templates=_templates(env, "WECHAT_TEMPLATES"),
        oauth_url=_url(env, "WECHAT_OAUTH_URL", "https://open.weixin.qq.com"),
        api_url=_url(env, "WECHAT_API_URL", "https://api.weixin.qq.com"),
    )
    if bool(config.app_id) != bool(config.app_secret):
        raise ConfigError("WECHAT_APP_ID and WECHAT_APP_SECRET go together (both set, or neither: WeChat off)")
    return config


def load(env: Mapping[str, str]) -> MessagingConfig:
    return MessagingConfig(sms=_sms(env), wechat=_wechat(env))
