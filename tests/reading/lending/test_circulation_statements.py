"""Circulation's hand-written SQL (reading/lending/services/circulation_sql.py), each statement
run on the engine of the pass: a loan's scene and write, a routing's lock, scene and write, the
statements a loan and a return run through the API, and the plans on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from app.accounts.actor import Actor
from app.accounts.roles import LIBRARIAN
from app.kernel import policies
from app.kernel.db import write_transaction
from app.kernel.sql import dialect, statement
from reading.lending.errors import CopyNotFound, LoanLimitReached
from reading.lending.rules import Rules
from reading.lending.services import circulation_sql, lend_steps, routing
from reading.lending.tables import Copy, Hold, LendingRules, Loan
from tests.helpers import ON_SQLITE, FrozenClock, postgres_only, register_family, scanned_whole
from tests.helpers import statements as count_statements


def test_every_statement_is_tested_here() -> None:
    """A statement added to circulation_sql.py needs its test in this module."""
    assert set(circulation_sql.STATEMENTS) == {
        "LEND_SCENE (by barcode)",
        "LEND_SCENE (by id)",
        "LEND",
        "TITLE_LOCK (by barcode)",
        "TITLE_LOCK (by id)",
        "ROUTE_SCENE",
        "ROUTE",
    }


async def _lend(client: httpx.AsyncClient, library: dict[str, Any], barcode: str, family_id: int) -> httpx.Response:
    body = {"barcode": barcode, "family_id": family_id}
    return await client.post("/api/v1/loans", json=body, headers=library["librarian"])


async def test_a_lend_scene_in_one_statement(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """The copy by barcode or id, the loan rules where it is (the district's policy, the space's
    override, its own row), the family and its open loans, the ready hold, presence."""
    first, second = library["copies"]
    fam, other = await register_family(client), await register_family(client)
    now = clock.now()
    await policies.set_value("max_loans", 5, space_id=None, user_id=None, now=now)
    await policies.set_value("loan_days", 7, space_id=library["a"], user_id=None, now=now)
    await policies.set_value("loan_days", 9, space_id=library["b"], user_id=None, now=now)  # another space's
    await LendingRules.insert(LendingRules(space=library["a"], block_overdue_days=10))
    assert (await _lend(client, library, second["barcode"], fam["family"]["id"])).status_code == 201
    await Hold.insert(
        Hold(
            book=library["book"]["id"],
            family=other["family"]["id"],
            pickup_space=library["a"],
            status="ready",
            copy=first["id"],
            created_at=now,
        )
    )

    scene = await lend_steps.lend_scene(first["barcode"].lower(), fam["family"]["id"], now)
    assert scene == await lend_steps.lend_scene(first["id"], fam["family"]["id"], now)
    assert (scene.copy.id, scene.copy.status, scene.copy.title) == (first["id"], "available", "猜猜我有多爱你")
    assert scene.rules == Rules(max_loans=5, loan_days=7, renewals=2, block_overdue_days=10)
    assert scene.family_found and scene.open_loans == 1 and not scene.present
    assert scene.earliest_due == date(2026, 11, 28) + timedelta(days=7)
    assert scene.ready_hold is not None and scene.ready_hold[1] == other["family"]["id"]

    nobody = await lend_steps.lend_scene(first["id"], 999_999, now)
    assert not nobody.family_found and nobody.open_loans == 0 and nobody.earliest_due is None
    with pytest.raises(CopyNotFound):
        await lend_steps.lend_scene("SC99999999", fam["family"]["id"], now)


@postgres_only
async def test_the_loan_counts_the_familys_loans_again_as_it_writes(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """LEND counts in its own snapshot, after the scene's lock: a loan committed between the
    scene and the write (another desk, the moment before the lock) is counted."""
    first, second = library["copies"]
    fam = await register_family(client)
    family_id, now = fam["family"]["id"], clock.now()
    await policies.set_value("max_loans", 1, space_id=None, user_id=None, now=now)
    scene = await lend_steps.lend_scene(first["id"], family_id, now)
    assert scene.open_loans == 0
    assert (await _lend(client, library, second["barcode"], family_id)).status_code == 201
    actor = Actor(user_id=1, login="lib", display_name="lib", roles=frozenset({LIBRARIAN}))
    terms = lend_steps.Terms(family_id, actor, now, date(2026, 12, 19), False, None)
    with pytest.raises(LoanLimitReached):
        async with write_transaction():
            await lend_steps.record(scene, terms)
    assert await Copy.select(Copy.status).where(Copy.id == first["id"]).first() == {"status": "available"}
    assert await Loan.count().where(Loan.copy == first["id"]) == 0


async def test_a_loan_reads_once_then_writes(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    """Through the API, after the auth's one read: one read, then on PostgreSQL one write (LEND);
    SQLite moves the copy, writes its event and the loan one by one."""
    fam = await register_family(client)
    seen: list[str] = []

    async def lend() -> None:
        r = await _lend(client, library, library["copies"][0]["barcode"], fam["family"]["id"])
        assert r.status_code == 201, r.text
        assert r.json()["title"] == "猜猜我有多爱你" and r.json()["renewals"] == 0

    await count_statements(lend, ("",), seen)
    assert len(seen) == (5 if ON_SQLITE else 3), seen
    assert seen[0].startswith("SELECT u.id") and seen[1].startswith("SELECT c.id, c.barcode")
    assert ON_SQLITE or seen[2].startswith("WITH allowed AS")


async def test_a_return_locks_reads_and_writes_once(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    """Through the API, after the auth's one read: the title's lock, one read, then on
    PostgreSQL one write (ROUTE); SQLite moves the copy, writes its event, closes the loan."""
    fam = await register_family(client)
    barcode = library["copies"][0]["barcode"]
    assert (await _lend(client, library, barcode, fam["family"]["id"])).status_code == 201
    seen: list[str] = []

    async def give_back() -> None:
        body = {"barcode": barcode, "space_id": library["a"]}
        r = await client.post("/api/v1/returns", json=body, headers=library["librarian"])
        assert r.status_code == 200, r.text
        assert r.json()["goes_to"] == "shelf" and r.json()["loan_id"] is not None

    await count_statements(give_back, ("",), seen)
    assert len(seen) == (6 if ON_SQLITE else 4), seen
    assert seen[1].startswith("SELECT c.id, (SELECT bk.id") and seen[2].startswith("SELECT c.id, c.barcode")
    assert ON_SQLITE or seen[3].startswith("WITH claimed AS")


async def _lent_and_held(client: httpx.AsyncClient, library: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The first copy lent to a family, and another family's hold on the title at the other
    space: the family and the hold's id."""
    fam, other = await register_family(client), await register_family(client)
    assert (await _lend(client, library, library["copies"][0]["barcode"], fam["family"]["id"])).status_code == 201
    r = await client.post(
        f"/api/v1/books/{library['book']['id']}/holds", json={"pickup_space_id": library["b"]}, headers=other["headers"]
    )
    assert r.status_code == 201, r.text
    return fam, int(r.json()["id"])


