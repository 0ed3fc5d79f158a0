"""JSON API of logging in (API.md, Accounts): bearer tokens by password or SMS code, SMS
codes, password reset."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, post
from litestar.params import JSONBody

from app.accounts.errors import NotAuthenticated
from app.accounts.roles import PUBLIC
from app.accounts.schemas import PasswordReset, SmsCodeRequest, TokenOut, TokenRequest, TokenUser
from app.accounts.services import auth, preferences, sms_auth
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_, current_locale
from app.kernel.web import ClockDep
from app.notify import codes
from app.web.ratelimit import client_of


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("accounts",)

    @post("/tokens", opt=PUBLIC, status_code=201)
    async def create_token(
        self, data: JSONBody[TokenRequest], request: Request[Any, Any, Any], clock: ClockDep
    ) -> TokenOut:
        """Log in with `login` and `password`, or `phone` and `sms_code`: a bearer token for
        `Authorization: Bearer <token>`."""
        if data.phone is not None and data.sms_code is not None and data.login is None and data.password is None:
            user = await sms_auth.log_in(data.phone, data.sms_code, clock=clock)
        elif data.login is not None and data.password is not None and data.phone is None and data.sms_code is None:
            user = await auth.authenticate(data.login, data.password, client=client_of(request), clock=clock)
        else:
            raise InvalidInput(
                N_("请提供账号和密码，或者手机号和短信验证码"),
                fields=[{"field": "body", "message": "login+password or phone+sms_code"}],
            )
        if "family" in user.roles.split():
            await preferences.remember_locale(user.id, current_locale.get(), clock=clock)
        issued = await auth.issue_token(user.id, clock=clock)
        return TokenOut(
            token=issued.token,
            expires_at=issued.expires_at.isoformat(),
            user=TokenUser(id=user.id, roles=user.roles.split(), family_id=user.family),
        )

    @delete("/tokens/current", status_code=204)
    async def revoke_token(self, request: Request[Any, Any, Any], clock: ClockDep) -> None:
        """Log out this token."""
        info = request.scope.get("auth") or {}
        if info.get("kind") != "token":
            raise NotAuthenticated()
        await auth.revoke_token(info["token"], now=clock.now())

    @post("/sms-codes", opt=PUBLIC, status_code=202)
    async def sms_code(
        self, data: JSONBody[SmsCodeRequest], request: Request[Any, Any, Any], clock: ClockDep
    ) -> Response[dict[str, str]]:
        """Send a 6-digit code (valid 5 minutes, 5 tries) to log in, reset the password or
        register. The answer is the same whether or not the phone has an account."""
        await codes.request_code(
            data.phone, data.purpose, client=client_of(request), locale=current_locale.get(), clock=clock
        )
        return Response({"status": "accepted"}, status_code=202)

    @post("/password-reset", opt=PUBLIC, status_code=204)
    async def password_reset(self, data: JSONBody[PasswordReset], clock: ClockDep) -> None:
        """Set a new password with a code (purpose `reset`); every session and token ends."""
        await sms_auth.reset_password(data.phone, data.sms_code, data.new_password, clock=clock)
