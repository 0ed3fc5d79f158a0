"""The lending domain's notice kinds (`app.kernel.notices`): a hold ready or expired, a loan
due or overdue, and copies left out by an erased family (to its space's librarians).
Registered when imported (by `reading.lending.services.reminders`)."""

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, register

_DUE = NoticeKind(
    "loan_due_2",
    N_("还书提醒"),
    title=N_("还书提醒：《{title}》"),
    body=N_("《{title}》将在 {due_on} 到期，可以在任一空间归还或续借。"),
    link="/loans",
)


def _overdue(days: int, label: str) -> NoticeKind:
    return NoticeKind(
        f"loan_overdue_{days}",
        label,
        title=N_("绘本已逾期 {days} 天：《{title}》"),
        body=N_("《{title}》已逾期 {days} 天，请尽快在任一空间归还。"),
        link="/loans",
    )


register(
    NoticeKind(
        "hold_ready",
        N_("预约的绘本到了"),
        title=N_("预约的绘本到了：{title}"),
        body=N_("《{title}》已放在{space}的预约架上，请在 {until_on} 前来借。"),
        link="/holds",
    ),
    NoticeKind(
        "hold_expired",
        N_("绘本预约过期"),
        title=N_("预约已过期：{title}"),
        body=N_("预约的绘本超过 {days} 天没有来借，已留给下一位家庭。需要的话可以重新预约。"),
        link="/holds",
    ),
    _DUE,
    _overdue(1, N_("逾期 1 天提醒")),
    _overdue(7, N_("逾期 7 天提醒")),
    _overdue(14, N_("逾期 14 天提醒")),
    NoticeKind(
        "lost_copies",
        N_("借出的绘本需按遗失处理"),
        title=N_("有借出的绘本需要按遗失处理"),
        body=N_("一个家庭删除了账号，它借走的 {count} 本绘本没有归还，请按遗失处理：{barcodes}"),
        link="/staff/lending",
        optional=False,
    ),
)
