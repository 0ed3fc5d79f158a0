"""The spaces domain's notice kinds (`app.kernel.notices`): what a family is told about its
bookings, stored as a kind and parameters and worded in the reader's language at delivery.
Registered when imported (by `spaces.services.notices`)."""

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, Urgency, register

# Both reminders (a day, and two hours, before) say the same about coming and cancelling.
_REMINDER_BODY = N_("{starts_at} 在{space}。到场后请扫描阅读角的二维码签到；不能前来请提前取消，把名额留给其他家庭。")

register(
    NoticeKind(
        "booking_confirmed",
        N_("预约成功"),
        title=N_("预约成功：{title}"),
        body=N_("{starts_at}「{title}」，共 {people} 人。请在开始前后到场扫码签到。"),
    ),
    NoticeKind(
        "booking_waitlisted",
        N_("已加入候补名单"),
        title=N_("已加入候补：{title}"),
        body=N_("{starts_at}「{title}」已满，您在候补名单中；有空位时会通知您确认。"),
        urgency=Urgency.LOW,
    ),
    NoticeKind(
        "waitlist_offer",
        N_("候补到位（需要尽快确认）"),
        title=N_("候补到名额了：{title}"),
        body=N_("「{title}」有了空位，请在 {deadline_at} 前确认，过时名额将让给下一位候补家庭。"),
        urgency=Urgency.URGENT,
    ),
    NoticeKind(
        "offer_expired",
        N_("候补名额过期"),
        title=N_("候补名额已过期：{title}"),
        body=N_("您没有在规定时间内确认候补名额，名额已让给下一位候补家庭。"),
    ),
    NoticeKind(
        "reminder_reminded_day",
        N_("活动前一天提醒"),
        title=N_("活动提醒：明天「{title}」"),
        body=_REMINDER_BODY,
    ),
    NoticeKind(
        "reminder_reminded_hours",
        N_("活动前 2 小时提醒"),
        title=N_("活动提醒：2 小时后「{title}」"),
        body=_REMINDER_BODY,
    ),
    NoticeKind(
        "no_show",
        N_("预约未到"),
        title=N_("预约未到：{title}"),
        body=N_("您预约的 {starts_at}「{title}」没有签到，名额已释放给其他家庭。如不能前来，请提前取消。"),
    ),
    NoticeKind(
        "booking_suspended",
        N_("预约暂停"),
        title=N_("预约功能暂停通知"),
        body=N_(
            "近 {days} 天内有 {count} 次预约未到，预约功能暂停至 {until_at}。到期后自动恢复，期间仍可直接到空间阅读。"
        ),
    ),
    NoticeKind(
        "slot_cancelled",
        N_("活动取消"),
        title=N_("活动已取消：{title}"),
        body=N_("您预约的 {starts_at}「{title}」已取消，预约已自动取消。给您带来不便，敬请谅解。"),
    ),
    NoticeKind(
        "slot_closed",
        N_("空间闭馆，活动取消"),
        title=N_("空间闭馆，活动取消：{title}"),
        body=N_("{space}在 {starts_at} 闭馆（{reason}），「{title}」的预约已自动取消。给您带来不便，敬请谅解。"),
    ),
)
