"""Time-driven booking work, all idempotent and catching up after downtime:

- release no-shows: confirmed bookings not checked in by the end of the check-in window
  become `no_show`, their places go back and are offered; repeated no-shows suspend booking;
- expire offers: an offer not accepted in time passes to the next family;
- close waitlists at the start: nobody waits for a slot that has begun;
- reminders: the day before and two hours before, through the outbox.

Each change is a conditional update (on the status or a flag) in the same transaction as
its effects, so running a job twice, or two workers at once, changes nothing the second time.
"""

from __future__ import annotations

from datetime import timedelta

from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from spaces.services.notices import tell
from spaces.services.offers import give_back
from spaces.services.suspensions import maybe_suspend
from spaces.tables import Booking, Slot


async def release_no_shows(*, clock: Clock) -> int:
    now = clock.now()
    candidates = (
        await Booking.select(
            Booking.id,
            Booking.slot,
            Booking.family,
            Booking.people,
            Booking.booked_by,
            Booking.slot.starts_at,
            Booking.slot.title,
            Booking.slot._.space._.check_in_closes_minutes,
        )
        .where((Booking.status == "confirmed") & (Booking.slot.starts_at <= now))
        .order_by(Booking.id)
    )
    released = 0
    for b in candidates:
        if now < b["slot.starts_at"] + timedelta(minutes=b["slot.space.check_in_closes_minutes"]):
            continue  # still inside its check-in window
        async with write_transaction():
            changed = (
                await Booking.update({Booking.status: "no_show"})
                .where((Booking.id == b["id"]) & (Booking.status == "confirmed"))
                .returning(Booking.id)
            )
            if not changed:
                continue
            await give_back(b["slot"], b["people"], now)
            await tell(b["booked_by"], "no_show", now, title=b["slot.title"], starts_at=b["slot.starts_at"].isoformat())
            await maybe_suspend(b["family"], b["booked_by"], now)
        released += 1
    return released


async def expire_offers(*, clock: Clock) -> int:
    now = clock.now()
    due = (
        await Booking.select(Booking.id, Booking.slot, Booking.people, Booking.booked_by, Booking.slot.title)
        .where((Booking.status == "offered") & (Booking.offer_expires_at <= now))
        .order_by(Booking.id)
    )
    expired = 0
    for b in due:
        async with write_transaction():
            changed = (
                await Booking.update({Booking.status: "offer_expired"})
                .where((Booking.id == b["id"]) & (Booking.status == "offered") & (Booking.offer_expires_at <= now))
                .returning(Booking.id)
            )
            if not changed:
                continue
            await give_back(b["slot"], b["people"], now)
            await tell(b["booked_by"], "offer_expired", now, title=b["slot.title"])
        expired += 1
    return expired


async def close_waitlists(*, clock: Clock) -> int:
    now = clock.now()
    rows = (
        await Booking.update({Booking.status: "waitlist_closed"})
        .where((Booking.status == "waitlisted") & Booking.slot.is_in(Slot.select(Slot.id).where(Slot.starts_at <= now)))
        .returning(Booking.id)
    )
    return len(rows)


REMINDERS = (
    ("reminded_day", timedelta(hours=24)),
    ("reminded_hours", timedelta(hours=2)),
)


async def send_reminders(*, clock: Clock) -> int:
    now = clock.now()
    sent = 0
    for flag, ahead in REMINDERS:
        column = getattr(Booking, flag)
        due = await Booking.select(
            Booking.id, Booking.booked_by, Booking.slot.starts_at, Booking.slot.title, Booking.slot._.space._.name
        ).where(
            (Booking.status == "confirmed")
            & (column == False)
            & (Booking.slot.starts_at > now)
            & (Booking.slot.starts_at <= now + ahead)
        )
        for b in due:
            async with write_transaction():
                claimed = (
                    await Booking.update({column: True})
                    .where((Booking.id == b["id"]) & (column == False))
                    .returning(Booking.id)
                )
                if not claimed or b["booked_by"] is None:
                    continue
                await tell(
                    b["booked_by"],
                    f"reminder_{flag}",
                    now,
                    title=b["slot.title"],
                    starts_at=b["slot.starts_at"].isoformat(),
                    space=b["slot.space.name"],
                )
            sent += 1
    return sent