async def test_a_route_scene_and_where_it_sends_the_copy(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """The scene of a lent copy with a family waiting at the other space: its loan, the hold, the
    spaces' names; it travels to that family (the hold claims it), whose own copy then goes on."""
    first, _ = library["copies"]
    fam, hold_id = await _lent_and_held(client, library)
    assert await routing.lock_copy_title(first["barcode"]) == first["id"]
    scene = await routing.route_scene(first["id"], library["a"])
    assert scene.here_name == "吉祥十平米阅读空间" and scene.names[library["b"]] == "福祥十平米阅读空间"
    assert scene.open_loan is not None and scene.open_loan[1] == fam["family"]["id"]
    assert scene.claimed is None and scene.next_hold == (hold_id, library["b"])
    assert scene.pickup_days == 3
    now = clock.now()
    going = routing.destination(scene, routing.Routing(library["a"], "return", None, now, returning=True))
    assert (going.status, going.space_id, going.hold_id) == ("in_transit", library["b"], hold_id)
    async with write_transaction():
        assert await routing.write(scene, going, routing.Routing(library["a"], "return", None, now, returning=True))
    travelling = await routing.route_scene(first["id"], library["a"])
    assert travelling.claimed == (hold_id, library["b"]) and travelling.next_hold is None
    assert travelling.open_loan is None and travelling.copy.status == "in_transit"
    with pytest.raises(CopyNotFound):
        await routing.lock_copy_title(999_999)


async def test_a_hold_given_away_meanwhile_writes_nothing(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """The hold a routing meant to send the copy to was cancelled after the scene was read:
    nothing is written (the copy stays lent), and `route` reads again and shelves the copy."""
    first, _ = library["copies"]
    _, hold_id = await _lent_and_held(client, library)
    returning = routing.Routing(library["a"], "return", None, clock.now(), returning=True)
    scene = await routing.route_scene(first["id"], library["a"])
    going = routing.destination(scene, returning)
    assert (going.status, going.space_id, going.hold_id) == ("in_transit", library["b"], hold_id)
    await Hold.update({Hold.status: "cancelled"}).where(Hold.id == hold_id)
    async with write_transaction():
        assert await routing.write(scene, going, returning) == (False, None)
    assert await Copy.select(Copy.status).where(Copy.id == first["id"]).first() == {"status": "on_loan"}
    assert await Loan.count().where((Loan.copy == first["id"]) & Loan.returned_at.is_null()) == 1
    routed = await routing.route(first["id"], returning)
    assert routed.destination.goes_to == "shelf" and routed.loan is not None


@postgres_only
async def test_the_plans_use_the_indexes(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    """With sequential scans priced out, every table of each statement is reached through an
    index (see tests/spaces/test_statements.py)."""
    now = clock.now()
    lend = {"family_id": 1, "district": 0, "present_since": now}
    writes = {"now": now, "copy": 1, "before": "available", "actor": None, "detail": "{}"}
    route = {"hold": 0, "hold_status": "waiting", "ready_at": None, "expires_at": None, "to": "available"}
    route |= {"here": 1, "kind": "return", "close_loan": True, "receive": False, "to_space": None, "note": ""}
    queries = {
        "LEND_SCENE (by barcode)": statement(
            dialect(circulation_sql.STATEMENTS["LEND_SCENE (by barcode)"]), copy="SC1", **lend
        ),
        "LEND_SCENE (by id)": statement(dialect(circulation_sql.STATEMENTS["LEND_SCENE (by id)"]), copy=1, **lend),
        "LEND": statement(
            circulation_sql.LEND,
            **writes,
            family=1,
            max_loans=10,
            space=1,
            due_on=now.date(),
            self_service=False,
            hold=0,
        ),
        "TITLE_LOCK (by barcode)": statement(
            dialect(circulation_sql.STATEMENTS["TITLE_LOCK (by barcode)"]), copy="SC1"
        ),
        "TITLE_LOCK (by id)": statement(dialect(circulation_sql.STATEMENTS["TITLE_LOCK (by id)"]), copy=1),
        "ROUTE_SCENE": statement(dialect(circulation_sql.ROUTE_SCENE), copy=1, here=1, district=0),
        "ROUTE": statement(circulation_sql.ROUTE, **writes, **route),
    }
    assert queries.keys() == circulation_sql.STATEMENTS.keys()
    for name, query in queries.items():
        assert await scanned_whole(query) == [], name
