"""Simultaneous bookings, cancellations and offer acceptances against running servers (two
uvicorn workers, real HTTP, real concurrency): a slot never holds more people than its
capacity, and the same places never go to two families. Runs on SQLite and PostgreSQL.

Anti-automation in the same module (one server start for both, they cost seconds): a burst of
booking submissions from one family beyond its per-account limit (BOOKING_RATE_PER_ACCOUNT,
20 a minute) is answered 429 with Retry-After, never 500, and the slot stays exact."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from piccolo.querystring import QueryString

from app.kernel.db import engine, is_sqlite, write_transaction
from app.kernel.tables import OutboxMessage
from spaces.tables import Booking, Slot
from tests.helpers import FrozenClock
from tests.spaces.conftest import child_ids, make_slot, quick_families

pytestmark = pytest.mark.live

FAMILIES = 50
CAPACITY = 10
HOLDS_PLACES = ("confirmed", "attended", "offered")
ACTIVE = ("confirmed", "attended", "offered", "waitlisted")
PER_ACCOUNT = 20  # BOOKING_RATE_PER_ACCOUNT's default, a minute
BURST = 50


def real_start(days: int = 3) -> datetime:
    """The live servers run on the system clock: their slots start in the real future."""
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=days)


async def live_slot(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, **kw: Any) -> dict[str, Any]:
    return await make_slot(client, space, clock, starts_at=real_start(), capacity=CAPACITY, **kw)


def no_server_errors(responses: list[httpx.Response]) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def book_all(http: httpx.AsyncClient, slot_id: int, families: list[dict[str, Any]]) -> list[httpx.Response]:
    """Every family books 1 adult + 1 child at the same moment."""
    return list(
        await asyncio.gather(
            *[
                http.post(
                    f"/api/v1/slots/{slot_id}/bookings",
                    json={"child_ids": child_ids(f), "adults": 1},
                    headers=f["headers"],
                )
                for f in families
            ]
        )
    )


async def slot_state(slot_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    slot = await Slot.select(Slot.capacity, Slot.remaining).where(Slot.id == slot_id).first()
    assert slot is not None
    bookings = await Booking.select().where(Booking.slot == slot_id).order_by(Booking.id)
    return slot, bookings


async def assert_invariant(slot_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Places held + places free == capacity, free >= 0, one active booking per family."""
    slot, bookings = await slot_state(slot_id)
    held = sum(b["people"] for b in bookings if b["status"] in HOLDS_PLACES)
    assert slot["remaining"] >= 0, slot
    assert held + slot["remaining"] == slot["capacity"], (held, slot, Counter(b["status"] for b in bookings))
    active = [b["family"] for b in bookings if b["status"] in ACTIVE]
    assert len(active) == len(set(active)), Counter(active).most_common(3)
    return slot, bookings


async def offer_messages() -> Counter[int]:
    rows = await OutboxMessage.select(OutboxMessage.params).where(OutboxMessage.kind == "waitlist_offer")
    params = [json.loads(r["params"]) if isinstance(r["params"], str) else r["params"] for r in rows]
    return Counter(int(p["booking_id"]) for p in params)


