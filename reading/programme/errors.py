"""Refusals of the reading programme: applications, lead readers, sessions, the reading log
and certificates.

`title` is the refusal's short name; `default_detail`, where a class has one, is the refusal
in plain words (what the pages and the API's `detail` say when the raise gives no detail of
its own). Both are gettext msgids, translated by `DomainError.message()`.
"""

from typing import Any, ClassVar

from app.kernel.errors import Conflict, DomainError, NotFound
from app.kernel.i18n import N_


class ProgrammeError(DomainError):
    """Base of every refusal the reading programme gives."""

    default_detail: ClassVar[str | None] = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.default_detail, **extra)


class ApplicationNotFound(ProgrammeError, NotFound, code="application_not_found", title="没有找到这份申请"): ...


class AlreadyDecided(ProgrammeError, Conflict, code="already_decided", title="这份申请已经处理过了"):
    default_detail = N_("这份申请已经有人处理过了，下面是最新的情况。")


class AlreadyApplied(ProgrammeError, Conflict, code="already_applied", title="您已经有一份待处理的申请"): ...


class LeadReaderNotFound(ProgrammeError, NotFound, code="lead_reader_not_found", title="没有找到这位领读人"): ...


class IllegalLeadReaderTransition(
    ProgrammeError, Conflict, code="illegal_transition", title="领读人当前的状态不允许这个变更"
):
    default_detail = N_("领读人现在的状态不能这样变更（已退出的领读人不能再恢复）。")


class TrainingRequired(ProgrammeError, Conflict, code="training_required", title="见习领读人需要先参加领读人培训"):
    default_detail = N_("见习领读人要先参加一次领读人培训活动（并签到），才能转为正式领读人。")


class SessionNotFound(ProgrammeError, NotFound, code="session_not_found", title="没有找到这条阅读活动记录"): ...


class SessionLocked(ProgrammeError, Conflict, code="session_locked", title="阅读活动记录超过 7 天后不能再修改"):
    default_detail = N_("这条记录已超过 7 天，不能再修改了。如需更正，请联系馆员。")


class DailyCapReached(
    ProgrammeError, Conflict, code="daily_cap_reached", title="今天记录的共读已经很多了，明天再来记录吧"
): ...


class CertificateNotFound(ProgrammeError, NotFound, code="certificate_not_found", title="没有找到这张证书"): ...
