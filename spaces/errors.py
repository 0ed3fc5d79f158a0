"""Refusals of the spaces domain. Each says itself in plain words (`message()`): the API's
`detail` and the pages show the same text; a refusal whose extras tell more (a time, a
limit, the places left) says it with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from app.kernel.clock import local_zone
from app.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from app.kernel.i18n import N_, gettext


def local_moment(value: Any) -> str:
    """A moment of an extra (ISO text or a datetime) as the pages show it: `11-28 10:30`."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return str(moment.astimezone(local_zone()).strftime("%m-%d %H:%M"))


class SpacesError(DomainError):
    """Base of every refusal the spaces domain gives. `words`: what it says when raised
    without a detail of its own (the title otherwise); `said`: (an extra, a placeholder, a
    msgid with it) what it says when raised with that extra."""

    words: ClassVar[str] = ""
    said: ClassVar[tuple[str, str, str] | None] = None

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.words or None, **extra)

    def message(self) -> str:
        if self.said is None or self.extra.get(self.said[0]) is None:
            return super().message()
        key, name, msgid = self.said
        value = self.extra[key]
        return gettext(msgid) % {name: local_moment(value) if key.endswith(("_at", "_until")) else value}


class SpaceNotFound(SpacesError, NotFound, code="space_not_found", title="没有找到这个空间"): ...


class InvalidOpeningHours(SpacesError, InvalidInput, code="invalid_input", title="开放时间不正确"): ...


class SlotNotFound(SpacesError, NotFound, code="slot_not_found", title="没有找到这个时段"): ...


class BookingNotFound(SpacesError, NotFound, code="booking_not_found", title="没有找到这个预约"): ...


class NotStaffOfSpace(SpacesError, Forbidden, code="forbidden", title="您不负责这个空间"): ...


TOO_MANY = N_(
    "您这次一共 %(party)s 人（大人和孩子都算），比剩下的 %(remaining)s 个位置多：少选几位再预约，或者看看其他时间。"
)


class SlotFull(SpacesError, Conflict, code="slot_full", title="名额已满"):
    """Extras `remaining` and `party`: the places left and the party that asked for more."""

    words = N_("这个时段已经约满了，看看其他时间吧。")

    def message(self) -> str:
        remaining, party = self.extra.get("remaining"), self.extra.get("party")
        if not remaining or not party or party <= remaining:
            return super().message()
        return gettext(TOO_MANY) % {"party": party, "remaining": remaining}


class AlreadyBooked(SpacesError, Conflict, code="already_booked", title="您已经预约过这个时段"):
    words = N_("您已经预约过这个时段了，可以在“我的预约”里查看。")


class BookingLimitReached(
    SpacesError, Conflict, code="booking_limit_reached", title="您待参加的预约已达上限，请先参加或取消一些预约"
):
    """Extra `limit`: the most upcoming bookings a family may hold at the space."""

    said = ("limit", "count", N_("您已有 %(count)s 个待参加的预约，达到了上限。参加或取消一些预约后就可以再预约了。"))


class BookingNotOpen(SpacesError, Conflict, code="booking_not_open", title="预约尚未开放"):
    """Extra `opens_at` when booking opens at a set time; else open reading beyond the
    space's horizon (extra `horizon_days`)."""

    words = N_("这个时段还不能预约，请晚些时候再来。")
    said = ("opens_at", "time", N_("预约还没有开始，将于 %(time)s 开放，到时再来吧。"))


class BookingClosed(SpacesError, Conflict, code="booking_closed", title="预约已截止"):
    words = N_("这个时段已经开始或已取消，不能再预约了。")


class SpaceClosed(SpacesError, Conflict, code="space_closed", title="空间在这一天闭馆"):
    words = N_("空间在这一天闭馆，请选择其他日期。")


class PartyTooLarge(SpacesError, Conflict, code="party_too_large", title="预约人数超过了这个时段的容量"):
    """Extra `capacity`: the most people the slot holds."""

    said = ("capacity", "count", N_("这个时段最多容纳 %(count)s 人，请减少同行的人数。"))