async def test_fifty_families_ten_places_exactly_five_confirmed(
    booking_server: str, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await live_slot(client, space, clock, waitlist=False)
    families = await quick_families(FAMILIES)
    async with httpx.AsyncClient(base_url=booking_server, timeout=60) as http:
        responses = await book_all(http, slot["id"], families)
        no_server_errors(responses)
        confirmed = [r for r in responses if r.status_code == 201]
        refused = [r for r in responses if r.status_code != 201]
        assert len(confirmed) == 5, Counter(r.status_code for r in responses)
        assert all(r.json()["status"] == "confirmed" and r.json()["people"] == 2 for r in confirmed)
        assert {(r.status_code, r.json()["code"]) for r in refused} == {(409, "slot_full")}
        assert len(refused) == FAMILIES - 5
        got = (await http.get(f"/api/v1/slots/{slot['id']}")).json()
    assert got["remaining"] == 0 and got["capacity"] == CAPACITY and got["waitlisted"] == 0
    _, bookings = await assert_invariant(slot["id"])
    assert [b["status"] for b in bookings] == ["confirmed"] * 5
    assert {b["id"] for b in bookings} == {r.json()["id"] for r in confirmed}


async def test_waitlist_in_arrival_order_then_cancel_and_accept_storms(
    booking_server: str, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await live_slot(client, space, clock, waitlist=True)
    families = await quick_families(FAMILIES)
    by_family = {f["family"]["id"]: f for f in families}
    async with httpx.AsyncClient(base_url=booking_server, timeout=60) as http:
        responses = await book_all(http, slot["id"], families)
        no_server_errors(responses)
        assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
        answers = [r.json() for r in responses]
        assert Counter(a["status"] for a in answers) == {"confirmed": 5, "waitlisted": 45}
        # Each family was told its true place in the queue when it joined.
        told = sorted(a["waitlist_position"] for a in answers if a["status"] == "waitlisted")
        assert told == list(range(1, 46))
        got = (await http.get(f"/api/v1/slots/{slot['id']}")).json()
        assert got["remaining"] == 0 and got["waitlisted"] == 45

        # Positions 1..45 follow the order in which the bookings were taken.
        _, bookings = await assert_invariant(slot["id"])
        waiting = [b for b in bookings if b["status"] == "waitlisted"]
        shown = await asyncio.gather(
            *[http.get(f"/api/v1/bookings/{b['id']}", headers=by_family[b["family"]]["headers"]) for b in waiting]
        )
        assert [r.json()["waitlist_position"] for r in shown] == list(range(1, 46))
        assert max(b["id"] for b in bookings if b["status"] == "confirmed") < waiting[0]["id"]
        initially_confirmed = {b["id"] for b in bookings if b["status"] == "confirmed"}
        initially_waiting = {b["id"] for b in waiting}

        async def cancel(b: dict[str, Any]) -> httpx.Response:
            return await http.delete(f"/api/v1/bookings/{b['id']}", headers=by_family[b["family"]]["headers"])

        async def accept(b: dict[str, Any]) -> httpx.Response:
            return await http.post(f"/api/v1/bookings/{b['id']}/accept", headers=by_family[b["family"]]["headers"])

        for round_no in range(4):
            _, bookings = await slot_state(slot["id"])
            confirmed = [b for b in bookings if b["status"] == "confirmed"]
            offered = [b for b in bookings if b["status"] == "offered"]
            waiting = [b for b in bookings if b["status"] == "waitlisted"]
            # Rounds 0 and 2: every confirmed family cancels (twice), a few waiting families give
            # up, and every waiting family tries to accept an offer it may just be getting.
            # Rounds 1 and 3: every offered family accepts (twice) while waiting ones try too.
            storm: list[tuple[str, dict[str, Any]]] = []
            if round_no % 2 == 0:
                assert len(confirmed) == 5 and not offered, (round_no, Counter(b["status"] for b in bookings))
                storm += [("cancel", b) for b in confirmed * 2]
                storm += [("cancel", b) for b in waiting[1:8:3]]
                storm += [("accept", b) for b in waiting]
            else:
                # (Some may have accepted already, in the round that offered them the places.)
                assert len(confirmed) + len(offered) == 5, Counter(b["status"] for b in bookings)
                storm += [("accept", b) for b in offered * 2]
                storm += [("accept", b) for b in waiting[:10]]
            results = await asyncio.gather(*[cancel(b) if op == "cancel" else accept(b) for op, b in storm])
            no_server_errors(results)
            for (op, _b), r in zip(storm, results, strict=True):
                if r.status_code == 200:
                    assert r.json()["status"] == ("cancelled" if op == "cancel" else "confirmed"), (op, r.text)
                else:
                    # A repeated cancel racing the first, an accept without an offer (yet), or a
                    # waiting family cancelling just as it is offered places (it may retry).
                    assert r.status_code == 409, (op, r.status_code, r.text)
                    assert r.json()["code"] in {"booking_not_cancellable", "no_offer"}, (op, r.text)

            slot_row, bookings = await assert_invariant(slot["id"])
            # The freed places all went to the waitlist: there are more than enough families.
            assert slot_row["remaining"] == 0
            holders = [b for b in bookings if b["status"] in HOLDS_PLACES]
            assert len(holders) == 5 and sum(b["people"] for b in holders) == CAPACITY
            # Never offered twice, only to families that were waiting, first come first served.
            offers = await offer_messages()
            assert all(n == 1 for n in offers.values()), offers
            assert set(offers) <= initially_waiting
            waiting_now = [b["id"] for b in bookings if b["status"] == "waitlisted"]
            assert not waiting_now or max(offers) < min(waiting_now)
            assert {b["id"] for b in holders} <= set(offers) | initially_confirmed

        # Two generations of five families confirmed and cancelled; a third one confirmed
        # through offers; everyone else still waiting or given up.
        _, bookings = await assert_invariant(slot["id"])
        statuses = Counter(b["status"] for b in bookings)
        assert statuses["confirmed"] == 5 and statuses["offered"] == 0 and statuses["cancelled"] >= 10
        assert statuses["confirmed"] + statuses["waitlisted"] + statuses["cancelled"] == FAMILIES
        confirmed_ids = {b["id"] for b in bookings if b["status"] == "confirmed"}
        assert confirmed_ids <= set(await offer_messages())
        got = (await http.get(f"/api/v1/slots/{slot['id']}")).json()
        assert got["remaining"] == 0 and got["waitlisted"] == statuses["waitlisted"]


async def test_bookings_arriving_during_cancellations_never_strand_places(
    booking_server: str, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """Families join the waitlist while confirmed families cancel: every freed place is offered,
    in queue order, and none stays free while a family that fits is waiting."""
    slot = await live_slot(client, space, clock, waitlist=True)
    families = await quick_families(27)
    first, early_waiting, newcomers = families[:5], families[5:7], families[7:]
    async with httpx.AsyncClient(base_url=booking_server, timeout=60) as http:
        for fam, status in [(f, "confirmed") for f in first] + [(f, "waitlisted") for f in early_waiting]:
            r = await http.post(
                f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": child_ids(fam)}, headers=fam["headers"]
            )
            assert r.status_code == 201 and r.json()["status"] == status, r.text
        _, bookings = await slot_state(slot["id"])
        by_family = {f["family"]["id"]: f for f in families}
        cancels = [
            http.delete(f"/api/v1/bookings/{b['id']}", headers=by_family[b["family"]]["headers"])
            for b in bookings
            if b["status"] == "confirmed"
        ]
        books = [
            http.post(f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": child_ids(f)}, headers=f["headers"])
            for f in newcomers
        ]
        half = len(books) // 2
        results = await asyncio.gather(*books[:half], *cancels, *books[half:])
        no_server_errors(results)
        cancelled = results[half : half + len(cancels)]
        assert all(r.status_code == 200 and r.json()["status"] == "cancelled" for r in cancelled)
        booked = results[:half] + results[half + len(cancels) :]
        # (A newcomer may already be offered places by the time its answer is written.)
        assert {r.json()["status"] for r in booked} <= {"waitlisted", "offered", "confirmed"}
        slot_row, bookings = await assert_invariant(slot["id"])
        # No place stays free while a family that fits is waiting.
        assert slot_row["remaining"] == 0, Counter(b["status"] for b in bookings)
        offered = [b["id"] for b in bookings if b["status"] == "offered"]
        waiting = [b["id"] for b in bookings if b["status"] == "waitlisted"]
        assert set(await offer_messages()) == set(offered)
        # Offers follow the queue: the two who waited first, then newcomers in order.
        early = [b["id"] for b in bookings if b["family"] in {f["family"]["id"] for f in early_waiting}]
        assert set(early) <= set(offered) and max(offered) < min(waiting)
        # Nobody jumps the queue: a newcomer is confirmed outright only when places were free
        # with nobody (committed) waiting; those it passed joined the queue after it.
        direct = [b for b in bookings if b["status"] == "confirmed"]
        assert sum(b["people"] for b in direct) + 2 * len(offered) == CAPACITY
        assert not direct or max(b["id"] for b in direct) < min(waiting), (direct, waiting)


async def lock_waiters() -> int:
    """Statements of this database waiting for a lock (PostgreSQL); 0 on SQLite."""
    if is_sqlite():
        return 0
    await engine().run_querystring(QueryString("SELECT pg_stat_clear_snapshot()"))
    rows = await engine().run_querystring(
        QueryString(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )
    return int(rows[0]["n"])


async def until(condition: Any, seconds: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


async def test_places_freed_while_a_family_joins_the_waitlist_are_offered_to_it(
    booking_server: str, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The exact interleaving, forced: B finds the slot full and is about to join the waitlist
    when A cancels. Either A's freed places wait for B's booking and are offered to it, or B
    sees them and takes them; they never stay free with B waiting (and a later family never
    gets them first).

    The test holds an uncommitted booking row of B for the slot: on PostgreSQL, B's own insert
    waits for it on the unique index, after B found the slot full; on SQLite the test's write
    transaction holds the database's write lock, so both requests wait and then run in turn."""
    slot = await make_slot(client, space, clock, starts_at=real_start(), capacity=2, waitlist=True)
    a, b = await quick_families(2)
    async with httpx.AsyncClient(base_url=booking_server, timeout=60) as http:
        r = await http.post(
            f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": child_ids(a)}, headers=a["headers"]
        )
        assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
        a_booking = r.json()["id"]
        waiting_before = await lock_waiters()
        async with write_transaction() as tx:
            await Booking.insert(
                Booking(
                    slot=slot["id"],
                    family=b["family"]["id"],
                    status="waitlisted",
                    adults=1,
                    child_ids=[],
                    people=2,
                    created_at=datetime.now(UTC),
                )
            )
            b_books = asyncio.create_task(
                http.post(
                    f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": child_ids(b)}, headers=b["headers"]
                )
            )

            async def b_waits() -> bool:
                return await lock_waiters() > waiting_before or b_books.done()

            await until(b_waits, 10 if not is_sqlite() else 0.5)
            assert not b_books.done(), b_books.result().text
            a_cancels = asyncio.create_task(http.delete(f"/api/v1/bookings/{a_booking}", headers=a["headers"]))

            async def a_done_or_waits() -> bool:
                return a_cancels.done() or await lock_waiters() > waiting_before + 1

            await until(a_done_or_waits, 10 if not is_sqlite() else 0.5)
            await tx.rollback()
        cancelled, booked = await asyncio.gather(a_cancels, b_books)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert booked.status_code == 201, booked.text
    slot_row, bookings = await assert_invariant(slot["id"])
    b_row = next(x for x in bookings if x["family"] == b["family"]["id"] and x["status"] != "cancelled")
    assert b_row["status"] in ("offered", "confirmed") and slot_row["remaining"] == 0, (b_row, slot_row)


async def test_a_burst_from_one_family_gets_429_with_retry_after(
    booking_server: str, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await live_slot(client, space, clock, waitlist=True)
    greedy, other = await quick_families(2)
    async with httpx.AsyncClient(base_url=booking_server, timeout=60) as http:
        first_minute = int(time.time() // 60)
        burst = await asyncio.gather(
            *[
                http.post(
                    f"/api/v1/slots/{slot['id']}/bookings",
                    json={"child_ids": child_ids(greedy), "adults": 1},
                    headers=greedy["headers"],
                )
                for _ in range(BURST)
            ]
        )
        minutes = int(time.time() // 60) - first_minute + 1  # the limit counts in fixed minutes
        no_server_errors(burst)
        codes = Counter((r.status_code, r.json().get("code")) for r in burst)
        limited = [r for r in burst if r.status_code == 429]
        admitted = BURST - len(limited)
        assert codes[(201, None)] == 1, codes  # exactly one booking, whatever the burst
        assert set(codes) <= {(201, None), (409, "already_booked"), (429, "too_many_requests")}, codes
        # Exactly the limit gets through in one minute (at most twice it if the burst straddled two).
        assert admitted == PER_ACCOUNT if minutes == 1 else admitted <= PER_ACCOUNT * minutes, (codes, minutes)
        assert len(limited) >= BURST - PER_ACCOUNT * minutes > 0
        for r in limited:
            assert 1 <= int(r.headers["Retry-After"]) <= 60
        # Another family at the same address (one Wi-Fi) books normally.
        r = await http.post(
            f"/api/v1/slots/{slot['id']}/bookings",
            json={"child_ids": child_ids(other), "adults": 1},
            headers=other["headers"],
        )
        assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
        got = (await http.get(f"/api/v1/slots/{slot['id']}")).json()
    assert got["remaining"] == CAPACITY - 2 * 2
    _, bookings = await assert_invariant(slot["id"])
    assert [b["status"] for b in bookings] == ["confirmed", "confirmed"]
