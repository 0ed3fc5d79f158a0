"""A WeChat official account's side of the platform, as documented:

- web authorization: `GET /connect/oauth2/authorize` (the browser; the follower agrees
  silently with `snsapi_base`) sends back to `redirect_uri?code=…&state=…`; the code is good
  once, for 5 minutes: `GET /sns/oauth2/access_token` with the app's secret answers the
  openid, a code used again `40163 code been used`, an unknown one `40029 invalid code`;
- the account's access token: `GET /cgi-bin/token` (`client_credential`), 2 hours;
- subscription messages: `POST /cgi-bin/message/subscribe/bizsend?access_token=…`: an
  expired token `42001`, an unknown one `40001`, an unknown openid `40003`, a template not
  the account's `40037`, a follower who refused `43101`, the call quota `45009`.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.fakes.base import Answer, FakeServer, Request

APP_ID = "wxfakestorycorner01"
APP_SECRET = "fake-wechat-app-secret-0000000001"
TEMPLATES = {"tmpl-waitlist-offer", "tmpl-booking-confirmed", "tmpl-reminder"}
CODE_TTL = 300


@dataclass
class Message:
    openid: str
    template_id: str
    data: dict[str, Any]
    page: str


def error(code: int, message: str) -> Answer:
    return Answer(body={"errcode": code, "errmsg": f"{message} rid: {secrets.token_hex(4)}"})


class FakeWeChat(FakeServer):
    """`follower` is the WeChat user in front of the browser; outcomes to script for
    bizsend: ok, throttled, refused, down."""

    def __init__(self) -> None:
        super().__init__()
        self.follower = "o-follower-" + secrets.token_hex(4)
        self.codes: dict[str, tuple[str, float]] = {}
        self.used: set[str] = set()
        self.tokens: dict[str, float] = {}  # access token -> expiry
        self.token_fetches = 0
        self.messages: list[Message] = []
        self.openids: set[str] = set()

    def code_for(self, openid: str) -> str:
        """What WeChat puts in the redirect after the follower `openid` agreed."""
        code = secrets.token_urlsafe(12)
        self.codes[code] = (openid, time.time() + CODE_TTL)
        self.openids.add(openid)
        return code

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = 0

    def handle(self, request: Request) -> Answer:
        routes = {
            "/connect/oauth2/authorize": self.authorize,
            "/sns/oauth2/access_token": self.oauth_token,
            "/cgi-bin/token": self.account_token,
            "/cgi-bin/message/subscribe/bizsend": self.bizsend,
        }
        route = routes.get(request.path)
        return route(request) if route else Answer(status=404, body={"errcode": 404, "errmsg": "not found"})

    def authorize(self, request: Request) -> Answer:
        q = request.query
        if q.get("appid") != APP_ID or q.get("response_type") != "code" or q.get("scope") != "snsapi_base":
            return Answer(
                status=200,
                body=b"<p>\xe5\x8f\x82\xe6\x95\xb0\xe9\x94\x99\xe8\xaf\xaf</p>",
                headers={"Content-Type": "text/html"},
            )
        target = (
            q["redirect_uri"] + "?" + urlencode({"code": self.code_for(self.follower), "state": q.get("state", "")})
        )
        return Answer(status=302, body=b"", headers={"Location": target})

    def oauth_token(self, request: Request) -> Answer:
        q = request.query
        if q.get("appid") != APP_ID:
            return error(40013, "invalid appid")
        if q.get("secret") != APP_SECRET:
            return error(40125, "invalid appsecret")
        code = q.get("code", "")
        if code in self.used:
            return error(40163, "code been used")
        openid, expires = self.codes.get(code, ("", 0.0))
        if not openid or expires < time.time():
            return error(40029, "invalid code")
        self.used.add(code)
        return Answer(
            body={
                "access_token": secrets.token_urlsafe(24),
                "expires_in": 7200,
                "refresh_token": secrets.token_urlsafe(24),
                "openid": openid,
                "scope": "snsapi_base",
            }
        )

    def account_token(self, request: Request) -> Answer:
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != APP_ID:
            return error(40013, "invalid appid")
        if q.get("secret") != APP_SECRET:
            return error(40125, "invalid appsecret")
        self.token_fetches += 1
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.time() + 7200
        return Answer(body={"access_token": token, "expires_in": 7200})

    def bizsend(self, request: Request) -> Answer:
        token = request.query.get("access_token", "")
        if token not in self.tokens:
            return error(40001, "invalid credential, access_token is invalid or not latest")
        if self.tokens[token] < time.time():
            return error(42001, "access_token expired")
        outcome = self.next_outcome()
        if outcome == "down":
            return Answer(status=503, body=b"service unavailable", headers={"Content-Type": "text/plain"})
        if outcome == "throttled":
            return error(45009, "reach max api daily quota limit")
        body = request.json()
        if body.get("touser") not in self.openids:
            return error(40003, "invalid openid")
        if body.get("template_id") not in TEMPLATES:
            return error(40037, "invalid template_id")
        if outcome == "refused":
            return error(43101, "user refuse to accept the msg")
        data = {key: value["value"] for key, value in (body.get("data") or {}).items()}
        self.messages.append(Message(body["touser"], body["template_id"], data, body.get("page", "")))
        return Answer(body={"errcode": 0, "errmsg": "ok"})
