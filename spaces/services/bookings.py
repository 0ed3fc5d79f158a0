"""Booking places: the rules, then the places taken atomically with the booking.

The places are taken by a conditional `UPDATE … SET remaining = remaining - n WHERE
remaining >= n` in the same transaction as the insert; a partial unique index allows one
active booking per family and slot. Count-then-insert is the bug this avoids.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.accounts.actor import Actor
from app.accounts.errors import ChildNotFound
from app.accounts.people import age_band
from app.accounts.tables import Child, Family, Guardian
from app.kernel import outbox
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.jsonvalue import loads
from spaces.errors import (
    AgeBandMismatch,
    AlreadyBooked,
    BookingClosed,
    BookingLimitReached,
    BookingNotFound,
    BookingNotOpen,
    BookingSuspended,
    NoOffer,
    NotCancellable,
    NotConfirmed,
    OfferExpired,
    PartyTooLarge,
    SlotFull,
    SlotNotFound,
    SpaceClosed,
    SpaceFull,
)
from spaces.rules import NO_SHOW_LIMIT, NO_SHOW_WINDOW, SUSPENSION, SpaceRules
from spaces.schemas import BookingIn, BookingOut, RosterEntry
from spaces.services.access import ensure_serves, family_of
from spaces.services.offers import offer_places
from spaces.services.slots import closed_on
from spaces.tables import ACTIVE_BOOKING, Booking, Slot, Suspension, WalkIn

CANCELLABLE = ("confirmed", "offered", "waitlisted")
RULE_COLUMNS = (
    Slot.space.max_future_bookings,
    Slot.space.booking_horizon_days,
    Slot.space.check_in_opens_minutes,
    Slot.space.check_in_closes_minutes,
    Slot.space.offer_minutes,
)
HOLDS_PLACES = ("confirmed", "offered")

BOOKING_COLUMNS = (
    Booking.id,
    Booking.slot,
    Booking.family,
    Booking.status,
    Booking.adults,
    Booking.child_ids,
    Booking.people,
    Booking.created_at,
    Booking.offer_expires_at,
    Booking.checked_in_at,
    Booking.cancelled_at,
    Booking.booked_by,
    Booking.slot.starts_at,
    Booking.slot.ends_at,
    Booking.slot.title,
    Booking.slot._.space._.id,
    Booking.slot._.space._.name,
)


def when(moment: datetime) -> str:
    return moment.astimezone(local_zone()).strftime("%m月%d日 %H:%M")


async def _position(row: dict[str, Any]) -> int | None:
    if row["status"] != "waitlisted":
        return None
    ahead = await Booking.count().where(
        (Booking.slot == row["slot"]) & (Booking.status == "waitlisted") & (Booking.id < row["id"])
    )
    return int(ahead) + 1


async def booking_out(row: dict[str, Any]) -> BookingOut:
    return BookingOut(
        id=row["id"],
        slot_id=row["slot"],
        space_id=row["slot.space.id"],
        family_id=row["family"],
        status=row["status"],
        adults=row["adults"],
        child_ids=list(loads(row["child_ids"], [])),
        people=row["people"],
        created_at=row["created_at"],
        starts_at=row["slot.starts_at"],
        ends_at=row["slot.ends_at"],
        title=row["slot.title"],
        space_name=row["slot.space.name"],
        waitlist_position=await _position(row),
        offer_expires_at=row["offer_expires_at"],
        checked_in_at=row["checked_in_at"],
        cancelled_at=row["cancelled_at"],
    )


async def get_booking_row(booking_id: int) -> dict[str, Any]:
    row = await Booking.select(*BOOKING_COLUMNS).where(Booking.id == booking_id).output(load_json=True).first()
    if row is None:
        raise BookingNotFound()
    return row


async def visible_booking(booking_id: int, actor: Actor) -> dict[str, Any]:
    """The booking if the actor's family owns it or the actor serves its space; else 404."""
    row = await get_booking_row(booking_id)
    if row["family"] == actor.family_id or actor.serves(row["slot.space.id"]):
        return row
    raise BookingNotFound()  # never reveal another family's booking


async def suspended_until(family_id: int, now: datetime) -> datetime | None:
    row = await (
        Suspension.select(Suspension.ends_at)
        .where((Suspension.family == family_id) & (Suspension.ends_at > now))
        .order_by(Suspension.ends_at, ascending=False)
        .first()
    )
    return row["ends_at"] if row else None


