"""The time-driven jobs with the fake clock: no-show release (exact, idempotent, catching up
after downtime), offer expiry, waitlist closing, reminders, and the no-show policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from app.kernel.tables import OutboxMessage
from qr.services import tokens
from qr.tokens import Purpose
from spaces import jobs
from spaces.services.noshows import close_waitlists, expire_offers, release_no_shows, send_reminders
from spaces.tables import Booking, Slot, Suspension
from tests.helpers import FrozenClock
from tests.spaces.conftest import book, local, make_slot, outbox_kinds, problem, quick_families


async def snapshot() -> tuple[list[tuple[int, str, Any]], list[tuple[int, int]], int]:
    """Everything the jobs may change: booking statuses and offers, free places, messages."""
    bookings = await Booking.select(Booking.id, Booking.status, Booking.offer_expires_at).order_by(Booking.id)
    slots = await Slot.select(Slot.id, Slot.remaining).order_by(Slot.id)
    return (
        [(b["id"], b["status"], b["offer_expires_at"]) for b in bookings],
        [(s["id"], s["remaining"]) for s in slots],
        await OutboxMessage.count(),
    )


async def statuses(slot_id: int) -> list[str]:
    return [
        b["status"] for b in await Booking.select(Booking.status).where(Booking.slot == slot_id).order_by(Booking.id)
    ]


async def remaining(slot_id: int) -> int:
    row = await Slot.select(Slot.remaining).where(Slot.id == slot_id).first()
    assert row is not None
    return int(row["remaining"])


async def test_release_exactly_the_bookings_not_checked_in_then_nothing(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 11, 29, 10)
    slot = await make_slot(client, space, clock, starts_at=starts, capacity=8, waitlist=True)
    scanned, marked, absent1, absent2, waiting, gave_up = await quick_families(6)
    for fam in (scanned, marked, absent1, absent2):
        assert (await book(client, slot["id"], fam)).json()["status"] == "confirmed"
    assert (await book(client, slot["id"], waiting)).json()["status"] == "waitlisted"
    early = (await book(client, slot["id"], gave_up)).json()
    assert (await client.delete(f"/api/v1/bookings/{early['id']}", headers=gave_up["headers"])).status_code == 200

    # One family scans the corner's code, staff mark another present by hand.
    clock.set(starts - timedelta(minutes=10))
    corner = (
        await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    ).json()
    token = await tokens.issue(Purpose.corner, corner["id"], now=clock.now())
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=scanned["headers"])
    assert r.status_code == 201 and r.json()["kind"] == "booking", r.text
    clock.set(starts + timedelta(minutes=5))
    marked_booking = (await client.get("/api/v1/bookings", headers=marked["headers"])).json()["items"][0]
    r = await client.post(f"/api/v1/bookings/{marked_booking['id']}/attendance", headers=space["admin"])
    assert r.status_code == 200 and r.json()["status"] == "attended"

    # Inside the check-in window (until 15 minutes after the start) nothing is released.
    clock.set(starts + timedelta(minutes=14, seconds=59))
    assert await release_no_shows(clock=clock) == 0
    assert await statuses(slot["id"]) == ["attended", "attended", "confirmed", "confirmed", "waitlisted", "cancelled"]

    clock.set(starts + timedelta(minutes=15))
    assert await release_no_shows(clock=clock) == 2
    assert await statuses(slot["id"]) == ["attended", "attended", "no_show", "no_show", "offered", "cancelled"]
    assert await remaining(slot["id"]) == 8 - 3 * 2  # the waiting family holds the places offered to it
    offer = (await Booking.select().where(Booking.family == waiting["family"]["id"]).first()) or {}
    # A "come now" offer after the start: short, and never past the slot's end.
    assert offer["offer_expires_at"] == starts + timedelta(minutes=30)
    for fam in (absent1, absent2):
        assert (await outbox_kinds(fam["user_id"]))[-1] == "no_show"
    assert (await outbox_kinds(waiting["user_id"]))[-1] == "waitlist_offer"
    for fam in (scanned, marked, gave_up):
        assert "no_show" not in await outbox_kinds(fam["user_id"])

    before = await snapshot()
    assert await release_no_shows(clock=clock) == 0
    clock.advance(hours=3)
    assert await release_no_shows(clock=clock) == 0
    assert await snapshot() == before
    assert await Suspension.count() == 0  # one no-show is no reason to suspend


async def test_catch_up_after_a_day_of_downtime(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The worker was down all of Sunday: on Sunday at 16:20 one run releases the no-shows of
    every slot of the day; the waiting families of the slots that are over are not offered
    anything, the slot still running offers its freed places until a little before its end."""
    day = [local(2026, 11, 29, h) for h in (10, 12, 14, 16)]
    slots = [await make_slot(client, space, clock, starts_at=s, capacity=4, waitlist=True) for s in day]
    families = await quick_families(len(slots) * 3)
    for i, slot in enumerate(slots):
        came, absent, waiting = families[3 * i : 3 * i + 3]
        assert (await book(client, slot["id"], came)).json()["status"] == "confirmed"
        assert (await book(client, slot["id"], absent)).json()["status"] == "confirmed"
        assert (await book(client, slot["id"], waiting)).json()["status"] == "waitlisted"
        clock.set(day[i])
        came_booking = (await client.get("/api/v1/bookings", headers=came["headers"])).json()["items"][0]
        r = await client.post(f"/api/v1/bookings/{came_booking['id']}/attendance", headers=space["admin"])
        assert r.status_code == 200

    clock.set(local(2026, 11, 29, 16, 20))
    done = await jobs.booking_housekeeping({"clock": clock})
    assert done["no_shows"] == 4 and done["offers_expired"] == 0
    assert done["waitlists_closed"] == 3  # the three slots that have begun and ended keep nobody waiting
    for slot in slots[:3]:
        assert await statuses(slot["id"]) == ["attended", "no_show", "waitlist_closed"]
        assert await remaining(slot["id"]) == 2
    assert await statuses(slots[3]["id"]) == ["attended", "no_show", "offered"]
    assert await remaining(slots[3]["id"]) == 0
    offered = await Booking.select(Booking.offer_expires_at).where(Booking.status == "offered").first()
    assert offered is not None and offered["offer_expires_at"] == local(2026, 11, 29, 16, 35)

    before = await snapshot()
    again = await jobs.booking_housekeeping({"clock": clock})
    assert again == {"no_shows": 0, "offers_expired": 0, "waitlists_closed": 0, "reminders": 0}
    assert await snapshot() == before

    # The offer runs out unanswered: the places go back, nobody is left to offer them to.
    clock.set(local(2026, 11, 29, 16, 36))
    assert (await jobs.booking_housekeeping({"clock": clock}))["offers_expired"] == 1
    assert await statuses(slots[3]["id"]) == ["attended", "no_show", "offer_expired"]
    assert await remaining(slots[3]["id"]) == 2


