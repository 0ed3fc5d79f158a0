"""Calendars: an .ics file per booking, and a family's private feed behind a secret URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from icalendar import Calendar

from tests.helpers import FrozenClock
from tests.spaces.conftest import book, local, make_slot, quick_families


def events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


async def test_booking_ics_has_the_slot_times(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 12, 3, 15, 30)
    slot = await make_slot(client, space, clock, starts_at=starts, ends_at=(starts + timedelta(minutes=90)).isoformat())
    [fam] = await quick_families(1)
    booking = (await book(client, slot["id"], fam)).json()
    r = await client.get(f"/api/v1/bookings/{booking['id']}/calendar.ics", headers=fam["headers"])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    assert f'filename="booking-{booking["id"]}.ics"' in r.headers["content-disposition"]
    [event] = events(r.content)
    dtstart, dtend = event.decoded("dtstart"), event.decoded("dtend")
    assert isinstance(dtstart, datetime) and dtstart.tzinfo is not None
    assert dtstart == starts and dtend == starts + timedelta(minutes=90)
    assert str(event["uid"]) == f"booking-{booking['id']}@storycorner"
    assert slot["title"] in str(event["summary"]) and space["name"] in str(event["summary"])
    assert str(event["location"]) == space["address"] and str(event["status"]) == "CONFIRMED"
    r = await client.get(f"/api/v1/bookings/{booking['id']}/calendar.ics")
    assert r.status_code == 401


async def test_family_feed_needs_no_login_and_lists_confirmed_bookings_only(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    confirmed_slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 1, 10))
    full_slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 2, 10), capacity=2, waitlist=True)
    dropped_slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 4, 10))
    fam, other = await quick_families(2)
    mine = (await book(client, confirmed_slot["id"], fam)).json()
    assert (await book(client, full_slot["id"], other)).json()["status"] == "confirmed"
    assert (await book(client, full_slot["id"], fam)).json()["status"] == "waitlisted"
    dropped = (await book(client, dropped_slot["id"], fam)).json()
    assert (await client.delete(f"/api/v1/bookings/{dropped['id']}", headers=fam["headers"])).status_code == 200
    theirs = (await book(client, confirmed_slot["id"], other)).json()

    r = await client.get("/api/v1/families/me/calendar", headers=fam["headers"])
    assert r.status_code == 200
    feed_url = r.json()["feed_url"]
    assert feed_url.startswith("http://testserver/calendar/") and feed_url.endswith(".ics")
    assert (await client.get("/api/v1/families/me/calendar", headers=fam["headers"])).json()["feed_url"] == feed_url
    other_url = (await client.get("/api/v1/families/me/calendar", headers=other["headers"])).json()["feed_url"]
    assert other_url != feed_url

    path = feed_url.removeprefix("http://testserver")
    r = await client.get(path)  # no login: the secret URL is the key (calendar apps cannot log in)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    [event] = events(r.content)
    assert str(event["uid"]) == f"booking-{mine['id']}@storycorner"
    assert event.decoded("dtstart") == local(2026, 12, 1, 10)
    assert str(event["uid"]) != f"booking-{theirs['id']}@storycorner"

    # Once an offer is accepted the booking is confirmed and joins the feed.
    blocking = (
        await client.get("/api/v1/bookings", params={"slot_id": full_slot["id"]}, headers=other["headers"])
    ).json()
    assert (
        await client.delete(f"/api/v1/bookings/{blocking['items'][0]['id']}", headers=other["headers"])
    ).status_code == 200
    waiting = (await client.get("/api/v1/bookings", params={"status": "offered"}, headers=fam["headers"])).json()
    [offered] = waiting["items"]
    r = await client.post(f"/api/v1/bookings/{offered['id']}/accept", headers=fam["headers"])
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    got = events((await client.get(path)).content)
    assert sorted(str(e["uid"]) for e in got) == sorted(f"booking-{b}@storycorner" for b in (mine["id"], offered["id"]))

    # A wrong secret finds nothing (outside /api/ errors are pages, not problem details).
    r = await client.get(path.replace(".ics", "x.ics"))
    assert r.status_code == 404 and "BEGIN:VCALENDAR" not in r.text
    assert (await client.get("/calendar/")).status_code == 404
