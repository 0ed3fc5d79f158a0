"""Notices on the outside channels, against the Tencent Cloud SMS and WeChat fakes: a waitlist
offer reaching a family by WeChat and by SMS, provider errors retried then left to the inbox,
the delivery job run twice sending once, quiet hours, preferences, the recipient's language,
WeChat's shared access token."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from app.accounts.services import wechat as bindings
from app.kernel.tables import Notification
from app.notify.delivery import deliver_pending, send_due
from app.notify.tables import Delivery, DeliveryAttempt
from tests.fakes.fixtures import (
    SMS_TEMPLATES,
    activity_body,
    app_client,
    messaging,
    space_body,
    tencent_config,
    wechat_config,
)
from tests.fakes.tencent import FakeTencentSms
from tests.fakes.wechat import FakeWeChat
from tests.helpers import FrozenClock, register_family, staff_headers

TITLE = "绘本＋安全教育"


@pytest.fixture
def clocked_queue(clock: FrozenClock) -> Any:
    """The in-process queue, its jobs on the test's clock."""
    from app.jobs.queue import InProcessQueue
    from app.jobs.registry import JOBS

    return InProcessQueue(JOBS, [], context={"clock": clock})


@pytest.fixture
async def client(
    settings: Any, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms, fake_wechat: FakeWeChat
) -> AsyncIterator[httpx.AsyncClient]:
    config = messaging(tencent_config(tencent_sms), wechat_config(fake_wechat))
    async with app_client(settings, clock, clocked_queue, config) as c:
        yield c


async def slot_with_waitlist(client: httpx.AsyncClient, clock: FrozenClock, capacity: int = 3) -> int:
    admin = await staff_headers(client, "deliveryadmin")
    r = await client.post("/api/v1/spaces", json=space_body(), headers=admin)
    assert r.status_code == 201, r.text
    slot = activity_body(TITLE, clock.now() + timedelta(days=2), capacity)
    r = await client.post(f"/api/v1/spaces/{r.json()['id']}/slots", json=slot, headers=admin)
    assert r.status_code == 201, r.text
    return int(r.json()["items"][0]["id"])