async def test_an_expired_offer_passes_to_the_next_family(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 12, 1, 15)
    slot = await make_slot(client, space, clock, starts_at=starts, capacity=2, waitlist=True)
    a, b, c = await quick_families(3)
    first = (await book(client, slot["id"], a)).json()
    b_booking = (await book(client, slot["id"], b)).json()
    c_booking = (await book(client, slot["id"], c)).json()
    assert (b_booking["waitlist_position"], c_booking["waitlist_position"]) == (1, 2)
    clock.set(local(2026, 11, 30, 9))
    assert (await client.delete(f"/api/v1/bookings/{first['id']}", headers=a["headers"])).status_code == 200
    b_now = (await client.get(f"/api/v1/bookings/{b_booking['id']}", headers=b["headers"])).json()
    assert b_now["status"] == "offered"
    assert datetime.fromisoformat(b_now["offer_expires_at"]) == local(2026, 11, 30, 11)  # 2 hours by default
    c_now = (await client.get(f"/api/v1/bookings/{c_booking['id']}", headers=c["headers"])).json()
    assert c_now["status"] == "waitlisted" and c_now["waitlist_position"] == 1

    clock.set(local(2026, 11, 30, 10, 59))
    assert await expire_offers(clock=clock) == 0
    clock.set(local(2026, 11, 30, 11))
    assert await expire_offers(clock=clock) == 1
    assert await statuses(slot["id"]) == ["cancelled", "offer_expired", "offered"]
    assert (await outbox_kinds(b["user_id"]))[-1] == "offer_expired"
    assert (await outbox_kinds(c["user_id"]))[-1] == "waitlist_offer"
    before = await snapshot()
    assert await expire_offers(clock=clock) == 0
    assert await snapshot() == before
    r = await client.post(f"/api/v1/bookings/{b_booking['id']}/accept", headers=b["headers"])
    assert problem(r) == (409, "offer_expired")
    r = await client.post(f"/api/v1/bookings/{c_booking['id']}/accept", headers=c["headers"])
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert await remaining(slot["id"]) == 0


