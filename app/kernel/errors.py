"""Base domain errors. Each names a business fact and carries a stable `code`.

Services raise these. Every refusal derives from one of the categories below, and `STATUS`
is the one table that turns a category into an HTTP status: the API's problem details and
the pages both answer `status_for(exc)`, so a refusal has the same status everywhere.
`title` is the Simplified Chinese message (a gettext msgid, translated at the edge).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from app.kernel.i18n import current_locale, gettext

_CJK = re.compile(r"[\u3400-\u9fff]")


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "操作未能完成"

    def __init_subclass__(cls, *, code: str | None = None, title: str | None = None, **kwargs: Any) -> None:
        # A refusal is declared in one line: `class BookNotFound(LendingError, NotFound,
        # code="book_not_found", title="没有找到这本绘本"): ...`
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if title is not None:
            cls.title = title

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)

    def message(self) -> str:
        """The refusal in plain words, in the reader's language: what the API's `detail` and
        the pages say. A refusal that can say more from its extras (a limit, a barcode)
        overrides this; a detail built with numbers or names has no translation, so other
        languages get the translated title instead of Chinese."""
        text = gettext(self.detail)
        if text == self.detail and current_locale.get() != "zh-CN" and _CJK.search(text):
            return gettext(self.title)
        return text


class NotFound(DomainError, code="not_found", title="没有找到"): ...


class Forbidden(DomainError, code="forbidden", title="没有权限"): ...


class InvalidInput(DomainError, code="invalid_input", title="输入有误"):
    """Input that passed the schema but breaks a rule; `fields` names the offending ones."""

    def __init__(self, detail: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail, fields=fields or [])


class Conflict(DomainError, code="conflict", title="与当前状态冲突"): ...


class Unauthenticated(DomainError, code="not_authenticated", title="请先登录"):
    """The caller is not (or no longer) known: log in again."""


class Gone(DomainError, code="gone", title="已失效"):
    """The thing existed and was withdrawn for good (a reprinted code, an erased record)."""


class RateLimited(DomainError, code="too_many_requests", title="请求过于频繁，请稍后再试"):
    def __init__(self, detail: str | None = None, *, retry_after: int = 60) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(DomainError, code="unavailable", title="服务暂时不可用，请稍后再试"):
    """Something outside the service (an SMS provider) did not answer: nothing was done, try
    again in a moment."""


# Most specific first; the one map from a refusal's category to its HTTP status.
STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 400),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Gone, 410),
    (RateLimited, 429),
    (Conflict, 409),
    (Unavailable, 503),
)
CATEGORIES = tuple(cls for cls, _status in STATUS)


def status_for(exc: DomainError) -> int:
    """The HTTP status of a refusal (409 for one outside every category: a state conflict)."""
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 409)
