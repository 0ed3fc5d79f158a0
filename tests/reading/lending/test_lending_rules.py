"""Lending rules through the API: loan limit, long-overdue block, renewals, per-space
overrides, the hold queue (ready, expiry after 3 days, cancel, passing on), reminders through
the outbox, the copy status machine with its history, transfers and returns elsewhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from reading.lending.services import holds as hold_service
from reading.lending.services import reminders
from reading.lending.tables import Copy, CopyEvent, Hold, LendingRules, Loan, Transfer, TransferItem
from tests.helpers import FrozenClock
from tests.reading.support import (
    add_book,
    add_copies,
    assert_lending_invariants,
    code,
    copy_detail,
    give_back,
    lend,
    outbox_kinds,
    quick_families,
    quick_library,
)

TODAY = date(2026, 11, 28)  # START in Beijing


def fid(fam: dict[str, Any]) -> int:
    return int(fam["family"]["id"])


async def backdate(loan_id: int, due_on: date) -> None:
    await Loan.update({Loan.due_on: due_on}).where(Loan.id == loan_id)


async def test_loan_limit_and_per_space_overrides(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    at_a = lib["copies"] + await add_copies(client, staff, lib["book"]["id"], a, 11)
    at_b = await add_copies(client, staff, lib["book"]["id"], b, 3)
    first, second, third = await quick_families(3)

    loans = []
    for c in at_a[:10]:
        r = await lend(client, staff, c["barcode"], fid(first))
        assert r.status_code == 201, r.text
        assert r.json()["due_on"] == str(TODAY + timedelta(days=21))
        loans.append(r.json())
    r = await lend(client, staff, at_a[10]["barcode"], fid(first))
    assert code(r) == (409, "loan_limit_reached")
    assert (await copy_detail(client, staff, at_a[10]["barcode"]))["copy"]["status"] == "available"
    r = await give_back(client, staff, at_a[0]["barcode"], a)
    assert r.status_code == 200 and r.json()["goes_to"] == "shelf"
    r = await lend(client, staff, at_a[10]["barcode"], fid(first))
    assert r.status_code == 201, r.text

    # Space b lends at most 2 books a family, for 7 days, without renewals, and blocks after 3 days overdue.
    await LendingRules.insert(LendingRules(space=b, max_loans=2, loan_days=7, renewals=0, block_overdue_days=3))
    b_loans = []
    for c in at_b[:2]:
        r = await lend(client, staff, c["barcode"], fid(second))
        assert r.status_code == 201 and r.json()["due_on"] == str(TODAY + timedelta(days=7)), r.text
        b_loans.append(r.json())
    assert code(await lend(client, staff, at_b[2]["barcode"], fid(second))) == (409, "loan_limit_reached")
    assert code(await client.post(f"/api/v1/loans/{b_loans[0]['id']}/renew", headers=second["headers"])) == (
        409,
        "renewal_limit_reached",
    )
    # The defaults still hold at a.
    r = await lend(client, staff, at_a[0]["barcode"], fid(second))
    assert r.status_code == 201 and r.json()["due_on"] == str(TODAY + timedelta(days=21)), r.text
    r = await client.post(f"/api/v1/loans/{r.json()['id']}/renew", headers=second["headers"])
    assert r.status_code == 200, r.text

    # Four days overdue: blocked at b (3 days), not at a (30 days).
    r = await give_back(client, staff, at_a[0]["barcode"], a)
    assert r.status_code == 200
    r = await lend(client, staff, at_a[0]["barcode"], fid(third))
    assert r.status_code == 201
    await backdate(r.json()["id"], TODAY - timedelta(days=4))
    assert code(await lend(client, staff, at_b[2]["barcode"], fid(third))) == (409, "family_blocked")
    assert (await lend(client, staff, at_a[11]["barcode"], fid(third))).status_code == 201
    await assert_lending_invariants()


async def test_family_blocked_only_when_more_than_30_days_overdue(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    first, second = lib["copies"]
    (fam,) = await quick_families(1)
    r = await lend(client, staff, first["barcode"], fid(fam))
    assert r.status_code == 201
    loan = r.json()

    await backdate(loan["id"], TODAY - timedelta(days=30))  # exactly 30 days: still allowed
    r = await lend(client, staff, second["barcode"], fid(fam))
    assert r.status_code == 201, r.text
    assert (await give_back(client, staff, second["barcode"], a)).status_code == 200

    await backdate(loan["id"], TODAY - timedelta(days=31))
    r = await lend(client, staff, second["barcode"], fid(fam))
    assert code(r) == (409, "family_blocked")
    assert "30" in r.json()["title"]
    # The overdue list shows it, to staff and to the family.
    r = await client.get("/api/v1/loans", params={"overdue": "true"}, headers=staff)
    assert [(x["id"], x["overdue_days"]) for x in r.json()["items"]] == [(loan["id"], 31)]
    r = await client.get("/api/v1/loans", headers=fam["headers"])
    assert [x["overdue_days"] for x in r.json()["items"]] == [31]
    # Returning the late book lifts the block: no fines.
    assert (await give_back(client, staff, first["barcode"], a)).status_code == 200
    assert (await lend(client, staff, second["barcode"], fid(fam))).status_code == 201
    await assert_lending_invariants()


async def test_renewals_two_then_refused_and_never_while_a_hold_waits(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff = lib["librarian"]
    first, second = lib["copies"]
    fam, other = await quick_families(2)
    loan = (await lend(client, staff, first["barcode"], fid(fam))).json()
    due = date.fromisoformat(loan["due_on"])

    r = await client.post(f"/api/v1/loans/{loan['id']}/renew", headers=fam["headers"])
    assert r.status_code == 200 and r.json()["due_on"] == str(due + timedelta(days=21)) and r.json()["renewals"] == 1
    r = await client.post(f"/api/v1/loans/{loan['id']}/renew", headers=staff)  # staff may renew too
    assert r.status_code == 200 and r.json()["due_on"] == str(due + timedelta(days=42)) and r.json()["renewals"] == 2
    r = await client.post(f"/api/v1/loans/{loan['id']}/renew", headers=fam["headers"])
    assert code(r) == (409, "renewal_limit_reached")
    assert (await Loan.select(Loan.due_on).where(Loan.id == loan["id"]).first()) == {"due_on": due + timedelta(days=42)}
    # Another family cannot renew it, nor see it.
    r = await client.post(f"/api/v1/loans/{loan['id']}/renew", headers=other["headers"])
    assert code(r) == (404, "loan_not_found")

    # An overdue loan renews from today; a waiting hold stops renewals until it is cancelled.
    loan2 = (await lend(client, staff, second["barcode"], fid(fam))).json()
    await backdate(loan2["id"], TODAY - timedelta(days=5))
    r = await client.post(
        f"/api/v1/books/{lib['book']['id']}/holds", json={"pickup_space_id": lib["a"]}, headers=other["headers"]
    )
    assert r.status_code == 201 and r.json()["status"] == "waiting"
    hold = r.json()
    r = await client.post(f"/api/v1/loans/{loan2['id']}/renew", headers=fam["headers"])
    assert code(r) == (409, "on_hold_for_other")
    r = await client.delete(f"/api/v1/holds/{hold['id']}", headers=other["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await client.post(f"/api/v1/loans/{loan2['id']}/renew", headers=fam["headers"])
    assert r.status_code == 200 and r.json()["due_on"] == str(TODAY + timedelta(days=21)), r.text
    await assert_lending_invariants()


async def hold_row(hold_id: int) -> dict[str, Any]:
    row = await Hold.select(Hold.status, Hold.copy, Hold.pickup_space).where(Hold.id == hold_id).first()
    assert row is not None
    return row


async def test_hold_queue_ready_expiry_cancel_and_notices(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    book = await add_book(client, staff, "9787533259662", "小熊和最好的爸爸")
    (copy,) = await add_copies(client, staff, book["id"], a, 1)
    reader, h1, h2, h3 = await quick_families(4)
    assert (await lend(client, staff, copy["barcode"], fid(reader))).status_code == 201

    holds = []
    for fam, pickup in ((h1, a), (h2, a), (h3, b)):
        r = await client.post(
            f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": pickup}, headers=fam["headers"]
        )
        assert r.status_code == 201, r.text
        holds.append(r.json())
    assert [h["position"] for h in holds] == [1, 2, 3]
    assert [h["status"] for h in holds] == ["waiting"] * 3
    r = await client.post(f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": b}, headers=h1["headers"])
    assert code(r) == (409, "already_held")

    # The return goes to the first hold: the hold shelf at a, for 3 days, and h1 is told.
    r = await give_back(client, staff, copy["barcode"], a)
    assert r.status_code == 200 and r.json()["goes_to"] == "hold_shelf" and r.json()["status"] == "on_hold_shelf"
    assert await hold_row(holds[0]["id"]) == {"status": "ready", "copy": copy["id"], "pickup_space": a}
    mine = (await client.get("/api/v1/holds", headers=h2["headers"])).json()["items"]
    assert [(x["id"], x["position"]) for x in mine] == [(holds[1]["id"], 1)]
    ready = (await client.get("/api/v1/holds", headers=h1["headers"])).json()["items"][0]
    assert ready["status"] == "ready"
    assert datetime.fromisoformat(ready["expires_at"]) == clock.now() + timedelta(days=3)
    assert await outbox_kinds(h1["user_id"]) == {"hold_ready": 1}
    assert code(await lend(client, staff, copy["barcode"], fid(h2))) == (409, "on_hold_for_other")
    pulls = (await client.get("/api/v1/holds", params={"space_id": a}, headers=staff)).json()["items"]
    assert [x["id"] for x in pulls] == [holds[0]["id"], holds[1]["id"]]
    await assert_lending_invariants()

    # Not collected within 3 days: h1's hold expires and the copy passes to h2, at the same shelf.
    clock.advance(days=3, minutes=-1)
    assert await hold_service.expire_holds(clock=clock) == 0
    clock.advance(minutes=2)
    assert await hold_service.expire_holds(clock=clock) == 1
    assert await hold_service.expire_holds(clock=clock) == 0  # once
    assert (await hold_row(holds[0]["id"]))["status"] == "expired"
    assert await hold_row(holds[1]["id"]) == {"status": "ready", "copy": copy["id"], "pickup_space": a}
    assert await outbox_kinds(h1["user_id"]) == {"hold_ready": 1, "hold_expired": 1}
    assert await outbox_kinds(h2["user_id"]) == {"hold_ready": 1}
    assert (await copy_detail(client, staff, copy["barcode"]))["copy"]["status"] == "on_hold_shelf"

    # h2 cancels: the copy travels to h3's pickup space b, claimed for h3, ready when received there.
    r = await client.delete(f"/api/v1/holds/{holds[1]['id']}", headers=h2["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert await hold_row(holds[2]["id"]) == {"status": "waiting", "copy": copy["id"], "pickup_space": b}
    detail = await copy_detail(client, staff, copy["barcode"])
    assert detail["copy"]["status"] == "in_transit"
    await assert_lending_invariants()
    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [copy["barcode"]]}, headers=staff)
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "on_hold_shelf", r.text
    assert (await hold_row(holds[2]["id"]))["status"] == "ready"
    assert await outbox_kinds(h3["user_id"]) == {"hold_ready": 1}

    # h3 does not come either: nobody waits, the copy goes home to a.
    clock.advance(days=3, minutes=1)
    assert await hold_service.expire_holds(clock=clock) == 1
    assert await outbox_kinds(h3["user_id"]) == {"hold_ready": 1, "hold_expired": 1}
    detail = await copy_detail(client, staff, copy["barcode"])
    assert detail["copy"]["status"] == "in_transit"
    r = await client.post(f"/api/v1/spaces/{a}/receive", json={"barcodes": [copy["barcode"]]}, headers=staff)
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "available"
    await assert_lending_invariants()

    # At home with nobody waiting: a new hold takes the copy from the shelf at once; cancelling
    # it, or letting it expire, puts the copy back on the shelf.
    r = await client.post(f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=h1["headers"])
    assert r.status_code == 201 and r.json()["status"] == "ready", r.text
    r = await client.delete(f"/api/v1/holds/{r.json()['id']}", headers=h1["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled", r.text
    assert (await copy_detail(client, staff, copy["barcode"]))["copy"]["status"] == "available"
    r = await client.post(f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=h2["headers"])
    assert r.status_code == 201 and r.json()["status"] == "ready"
    clock.advance(days=4)
    assert await hold_service.expire_holds(clock=clock) == 1
    detail = await copy_detail(client, staff, copy["barcode"])
    assert detail["copy"]["status"] == "available" and detail["copy"]["current_space_id"] == a
    await assert_lending_invariants()

    # The holder borrows the copy from the hold shelf: the hold is fulfilled.
    r = await client.post(f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=h3["headers"])
    hold = r.json()
    assert hold["status"] == "ready"
    r = await lend(client, staff, copy["barcode"], fid(h3))
    assert r.status_code == 201, r.text
    assert (await hold_row(hold["id"]))["status"] == "fulfilled"
    await assert_lending_invariants()


async def test_due_and_overdue_reminders_go_once_each(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    lib = await quick_library(client)
    staff = lib["librarian"]
    first, second = lib["copies"]
    fam, other = await quick_families(2)
    loan = (await lend(client, staff, first["barcode"], fid(fam))).json()
    assert (await lend(client, staff, second["barcode"], fid(other))).status_code == 201
    assert (await give_back(client, staff, second["barcode"], lib["a"])).status_code == 200  # returned: no reminders
    due = date.fromisoformat(loan["due_on"])

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 in Beijing

    expected: dict[str, int] = {}
    for offset, kind in ((-3, None), (-2, "loan_due_2"), (0, None), (1, "loan_overdue_1"), (5, None)):
        clock.set(at(due + timedelta(days=offset)))
        sent = await reminders.send_loan_reminders(clock=clock)
        assert sent == (1 if kind else 0), (offset, sent)
        assert await reminders.send_loan_reminders(clock=clock) == 0  # the job again: nothing more
        if kind:
            expected[kind] = 1
        assert await outbox_kinds(fam["user_id"]) == expected
    for offset, kind in ((7, "loan_overdue_7"), (14, "loan_overdue_14")):
        clock.set(at(due + timedelta(days=offset)))
        assert await reminders.send_loan_reminders(clock=clock) == 1
        assert await reminders.send_loan_reminders(clock=clock) == 0
        expected[kind] = 1
    assert (
        await outbox_kinds(fam["user_id"])
        == expected
        == {
            "loan_due_2": 1,
            "loan_overdue_1": 1,
            "loan_overdue_7": 1,
            "loan_overdue_14": 1,
        }
    )
    assert await outbox_kinds(other["user_id"]) == {}


async def test_status_machine_history_and_unknown_barcodes(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    first, second = lib["copies"]
    (fam,) = await quick_families(1)

    async def mark(barcode: str, status: str) -> httpx.Response:
        return await client.post(f"/api/v1/copies/{barcode}/status", json={"status": status}, headers=staff)

    assert (await lend(client, staff, first["barcode"], fid(fam))).status_code == 201
    for status in ("withdrawn", "damaged", "available"):
        r = await mark(first["barcode"], status)
        assert code(r) == (409, "illegal_transition"), (status, r.text)
    assert (await copy_detail(client, staff, first["barcode"]))["copy"]["status"] == "on_loan"
    assert (await give_back(client, staff, first["barcode"], a)).status_code == 200
    r = await give_back(client, staff, first["barcode"], a)  # returned twice
    assert code(r) == (409, "illegal_transition")

    steps = [("damaged", 200), ("available", 200), ("missing", 200), ("damaged", 200), ("missing", 409)]
    for status, expected in steps:
        r = await mark(first["barcode"], status)
        assert r.status_code == expected, (status, r.text)
    assert code(await lend(client, staff, first["barcode"], fid(fam))) == (409, "copy_unavailable")  # damaged
    assert (await mark(first["barcode"], "withdrawn")).status_code == 200
    for status in ("available", "missing", "damaged", "withdrawn"):
        assert code(await mark(first["barcode"], status)) == (409, "illegal_transition"), status
    assert code(await lend(client, staff, first["barcode"], fid(fam))) == (409, "copy_unavailable")

    detail = await copy_detail(client, staff, first["barcode"].lower())  # a scanner may send lower case
    assert detail["copy"]["status"] == "withdrawn" and detail["open_loan_id"] is None
    moves = [(e["kind"], e["from_status"], e["to_status"]) for e in detail["history"]]
    assert moves == [
        ("added", "", "available"),
        ("loan", "available", "on_loan"),
        ("return", "on_loan", "available"),
        ("marked_damaged", "available", "damaged"),
        ("marked_available", "damaged", "available"),
        ("marked_missing", "available", "missing"),
        ("marked_damaged", "missing", "damaged"),
        ("marked_withdrawn", "damaged", "withdrawn"),
    ]
    assert all(e["actor"] is not None and e["at"] for e in detail["history"])
    assert await CopyEvent.count().where(CopyEvent.copy == second["id"]) == 1

    # Unknown barcodes: 404 everywhere, nothing changed.
    unknown = "SC99999999"
    assert code(await client.get(f"/api/v1/copies/{unknown}", headers=staff)) == (404, "copy_not_found")
    assert code(await lend(client, staff, unknown, fid(fam))) == (404, "copy_not_found")
    assert code(await give_back(client, staff, unknown, a)) == (404, "copy_not_found")
    assert code(await mark(unknown, "missing")) == (404, "copy_not_found")
    r = await client.post(
        "/api/v1/transfers",
        json={"from_space_id": a, "to_space_id": lib["b"], "barcodes": [second["barcode"], unknown]},
        headers=staff,
    )
    assert code(r) == (404, "copy_not_found")
    r = await client.post(f"/api/v1/spaces/{a}/receive", json={"barcodes": [unknown]}, headers=staff)
    assert code(r) == (404, "copy_not_found")
    assert (await copy_detail(client, staff, second["barcode"]))["copy"]["status"] == "available"
    # Families see no copy records; only staff.
    assert (await client.get(f"/api/v1/copies/{second['barcode']}", headers=fam["headers"])).status_code == 403
    await assert_lending_invariants()


async def test_transfers_stay_in_transit_until_received_and_returns_elsewhere_go_home(
    client: httpx.AsyncClient,
) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    first, second = lib["copies"]
    (third,) = await add_copies(client, staff, lib["book"]["id"], a, 1)
    (at_b,) = await add_copies(client, staff, lib["book"]["id"], b, 1)
    (fam,) = await quick_families(1)

    # A box with a copy that is not at a: refused as a whole.
    box = [first["barcode"], second["barcode"]]
    r = await client.post(
        "/api/v1/transfers",
        json={"from_space_id": a, "to_space_id": b, "barcodes": [*box, at_b["barcode"]]},
        headers=staff,
    )
    assert code(r) == (409, "illegal_transition")
    assert await Transfer.count() == 0
    assert (await copy_detail(client, staff, first["barcode"]))["copy"]["status"] == "available"

    r = await client.post(
        "/api/v1/transfers",
        json={"from_space_id": a, "to_space_id": b, "barcodes": box, "note": "绘本漂流箱"},
        headers=staff,
    )
    assert r.status_code == 201, r.text
    transfer = r.json()
    assert sorted(i["status"] for i in transfer["items"]) == ["in_transit", "in_transit"]
    assert transfer["received_at"] is None
    assert code(await lend(client, staff, first["barcode"], fid(fam))) == (409, "copy_unavailable")
    r = await client.get("/api/v1/books", params={"q": "猜猜我有多爱你", "space_id": b})
    assert r.json()["items"][0]["available_here"] == 1  # only at_b until the box arrives

    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [first["barcode"]]}, headers=staff)
    assert r.status_code == 200, r.text
    assert [(c["status"], c["current_space_id"]) for c in r.json()["items"]] == [("available", b)]
    assert (await client.get(f"/api/v1/transfers/{transfer['id']}", headers=staff)).json()["received_at"] is None
    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [second["barcode"]]}, headers=staff)
    assert [(c["status"], c["current_space_id"]) for c in r.json()["items"]] == [("available", b)]
    assert (await client.get(f"/api/v1/transfers/{transfer['id']}", headers=staff)).json()["received_at"] is not None
    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [second["barcode"]]}, headers=staff)
    assert code(r) == (409, "illegal_transition")  # received twice
    r = await client.get("/api/v1/books", params={"q": "猜猜我有多爱你", "space_id": b})
    assert r.json()["items"][0]["available_here"] == 3

    # Borrowed at a, returned at b: it goes in transit home to a until received there.
    r = await lend(client, staff, third["barcode"], fid(fam))
    assert r.status_code == 201
    r = await give_back(client, staff, third["barcode"], b)
    assert r.status_code == 200, r.text
    back = r.json()
    assert (back["goes_to"], back["status"], back["destination_space_id"]) == ("transit", "in_transit", a)
    assert "吉祥" in back["message"]
    home = await Transfer.select().where(Transfer.to_space == a).first()
    assert home is not None and home["from_space"] == b and home["received_at"] is None
    assert await TransferItem.count().where(TransferItem.copy == third["id"]) == 1
    assert code(await lend(client, staff, third["barcode"], fid(fam))) == (409, "copy_unavailable")
    r = await client.post(f"/api/v1/spaces/{a}/receive", json={"barcodes": [third["barcode"]]}, headers=staff)
    assert [(c["status"], c["current_space_id"]) for c in r.json()["items"]] == [("available", a)]
    assert (await Transfer.select(Transfer.received_at).where(Transfer.id == home["id"]).first())["received_at"]
    await assert_lending_invariants()


async def test_a_copy_sent_for_a_hold_cancelled_on_the_way_goes_home(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    first, second = lib["copies"]
    reader, holder = await quick_families(2)
    for copy in (first, second):
        assert (await lend(client, staff, copy["barcode"], fid(reader))).status_code == 201
    r = await client.post(
        f"/api/v1/books/{lib['book']['id']}/holds", json={"pickup_space_id": b}, headers=holder["headers"]
    )
    hold = r.json()
    r = await give_back(client, staff, first["barcode"], a)
    assert (r.json()["goes_to"], r.json()["destination_space_id"]) == ("transit", b)
    r = await client.delete(f"/api/v1/holds/{hold['id']}", headers=holder["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [first["barcode"]]}, headers=staff)
    assert [(c["status"], c["current_space_id"]) for c in r.json()["items"]] == [("in_transit", b)]  # home to a
    r = await client.post(f"/api/v1/spaces/{a}/receive", json={"barcodes": [first["barcode"]]}, headers=staff)
    assert [(c["status"], c["current_space_id"]) for c in r.json()["items"]] == [("available", a)]
    assert await TransferItem.count().where(TransferItem.received_at.is_null()) == 0
    await assert_lending_invariants()


async def test_copies_added_on_a_clock_with_microseconds(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    """The system clock has microseconds; new copies still get their SC barcodes (PostgreSQL
    checks the column's length, SQLite does not)."""
    lib = await quick_library(client)
    clock.set(datetime(2026, 11, 28, 2, 0, 0, 987654, tzinfo=UTC))
    items = await add_copies(client, lib["librarian"], lib["book"]["id"], lib["b"], 12)
    assert [c["barcode"] for c in items] == [f"SC{c['id']:08d}" for c in items]
    assert await Copy.count() == 14
