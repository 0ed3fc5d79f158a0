"""The statistics' notice kinds (`app.kernel.notices`): a quiet site, told to the district
admins' inbox once per episode. Registered when imported."""

from dataclasses import replace

from app.kernel.i18n import N_
from app.kernel.notices import NoticeKind, Urgency, register

NO_CHECK_IN = NoticeKind(
    kind="quiet_site_no_check_in",
    label=N_("阅读空间冷清提醒"),
    title=N_("阅读空间冷清：{space}"),
    body=N_("{space}（{street}）已有 {days} 个开放日没有签到。"),
    link="/staff/stats",
    urgency=Urgency.LOW,
)
# The same notice, for a site whose check-ins fell below half its usual.
BELOW_USUAL = replace(
    NO_CHECK_IN,
    kind="quiet_site_below_usual",
    body=N_("{space}（{street}）最近四周签到 {recent} 人次，不到平时（约 {usual} 人次）的一半。"),
)

register(NO_CHECK_IN, BELOW_USUAL)