async def book(client: httpx.AsyncClient, slot_id: int, fam: dict[str, Any], children: int = 1) -> dict[str, Any]:
    kids = [c["id"] for c in fam["family"]["children"][:children]]
    r = await client.post(
        f"/api/v1/slots/{slot_id}/bookings", json={"child_ids": kids, "adults": 1}, headers=fam["headers"]
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def bind(fake: FakeWeChat, fam: dict[str, Any], clock: FrozenClock) -> str:
    openid = f"o-{fam['phone']}"
    fake.openids.add(openid)
    await bindings.bind(await user_id(fam), openid, None, clock=clock)
    return openid


async def user_id(fam: dict[str, Any]) -> int:
    from app.accounts.tables import User

    row = await User.select(User.id).where(User.login == fam["phone"]).first()
    assert row is not None
    return int(row["id"])


async def offer_to(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    queue: Any,
    fake: FakeTencentSms,
    *outcomes: str,
    wechat: FakeWeChat | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Family a fills the slot, family b waits (its WeChat bound on `wechat`), a cancels: b is
    offered the places (the SMS provider answering the next sends with `outcomes`)."""
    slot_id = await slot_with_waitlist(client, clock)
    a, b = await register_family(client), await register_family(client)
    if wechat is not None:
        b["openid"] = await bind(wechat, b, clock)
    booking = await book(client, slot_id, a, children=2)
    assert (await book(client, slot_id, b))["status"] == "waitlisted"
    await run(queue, clock)
    fake.script(*outcomes)
    r = await client.delete(f"/api/v1/bookings/{booking['id']}", headers=a["headers"])
    assert r.status_code == 200
    return a, b


async def run(queue: Any, clock: FrozenClock) -> None:
    """Whatever the requests started, then one delivery run on the test's clock."""
    await queue.drain()
    await deliver_pending(clock=clock)
    await send_due(clock=clock)


def sms_to(fake: FakeTencentSms, phone: str, kind: str) -> list[Any]:
    return [s for s in fake.sent if s.phone == phone and s.template == SMS_TEMPLATES[kind]]


async def deliveries(kind: str) -> list[dict[str, Any]]:
    from app.kernel.tables import OutboxMessage

    ids = OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.kind == kind)
    return list(await Delivery.select().where(Delivery.outbox_id.is_in(ids)).order_by(Delivery.channel))


async def test_a_waitlist_offer_reaches_a_family_by_wechat_and_by_sms(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    clocked_queue: Any,
    tencent_sms: FakeTencentSms,
    fake_wechat: FakeWeChat,
) -> None:
    _a, b = await offer_to(client, clock, clocked_queue, tencent_sms, wechat=fake_wechat)
    openid = b["openid"]
    await run(clocked_queue, clock)

    # Urgent: every channel the family has.
    offers = [m for m in fake_wechat.messages if m.template_id == "tmpl-waitlist-offer"]
    assert [m.openid for m in offers] == [openid]
    assert offers[0].data["thing1"] == f"候补到名额了：{TITLE}"[:20]
    assert offers[0].page == "http://testserver/bookings"
    [sms] = sms_to(tencent_sms, b["phone"], "waitlist_offer")
    assert sms.params == [f"候补到名额了：{TITLE}"]
    rows = await deliveries("waitlist_offer")
    assert [(r["channel"], r["status"], r["attempts"]) for r in rows] == [("sms", "sent", 1), ("wechat", "sent", 1)]
    assert rows[0]["provider_message_id"].startswith("2433:")
    attempts = await DeliveryAttempt.select().where(DeliveryAttempt.kind == "waitlist_offer")
    assert sorted((x["channel"], x["provider"], x["status"]) for x in attempts) == [
        ("sms", "tencent", "sent"),
        ("wechat", "wechat", "sent"),
    ]
    # The inbox has it too.
    inbox = (await client.get("/api/v1/notifications", headers=b["headers"])).json()["items"]
    assert "waitlist_offer" in [n["kind"] for n in inbox]


async def test_a_normal_notice_takes_one_channel_wechat_first(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    clocked_queue: Any,
    tencent_sms: FakeTencentSms,
    fake_wechat: FakeWeChat,
) -> None:
    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    on_wechat, sms_only = await register_family(client), await register_family(client)
    await bind(fake_wechat, on_wechat, clock)
    await book(client, slot_id, on_wechat)
    await book(client, slot_id, sms_only)
    await run(clocked_queue, clock)
    assert [m.template_id for m in fake_wechat.messages] == ["tmpl-booking-confirmed"]
    assert sms_to(tencent_sms, on_wechat["phone"], "booking_confirmed") == []
    assert len(sms_to(tencent_sms, sms_only["phone"], "booking_confirmed")) == 1


async def test_provider_errors_are_retried_with_backoff_then_left_to_the_inbox(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    _a, b = await offer_to(
        client, clock, clocked_queue, tencent_sms, "throttled", "down", "throttled", "throttled", "throttled"
    )
    await run(clocked_queue, clock)
    [row] = await deliveries("waitlist_offer")
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] == clock.now() + timedelta(minutes=1)
    for wait in (1, 5, 20, 60):
        await run(clocked_queue, clock)  # not due yet: nothing happens
        assert (await deliveries("waitlist_offer"))[0]["attempts"] == row["attempts"]
        clock.advance(minutes=wait)
        await run(clocked_queue, clock)
        row = (await deliveries("waitlist_offer"))[0]
    assert (row["status"], row["attempts"]) == ("failed", 5)
    assert row["last_error"].startswith("LimitExceeded")
    errors = [
        x["error"] for x in await DeliveryAttempt.select().order_by(DeliveryAttempt.id) if x["kind"] == "waitlist_offer"
    ]
    assert len(errors) == 5 and errors[1].startswith("ServerNetworkError")
    assert sms_to(tencent_sms, b["phone"], "waitlist_offer") == []
    # The fallback: the notice waits in the family's inbox.
    inbox = (await client.get("/api/v1/notifications", headers=b["headers"])).json()["items"]
    assert any(n["kind"] == "waitlist_offer" and not n["read"] for n in inbox)
    clock.advance(hours=2)
    await run(clocked_queue, clock)
    assert (await deliveries("waitlist_offer"))[0]["attempts"] == 5  # given up: never again


async def test_an_error_then_success(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    _a, b = await offer_to(client, clock, clocked_queue, tencent_sms, "down")
    await run(clocked_queue, clock)
    clock.advance(minutes=1)
    await run(clocked_queue, clock)
    [row] = await deliveries("waitlist_offer")
    assert (row["status"], row["attempts"]) == ("sent", 2)
    assert len(sms_to(tencent_sms, b["phone"], "waitlist_offer")) == 1


async def test_an_invalid_number_is_not_tried_again(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    await offer_to(client, clock, clocked_queue, tencent_sms, "invalid_number")
    await run(clocked_queue, clock)
    [row] = await deliveries("waitlist_offer")
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"].startswith("InvalidParameterValue.IncorrectPhoneNumber")


async def test_the_delivery_job_run_twice_sends_once(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    clocked_queue: Any,
    tencent_sms: FakeTencentSms,
    fake_wechat: FakeWeChat,
) -> None:
    _a, b = await offer_to(client, clock, clocked_queue, tencent_sms, wechat=fake_wechat)
    # The run the cancellation asked for, two more at once, then two after: once per channel.
    await asyncio.gather(
        clocked_queue.drain(), deliver_pending(clock=clock), deliver_pending(clock=clock), send_due(clock=clock)
    )
    await asyncio.gather(send_due(clock=clock), send_due(clock=clock), send_due(clock=clock))
    await run(clocked_queue, clock)
    await run(clocked_queue, clock)
    assert len(sms_to(tencent_sms, b["phone"], "waitlist_offer")) == 1
    assert len([m for m in fake_wechat.messages if m.template_id == "tmpl-waitlist-offer"]) == 1
    assert await Notification.count().where(Notification.kind == "waitlist_offer") == 1
    assert [r["status"] for r in await deliveries("waitlist_offer")] == ["sent", "sent"]


async def test_no_sms_at_night_except_waitlist_offers(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    clock.set(datetime(2026, 11, 28, 14, 30, tzinfo=UTC))  # 22:30 in Beijing
    slot_id = await slot_with_waitlist(client, clock)
    a, b = await register_family(client), await register_family(client)
    booking = await book(client, slot_id, a, children=2)
    await book(client, slot_id, b)
    await run(clocked_queue, clock)
    assert sms_to(tencent_sms, a["phone"], "booking_confirmed") == []  # waits for the morning
    [row] = await deliveries("booking_confirmed")
    assert row["next_attempt_at"] == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
    await client.delete(f"/api/v1/bookings/{booking['id']}", headers=a["headers"])
    await run(clocked_queue, clock)
    assert len(sms_to(tencent_sms, b["phone"], "waitlist_offer")) == 1  # at once, night or not
    clock.set(datetime(2026, 11, 28, 23, 59, tzinfo=UTC))  # 07:59
    await run(clocked_queue, clock)
    assert sms_to(tencent_sms, a["phone"], "booking_confirmed") == []
    clock.set(datetime(2026, 11, 29, 0, 0, tzinfo=UTC))  # 08:00
    await run(clocked_queue, clock)
    assert len(sms_to(tencent_sms, a["phone"], "booking_confirmed")) == 1


async def test_preferences_switch_channels_and_kinds_off(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    opted_out, no_sms = await register_family(client), await register_family(client)
    r = await client.patch(
        "/api/v1/families/me/channels", json={"opt_outs": ["booking_confirmed"]}, headers=opted_out["headers"]
    )
    assert r.status_code == 200, r.text
    r = await client.patch("/api/v1/families/me/channels", json={"sms": False}, headers=no_sms["headers"])
    assert r.status_code == 200, r.text
    await book(client, slot_id, opted_out)
    await book(client, slot_id, no_sms)
    await run(clocked_queue, clock)
    assert tencent_sms.sent == []
    for fam in (opted_out, no_sms):  # the inbox keeps everything
        kinds = [n["kind"] for n in (await client.get("/api/v1/notifications", headers=fam["headers"])).json()["items"]]
        assert "booking_confirmed" in kinds


async def test_a_provider_that_is_down_never_blocks_a_booking(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    fam = await register_family(client)
    tencent_sms.stop()
    assert (await book(client, slot_id, fam))["status"] == "confirmed"
    await run(clocked_queue, clock)
    [row] = await deliveries("booking_confirmed")
    assert (row["status"], row["attempts"]) == ("pending", 1)


async def test_wechat_access_token_is_shared_and_refreshed_when_expired(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, fake_wechat: FakeWeChat
) -> None:
    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    families = [await register_family(client) for _ in range(3)]
    for fam in families:
        await bind(fake_wechat, fam, clock)
    await book(client, slot_id, families[0])
    await book(client, slot_id, families[1])
    await run(clocked_queue, clock)
    assert len(fake_wechat.messages) == 2
    assert fake_wechat.token_fetches == 1  # one token for both messages
    fake_wechat.expire_tokens()
    await book(client, slot_id, families[2])
    await run(clocked_queue, clock)
    assert len(fake_wechat.messages) == 3  # refused with 42001, refreshed once, sent
    assert fake_wechat.token_fetches == 2


async def test_a_follower_who_refused_is_not_tried_again(
    client: httpx.AsyncClient,
    clock: FrozenClock,
    clocked_queue: Any,
    fake_wechat: FakeWeChat,
    tencent_sms: FakeTencentSms,
) -> None:
    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    fam = await register_family(client)
    await bind(fake_wechat, fam, clock)
    fake_wechat.script("refused")
    await book(client, slot_id, fam)
    await run(clocked_queue, clock)
    [row] = await deliveries("booking_confirmed")
    assert (row["channel"], row["status"]) == ("wechat", "failed")
    assert row["last_error"].startswith("43101")


async def confirmations_due(client: httpx.AsyncClient, clock: FrozenClock, queue: Any, count: int) -> dict[str, Any]:
    """A family that booked (its confirmation sent), then its confirmation `count` times more in
    the outbox, as many as a morning's reminders; returns the family."""
    from app.kernel import outbox
    from app.kernel.db import write_transaction
    from app.kernel.tables import OutboxMessage
    from app.notify.delivery import loaded

    slot_id = await slot_with_waitlist(client, clock, capacity=10)
    family = await register_family(client)
    await book(client, slot_id, family)
    await queue.drain()  # the booking's own run sent its confirmation
    [confirmed] = await OutboxMessage.select().where(OutboxMessage.kind == "booking_confirmed")
    async with write_transaction():
        for _ in range(count):
            await outbox.notice(
                recipient_id=confirmed["recipient_id"],
                kind="booking_confirmed",
                params=loaded(confirmed["params"]) or {},
                link=confirmed["link"],
                now=clock.now(),
            )
    return family


async def test_one_run_sends_every_due_delivery_beyond_a_batch(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    """A morning's reminders are more than one batch (BATCH = 200): one run sends them all,
    as `deliver_pending` delivers every message, instead of 200 a run."""
    from app.notify.delivery import BATCH

    family = await confirmations_due(client, clock, clocked_queue, BATCH + 50)
    assert await deliver_pending(clock=clock) == BATCH + 50
    assert await send_due(clock=clock) == BATCH + 50
    assert len(sms_to(tencent_sms, family["phone"], "booking_confirmed")) == BATCH + 51
    assert {r["status"] for r in await deliveries("booking_confirmed")} == {"sent"}
    assert await send_due(clock=clock) == 0


async def test_a_run_keeps_several_sends_in_flight_and_sends_each_once(
    client: httpx.AsyncClient, clock: FrozenClock, clocked_queue: Any, tencent_sms: FakeTencentSms
) -> None:
    """A provider takes a while to answer each message: one run calls it for several deliveries
    at once (at most SENDING_AT_ONCE), and each delivery still goes out once."""
    from app.notify.delivery import SENDING_AT_ONCE

    family = await confirmations_due(client, clock, clocked_queue, 3 * SENDING_AT_ONCE)
    await deliver_pending(clock=clock)
    tencent_sms.latency = 0.2
    tencent_sms.most_in_flight = 0

    assert await send_due(clock=clock) == 3 * SENDING_AT_ONCE
    assert 1 < tencent_sms.most_in_flight <= SENDING_AT_ONCE
    assert len(sms_to(tencent_sms, family["phone"], "booking_confirmed")) == 3 * SENDING_AT_ONCE + 1
    rows = await deliveries("booking_confirmed")
    assert [r["status"] for r in rows] == ["sent"] * len(rows)
    assert await DeliveryAttempt.count() == len(rows)  # one call each
