"""Refusals of the reading programme: applications, lead readers, sessions, the reading log
and certificates."""

from app.kernel.errors import Conflict, DomainError, NotFound


class ProgrammeError(DomainError):
    """Base of every refusal the reading programme gives."""


class ApplicationNotFound(ProgrammeError, NotFound):
    code = "application_not_found"
    title = "没有找到这份申请"


class AlreadyDecided(ProgrammeError, Conflict):
    code = "already_decided"
    title = "这份申请已经处理过了"


class AlreadyApplied(ProgrammeError, Conflict):
    code = "already_applied"
    title = "您已经有一份待处理的申请"


class LeadReaderNotFound(ProgrammeError, NotFound):
    code = "lead_reader_not_found"
    title = "没有找到这位领读人"


class IllegalLeadReaderTransition(ProgrammeError, Conflict):
    code = "illegal_transition"
    title = "领读人当前的状态不允许这个变更"


class TrainingRequired(ProgrammeError, Conflict):
    code = "training_required"
    title = "见习领读人需要先参加领读人培训"


class SessionNotFound(ProgrammeError, NotFound):
    code = "session_not_found"
    title = "没有找到这条阅读活动记录"


class SessionLocked(ProgrammeError, Conflict):
    code = "session_locked"
    title = "阅读活动记录超过 7 天后不能再修改"


class DailyCapReached(ProgrammeError, Conflict):
    code = "daily_cap_reached"
    title = "今天记录的共读已经很多了，明天再来记录吧"


class CertificateNotFound(ProgrammeError, NotFound):
    code = "certificate_not_found"
    title = "没有找到这张证书"
