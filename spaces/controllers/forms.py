"""What the staff and booking pages' forms say, read into the services' inputs: each
mistake named in plain words with its field (the page shows the form again with it)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from app.kernel.clock import local_zone
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import to_int
from spaces.errors import InvalidSlot
from spaces.rules import MAX_ADULTS, theme_code
from spaces.rules import THEMES as RULE_THEMES
from spaces.schemas import BookingIn, ClosureIn, SlotIn

AgeBand = Literal["0-3", "3-6", "6-9", "9-12"]
AGE_BANDS: dict[str, AgeBand] = {"0-3": "0-3", "3-6": "3-6", "6-9": "6-9", "9-12": "9-12"}
THEMES = tuple(RULE_THEMES)  # the one list (spaces.rules.THEMES); labels in _parts.html
SLOT_FIELDS = (
    "kind",
    "title",
    "theme",
    "age_band",
    "description",
    "day",
    "starts",
    "ends",
    "capacity",
    "waitlist",
    "booking_opens_at",
    "repeat_weeks",
)
CLOSURE_FIELDS = ("first_day", "last_day", "reason")


def picked(form: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The form's fields of these names, trimmed ("" when missing)."""
    return {name: str(form.get(name) or "").strip() for name in names}


def slot_defaults(tomorrow: date) -> dict[str, str]:
    """The new-activity form before anything was typed: tomorrow, 10 to 11, 20 places."""
    values = dict.fromkeys(SLOT_FIELDS, "")
    values |= {"kind": "activity", "theme": "reading", "day": tomorrow.isoformat(), "starts": "10:00"}
    return values | {"ends": "11:00", "capacity": "20", "waitlist": "yes", "repeat_weeks": "1"}


def booking_in(child_ids: list[int], adults: int) -> BookingIn:
    if not child_ids:
        raise InvalidInput(N_("请至少选择一个孩子"), fields=[{"field": "child_id", "message": "required"}])
    if not 0 <= adults <= MAX_ADULTS:
        raise InvalidInput(N_("同行的大人应为 0 到 4 位"), fields=[{"field": "adults", "message": "0-4"}])
    return BookingIn(child_ids=child_ids[:8], adults=adults)


def walk_in(form: dict[str, str]) -> tuple[int, int]:
    """(adults, children) registered at the door."""
    adults, children = to_int(form.get("adults"), 0) or 0, to_int(form.get("children"), 0) or 0
    if not (0 <= adults <= 20 and 0 <= children <= 40):
        raise InvalidInput(N_("现场登记的人数不正确"), fields=[{"field": "adults", "message": "0-20 and 0-40"}])
    return adults, children


def capacity(value: str | None) -> int:
    number = to_int(value)
    if number is None or not 1 <= number <= 1000:
        raise InvalidSlot(N_("名额应在 1 到 1000 之间"), fields=[{"field": "capacity", "message": "1-1000"}])
    return number


def closure_form(raw: dict[str, str]) -> dict[str, str]:
    """The closure form, one day when the last is left empty."""
    form = picked(raw, CLOSURE_FIELDS)
    return form | {"last_day": form["last_day"] or form["first_day"]}


def closure_in(form: dict[str, str]) -> ClosureIn:
    return ClosureIn(first_day=form["first_day"], last_day=form["last_day"], reason=form["reason"][:200])


def slot_in(form: dict[str, str]) -> SlotIn:
    """The activity form as a SlotIn (times in the service's zone)."""
    title = form["title"]
    if not title:
        raise InvalidSlot(N_("请填写活动名称"), fields=[{"field": "title", "message": "required"}])
    try:
        day = date.fromisoformat(form["day"])
    except ValueError:
        raise InvalidSlot(N_("请选择日期"), fields=[{"field": "day", "message": "YYYY-MM-DD"}]) from None
    try:
        starts, ends = time.fromisoformat(form["starts"]), time.fromisoformat(form["ends"])
    except ValueError:
        both = [{"field": "starts", "message": "HH:MM"}, {"field": "ends", "message": "HH:MM"}]
        raise InvalidSlot(N_("请填写开始和结束时间"), fields=both) from None
    places = capacity(form["capacity"])
    repeat = to_int(form["repeat_weeks"] or "1")
    if repeat is None or not 1 <= repeat <= 26:
        raise InvalidSlot(N_("每周重复的次数应在 1 到 26 之间"), fields=[{"field": "repeat_weeks", "message": "1-26"}])
    zone = local_zone()
    return SlotIn(
        kind="open_reading" if form["kind"] == "open_reading" else "activity",
        title=title[:100],
        theme=theme_code(form["theme"]),
        description=form["description"][:2000],
        age_band=AGE_BANDS.get(form["age_band"]),
        starts_at=datetime.combine(day, starts, zone),
        ends_at=datetime.combine(day, ends, zone),
        capacity=places,
        waitlist=form["waitlist"] == "yes",
        booking_opens_at=_opens_at(form["booking_opens_at"]),
        repeat_weeks=repeat,
    )


def _opens_at(raw: str) -> datetime | None:
    """When booking opens (a local `datetime-local`), or None: at once."""
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=local_zone())
    except ValueError:
        field = [{"field": "booking_opens_at", "message": "YYYY-MM-DDTHH:MM"}]
        raise InvalidSlot(N_("预约开放时间不正确"), fields=field) from None
