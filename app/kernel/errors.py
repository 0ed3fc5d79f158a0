"""Base domain errors. Each names a business fact and carries a stable `code`.

Services raise these; `app.errors` alone decides which HTTP status each becomes.
`title` is the Simplified Chinese message (a gettext msgid, translated at the edge).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "操作未能完成"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    title = "没有找到"


class Forbidden(DomainError):
    code = "forbidden"
    title = "没有权限"


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule; `fields` names the offending ones."""

    code = "invalid_input"
    title = "输入有误"

    def __init__(self, detail: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, fields=fields or [])


class Conflict(DomainError):
    code = "conflict"
    title = "与当前状态冲突"


class RateLimited(DomainError):
    code = "too_many_requests"
    title = "请求过于频繁，请稍后再试"

    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after