class AgeBandMismatch(SpacesError, Conflict, code="age_band_mismatch", title="孩子的年龄不在这个活动的适龄范围内"):
    """Extra `age_band`: the ages the activity is for."""

    said = ("age_band", "band", N_("这个活动适合 %(band)s 岁的孩子，请只勾选这个年龄段的孩子。"))


class BookingSuspended(SpacesError, Forbidden, code="booking_suspended", title="由于多次预约未到，预约功能暂停使用"):
    """Extra `suspended_until`: when booking resumes by itself."""

    said = (
        "suspended_until",
        "time",
        N_("由于近期有几次预约没有到场，预约功能暂停到 %(time)s，到时会自动恢复。这段时间仍然欢迎您直接到空间阅读。"),
    )


class OfferExpired(SpacesError, Conflict, code="offer_expired", title="候补名额的确认时间已过"):
    words = N_("确认时间已经过了，名额已让给下一位候补家庭。")


class NoOffer(SpacesError, Conflict, code="no_offer", title="这个预约没有待确认的候补名额"): ...


class NotCancellable(SpacesError, Conflict, code="booking_not_cancellable", title="这个预约已不能取消"): ...


class CapacityBelowBooked(SpacesError, Conflict, code="capacity_below_booked", title="新容量小于已预约的人数"):
    """Extra `held`: the people already holding places (the least the capacity may be)."""

    said = ("held", "count", N_("已有 %(count)s 人预约，名额不能少于 %(count)s。"))


class SpaceFull(SpacesError, Conflict, code="space_full", title="空间已满"):
    """Extra `remaining`: the places left, when a walk-in asked for more."""

    said = ("remaining", "count", N_("名额不够了：这个时段只剩 %(count)s 个位置。"))


class NobodyPresent(SpacesError, InvalidInput, code="invalid_input", title="请勾选来的孩子，或者选择来了几位大人"): ...


class InvalidSlot(SpacesError, InvalidInput, code="invalid_input", title="时段信息不正确"): ...


class NotAFamily(SpacesError, Forbidden, code="forbidden", title="只有家庭账号可以预约"): ...


class NotConfirmed(SpacesError, Conflict, code="booking_not_confirmed", title="只有已确认的预约可以签到"): ...


class OutsideOpeningHours(SpacesError, Conflict, code="outside_opening_hours", title="现在不在开放时间内"):
    """Extras `space_id` and `next_opens_at`: whose hours, and when it opens next."""

    words = N_("签到要在空间开放的时候。")
    said = ("next_opens_at", "time", N_("下次开放：%(time)s，到时再扫码签到。"))


class WrongSpace(SpacesError, Conflict, code="wrong_space", title="这个预约不属于本空间"): ...


class OutsideCheckInWindow(SpacesError, Conflict, code="outside_check_in_window", title="不在这个预约的签到时间内"): ...


class LiveCodeRequired(
    SpacesError, Conflict, code="live_code_required", title="本空间需要扫描现场屏幕上的动态二维码签到"
): ...


class CornerNotFound(SpacesError, NotFound, code="corner_not_found", title="没有找到这个阅读角"): ...


class SuspensionNotFound(SpacesError, NotFound, code="suspension_not_found", title="这个家庭现在没有被暂停预约"): ...


class InvalidCorner(SpacesError, InvalidInput, code="invalid_input", title="阅读角名称不正确"):
    words = N_("请填写阅读角名称（最多 50 个字）")

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, fields=[{"field": "name", "message": "1-50 characters"}], **extra)


class NoCornersToPrint(
    SpacesError, Conflict, code="no_corners", title="所选的空间还没有阅读角，没有可以打印的海报"
): ...


class PosterExportNotFound(SpacesError, NotFound, code="not_found", title="没有找到这份海报，或者还没有生成好"):
    """Not there, not finished yet, or asked for by someone else."""