async def maybe_suspend(family_id: int, user_id: int | None, now: datetime) -> None:
    """Inside the transaction that recorded a no-show or a late cancellation: suspend booking
    when the family reaches the policy's limit (spaces/rules.py)."""
    since = now - NO_SHOW_WINDOW
    counted = await Booking.count().where(
        (Booking.family == family_id)
        & (Booking.slot.starts_at >= since)
        & ((Booking.status == "no_show") | ((Booking.status == "cancelled") & (Booking.late_cancel == True)))
    )
    if counted < NO_SHOW_LIMIT:
        return
    if await Suspension.exists().where((Suspension.family == family_id) & (Suspension.ends_at > now)):
        return
    ends = now + SUSPENSION
    await Suspension.insert(Suspension(family=family_id, starts_at=now, ends_at=ends, no_shows=counted))
    if user_id is not None:
        await outbox.add(
            recipient_id=user_id,
            kind="booking_suspended",
            title="预约功能暂停通知",
            body=f"近 {NO_SHOW_WINDOW.days} 天内有 {counted} 次预约未到，预约功能暂停至 {when(ends)}。"
            "到期后自动恢复，期间仍可直接到空间阅读。",
            link="/bookings",
            now=now,
        )


def _space_values(slot: dict[str, Any]) -> dict[str, Any]:
    """The space's rule columns selected with the slot (`space.<column>`)."""
    return {k.removeprefix("space."): v for k, v in slot.items() if k.startswith("space.")}


async def _already_booked(slot_id: int, family_id: int) -> bool:
    return bool(
        await Booking.exists().where(
            (Booking.slot == slot_id) & (Booking.family == family_id) & Booking.status.is_in(list(ACTIVE_BOOKING))
        )
    )


async def _check_rules(
    slot: dict[str, Any], family_id: int, data: BookingIn, now: datetime, clock: Clock
) -> tuple[int, SpaceRules]:
    """Every refusal that needs no lock; returns the party's size and the space's rules."""
    rules = SpaceRules.of(_space_values(slot))
    if slot["cancelled"] or now >= slot["starts_at"]:
        raise BookingClosed()
    if slot["booking_opens_at"] is not None and now < slot["booking_opens_at"]:
        raise BookingNotOpen(
            f"预约将于 {when(slot['booking_opens_at'])} 开放", opens_at=slot["booking_opens_at"].isoformat()
        )
    people = data.adults + len(set(data.child_ids))
    if not slot["waitlist"] and people <= slot["capacity"] and slot["remaining"] < people:
        # A popular activity is refused a thousand times a minute after its places are gone:
        # say so before the rule queries. The read may be stale only towards refusing a request
        # that raced a cancellation, as if it had come a moment earlier; the conditional update
        # still decides every booking that gets through.
        if await _already_booked(slot["id"], family_id):
            raise AlreadyBooked()
        raise SlotFull()
    horizon = local_today(clock) + timedelta(days=rules.booking_horizon_days)
    if slot["kind"] == "open_reading" and slot["starts_at"].astimezone(local_zone()).date() > horizon:
        raise BookingNotOpen(f"开放阅读只能提前 {rules.booking_horizon_days} 天预约")
    if await closed_on(slot["space"], slot["starts_at"].astimezone(local_zone()).date()):
        raise SpaceClosed()
    until = await suspended_until(family_id, now)
    if until is not None:
        raise BookingSuspended(
            f"由于多次预约未到，预约功能暂停至 {when(until)}。到期后即可恢复预约。", suspended_until=until.isoformat()
        )
    child_ids = sorted(set(data.child_ids))
    children = await Child.select(Child.id, Child.birth_month).where(
        Child.id.is_in(child_ids) & (Child.family == family_id)
    )
    if len(children) != len(child_ids):
        raise ChildNotFound()  # another family's child: not found, never forbidden
    if slot["age_band"]:
        today = local_today(clock)
        if any(age_band(c["birth_month"], today) != slot["age_band"] for c in children):
            raise AgeBandMismatch(f"这个活动适合 {slot['age_band']} 岁的孩子")
    if people > slot["capacity"]:
        raise PartyTooLarge(f"这个时段最多 {slot['capacity']} 人", capacity=slot["capacity"])
    if await _already_booked(slot["id"], family_id):
        raise AlreadyBooked()
    await _check_cap(family_id, rules.max_future_bookings, now)
    return people, rules


async def _check_cap(family_id: int, limit: int, now: datetime) -> None:
    upcoming = await Booking.count().where(
        (Booking.family == family_id)
        & Booking.status.is_in(["confirmed", "offered", "waitlisted"])
        & (Booking.slot.starts_at > now)
    )
    if upcoming >= limit:
        raise BookingLimitReached(f"待参加的预约最多 {limit} 个", limit=limit)


