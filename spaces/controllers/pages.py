"""Booking pages. Families: a space's week, an activity with its booking form (three taps
from the space page: the space, the activity, 预约), my bookings (cancel, accept an offer,
calendar, QR code). Staff: the schedule of their spaces, activity and series forms, a slot's
roster with attendance, walk-ins, capacity and cancellation, and closures.

Refusals re-render the page with a friendly message chosen by the refusal's code
(`spaces/templates/spaces/_parts.html`), never an error dump. Texts are translated in the
templates, so this module needs nothing from the web wiring.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import BOOKING_FAMILIES, FAMILIES, PUBLIC, STAFF
from app.accounts.schemas import FamilyOut
from app.accounts.services.families import get_family
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound, RateLimited
from spaces.errors import BookingNotFound, InvalidSlot, NotStaffOfSpace
from spaces.rules import MAX_ADULTS
from spaces.schemas import BookingIn, BookingOut, ClosureIn, SlotIn, SlotOut, SlotUpdate, SpaceSummary
from spaces.services import bookings, calendar, poster_exports, slots
from spaces.services.access import ensure_serves
from spaces.services.spaces import get_space, list_spaces
from spaces.tables import Closure, Space, WalkIn

ActorDep = NamedDependency[Actor]
MaybeActor = NamedDependency[Actor | None]
ClockDep = NamedDependency[Clock]


ACTIVE = ("confirmed", "offered", "waitlisted", "attended")
UPCOMING = ("confirmed", "offered", "waitlisted")
AGE_BANDS: dict[str, Literal["0-3", "3-6", "6-9", "9-12"]] = {"0-3": "0-3", "3-6": "3-6", "6-9": "6-9", "9-12": "9-12"}
THEMES = ("culture", "reading", "science", "safety", "volunteer")  # the five kinds of 绘本＋; labels in _parts.html
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


# --- helpers ---------------------------------------------------------------------------------


def see_other(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


def status_of(exc: DomainError) -> int:
    for cls, status in ((InvalidInput, 400), (Forbidden, 403), (NotFound, 404), (RateLimited, 429)):
        if isinstance(exc, cls):
            return status
    return 409


def refusal(exc: DomainError) -> dict[str, Any]:
    """What the templates need to say no kindly: the code, the texts and the extras
    (ISO times become datetimes so that `localtime` can show them)."""
    data: dict[str, Any] = {"code": exc.code, "title": exc.title, "detail": exc.detail, **exc.extra}
    for key in ("opens_at", "suspended_until"):
        if isinstance(data.get(key), str):
            data[key] = datetime.fromisoformat(data[key])
    return data


def to_int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def parse_day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, local_zone())


def local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def slot_state(slot: SlotOut, now: datetime, opens_on: date | None = None, today: date | None = None) -> str:
    """One word for a slot's booking state; the templates turn it into a badge."""
    if slot.cancelled:
        return "cancelled"
    if now >= slot.ends_at:
        return "ended"
    if now >= slot.starts_at:
        return "started"
    if (slot.booking_opens_at and now < slot.booking_opens_at) or (opens_on and today and today < opens_on):
        return "not_open"
    if slot.remaining <= 0:
        return "waitlist" if slot.waitlist else "full"
    return "open"


async def horizon_days(space_id: int) -> int:
    row = await Space.select(Space.booking_horizon_days).where(Space.id == space_id).first()
    return int(row["booking_horizon_days"]) if row else 14


def open_reading_opens_on(slot: SlotOut, horizon: int) -> date | None:
    """Open reading can be booked `horizon` days ahead: the first day it can."""
    return local_day(slot.starts_at) - timedelta(days=horizon) if slot.kind == "open_reading" else None


async def family_bookings(actor: Actor, *, slot_id: int | None = None) -> list[BookingOut]:
    """All of a family's bookings (paged through, newest last)."""
    found: list[BookingOut] = []
    after = 0
    while len(found) < 5000:
        page = await bookings.list_bookings(actor=actor, slot_id=slot_id, after_id=after, limit=200)
        found.extend(page)
        if len(page) < 200:
            break
        after = page[-1].id
    return found


