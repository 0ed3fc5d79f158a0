"""Refusals of the reading domain."""

from app.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class ReadingError(DomainError):
    """Base of every refusal the reading domain gives."""


class InvalidIsbn(ReadingError, InvalidInput):
    code = "invalid_isbn"
    title = "ISBN 不正确"


class IsbnExists(ReadingError, Conflict):
    code = "isbn_exists"
    title = "这个 ISBN 的绘本已经在书目中"


class BookNotFound(ReadingError, NotFound):
    code = "book_not_found"
    title = "没有找到这本绘本"


class CopyNotFound(ReadingError, NotFound):
    code = "copy_not_found"
    title = "没有找到这一册（条码不存在）"


class LoanNotFound(ReadingError, NotFound):
    code = "loan_not_found"
    title = "没有找到这笔借阅"


class HoldNotFound(ReadingError, NotFound):
    code = "hold_not_found"
    title = "没有找到这个预约借书"


class IllegalTransition(ReadingError, Conflict):
    code = "illegal_transition"
    title = "这一册当前的状态不允许这个操作"


class CopyUnavailable(ReadingError, Conflict):
    code = "copy_unavailable"
    title = "这一册现在不能借出"


class LoanLimitReached(ReadingError, Conflict):
    code = "loan_limit_reached"
    title = "在借的绘本已达上限，请先归还一些"


class FamilyBlocked(ReadingError, Conflict):
    code = "family_blocked"
    title = "有绘本逾期超过 30 天，请先归还后再借"


class OnHoldForOther(ReadingError, Conflict):
    code = "on_hold_for_other"
    title = "这一册已为其他家庭预留"


class RenewalLimitReached(ReadingError, Conflict):
    code = "renewal_limit_reached"
    title = "续借次数已用完"


class NotPresent(ReadingError, Forbidden):
    code = "not_checked_in"
    title = "自助借书需要先在这个空间扫码签到（3 小时内）"


class AlreadyHeld(ReadingError, Conflict):
    code = "already_held"
    title = "您已经预约过这本绘本"


class TransferNotFound(ReadingError, NotFound):
    code = "transfer_not_found"
    title = "没有找到这次调拨"


class StocktakeNotFound(ReadingError, NotFound):
    code = "stocktake_not_found"
    title = "没有找到这次盘点"


class StocktakeClosed(ReadingError, Conflict):
    code = "stocktake_closed"
    title = "这次盘点已经结束"


class InvalidImage(ReadingError, InvalidInput):
    code = "invalid_image"
    title = "图片无法使用（支持 5 MB 以内的 JPEG、PNG、WebP）"


class InvalidCsv(ReadingError, InvalidInput):
    code = "invalid_csv"
    title = "CSV 文件无法读取"


class ApplicationNotFound(ReadingError, NotFound):
    code = "application_not_found"
    title = "没有找到这份申请"


class AlreadyDecided(ReadingError, Conflict):
    code = "already_decided"
    title = "这份申请已经处理过了"


class AlreadyApplied(ReadingError, Conflict):
    code = "already_applied"
    title = "您已经有一份待处理的申请"


class LeadReaderNotFound(ReadingError, NotFound):
    code = "lead_reader_not_found"
    title = "没有找到这位领读人"


class IllegalLeadReaderTransition(ReadingError, Conflict):
    code = "illegal_transition"
    title = "领读人当前的状态不允许这个变更"


class TrainingRequired(ReadingError, Conflict):
    code = "training_required"
    title = "见习领读人需要先参加领读人培训"


class SessionNotFound(ReadingError, NotFound):
    code = "session_not_found"
    title = "没有找到这条阅读活动记录"


class SessionLocked(ReadingError, Conflict):
    code = "session_locked"
    title = "阅读活动记录超过 7 天后不能再修改"


class DailyCapReached(ReadingError, Conflict):
    code = "daily_cap_reached"
    title = "今天记录的共读已经很多了，明天再来记录吧"


class CertificateNotFound(ReadingError, NotFound):
    code = "certificate_not_found"
    title = "没有找到这张证书"
