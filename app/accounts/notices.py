"""The identity domain's notice kinds (`app.kernel.notices`): registered when imported."""

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, Urgency, register

WELCOME = NoticeKind(
    kind="welcome",
    label=N_("欢迎消息"),
    title=N_("欢迎加入故事角"),
    body=N_("您的家庭账号已开通。可以查找附近的阅读空间、预约活动、扫码签到和借阅绘本。"),
    link="/family",
    urgency=Urgency.LOW,
)

register(WELCOME)