async def all_spaces() -> list[SpaceSummary]:
    found: list[SpaceSummary] = []
    after = 0
    while True:
        page = await list_spaces(after_id=after, limit=500)
        found.extend(page)
        if len(page) < 500:
            return found
        after = page[-1].id


def is_family(actor: Actor | None) -> bool:
    return actor is not None and actor.is_family


@dataclass
class DayView:
    day: date
    items: list[dict[str, Any]] = field(default_factory=list)
    closure: str | None = None  # the reason ("" for none given) when the space is closed that day


def closure_on(day: date, closures: Iterable[Any]) -> str | None:
    for c in closures:
        if c.first_day <= day.isoformat() <= c.last_day:
            return str(c.reason)
    return None


# --- family pages ----------------------------------------------------------------------------


class BookingPages(Controller):
    include_in_schema = False

    @get("/spaces/{space_id:int}", opt=PUBLIC)
    async def space(
        self, space_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep, week: FromQuery[str | None] = None
    ) -> Template:
        """The space and its week: each day with its slots, remaining places and badges."""
        space = await get_space(space_id)
        now = clock.now()
        today = local_today(clock)
        first = min(max(parse_day(week, today), today), today + timedelta(days=366))
        slot_list = await slots.list_slots(space_id, day_start(first), day_start(first + timedelta(days=7)))
        horizon = space.booking_horizon_days
        mine: dict[int, str] = {}
        if maybe_actor is not None and is_family(maybe_actor):
            for b in await family_bookings(maybe_actor):
                if b.status in ACTIVE and b.space_id == space_id:
                    mine[b.slot_id] = b.status
        days = [DayView(first + timedelta(days=i)) for i in range(7)]
        for d in days:
            d.closure = closure_on(d.day, space.closures)
        for s in slot_list:
            index = (local_day(s.starts_at) - first).days
            if 0 <= index < 7:
                opens_on = open_reading_opens_on(s, horizon)
                days[index].items.append(
                    {
                        "slot": s,
                        "state": slot_state(s, now, opens_on, today),
                        "opens_on": opens_on,
                        "mine": mine.get(s.id),
                    }
                )
        return Template(
            "spaces/space.html",
            context={
                "actor": maybe_actor,
                "space": space,
                "days": days,
                "today": today,
                "first": first,
                "prev_week": max(first - timedelta(days=7), today) if first > today else None,
                "next_week": first + timedelta(days=7),
                "serves": maybe_actor is not None and maybe_actor.serves(space_id),
            },
        )

    async def _slot_page(
        self,
        slot_id: int,
        actor: Actor | None,
        clock: Clock,
        *,
        problem: dict[str, Any] | None = None,
        form: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        slot = await slots.get_slot(slot_id)
        space = await get_space(slot.space_id)
        now = clock.now()
        today = local_today(clock)
        opens_on = open_reading_opens_on(slot, await horizon_days(slot.space_id))
        family: FamilyOut | None = None
        mine: BookingOut | None = None
        suspended: datetime | None = None
        fits: dict[int, bool] = {}
        if actor is not None and is_family(actor) and actor.family_id is not None:
            family = await get_family(actor.family_id, clock=clock)
            fits = {c.id: not slot.age_band or c.age_band == slot.age_band for c in family.children}
            active = [b for b in await family_bookings(actor, slot_id=slot_id) if b.status in ACTIVE]
            mine = active[-1] if active else None
            suspended = await bookings.suspended_until(actor.family_id, now)
        if form is None:  # every child who fits the age band is ticked: booking is one tap
            checked = {c for c, ok in fits.items() if ok}
            adults = 1
        else:
            checked, adults = set(form["child_ids"]), form["adults"]
        return Template(
            "spaces/slot.html",
            context={
                "actor": actor,
                "slot": slot,
                "slot_day": local_day(slot.starts_at),
                "today": today,
                "space": space,
                "state": slot_state(slot, now, opens_on, today),
                "opens_on": opens_on,
                "family": family,
                "fits": fits,
                "checked": checked,
                "adults": adults,
                "max_adults": MAX_ADULTS,
                "mine": mine,
                "suspended": suspended,
                "serves": actor is not None and actor.serves(slot.space_id),
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/slots/{slot_id:int}", opt=PUBLIC)
    async def slot(self, slot_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep) -> Template:
        """An activity (or open reading) with its booking form."""
        return await self._slot_page(slot_id, maybe_actor, clock)

    @post("/slots/{slot_id:int}", opt=BOOKING_FAMILIES, status_code=200)
    async def book(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        child_ids = sorted({c for c in (to_int(v) for v in form.getall("child_id", [])) if c is not None})
        adults = to_int(form.get("adults"), 1) or 0
        try:
            if not child_ids:
                raise InvalidInput("请至少选择一个孩子", fields=[{"field": "child_id", "message": "required"}])
            if not 1 <= adults <= MAX_ADULTS:
                raise InvalidInput("同行的大人应为 1 到 4 位", fields=[{"field": "adults", "message": "1-4"}])
            booking = await bookings.book(
                slot_id, BookingIn(child_ids=child_ids[:8], adults=adults), actor=actor, clock=clock
            )
        except DomainError as exc:
            return await self._slot_page(
                slot_id,
                actor,
                clock,
                problem=refusal(exc),
                form={"child_ids": child_ids, "adults": adults},
                status=status_of(exc),
            )
        return see_other(f"/bookings?note={booking.status}&b={booking.id}#b{booking.id}")

    async def _bookings_page(
        self,
        actor: Actor,
        clock: Clock,
        state: State,
        *,
        note: str | None = None,
        focus: int | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        assert actor.family_id is not None
        now = clock.now()
        everything = await family_bookings(actor)
        upcoming = sorted(
            (b for b in everything if b.status in UPCOMING and b.ends_at > now), key=lambda b: (b.starts_at, b.id)
        )
        coming = {b.id for b in upcoming}
        past = sorted((b for b in everything if b.id not in coming), key=lambda b: (b.starts_at, b.id), reverse=True)
        deadlines = {b.id: (await slots.get_slot(b.slot_id)).cancel_deadline for b in upcoming}
        family = await get_family(actor.family_id, clock=clock)
        nicknames = {c.id: c.nickname for c in family.children}
        token = await calendar.feed_token(actor.family_id)
        return Template(
            "spaces/bookings.html",
            context={
                "actor": actor,
                "upcoming": upcoming,
                "past": past[:30],
                "deadlines": deadlines,
                "days": {b.id: local_day(b.starts_at) for b in upcoming},
                "today": local_today(clock),
                "nicknames": nicknames,
                "now": now,
                "feed_url": f"{state.settings.base_url}/calendar/{token}.ics",
                "note": note,
                "focus": focus,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/bookings", opt=FAMILIES)
    async def my_bookings(
        self,
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        note: FromQuery[str | None] = None,
        b: FromQuery[int | None] = None,
    ) -> Template:
        """My bookings: upcoming (cancel, accept an offer, calendar, QR code) and past."""
        return await self._bookings_page(actor, clock, state, note=note, focus=b)

    @post("/bookings/{booking_id:int}/cancel", opt=FAMILIES, status_code=200)
    async def cancel(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Template | Redirect:
        try:
            await bookings.cancel(booking_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._bookings_page(actor, clock, state, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/bookings?note=cancelled&b={booking_id}")

    @post("/bookings/{booking_id:int}/accept", opt=FAMILIES, status_code=200)
    async def accept(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Template | Redirect:
        try:
            await bookings.accept_offer(booking_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._bookings_page(actor, clock, state, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/bookings?note=accepted&b={booking_id}#b{booking_id}")

    @get("/bookings/{booking_id:int}/calendar.ics", opt=FAMILIES, media_type="text/calendar")
    async def ics(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """The booking as an iCalendar file, for the browser session (the API needs a token)."""
        row = await bookings.visible_booking(booking_id, actor)
        if row["family"] != actor.family_id:
            raise BookingNotFound()
        body = await calendar.booking_ics(booking_id, base_url=state.settings.base_url, now=clock.now())
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"',
                "Cache-Control": "no-store",
            },
        )


# --- staff pages -----------------------------------------------------------------------------


class StaffPages(Controller):
    include_in_schema = False
    path = "/staff"

    @get("/", opt=STAFF)
    async def schedule(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: FromQuery[str | None] = None,
        view: FromQuery[str] = "week",
        day: FromQuery[str | None] = None,
        note: FromQuery[str | None] = None,
        n: FromQuery[int | None] = None,
        posters: FromQuery[str | None] = None,
    ) -> Template:
        """The day or week schedule of the spaces the actor serves (district admins: any
        space, one at a time, with a picker; and the posters of every corner as one PDF,
        spaces/controllers/poster_exports.py)."""
        served = [s for s in await all_spaces() if actor.serves(s.id)]
        picked = to_int(space) if space else None  # "" = every space the actor serves
        if picked is not None:
            ensure_serves(actor, picked)
            shown = [s for s in served if s.id == picked]
        elif actor.is_admin:
            shown = served[:1]
        else:
            shown = served
        today = local_today(clock)
        first = parse_day(day, today)
        length = 1 if view == "day" else 7
        now = clock.now()
        days = [DayView(first + timedelta(days=i)) for i in range(length)]
        for s in shown:
            for slot in await slots.list_slots(s.id, day_start(first), day_start(first + timedelta(days=length))):
                index = (local_day(slot.starts_at) - first).days
                if 0 <= index < length:
                    days[index].items.append({"slot": slot, "space": s, "state": slot_state(slot, now)})
        for d in days:
            d.items.sort(key=lambda item: (item["slot"].starts_at, item["slot"].id))
        return Template(
            "spaces/staff.html",
            context={
                "actor": actor,
                "served": served,
                "shown": shown,
                "picked": picked,
                "view": "day" if view == "day" else "week",
                "first": first,
                "today": today,
                "days": days,
                "prev_day": first - timedelta(days=length),
                "next_day": first + timedelta(days=length),
                "note": note,
                "count": n,
                "poster_export": await poster_exports.latest_export(actor.user_id) if actor.is_admin else None,
                "poster_refusal": posters,
            },
        )

    # Activities and series

    async def _new_slot_page(
        self,
        space_id: int,
        actor: Actor,
        clock: Clock,
        *,
        form: dict[str, str] | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        ensure_serves(actor, space_id)
        space = await get_space(space_id)
        tomorrow = local_today(clock) + timedelta(days=1)
        defaults = {
            "kind": "activity",
            "title": "",
            "theme": "reading",
            "age_band": "",
            "description": "",
            "day": tomorrow.isoformat(),
            "starts": "10:00",
            "ends": "11:00",
            "capacity": "20",
            "waitlist": "yes",
            "booking_opens_at": "",
            "repeat_weeks": "1",
        }
        return Template(
            "spaces/slot_new.html",
            context={
                "actor": actor,
                "space": space,
                "form": form if form is not None else defaults,
                "themes": THEMES,
                "age_bands": list(AGE_BANDS),
                "refusal": problem,
                "bad": {f["field"] for f in (problem or {}).get("fields", [])},
            },
            status_code=status,
        )

    @get("/spaces/{space_id:int}/slots/new", opt=STAFF)
    async def new_slot(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template:
        return await self._new_slot_page(space_id, actor, clock)

    @post("/spaces/{space_id:int}/slots", opt=STAFF, status_code=200)
    async def create_slot(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in SLOT_FIELDS}
        try:
            ensure_serves(actor, space_id)
            created = await slots.create_slots(space_id, slot_in(form), actor=actor, clock=clock)
        except DomainError as exc:
            if isinstance(exc, NotStaffOfSpace):
                raise
            return await self._new_slot_page(
                space_id, actor, clock, form=form, problem=refusal(exc), status=status_of(exc)
            )
        first = local_day(created[0].starts_at).isoformat()
        return see_other(f"/staff?space={space_id}&day={first}&note=created&n={len(created)}")

    @post("/spaces/{space_id:int}/generate", opt=STAFF, status_code=200)
    async def generate(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Redirect:
        """Create the open-reading slots of the coming two weeks from the opening hours."""
        ensure_serves(actor, space_id)
        created = await slots.generate_open_slots(clock=clock, days=14, space_id=space_id)
        return see_other(f"/staff?space={space_id}&note=generated&n={created}")

    # One slot: roster, attendance, walk-ins, capacity, cancellation

    async def _slot_page(
        self,
        slot_id: int,
        actor: Actor,
        clock: Clock,
        *,
        note: str | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        slot = await slots.get_slot(slot_id)
        ensure_serves(actor, slot.space_id)  # the roster names families: staff of this space only
        roster = await bookings.roster(slot_id, actor=actor)
        walk_ins = await WalkIn.select(WalkIn.adults, WalkIn.children).where(WalkIn.slot == slot_id)
        space = await get_space(slot.space_id)
        return Template(
            "spaces/staff_slot.html",
            context={
                "actor": actor,
                "slot": slot,
                "slot_day": local_day(slot.starts_at),
                "today": local_today(clock),
                "space": space,
                "state": slot_state(slot, clock.now()),
                "roster": roster,
                "coming": [r for r in roster if r.status in ("confirmed", "offered", "attended")],
                "waiting": [r for r in roster if r.status == "waitlisted"],
                "missed": [r for r in roster if r.status == "no_show"],
                "attended_people": sum(r.people for r in roster if r.status == "attended"),
                "walk_in_people": sum(w["adults"] + w["children"] for w in walk_ins),
                "note": note,
                "refusal": problem,
            },
            status_code=status,
        )

    @get("/slots/{slot_id:int}", opt=STAFF)
    async def slot(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, note: FromQuery[str | None] = None
    ) -> Template:
        return await self._slot_page(slot_id, actor, clock, note=note)

    async def _slot_action(self, slot_id: int, actor: Actor, clock: Clock, exc: DomainError) -> Template:
        if isinstance(exc, NotStaffOfSpace | NotFound):
            raise exc
        return await self._slot_page(slot_id, actor, clock, problem=refusal(exc), status=status_of(exc))

    @post("/slots/{slot_id:int}/bookings/{booking_id:int}/attended", opt=STAFF, status_code=200)
    async def attended(
        self, slot_id: FromPath[int], booking_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> Template | Redirect:
        try:
            done = await bookings.mark_attended(booking_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._slot_action(slot_id, actor, clock, exc)
        return see_other(f"/staff/slots/{done.slot_id}?note=attended#r{booking_id}")

    @post("/slots/{slot_id:int}/walk-ins", opt=STAFF, status_code=200)
    async def walk_in(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        adults, children = to_int(form.get("adults"), 0) or 0, to_int(form.get("children"), 0) or 0
        try:
            if not (0 <= adults <= 20 and 0 <= children <= 40):
                raise InvalidInput("现场登记的人数不正确", fields=[{"field": "adults", "message": "0-20 and 0-40"}])
            await bookings.register_walk_in(slot_id, adults=adults, children=children, actor=actor, clock=clock)
        except DomainError as exc:
            return await self._slot_action(slot_id, actor, clock, exc)
        return see_other(f"/staff/slots/{slot_id}?note=walk_in")

    @post("/slots/{slot_id:int}/capacity", opt=STAFF, status_code=200)
    async def capacity(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        capacity = to_int(form.get("capacity"))
        try:
            if capacity is None or not 1 <= capacity <= 1000:
                raise InvalidSlot("名额应在 1 到 1000 之间", fields=[{"field": "capacity", "message": "1-1000"}])
            await slots.update_slot(slot_id, SlotUpdate(capacity=capacity), actor=actor, clock=clock)
        except DomainError as exc:
            return await self._slot_action(slot_id, actor, clock, exc)
        return see_other(f"/staff/slots/{slot_id}?note=saved")

    @post("/slots/{slot_id:int}/cancel", opt=STAFF, status_code=200)
    async def cancel_slot(self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        try:
            await slots.update_slot(slot_id, SlotUpdate(cancelled=True), actor=actor, clock=clock)
        except DomainError as exc:
            return await self._slot_action(slot_id, actor, clock, exc)
        return see_other(f"/staff/slots/{slot_id}?note=slot_cancelled")

    # Closures

    async def _closures_page(
        self,
        space_id: int,
        actor: Actor,
        clock: Clock,
        *,
        note: str | None = None,
        form: dict[str, str] | None = None,
        problem: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Template:
        ensure_serves(actor, space_id)
        space = await get_space(space_id)
        today = local_today(clock)
        closures = (
            await Closure.select()
            .where((Closure.space == space_id) & (Closure.last_day >= today))
            .order_by(Closure.first_day)
        )
        return Template(
            "spaces/closures.html",
            context={
                "actor": actor,
                "space": space,
                "closures": closures,
                "today": today,
                "form": form or {"first_day": "", "last_day": "", "reason": ""},
                "note": note,
                "refusal": problem,
                "bad": {f["field"] for f in (problem or {}).get("fields", [])},
            },
            status_code=status,
        )

    @get("/spaces/{space_id:int}/closures", opt=STAFF)
    async def closures(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, note: FromQuery[str | None] = None
    ) -> Template:
        return await self._closures_page(space_id, actor, clock, note=note)

    @post("/spaces/{space_id:int}/closures", opt=STAFF, status_code=200)
    async def add_closure(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        raw = await request.form()
        form = {name: str(raw.get(name) or "").strip() for name in ("first_day", "last_day", "reason")}
        form["last_day"] = form["last_day"] or form["first_day"]  # one day when the end is left empty
        try:
            ensure_serves(actor, space_id)
            await slots.add_closure(
                space_id,
                ClosureIn(first_day=form["first_day"], last_day=form["last_day"], reason=form["reason"][:200]),
                actor=actor,
                clock=clock,
            )
        except DomainError as exc:
            if isinstance(exc, NotStaffOfSpace):
                raise
            return await self._closures_page(
                space_id, actor, clock, form=form, problem=refusal(exc), status=status_of(exc)
            )
        return see_other(f"/staff/spaces/{space_id}/closures?note=closure_added")

    @post("/spaces/{space_id:int}/closures/{closure_id:int}/delete", opt=STAFF, status_code=200)
    async def remove_closure(
        self, space_id: FromPath[int], closure_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> Template | Redirect:
        try:
            await slots.remove_closure(space_id, closure_id, actor=actor)
        except DomainError as exc:
            if isinstance(exc, NotStaffOfSpace):
                raise
            return await self._closures_page(space_id, actor, clock, problem=refusal(exc), status=status_of(exc))
        return see_other(f"/staff/spaces/{space_id}/closures?note=closure_removed")


def slot_in(form: dict[str, str]) -> SlotIn:
    """The activity form as a SlotIn, each mistake named in Chinese with its field."""
    zone = local_zone()
    title = form["title"]
    if not title:
        raise InvalidSlot("请填写活动名称", fields=[{"field": "title", "message": "required"}])
    try:
        day = date.fromisoformat(form["day"])
    except ValueError:
        raise InvalidSlot("请选择日期", fields=[{"field": "day", "message": "YYYY-MM-DD"}]) from None
    try:
        starts, ends = time.fromisoformat(form["starts"]), time.fromisoformat(form["ends"])
    except ValueError:
        raise InvalidSlot(
            "请填写开始和结束时间",
            fields=[{"field": "starts", "message": "HH:MM"}, {"field": "ends", "message": "HH:MM"}],
        ) from None
    capacity = to_int(form["capacity"])
    if capacity is None or not 1 <= capacity <= 1000:
        raise InvalidSlot("名额应在 1 到 1000 之间", fields=[{"field": "capacity", "message": "1-1000"}])
    repeat = to_int(form["repeat_weeks"] or "1")
    if repeat is None or not 1 <= repeat <= 26:
        raise InvalidSlot("每周重复的次数应在 1 到 26 之间", fields=[{"field": "repeat_weeks", "message": "1-26"}])
    opens: datetime | None = None
    if form["booking_opens_at"]:
        try:
            opens = datetime.fromisoformat(form["booking_opens_at"]).replace(tzinfo=zone)
        except ValueError:
            raise InvalidSlot(
                "预约开放时间不正确", fields=[{"field": "booking_opens_at", "message": "YYYY-MM-DDTHH:MM"}]
            ) from None
    kind: Literal["activity", "open_reading"] = "open_reading" if form["kind"] == "open_reading" else "activity"
    return SlotIn(
        kind=kind,
        title=title[:100],
        theme=form["theme"] if form["theme"] in THEMES else "",
        description=form["description"][:2000],
        age_band=AGE_BANDS.get(form["age_band"]),
        starts_at=datetime.combine(day, starts, zone),
        ends_at=datetime.combine(day, ends, zone),
        capacity=capacity,
        waitlist=form["waitlist"] == "yes",
        booking_opens_at=opens,
        repeat_weeks=repeat,
    )


BOOKING_PAGES = [BookingPages, StaffPages]
