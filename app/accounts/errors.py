"""Refusals of the identity domain."""

from app.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
)


class AccountsError(DomainError):
    """Base of every refusal the accounts domain gives."""


class PhoneTaken(AccountsError, Conflict, code="phone_taken", title="这个手机号已经注册过了"): ...


class LoginTaken(AccountsError, Conflict, code="login_taken", title="这个用户名已被使用"): ...


class ConsentRequired(
    AccountsError, InvalidInput, code="consent_required", title="登记孩子信息需要监护人同意隐私政策"
): ...


class BadCredentials(AccountsError, Unauthenticated, code="bad_credentials", title="账号或密码不正确"): ...


class NotAuthenticated(AccountsError, Unauthenticated, code="not_authenticated", title="请先登录"): ...


class TooManyAttempts(AccountsError, RateLimited, code="too_many_attempts", title="登录尝试次数过多，请稍后再试"): ...


class ChildNotFound(AccountsError, NotFound, code="child_not_found", title="没有找到这个孩子"): ...


class FamilyNotFound(AccountsError, NotFound, code="family_not_found", title="没有找到这个家庭"): ...


class UserNotFound(AccountsError, NotFound, code="user_not_found", title="没有找到这个用户"): ...


class TooManyChildren(AccountsError, Conflict, code="too_many_children", title="一个家庭最多登记 8 个孩子"): ...


class WeakPassword(AccountsError, InvalidInput, code="weak_password", title="密码太容易被猜到"):
    def __init__(self, detail: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, fields=fields or [{"field": "password", "message": "too weak"}])


class TooManyCodes(AccountsError, RateLimited, code="too_many_codes", title="验证码发送太频繁，请稍后再试"): ...


class BadCode(AccountsError, Unauthenticated, code="bad_code", title="验证码不正确或已过期"): ...


class SmsUnavailable(AccountsError, Unavailable, code="sms_unavailable", title="短信暂时发送不了，请稍后再试"): ...


class WeChatTaken(AccountsError, Conflict, code="wechat_taken", title="这个微信已经绑定了另一个家庭账号"): ...


class WeChatCodeInvalid(
    AccountsError, InvalidInput, code="wechat_code_invalid", title="微信授权已失效，请重新进入"
): ...


class WeChatUnavailable(AccountsError, NotFound, code="wechat_unavailable", title="微信登录没有开通"): ...


class WeChatNotBound(AccountsError, NotFound, code="wechat_not_bound", title="这个账号还没有绑定微信"): ...


class PasswordChangeRequired(AccountsError, Forbidden, code="password_change_required", title="请先修改初始密码"): ...


class LastAdmin(AccountsError, Conflict, code="last_admin", title="不能停用最后一位在职的区管理员"): ...


class WrongPassword(AccountsError, InvalidInput, code="wrong_password", title="当前密码不正确"):
    def __init__(self, detail: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, fields=fields or [{"field": "current_password", "message": "does not match"}])


class SamePassword(AccountsError, InvalidInput, code="weak_password", title="新密码不能和当前密码相同"):
    def __init__(self, detail: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, fields=fields or [{"field": "password", "message": "same as the current one"}])