async def _take_places(slot_id: int, people: int) -> bool:
    """The conditional update that takes places; call inside the booking's transaction."""
    taken = (
        await Slot.update({Slot.remaining: Slot.remaining - people})
        .where((Slot.id == slot_id) & (Slot.remaining >= people) & (Slot.cancelled == False))
        .returning(Slot.id)
    )
    return bool(taken)


async def book(slot_id: int, data: BookingIn, *, actor: Actor, clock: Clock) -> BookingOut:
    family_id = family_of(actor)
    now = clock.now()
    slot = await Slot.select(*Slot.all_columns(), *RULE_COLUMNS).where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    people, rules = await _check_rules(slot, family_id, data, now, clock)
    try:
        async with write_transaction():
            # The family's row locked (a no-op update), its upcoming bookings counted again:
            # simultaneous bookings of one family for different slots stop at the cap instead
            # of each seeing room (the count above only refuses early).
            await Family.update({Family.created_at: Family.created_at}).where(Family.id == family_id)
            await _check_cap(family_id, rules.max_future_bookings, now)
            taken = await _take_places(slot_id, people)
            if not taken and slot["waitlist"]:
                # Joining the waitlist: lock the slot row first (a no-op update). A transaction
                # freeing places right now then either committed before, and what it could not
                # offer is free for this family, or waits for this booking and offers to it.
                # Without the lock (PostgreSQL: a failed conditional update locks nothing) the
                # places freed in between stayed free while this family waited.
                locked = (
                    await Slot.update({Slot.remaining: Slot.remaining + 0})
                    .where(Slot.id == slot_id)
                    .returning(Slot.remaining, Slot.cancelled)
                )
                if not locked or locked[0]["cancelled"]:
                    raise BookingClosed()
                if locked[0]["remaining"] >= people:
                    taken = await _take_places(slot_id, people)
            if taken:
                status = "confirmed"
            elif slot["waitlist"]:
                status = "waitlisted"
            else:
                raise SlotFull()
            rows = await Booking.insert(
                Booking(
                    slot=slot_id,
                    family=family_id,
                    booked_by=actor.user_id,
                    status=status,
                    adults=data.adults,
                    child_ids=sorted(set(data.child_ids)),
                    people=people,
                    created_at=now,
                    # A booking made inside a reminder's lead time needs no such reminder.
                    reminded_day=slot["starts_at"] - now < timedelta(hours=24),
                    reminded_hours=slot["starts_at"] - now < timedelta(hours=2),
                )
            ).returning(Booking.id)
            title = f"预约成功：{slot['title']}" if status == "confirmed" else f"已加入候补：{slot['title']}"
            body = (
                f"{when(slot['starts_at'])}「{slot['title']}」，共 {people} 人。请在开始前后到场扫码签到。"
                if status == "confirmed"
                else f"{when(slot['starts_at'])}「{slot['title']}」已满，您在候补名单中；有空位时会通知您确认。"
            )
            await outbox.add(
                recipient_id=actor.user_id, kind=f"booking_{status}", title=title, body=body, link="/bookings", now=now
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise AlreadyBooked() from exc
        raise
    return await booking_out(await get_booking_row(rows[0]["id"]))


async def cancel(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    """Cancel; held places go back and are offered to the waitlist in the same transaction.
    A family cancelling after the slot's deadline is marked late (it counts as a no-show)."""
    row = await visible_booking(booking_id, actor)
    by_family = row["family"] == actor.family_id
    now = clock.now()
    if row["status"] == "cancelled":
        return await booking_out(row)  # cancelling twice is harmless
    async with write_transaction():
        current = (
            await Booking.select(Booking.status, Booking.slot.cancel_deadline).where(Booking.id == booking_id).first()
        )
        assert current is not None
        if current["status"] not in CANCELLABLE:
            raise NotCancellable()
        deadline = current["slot.cancel_deadline"]
        late = by_family and current["status"] == "confirmed" and deadline is not None and now > deadline
        changed = (
            await Booking.update({Booking.status: "cancelled", Booking.cancelled_at: now, Booking.late_cancel: late})
            .where((Booking.id == booking_id) & (Booking.status == current["status"]))
            .returning(Booking.id)
        )
        if not changed:
            raise NotCancellable()
        if current["status"] in HOLDS_PLACES:
            await Slot.update({Slot.remaining: Slot.remaining + row["people"]}).where(Slot.id == row["slot"])
            await offer_places(row["slot"], now)
        if late:  # counts like a no-show, so it may be the one that reaches the limit
            await maybe_suspend(row["family"], actor.user_id, now)
    return await booking_out(await get_booking_row(booking_id))


async def accept_offer(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    row = await visible_booking(booking_id, actor)
    if row["family"] != actor.family_id:
        raise BookingNotFound()
    now = clock.now()
    for _ in range(2):
        async with write_transaction():
            accepted = (
                await Booking.update({Booking.status: "confirmed", Booking.offer_expires_at: None})
                .where((Booking.id == booking_id) & (Booking.status == "offered") & (Booking.offer_expires_at > now))
                .returning(Booking.id)
            )
        if accepted:
            return await booking_out(await get_booking_row(booking_id))
        current = await get_booking_row(booking_id)
        # The offer was made between the update and this read: it is fresh, try once more
        # rather than call it expired.
        if not (current["status"] == "offered" and current["offer_expires_at"] > now):
            break
    if current["status"] == "confirmed":
        return await booking_out(current)  # accepted twice: the same answer
    if current["status"] in ("offered", "offer_expired"):
        raise OfferExpired()
    raise NoOffer()


async def list_bookings(
    *,
    actor: Actor,
    space_id: int | None = None,
    slot_id: int | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[BookingOut]:
    """A family's own bookings, or the bookings of the spaces a staff member serves."""
    query = Booking.select(*BOOKING_COLUMNS).where(Booking.id > after_id).output(load_json=True)
    if actor.family_id is not None and not actor.is_staff:
        query = query.where(Booking.family == actor.family_id)
    elif not actor.is_admin:
        query = query.where(Booking.slot.space.is_in(sorted(actor.space_ids) or [-1]))
    if space_id is not None:
        query = query.where(Booking.slot.space == space_id)
    if slot_id is not None:
        query = query.where(Booking.slot == slot_id)
    if status is not None:
        query = query.where(Booking.status == status)
    rows = await query.order_by(Booking.id).limit(limit)
    return [await booking_out(r) for r in rows]


async def roster(slot_id: int, *, actor: Actor) -> list[RosterEntry]:
    """Who is coming: guardian names and children's nicknames, for staff of that space only."""
    slot = await Slot.select(Slot.space).where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    ensure_serves(actor, slot["space"])
    rows = (
        await Booking.select()
        .output(load_json=True)
        .where(
            (Booking.slot == slot_id)
            & Booking.status.is_in(["confirmed", "offered", "waitlisted", "attended", "no_show"])
        )
        .order_by(Booking.id)
    )
    family_ids = sorted({r["family"] for r in rows}) or [-1]
    guardians: dict[int, str] = {}
    for g in (
        await Guardian.select(Guardian.family, Guardian.name)
        .where(Guardian.family.is_in(family_ids))
        .order_by(Guardian.id)
    ):
        guardians.setdefault(g["family"], g["name"])
    child_ids = sorted({c for r in rows for c in loads(r["child_ids"], [])}) or [-1]
    nicknames = {
        c["id"]: c["nickname"] for c in await Child.select(Child.id, Child.nickname).where(Child.id.is_in(child_ids))
    }
    return [
        RosterEntry(
            booking_id=r["id"],
            status=r["status"],
            guardian_name=guardians.get(r["family"], ""),
            children=[nicknames.get(c, "") for c in loads(r["child_ids"], [])],
            adults=r["adults"],
            people=r["people"],
            checked_in_at=r["checked_in_at"],
        )
        for r in rows
    ]


async def mark_attended(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    """Staff mark a family present by hand (QR check-in comes with the QR module)."""
    row = await get_booking_row(booking_id)
    ensure_serves(actor, row["slot.space.id"])
    if row["status"] == "attended":
        return await booking_out(row)
    async with write_transaction():
        done = (
            await Booking.update({Booking.status: "attended", Booking.checked_in_at: clock.now()})
            .where((Booking.id == booking_id) & (Booking.status == "confirmed"))
            .returning(Booking.id)
        )
    if not done:
        raise NotConfirmed()
    return await booking_out(await get_booking_row(booking_id))


async def register_walk_in(slot_id: int, *, adults: int, children: int, actor: Actor, clock: Clock) -> int:
    """People arriving without a booking, counted against the slot's capacity."""
    slot = await Slot.select(Slot.space, Slot.ends_at, Slot.cancelled).where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    ensure_serves(actor, slot["space"])
    people = adults + children
    if people <= 0:
        raise PartyTooLarge("请至少登记 1 人")
    if slot["cancelled"] or clock.now() >= slot["ends_at"]:
        raise BookingClosed()
    async with write_transaction():
        taken = (
            await Slot.update({Slot.remaining: Slot.remaining - people})
            .where((Slot.id == slot_id) & (Slot.remaining >= people))
            .returning(Slot.remaining)
        )
        if not taken:
            raise SpaceFull()
        rows = await WalkIn.insert(
            WalkIn(slot=slot_id, adults=adults, children=children, registered_by=actor.user_id, created_at=clock.now())
        ).returning(WalkIn.id)
    return int(rows[0]["id"])