async def test_offers_end_an_hour_before_the_start(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 11, 28, 12)  # two hours from now
    slot = await make_slot(client, space, clock, starts_at=starts, capacity=2, waitlist=True)
    a, b = await quick_families(2)
    first = (await book(client, slot["id"], a)).json()
    waiting = (await book(client, slot["id"], b)).json()
    assert (await client.delete(f"/api/v1/bookings/{first['id']}", headers=a["headers"])).status_code == 200
    got = (await client.get(f"/api/v1/bookings/{waiting['id']}", headers=b["headers"])).json()
    assert got["status"] == "offered" and datetime.fromisoformat(got["offer_expires_at"]) == starts - timedelta(hours=1)


async def test_waitlists_close_when_the_slot_starts(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 11, 29, 10)
    slot = await make_slot(client, space, clock, starts_at=starts, capacity=2, waitlist=True)
    a, b, c = await quick_families(3)
    for fam in (a, b, c):
        await book(client, slot["id"], fam)
    clock.set(starts - timedelta(seconds=1))
    assert await close_waitlists(clock=clock) == 0
    clock.set(starts)
    assert await close_waitlists(clock=clock) == 2
    assert await statuses(slot["id"]) == ["confirmed", "waitlist_closed", "waitlist_closed"]
    assert await close_waitlists(clock=clock) == 0


async def test_reminders_the_day_before_and_two_hours_before_once_each(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 12, 1, 10)
    slot = await make_slot(client, space, clock, starts_at=starts)
    late_slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 1, 15))
    early, last_minute, cancelled = await quick_families(3)
    await book(client, slot["id"], early)
    gone = (await book(client, slot["id"], cancelled)).json()
    assert (await client.delete(f"/api/v1/bookings/{gone['id']}", headers=cancelled["headers"])).status_code == 200

    clock.set(starts - timedelta(hours=24, minutes=1))
    assert await send_reminders(clock=clock) == 0
    clock.set(starts - timedelta(hours=23))
    assert await send_reminders(clock=clock) == 1
    assert await send_reminders(clock=clock) == 0
    clock.set(starts - timedelta(hours=5))
    await book(client, late_slot["id"], last_minute)  # booked 10 hours ahead: no "tomorrow" reminder
    assert await send_reminders(clock=clock) == 0
    clock.set(starts - timedelta(hours=1, minutes=59))
    assert await send_reminders(clock=clock) == 1
    assert await send_reminders(clock=clock) == 0
    clock.set(local(2026, 12, 1, 13, 30))
    assert await send_reminders(clock=clock) == 1
    assert await send_reminders(clock=clock) == 0
    clock.set(starts + timedelta(days=1))
    assert await send_reminders(clock=clock) == 0

    assert [k for k in await outbox_kinds(early["user_id"]) if k.startswith("reminder")] == [
        "reminder_reminded_day",
        "reminder_reminded_hours",
    ]
    assert [k for k in await outbox_kinds(last_minute["user_id"]) if k.startswith("reminder")] == [
        "reminder_reminded_hours"
    ]
    assert [k for k in await outbox_kinds(cancelled["user_id"]) if k.startswith("reminder")] == []


async def no_show_at(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, fam: dict[str, Any], starts: datetime
) -> None:
    """The family books a slot at `starts` and does not come; the job runs after the window."""
    clock.set(starts - timedelta(days=2))
    slot = await make_slot(client, space, clock, starts_at=starts)
    assert (await book(client, slot["id"], fam)).status_code == 201
    clock.set(starts + timedelta(minutes=16))
    assert await release_no_shows(clock=clock) == 1


async def cancel_at(
    client: httpx.AsyncClient,
    space: dict[str, Any],
    clock: FrozenClock,
    fam: dict[str, Any],
    starts: datetime,
    *,
    before: timedelta,
) -> None:
    """The family books a slot at `starts` and cancels `before` its start."""
    clock.set(starts - timedelta(days=2))
    slot = await make_slot(client, space, clock, starts_at=starts)
    booking = (await book(client, slot["id"], fam)).json()
    clock.set(starts - before)
    r = await client.delete(f"/api/v1/bookings/{booking['id']}", headers=fam["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"


async def bookable(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, fam: dict[str, Any]
) -> httpx.Response:
    """Can the family book now? A booking made to find out is cancelled at once, in time."""
    slot = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=1))
    r = await book(client, slot["id"], fam)
    if r.status_code == 201:
        gone = await client.delete(f"/api/v1/bookings/{r.json()['id']}", headers=fam["headers"])
        assert gone.status_code == 200
    return r


