"""Refusals of the spaces domain."""

from app.kernel.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class SpacesError(DomainError):
    """Base of every refusal the spaces domain gives."""


class SpaceNotFound(SpacesError, NotFound):
    code = "space_not_found"
    title = "没有找到这个空间"


class InvalidOpeningHours(SpacesError, InvalidInput):
    code = "invalid_input"
    title = "开放时间不正确"


class SlotNotFound(SpacesError, NotFound):
    code = "slot_not_found"
    title = "没有找到这个时段"


class BookingNotFound(SpacesError, NotFound):
    code = "booking_not_found"
    title = "没有找到这个预约"


class NotStaffOfSpace(SpacesError, Forbidden):
    code = "forbidden"
    title = "您不负责这个空间"


class SlotFull(SpacesError, Conflict):
    code = "slot_full"
    title = "名额已满"


class AlreadyBooked(SpacesError, Conflict):
    code = "already_booked"
    title = "您已经预约过这个时段"


class BookingLimitReached(SpacesError, Conflict):
    code = "booking_limit_reached"
    title = "您待参加的预约已达上限，请先参加或取消一些预约"


class BookingNotOpen(SpacesError, Conflict):
    code = "booking_not_open"
    title = "预约尚未开放"


class BookingClosed(SpacesError, Conflict):
    code = "booking_closed"
    title = "预约已截止"


class SpaceClosed(SpacesError, Conflict):
    code = "space_closed"
    title = "空间在这一天闭馆"


class PartyTooLarge(SpacesError, Conflict):
    code = "party_too_large"
    title = "预约人数超过了这个时段的容量"


class AgeBandMismatch(SpacesError, Conflict):
    code = "age_band_mismatch"
    title = "孩子的年龄不在这个活动的适龄范围内"


class BookingSuspended(SpacesError, Forbidden):
    code = "booking_suspended"
    title = "由于多次预约未到，预约功能暂停使用"


class OfferExpired(SpacesError, Conflict):
    code = "offer_expired"
    title = "候补名额的确认时间已过"


class NoOffer(SpacesError, Conflict):
    code = "no_offer"
    title = "这个预约没有待确认的候补名额"


class NotCancellable(SpacesError, Conflict):
    code = "booking_not_cancellable"
    title = "这个预约已不能取消"


class CapacityBelowBooked(SpacesError, Conflict):
    code = "capacity_below_booked"
    title = "新容量小于已预约的人数"


class SpaceFull(SpacesError, Conflict):
    code = "space_full"
    title = "空间已满"


class InvalidSlot(SpacesError, InvalidInput):
    code = "invalid_input"
    title = "时段信息不正确"


class NotAFamily(SpacesError, Forbidden):
    code = "forbidden"
    title = "只有家庭账号可以预约"


class NotConfirmed(SpacesError, Conflict):
    code = "booking_not_confirmed"
    title = "只有已确认的预约可以签到"


class OutsideOpeningHours(SpacesError, Conflict):
    code = "outside_opening_hours"
    title = "现在不在开放时间内"


class WrongSpace(SpacesError, Conflict):
    code = "wrong_space"
    title = "这个预约不属于本空间"


class OutsideCheckInWindow(SpacesError, Conflict):
    code = "outside_check_in_window"
    title = "不在这个预约的签到时间内"


class LiveCodeRequired(SpacesError, Conflict):
    code = "live_code_required"
    title = "本空间需要扫描现场屏幕上的动态二维码签到"


class CornerNotFound(SpacesError, NotFound):
    code = "corner_not_found"
    title = "没有找到这个阅读角"


class NoCornersToPrint(SpacesError, Conflict):
    code = "no_corners"
    title = "所选的空间还没有阅读角，没有可以打印的海报"
