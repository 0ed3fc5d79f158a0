"""The WeChat official account: web authorization (OAuth2 `snsapi_base`: a code for the
openid) and subscription messages (`subscribe/bizsend`) with the account's access token.

The access token is shared by every process through the database (`app_kv`): one process
refreshes it at a time (a lock row with a short lease), the others wait for the new one. A
token the API calls expired or invalid (40001, 42001) is refreshed once and the call tried
again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from app.accounts.errors import WeChatCodeInvalid
from app.kernel.db import is_unique_violation
from app.kernel.values import frozen
from app.notify.config import WeChatConfig
from app.notify.sms.base import SendResult, Status
from app.tables import KeyValue

log = logging.getLogger("storycorner.wechat")

TOKEN_KEY = "wechat:access_token"  # noqa: S105 (a key name)
LOCK_KEY = "wechat:access_token:lock"
LOCK_LEASE = timedelta(seconds=20)
EARLY = timedelta(minutes=5)  # refresh a little before WeChat's 2 hours run out
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid or expired access token
RETRY_ERRORS = {-1, 45009, 45011, 45047}  # system busy, call quotas


@frozen
class WeChatIdentity:
    openid: str
    unionid: str | None


class WeChatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatClient:
    def __init__(self, config: WeChatConfig) -> None:
        self.config = config

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        query = urlencode(
            {
                "appid": self.config.app_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": "snsapi_base",
                "state": state,
            }
        )
        return f"{self.config.oauth_url}/connect/oauth2/authorize?{query}#wechat_redirect"

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        import httpx  # with its TLS and parsers ~20 MB: imported by the first call, not at start

        async with httpx.AsyncClient(base_url=self.config.api_url, timeout=self.config.timeout) as http:
            response = await http.request(method, path, **kwargs)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        if data.get("errcode"):
            raise WeChatError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data

    async def identify(self, code: str) -> WeChatIdentity:
        """The openid (and unionid) for a web-authorization code; a code used already, expired
        or made up is refused (400 wechat_code_invalid)."""
        params = {
            "appid": self.config.app_id,
            "secret": self.config.app_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        try:
            data = await self._call("GET", "/sns/oauth2/access_token", params=params)
        except WeChatError as exc:
            log.info("WeChat refused an authorization code: %s", exc)
            raise WeChatCodeInvalid() from None
        return WeChatIdentity(openid=str(data["openid"]), unionid=data.get("unionid"))

    async def _fetch_token(self, now: datetime) -> str:
        params = {"grant_type": "client_credential", "appid": self.config.app_id, "secret": self.config.app_secret}
        data = await self._call("GET", "/cgi-bin/token", params=params)
        token = str(data["access_token"])
        expires_at = now + timedelta(seconds=int(data.get("expires_in", 7200))) - EARLY
        value = json.dumps({"token": token, "expires_at": expires_at.isoformat()}).encode()
        await KeyValue.delete().where(KeyValue.key == TOKEN_KEY)
        await KeyValue.insert(KeyValue(key=TOKEN_KEY, value=value, expires_at=expires_at))
        return token

    async def _cached(self, now: datetime) -> str | None:
        row = (
            await KeyValue.select(KeyValue.value)
            .where((KeyValue.key == TOKEN_KEY) & (KeyValue.expires_at > now))
            .first()
        )
        return str(json.loads(bytes(row["value"]))["token"]) if row else None

    async def access_token(self, now: datetime, *, stale: str | None = None) -> str:
        """The account's access token; `stale`: the one WeChat just refused (refresh it)."""
        for _ in range(50):
            token = await self._cached(now)
            if token is not None and token != stale:
                return token
            if await _lock(now):
                try:
                    token = await self._cached(now)  # another process may have refreshed meanwhile
                    if token is not None and token != stale:
                        return token
                    return await self._fetch_token(now)
                finally:
                    await KeyValue.delete().where(KeyValue.key == LOCK_KEY)
            await asyncio.sleep(0.1)  # someone else is refreshing: wait for it
        raise WeChatError(-1, "the access token is being refreshed elsewhere for too long")

    async def send(self, openid: str, template_id: str, data: dict[str, str], page: str, now: datetime) -> SendResult:
        """A subscription message (订阅通知) to a follower of the account."""
        import httpx

        body = {
            "touser": openid,
            "template_id": template_id,
            "page": page,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        stale: str | None = None
        for _ in range(2):
            token: str | None = None
            try:
                token = await self.access_token(now, stale=stale)
                await self._call(
                    "POST", "/cgi-bin/message/subscribe/bizsend", params={"access_token": token}, json=body
                )
                return SendResult(Status.SENT)
            except WeChatError as exc:
                if exc.errcode in TOKEN_ERRORS and token is not None and stale is None:
                    stale = token
                    continue
                status = Status.RETRY if exc.errcode in RETRY_ERRORS else Status.FAILED
                return SendResult(status, error=str(exc)[:500])
            except httpx.TimeoutException as exc:
                status = Status.RETRY if isinstance(exc, httpx.ConnectTimeout) else Status.UNKNOWN
                return SendResult(status, error=f"timeout: {exc!r}"[:500])
            except httpx.HTTPError as exc:
                return SendResult(Status.RETRY, error=f"unreachable: {exc!r}"[:500])
        return SendResult(Status.RETRY, error="the access token was refused twice")


async def _lock(now: datetime) -> bool:
    """Take the refresh lock (a row with a lease); a lease run out is taken over."""
    await KeyValue.delete().where((KeyValue.key == LOCK_KEY) & (KeyValue.expires_at < datetime.now(UTC)))
    try:
        await KeyValue.insert(KeyValue(key=LOCK_KEY, value=b"1", expires_at=datetime.now(UTC) + LOCK_LEASE))
    except Exception as exc:
        if is_unique_violation(exc):
            return False
        raise
    return True
