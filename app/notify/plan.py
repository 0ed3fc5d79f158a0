"""Which outside channels a notice takes, and when: the family's preferences and the kind's
urgency decide; no SMS between 21:00 and 08:00 (local time) except for urgent kinds (a
waitlist offer): such an SMS waits for the morning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta

from app.accounts.services.preferences import Recipient
from app.kernel import notices
from app.kernel.clock import local_zone
from app.kernel.notices import Urgency
from app.notify.channels import Channel

QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
PREFERRED = ("wechat", "sms")  # for a NORMAL notice: the first that reaches the family


def quiet(moment: datetime) -> bool:
    local = moment.astimezone(local_zone()).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def morning_after(moment: datetime) -> datetime:
    """The end of the quiet hours `moment` falls in."""
    local = moment.astimezone(local_zone())
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, local_zone())


def urgency(kind: str) -> Urgency:
    entry = notices.get(kind)
    return entry.urgency if entry else Urgency.NORMAL


def when(channel: str, kind: str, moment: datetime) -> datetime:
    """The first moment `channel` may carry a notice of `kind` at or after `moment`."""
    if channel == "sms" and urgency(kind) is not Urgency.URGENT and quiet(moment):
        return morning_after(moment)
    return moment


def channels_for(kind: str, recipient: Recipient, available: Mapping[str, Channel]) -> list[str]:
    """The outside channels for this notice (the inbox always has it)."""
    level = urgency(kind)
    prefs = recipient.preferences
    entry = notices.get(kind)
    if level is Urgency.LOW or (kind in prefs.opt_outs and (entry is None or entry.optional)):
        return []
    wanted = {"sms": prefs.sms, "wechat": prefs.wechat}
    reachable = [
        name
        for name in PREFERRED
        if wanted.get(name) and name in available and available[name].reaches(recipient, kind)
    ]
    return reachable if level is Urgency.URGENT else reachable[:1]
