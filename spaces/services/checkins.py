"""Check-in targets of spaces (`qr.checkin`), registered by `app/runtime.py`: a family scanning
a corner's printed code (`CORNER`) or its live screen's (`LIVE`), staff scanning a family's
booking code (`BOOKING`).

Corner scan: allowed during opening hours only. A booking of the family at that space whose
check-in window contains now is marked attended; otherwise a walk-in visit is recorded
against the open-reading slot of the current opening period, refused with `space_full`
(and the next free time) when the people would exceed its capacity.

One check-in per family and slot (unique index): a repeat answers `duplicate` with the first
time. The check-in, its scan-log row and its nonce's answer commit in one transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from msgspec.structs import replace

from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.values import frozen
from qr.checkin import Attempt, Scanner, ScanResult, Scene
from qr.scanlog import Where
from qr.tokens import Purpose, TokenClaims
from spaces.errors import (
    BookingNotFound,
    CornerNotFound,
    LiveCodeRequired,
    NobodyPresent,
    NotAFamily,
    OutsideCheckInWindow,
    OutsideOpeningHours,
    WrongSpace,
)
from spaces.rules import SpaceRules
from spaces.services import checkin_steps as steps
from spaces.tables import Booking, CheckIn, Corner


def refuses_printed_code(require_live_code: bool, *, live: bool) -> bool:
    """The live-code rule: where a space takes only its live screen's code, a printed poster
    (or a photo of it) checks nobody in."""
    return require_live_code and not live


def at_the_desk(scanner: Scanner) -> bool:
    """Staff without a family of their own scan booking codes; everybody else scans corners."""
    return scanner.is_staff and not scanner.family_id


@frozen
class CornerTarget:
    """A family scanned a corner's code: its printed poster's, or its live screen's."""

    purpose: Purpose
    live: bool
    subject: str = "corner"

    def accepts(self, scanner: Scanner) -> bool:
        return not at_the_desk(scanner)

    async def look(self, attempt: Attempt) -> Scene:
        return await steps.corner_scene(attempt)

    async def check_in(self, attempt: Attempt, scene: Scene) -> ScanResult:
        scanner = attempt.scanner
        if not scanner.is_family or scanner.family_id is None:
            raise NotAFamily()
        found: steps.CornerScene = scene.found
        family_id, corner_id, now, space = scanner.family_id, attempt.claims.subject, attempt.now, found.space
        if space is None:
            raise CornerNotFound()
        if refuses_printed_code(space["require_live_code"], live=self.live):
            raise LiveCodeRequired()
        period = steps.opening_period(found, now)
        if period is None:
            opens = await steps.next_opening(space["id"], now)
            raise OutsideOpeningHours(space_id=space["id"], next_opens_at=opens.isoformat() if opens else None)
        asked = attempt.request
        children = steps.children_present(found, asked.child_ids)
        where = Where(space["id"], corner_id, family_id)
        booking = steps.booking_in_window(found, now)
        if booking is not None:
            # Who is actually there: the children ticked and the adults said (by default the
            # booking's), not the party booked.
            chosen = children if asked.child_ids is not None else list(booking["child_ids"])
            adults = booking["adults"] if asked.adults is None else asked.adults
            attended = await _attend(attempt, where, booking, child_ids=chosen, people=_present(adults, chosen))
            return _named(attended, space["name"], found.children)
        slot_id = found.periods.get(period[0]) or await steps.period_slot(space, *period, now)
        people = _present(1 if asked.adults is None else asked.adults, children)  # the adults and children here
        visit = {"kind": "visit", "slot": slot_id, "child_ids": children, "people": people}

        async def write(attempt: Attempt) -> ScanResult | Logged:
            # No look for an earlier check-in first: the unique index on (family, slot) rolls
            # a repeat back, and it is answered from the first (one query less for the rest).
            if found.next_check_in is not None:  # PostgreSQL: every write in one statement
                made = ScanResult(
                    id=found.next_check_in,
                    kind="visit",
                    space_id=space["id"],
                    checked_in_at=now,
                    duplicate=False,
                    people=people,
                    corner_id=corner_id,
                    family_id=family_id,
                    child_ids=tuple(children),
                )
                if await steps.visit(attempt, made, slot_id):
                    return Logged(made)
            elif await steps.take_places(slot_id, people):
                return await _insert(attempt, where, visit)
            return await steps.first_or_full(family_id, slot_id, space["id"], people, now)

        return _named(await _once(attempt, where, slot_id, write), space["name"], found.children)

    async def locate(self, claims: TokenClaims, scanner: Scanner) -> Where:
        row = await Corner.select(Corner.space).where(Corner.id == claims.subject).first()
        if row is None:
            return Where(family_id=scanner.family_id)
        return Where(row["space"], claims.subject, scanner.family_id)