async def test_three_no_shows_in_sixty_days_suspend_booking_for_fourteen_days(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    [fam] = await quick_families(1)
    await no_show_at(client, space, clock, fam, local(2026, 12, 1, 10))
    await no_show_at(client, space, clock, fam, local(2026, 12, 10, 10))
    assert (await bookable(client, space, clock, fam)).status_code == 201  # two are forgiven
    await no_show_at(client, space, clock, fam, local(2026, 12, 20, 10))
    released_at = clock.now()
    r = await bookable(client, space, clock, fam)
    assert problem(r) == (403, "booking_suspended")
    until = datetime.fromisoformat(r.json()["suspended_until"])
    assert until == released_at + timedelta(days=14)
    assert "01-03 10:16" in r.json()["detail"]  # the end date, in local time (the pages' words)
    assert (await outbox_kinds(fam["user_id"])).count("booking_suspended") == 1
    clock.set(until - timedelta(minutes=1))
    assert problem(await bookable(client, space, clock, fam)) == (403, "booking_suspended")
    clock.set(until)
    assert (await bookable(client, space, clock, fam)).status_code == 201


async def test_no_shows_older_than_sixty_days_do_not_count(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    [fam] = await quick_families(1)
    await no_show_at(client, space, clock, fam, local(2026, 12, 1, 10))
    await no_show_at(client, space, clock, fam, local(2027, 1, 31, 10))  # 61 days later
    await no_show_at(client, space, clock, fam, local(2027, 2, 1, 10))
    assert (await bookable(client, space, clock, fam)).status_code == 201
    assert await Suspension.count() == 0


async def test_cancelling_before_the_deadline_never_counts(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    [fam] = await quick_families(1)
    await no_show_at(client, space, clock, fam, local(2026, 12, 1, 10))
    for day in (3, 5, 7):  # the default deadline is two hours before the start
        await cancel_at(client, space, clock, fam, local(2026, 12, day, 10), before=timedelta(hours=2))
    await no_show_at(client, space, clock, fam, local(2026, 12, 9, 10))
    assert (await bookable(client, space, clock, fam)).status_code == 201
    assert await Suspension.count() == 0
    assert await Booking.count().where(Booking.late_cancel == True) == 0


async def test_a_late_cancellation_counts_as_a_no_show(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    first, second = await quick_families(2)
    # Late cancellation last: it is the third strike.
    await no_show_at(client, space, clock, first, local(2026, 12, 1, 10))
    await no_show_at(client, space, clock, first, local(2026, 12, 3, 10))
    await cancel_at(client, space, clock, first, local(2026, 12, 5, 10), before=timedelta(hours=1))
    r = await bookable(client, space, clock, first)
    assert problem(r) == (403, "booking_suspended")
    assert datetime.fromisoformat(r.json()["suspended_until"]) == local(2026, 12, 5, 9) + timedelta(days=14)
    # Late cancellation first: the second no-show after it suspends.
    await cancel_at(client, space, clock, second, local(2026, 12, 10, 10), before=timedelta(minutes=30))
    await no_show_at(client, space, clock, second, local(2026, 12, 12, 10))
    assert (await bookable(client, space, clock, second)).status_code == 201
    await no_show_at(client, space, clock, second, local(2026, 12, 14, 10))
    assert problem(await bookable(client, space, clock, second)) == (403, "booking_suspended")


async def test_staff_cancelling_late_does_not_count_against_the_family(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    [fam] = await quick_families(1)
    await no_show_at(client, space, clock, fam, local(2026, 12, 1, 10))
    await no_show_at(client, space, clock, fam, local(2026, 12, 3, 10))
    starts = local(2026, 12, 5, 10)
    clock.set(starts - timedelta(days=2))
    slot = await make_slot(client, space, clock, starts_at=starts)
    booking = (await book(client, slot["id"], fam)).json()
    clock.set(starts - timedelta(minutes=30))
    r = await client.delete(f"/api/v1/bookings/{booking['id']}", headers=space["admin"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert (await bookable(client, space, clock, fam)).status_code == 201
