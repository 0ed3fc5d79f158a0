"""Refusals of lending: the catalogue, copies, loans, holds, transfers and stocktakes."""

from app.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class LendingError(DomainError):
    """Base of every refusal lending gives."""


class InvalidIsbn(LendingError, InvalidInput):
    code = "invalid_isbn"
    title = "ISBN 不正确"


class IsbnExists(LendingError, Conflict):
    code = "isbn_exists"
    title = "这个 ISBN 的绘本已经在书目中"


class BookNotFound(LendingError, NotFound):
    code = "book_not_found"
    title = "没有找到这本绘本"


class CopyNotFound(LendingError, NotFound):
    code = "copy_not_found"
    title = "没有找到这一册（条码不存在）"


class LoanNotFound(LendingError, NotFound):
    code = "loan_not_found"
    title = "没有找到这笔借阅"


class HoldNotFound(LendingError, NotFound):
    code = "hold_not_found"
    title = "没有找到这个预约借书"


class IllegalTransition(LendingError, Conflict):
    code = "illegal_transition"
    title = "这一册当前的状态不允许这个操作"


class CopyUnavailable(LendingError, Conflict):
    code = "copy_unavailable"
    title = "这一册现在不能借出"


class LoanLimitReached(LendingError, Conflict):
    code = "loan_limit_reached"
    title = "在借的绘本已达上限，请先归还一些"


class FamilyBlocked(LendingError, Conflict):
    code = "family_blocked"
    title = "有绘本逾期超过 30 天，请先归还后再借"


class OnHoldForOther(LendingError, Conflict):
    code = "on_hold_for_other"
    title = "这一册已为其他家庭预留"


class RenewalLimitReached(LendingError, Conflict):
    code = "renewal_limit_reached"
    title = "续借次数已用完"


class NotPresent(LendingError, Forbidden):
    code = "not_checked_in"
    title = "自助借书需要先在这个空间扫码签到（3 小时内）"


class AlreadyHeld(LendingError, Conflict):
    code = "already_held"
    title = "您已经预约过这本绘本"


class TransferNotFound(LendingError, NotFound):
    code = "transfer_not_found"
    title = "没有找到这次调拨"


class StocktakeNotFound(LendingError, NotFound):
    code = "stocktake_not_found"
    title = "没有找到这次盘点"


class StocktakeClosed(LendingError, Conflict):
    code = "stocktake_closed"
    title = "这次盘点已经结束"


class InvalidImage(LendingError, InvalidInput):
    code = "invalid_image"
    title = "图片无法使用（支持 5 MB 以内的 JPEG、PNG、WebP）"


class InvalidCsv(LendingError, InvalidInput):
    code = "invalid_csv"
    title = "CSV 文件无法读取"
