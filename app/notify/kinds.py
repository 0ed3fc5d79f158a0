"""How the domains' notices travel until each domain registers its own kinds with their
words (`app.kernel.notices.register` in the domain; a domain's registration replaces these).
Until then those notices are stored as finished sentences (`outbox.add`) and shown as
written; these entries give them a name in the family's preferences and an urgency."""

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, Urgency, get, register

PLACEHOLDERS = (
    NoticeKind("booking_confirmed", N_("预约成功")),
    NoticeKind("booking_waitlisted", N_("已加入候补名单"), urgency=Urgency.LOW),
    NoticeKind("waitlist_offer", N_("候补到位（需要尽快确认）"), urgency=Urgency.URGENT),
    NoticeKind("offer_expired", N_("候补名额过期")),
    NoticeKind("reminder_reminded_day", N_("活动前一天提醒")),
    NoticeKind("reminder_reminded_hours", N_("活动前 2 小时提醒")),
    NoticeKind("no_show", N_("预约未到")),
    NoticeKind("booking_suspended", N_("预约暂停")),
    NoticeKind("slot_cancelled", N_("活动取消")),
    NoticeKind("hold_ready", N_("预约的绘本到了")),
    NoticeKind("lead_reader_approved", N_("领读人申请通过")),
    NoticeKind("lead_reader_rejected", N_("领读人申请结果")),
)

register(*(kind for kind in PLACEHOLDERS if get(kind.kind) is None))