@frozen
class BookingTarget:
    """Staff scanned a family's booking code. Only staff of the booking's space check it in
    (district admins serve every space); outside the check-in window they may override with a
    reason, kept with the check-in. A reason never opens another space's bookings."""

    purpose: Purpose = Purpose.booking
    subject: str = "booking"

    def accepts(self, scanner: Scanner) -> bool:
        return at_the_desk(scanner)

    async def look(self, attempt: Attempt) -> Scene:
        return await steps.booking_scene(attempt)

    async def check_in(self, attempt: Attempt, scene: Scene) -> ScanResult:
        scanner, now, booking = attempt.scanner, attempt.now, scene.found
        if booking is None or not scanner.is_staff:
            raise BookingNotFound()
        space_id = booking["slot.space"]
        if not scanner.serves(space_id):
            raise WrongSpace()
        override = (attempt.request.override_reason or "").strip()
        rules = SpaceRules(
            check_in_opens_minutes=booking["slot.space.check_in_opens_minutes"],
            check_in_closes_minutes=booking["slot.space.check_in_closes_minutes"],
        )
        opens, closes = rules.check_in_window(booking["slot.starts_at"])
        if not opens <= now <= closes and not override:
            raise OutsideCheckInWindow(window_opens_at=opens.isoformat(), window_closes_at=closes.isoformat())
        if booking["status"] not in ("confirmed", "attended"):
            raise OutsideCheckInWindow(f"这个预约的状态是 {booking['status']}，不能签到")
        where = Where(space_id, None, booking["family"])
        return await _attend(attempt, where, booking, child_ids=booking["child_ids"], override=override)

    async def locate(self, claims: TokenClaims, scanner: Scanner) -> Where:
        row = await Booking.select(Booking.family, Booking.slot.space).where(Booking.id == claims.subject).first()
        return Where(row["slot.space"], None, row["family"]) if row else Where()


CORNER = CornerTarget(Purpose.corner, live=False)
LIVE = CornerTarget(Purpose.live, live=True)
BOOKING = BookingTarget()
TARGETS = (CORNER, LIVE, BOOKING)


def _named(result: ScanResult, space_name: str, nicknames: dict[int, str]) -> ScanResult:
    """The check-in with the space's name and the nicknames of the children it counts."""
    names = tuple(nicknames[i] for i in sorted(result.child_ids) if i in nicknames)
    return replace(result, space_name=space_name, child_names=names)


def _present(adults: int, children: list[int]) -> int:
    """The people a check-in counts; nobody at all is no check-in."""
    if adults + len(children) == 0:
        raise NobodyPresent()
    return adults + len(children)


async def _attend(
    attempt: Attempt,
    where: Where,
    booking: dict[str, Any],
    *,
    child_ids: list[int],
    override: str = "",
    people: int | None = None,
) -> ScanResult:
    """Mark the booking attended and record the check-in, once."""
    assert where.family_id is not None
    if booking["status"] == "attended" and (first := await steps.first_check_in(where.family_id, booking["slot"])):
        await attempt.log(first, where)
        return first
    row = {
        "kind": "booking",
        "slot": booking["slot"],
        "booking": booking["id"],
        "child_ids": child_ids,
        "people": booking["people"] if people is None else people,  # the staff's scan: the party booked
        "override_reason": override,
    }

    async def write(attempt: Attempt) -> ScanResult:
        await Booking.update({Booking.status: "attended", Booking.checked_in_at: attempt.now}).where(
            (Booking.id == booking["id"]) & (Booking.status == "confirmed")
        )
        return await _insert(attempt, where, row)

    return await _once(attempt, where, booking["slot"], write)


async def _insert(attempt: Attempt, where: Where, values: dict[str, Any]) -> ScanResult:
    row = CheckIn(
        **values,
        space=where.space_id,
        family=where.family_id,
        corner=where.corner_id,
        checked_in_at=attempt.now,
        by_user=attempt.scanner.user_id,
    )
    rows = await CheckIn.insert(row).returning(*CheckIn.all_columns())
    return steps.result(rows[0], duplicate=False)


@frozen
class Logged:
    """A check-in whose statement also wrote its scan-log row and its nonce's answer."""

    result: ScanResult


Write = Callable[[Attempt], Awaitable[ScanResult | Logged]]


async def _once(attempt: Attempt, where: Where, slot_id: int, write: Write) -> ScanResult:
    """`write` the check-in and log it, in one transaction. A unique violation means that a
    simultaneous attempt won: this nonce's first answer, else the family's first check-in;
    when only the nonce's record collided (kept from an earlier day), once more without it."""
    try:
        async with write_transaction():
            written = await write(attempt)
            if isinstance(written, Logged):
                return written.result
            await attempt.log(written, where)
        return written
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        if (replay := await attempt.replay()) is not None:  # logged as replayed
            return replay
        assert where.family_id is not None
        if (first := await steps.first_check_in(where.family_id, slot_id)) is not None:
            await attempt.log(first, where)
            return first
        if attempt.nonce is None:
            raise
    return await _once(attempt.without_nonce(), where, slot_id, write)
