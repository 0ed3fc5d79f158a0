"""The outbox: written in the business transaction, delivered exactly once, purged when old."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from app.accounts.schemas import ConsentIn, FamilyRegistration
from app.accounts.services.registration import register_family
from app.accounts.tables import Family, LoginAttempt, User
from app.kernel import outbox
from app.kernel.db import write_transaction
from app.kernel.tables import IdempotencyRecord, Notification, OutboxMessage
from app.notify.delivery import deliver_pending
from app.retention import Periods, apply
from app.tables import KeyValue
from tests.helpers import FrozenClock, family_body

RECIPIENT = 77


async def add_messages(clock: FrozenClock, count: int) -> list[int]:
    async with write_transaction():
        return [
            await outbox.add(recipient_id=RECIPIENT, kind="test", title=f"提醒 {i}", body="正文", now=clock.now())
            for i in range(count)
        ]


async def assert_delivered_once(ids: list[int]) -> None:
    rows = await Notification.select(Notification.outbox_id, Notification.user_id)
    assert sorted(r["outbox_id"] for r in rows) == ids  # each message once, none twice
    assert {r["user_id"] for r in rows} == {RECIPIENT}
    messages = await OutboxMessage.select(OutboxMessage.delivered_at, OutboxMessage.attempts)
    assert all(m["delivered_at"] is not None for m in messages)
    assert {m["attempts"] for m in messages} == {1}  # claimed once: no delivery overwrote another


async def test_delivery_run_twice_in_a_row_delivers_once(clock: FrozenClock) -> None:
    ids = await add_messages(clock, 5)
    assert await deliver_pending(clock=clock) == 5
    assert await deliver_pending(clock=clock) == 0
    await assert_delivered_once(ids)


async def test_two_concurrent_deliveries_deliver_once(clock: FrozenClock) -> None:
    # More than one batch (BATCH = 200), so both runs overlap over several rounds.
    ids = await add_messages(clock, 250)
    first, second = await asyncio.gather(deliver_pending(clock=clock), deliver_pending(clock=clock))
    assert first + second == 250
    await assert_delivered_once(ids)


async def test_rolled_back_change_leaves_no_outbox_row(clock: FrozenClock) -> None:
    body = family_body()
    data = FamilyRegistration(
        phone=body["phone"],
        password=body["password"],
        guardian_name=body["guardian_name"],
        consent=ConsentIn(**body["consent"]),
        children=[],
    )

    async def change_that_fails() -> None:
        async with write_transaction():
            # Registration writes a welcome message to the outbox inside its transaction,
            # which joins this one.
            await register_family(data, clock=clock)
            await outbox.add(recipient_id=RECIPIENT, kind="test", title="不该发出", body="正文", now=clock.now())
            raise RuntimeError("business change failed")

    with pytest.raises(RuntimeError, match="business change failed"):
        await change_that_fails()
    assert await OutboxMessage.count() == 0
    assert await User.count() == 0
    assert await Family.count() == 0
    assert await deliver_pending(clock=clock) == 0
    assert await Notification.count() == 0


async def test_committed_change_keeps_its_outbox_row(clock: FrozenClock) -> None:
    """The control for the rollback test: the same code, committed, does write the message."""
    async with write_transaction():
        await outbox.add(recipient_id=RECIPIENT, kind="test", title="会发出", body="正文", now=clock.now())
    assert await OutboxMessage.count() == 1
    assert await deliver_pending(clock=clock) == 1


async def test_purge_removes_only_what_has_expired(clock: FrozenClock) -> None:
    now = clock.now()
    old_delivered, fresh_delivered, old_pending = await add_messages(clock, 3)
    await OutboxMessage.update({OutboxMessage.delivered_at: now - timedelta(days=31)}).where(
        OutboxMessage.id == old_delivered
    )
    await OutboxMessage.update({OutboxMessage.delivered_at: now - timedelta(days=2)}).where(
        OutboxMessage.id == fresh_delivered
    )
    await OutboxMessage.update({OutboxMessage.created_at: now - timedelta(days=90)}).where(
        OutboxMessage.id == old_pending
    )

    await KeyValue.insert(
        KeyValue(key="session:expired", value=b"x", expires_at=now - timedelta(seconds=1)),
        KeyValue(key="session:live", value=b"x", expires_at=now + timedelta(days=1)),
        KeyValue(key="session:forever", value=b"x", expires_at=None),
    )

    def record(key: str, age: timedelta) -> IdempotencyRecord:
        return IdempotencyRecord(
            owner="user:1", key=key, fingerprint="f", method="POST", path="/api/v1/x", created_at=now - age
        )

    await IdempotencyRecord.insert(record("old", timedelta(hours=26)), record("fresh", timedelta(hours=1)))
    await LoginAttempt.insert(
        # Kept 30 days: a recent success lets its address past the per-login limit.
        LoginAttempt(login="13900000000", client="1.2.3.4", at=now - timedelta(days=31)),
        LoginAttempt(login="13900000000", client="1.2.3.4", at=now - timedelta(days=2)),
    )

    periods = Periods(scan_log=timedelta(days=180), login_attempts=timedelta(days=30))
    removed = sum((await apply(periods, now=clock.now())).values())

    assert removed == 4
    assert sorted(r["id"] for r in await OutboxMessage.select(OutboxMessage.id)) == [fresh_delivered, old_pending]
    assert sorted(r["key"] for r in await KeyValue.select(KeyValue.key)) == ["session:forever", "session:live"]
    assert [r["key"] for r in await IdempotencyRecord.select(IdempotencyRecord.key)] == ["fresh"]
    assert await LoginAttempt.count() == 1
    # Nothing left to purge: a second run removes nothing.
    assert sum((await apply(periods, now=clock.now())).values()) == 0


async def test_retention_periods_apply_to_the_scan_log_and_tokens(clock: FrozenClock, settings: Any) -> None:
    from app.accounts.tables import ApiToken
    from app.retention import Periods, apply
    from qr.tables import Scan
    from tests.helpers import create_staff

    now = clock.now()
    user_id = await create_staff("retention-staff")
    await Scan.insert(
        Scan(outcome="checked_in", at=now - timedelta(days=181)),
        Scan(outcome="invalid_token", at=now - timedelta(days=179)),
    )
    await ApiToken.insert(
        ApiToken(user=user_id, token_hash="a" * 64, created_at=now, expires_at=now - timedelta(seconds=1)),
        ApiToken(user=user_id, token_hash="b" * 64, created_at=now, expires_at=now + timedelta(days=1), revoked_at=now),
        ApiToken(user=user_id, token_hash="c" * 64, created_at=now, expires_at=now + timedelta(days=1)),
    )
    gone = await apply(Periods.of(settings), now=now)
    assert (gone["scan_log"], gone["api_tokens"]) == (1, 2)
    assert [r["outcome"] for r in await Scan.select(Scan.outcome)] == ["invalid_token"]
    assert [r["token_hash"] for r in await ApiToken.select(ApiToken.token_hash)] == ["c" * 64]


async def test_check_ins_older_than_three_years_lose_their_family_and_stay(clock: FrozenClock, settings: Any) -> None:
    """Which family (and children) a check-in was is kept three years; the check-in stays."""
    import msgspec

    from app.accounts.schemas import FamilyRegistration
    from app.accounts.services.registration import register_family
    from app.retention import Periods, apply
    from spaces.tables import CheckIn, Slot, Space
    from tests.helpers import family_body

    now = clock.now()
    user = await register_family(msgspec.convert(family_body(children=1), FamilyRegistration), clock=clock)
    space = Space(name="东四", kind="ten_square", street="东四", address="东四", capacity=5, created_at=now)
    await space.save()
    for age in (timedelta(days=3 * 365 + 1), timedelta(days=3 * 365 - 1)):
        slot = Slot(space=space.id, kind="open_reading", title="开放阅读", starts_at=now - age, ends_at=now - age)
        slot.capacity = slot.remaining = 5
        slot.created_at = now
        await slot.save()
        visit = CheckIn(kind="visit", space=space.id, slot=slot.id, family=user.family, child_ids=[1], people=2)
        visit.checked_in_at = now - age
        await visit.save()
    gone = await apply(Periods.of(settings), now=now)
    assert gone["check_in_links"] == 1
    rows = await CheckIn.select(CheckIn.family, CheckIn.people).order_by(CheckIn.checked_in_at)
    assert [(r["family"], r["people"]) for r in rows] == [(None, 2), (user.family, 2)]
