"""Refusals of lending: the catalogue, copies, loans, holds, transfers and stocktakes.

Each says no in plain words: `title` is its short name, `default_detail` what it says when
raised without a detail of its own, and `message()` (the API's `detail`, the pages' alert)
says more where the refusal's extras allow (a limit, barcodes, a copy's status).
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.kernel.i18n import N_, gettext

# A copy's status in plain words (the templates say the same: lending/_parts.html).
COPY_STATUS = {
    "available": N_("在架可借"),
    "on_loan": N_("已借出"),
    "on_hold_shelf": N_("在预约架上"),
    "in_transit": N_("调拨途中"),
    "awaiting_shelving": N_("已还，待上架"),
    "missing": N_("丢失"),
    "damaged": N_("损坏"),
    "withdrawn": N_("已剔除"),
}


def status_words(status: str) -> str:
    return gettext(COPY_STATUS.get(status, status))


class LendingError(DomainError):
    """Base of every refusal lending gives."""

    default_detail: ClassVar[str | None] = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.default_detail, **extra)


class InvalidIsbn(LendingError, InvalidInput, code="invalid_isbn", title="ISBN 不正确"):
    default_detail = N_("ISBN 不正确，请检查后再输入（ISBN-10 和 ISBN-13 都可以）。")


class IsbnExists(LendingError, Conflict, code="isbn_exists", title="这个 ISBN 的绘本已经在书目中"): ...


class BookNotFound(LendingError, NotFound, code="book_not_found", title="没有找到这本绘本"): ...


class CopyNotFound(LendingError, NotFound, code="copy_not_found", title="没有找到这一册（条码不存在）"):
    default_detail = N_("没有找到这个条码，请检查后再扫一次。")

    def message(self) -> str:
        barcodes = self.extra.get("barcodes")
        if barcodes:
            return gettext("没有找到这些条码：%(codes)s") % {"codes": ", ".join(str(b) for b in barcodes[:10])}
        return super().message()


class LoanNotFound(LendingError, NotFound, code="loan_not_found", title="没有找到这笔借阅"): ...


class HoldNotFound(LendingError, NotFound, code="hold_not_found", title="没有找到这个预约借书"): ...


class IllegalTransition(LendingError, Conflict, code="illegal_transition", title="这一册当前的状态不允许这个操作"):
    default_detail = N_("这一册现在的状态不允许这个操作。")

    def message(self) -> str:
        if self.extra.get("barcode"):
            return gettext("%(barcode)s 现在不能这样处理（状态或所在空间不对）。") % {"barcode": self.extra["barcode"]}
        if self.extra.get("copy_status"):
            status = status_words(str(self.extra["copy_status"]))
            return gettext("这一册现在是“%(status)s”，不能这样操作。") % {"status": status}
        return super().message()


class CopyUnavailable(LendingError, Conflict, code="copy_unavailable", title="这一册现在不能借出"):
    default_detail = N_("这一册现在不能借出（可能已被借走或正在整理）。可以在绘本页预约，书到了会通知您。")


class LoanLimitReached(LendingError, Conflict, code="loan_limit_reached", title="在借的绘本已达上限，请先归还一些"):
    default_detail = N_("在借的绘本已达上限，请先归还一些再借。")

    def message(self) -> str:
        if self.extra.get("limit"):
            return gettext("在借的绘本最多 %(count)s 本，已达上限。请先归还一些再借。") % {"count": self.extra["limit"]}
        return super().message()


class FamilyBlocked(LendingError, Conflict, code="family_blocked", title="有绘本逾期超过 30 天，请先归还后再借"):
    default_detail = N_("有绘本已经逾期超过 30 天，请先归还后再借。")


class OnHoldForOther(LendingError, Conflict, code="on_hold_for_other", title="这一册已为其他家庭预留"):
    default_detail = N_("这一册已为其他家庭预留。可以在绘本页预约，书到了会通知您。")


class RenewalLimitReached(LendingError, Conflict, code="renewal_limit_reached", title="续借次数已用完"):
    default_detail = N_("这笔借阅的续借次数已用完，请按时归还。")


class NotPresent(LendingError, Forbidden, code="not_checked_in", title="自助借书需要先在这个空间扫码签到（3 小时内）"):
    default_detail = N_("自助借书要先签到：请先扫描这个空间阅读角的二维码签到（3 小时内有效），再扫这本书。")


class AlreadyHeld(LendingError, Conflict, code="already_held", title="您已经预约过这本绘本"):
    default_detail = N_("您已经预约过这本绘本了，可以在“预约借书”里查看排队位置。")


class TransferNotFound(LendingError, NotFound, code="transfer_not_found", title="没有找到这次调拨"): ...


class StocktakeNotFound(LendingError, NotFound, code="stocktake_not_found", title="没有找到这次盘点"): ...


class StocktakeClosed(LendingError, Conflict, code="stocktake_closed", title="这次盘点已经结束"): ...


class InvalidImage(
    LendingError, InvalidInput, code="invalid_image", title="图片无法使用（支持 5 MB 以内的 JPEG、PNG、WebP）"
): ...


class InvalidCsv(LendingError, InvalidInput, code="invalid_csv", title="CSV 文件无法读取"): ...
