"""Simultaneous lending requests against running servers (two uvicorn workers, real HTTP,
real concurrency), on SQLite and PostgreSQL: one copy is never on two loans, a return racing
a renewal leaves the records consistent, and of two holds racing for a returned copy exactly
one gets it."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from piccolo.querystring import QueryString

from app.kernel.db import engine, is_sqlite, write_transaction
from app.kernel.tables import OutboxMessage
from reading.lending.tables import Copy, CopyEvent, Hold, Loan
from tests.helpers import LiveServers
from tests.reading.support import (
    add_book,
    add_copies,
    assert_lending_invariants,
    code,
    isbn13,
    lend,
    quick_families,
    quick_library,
)

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def lending_server(database: None) -> Iterator[str]:
    """Two workers on the test database, started once for the module (a start costs seconds;
    on a machine busy with other test runs it may miss the 30-second deadline: one retry)."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    servers = LiveServers(env, Path(tempfile.mkdtemp(prefix="storycorner-lending-")))
    try:
        try:
            base = servers.start(workers=2)
        except RuntimeError:
            servers.stop_all()
            servers = LiveServers(env, Path(tempfile.mkdtemp(prefix="storycorner-lending-")))
            base = servers.start(workers=2)
        yield base
    finally:
        servers.stop_all()


def no_server_errors(responses: list[httpx.Response]) -> None:
    errors = [(r.status_code, r.text[:300]) for r in responses if r.status_code >= 500]
    assert not errors, errors


def fid(fam: dict[str, Any]) -> int:
    return int(fam["family"]["id"])


async def test_twenty_simultaneous_loans_of_one_copy_make_exactly_one(
    lending_server: str, client: httpx.AsyncClient
) -> None:
    lib = await quick_library(client)
    staff = lib["librarian"]
    first, second = lib["copies"]
    families = await quick_families(20)
    async with httpx.AsyncClient(base_url=lending_server, timeout=60) as http:
        requests = [
            http.post("/api/v1/loans", json={"barcode": copy["barcode"], "family_id": fid(f)}, headers=staff)
            for f in families
            for copy in (first, second)
        ]
        responses = list(await asyncio.gather(*requests))
    no_server_errors(responses)
    for index, copy in enumerate((first, second)):
        mine = responses[index::2]
        made = [r for r in mine if r.status_code == 201]
        assert len(made) == 1, Counter(code(r) for r in mine)
        assert Counter(code(r) for r in mine if r.status_code != 201) == {(409, "copy_unavailable"): 19}
        loans = await Loan.select().where(Loan.copy == copy["id"])
        assert len(loans) == 1 and loans[0]["returned_at"] is None
        assert loans[0]["id"] == made[0].json()["id"] and loans[0]["family"] == made[0].json()["family_id"]
        row = await Copy.select(Copy.status).where(Copy.id == copy["id"]).first()
        assert row == {"status": "on_loan"}
        assert await CopyEvent.count().where((CopyEvent.copy == copy["id"]) & (CopyEvent.kind == "loan")) == 1
    await assert_lending_invariants()


async def test_simultaneous_loans_to_one_family_stop_at_its_limit(
    lending_server: str, client: httpx.AsyncClient
) -> None:
    """A family with 8 of its 10 loans gets 6 more copies scanned at once (a double-submitted
    desk form, two volunteers): exactly 2 are lent, the others refused with loan_limit_reached."""
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    copies = lib["copies"] + await add_copies(client, staff, lib["book"]["id"], a, 12)
    (fam,) = await quick_families(1)
    for copy in copies[:8]:
        assert (await lend(client, staff, copy["barcode"], fid(fam))).status_code == 201
    async with httpx.AsyncClient(base_url=lending_server, timeout=60) as http:
        responses = list(
            await asyncio.gather(
                *[
                    http.post("/api/v1/loans", json={"barcode": c["barcode"], "family_id": fid(fam)}, headers=staff)
                    for c in copies[8:]
                ]
            )
        )
    no_server_errors(responses)
    assert Counter(code(r) for r in responses) == {(201, None): 2, (409, "loan_limit_reached"): 4}
    assert await Loan.count().where((Loan.family == fid(fam)) & Loan.returned_at.is_null()) == 10
    await assert_lending_invariants()


async def test_a_return_racing_a_renewal_ends_consistent(lending_server: str, client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    copies = lib["copies"] + await add_copies(client, staff, lib["book"]["id"], a, 6)
    families = await quick_families(len(copies))
    outcomes: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=lending_server, timeout=60) as http:
        for round_no in range(3):
            loans = []
            for copy, fam in zip(copies, families, strict=True):
                r = await lend(client, staff, copy["barcode"], fid(fam))
                assert r.status_code == 201, r.text
                loans.append(r.json())
            requests = []
            for i, (copy, fam, loan) in enumerate(zip(copies, families, loans, strict=True)):
                renew = http.post(f"/api/v1/loans/{loan['id']}/renew", headers=fam["headers"])
                give = http.post("/api/v1/returns", json={"barcode": copy["barcode"], "space_id": a}, headers=staff)
                requests += [renew, give] if (i + round_no) % 2 else [give, renew]
            responses = list(await asyncio.gather(*requests))
            no_server_errors(responses)
            for i, loan in enumerate(loans):
                pair = responses[2 * i : 2 * i + 2]
                renewed = next(r for r in pair if "/renew" in str(r.request.url))
                returned = next(r for r in pair if r is not renewed)
                assert returned.status_code == 200 and returned.json()["goes_to"] == "shelf", returned.text
                assert returned.json()["loan_id"] == loan["id"]
                row = (
                    await Loan.select(Loan.returned_at, Loan.renewals, Loan.due_on).where(Loan.id == loan["id"]).first()
                )
                assert row is not None and row["returned_at"] is not None
                if renewed.status_code == 200:  # renewed, then returned
                    outcomes["renewed then returned"] += 1
                    assert row["renewals"] == 1 and str(row["due_on"]) == renewed.json()["due_on"]
                    assert str(row["due_on"]) > loan["due_on"]
                else:  # returned first: the renewal finds no open loan and changes nothing
                    outcomes["returned first"] += 1
                    assert code(renewed) == (404, "loan_not_found"), renewed.text
                    assert row["renewals"] == 0 and str(row["due_on"]) == loan["due_on"]
            statuses = await Copy.select(Copy.status).where(Copy.id.is_in([c["id"] for c in copies]))
            assert {r["status"] for r in statuses} == {"available"}
            await assert_lending_invariants()
    assert sum(outcomes.values()) == 3 * len(copies)
    print("return vs renewal:", dict(outcomes))


async def test_two_holds_racing_for_one_returned_copy_one_gets_it(
    lending_server: str, client: httpx.AsyncClient
) -> None:
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    titles = ["小蓝和小黄", "我爸爸", "我妈妈", "月亮，生日快乐", "母鸡萝丝去散步", "晚安，大猩猩"]
    books = [await add_book(client, staff, isbn13(7000 + i), title) for i, title in enumerate(titles)]
    copies = [(await add_copies(client, staff, b["id"], a, 1))[0] for b in books]
    families = await quick_families(1 + 2 * len(books))
    reader, holders = families[0], families[1:]
    for copy in copies:
        assert (await lend(client, staff, copy["barcode"], fid(reader))).status_code == 201

    async with httpx.AsyncClient(base_url=lending_server, timeout=60) as http:
        requests = []
        for i, (book, copy) in enumerate(zip(books, copies, strict=True)):
            first, second = holders[2 * i], holders[2 * i + 1]
            hold_1 = http.post(
                f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=first["headers"]
            )
            hold_2 = http.post(
                f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=second["headers"]
            )
            give = http.post("/api/v1/returns", json={"barcode": copy["barcode"], "space_id": a}, headers=staff)
            requests += [[hold_1, give, hold_2], [give, hold_1, hold_2], [hold_1, hold_2, give]][i % 3]
        responses = list(await asyncio.gather(*requests))
    no_server_errors(responses)
    assert Counter(r.status_code for r in responses) == {201: 2 * len(books), 200: len(books)}

    for i, (book, copy) in enumerate(zip(books, copies, strict=True)):
        holds = await Hold.select(Hold.family, Hold.status, Hold.copy).where(Hold.book == book["id"]).order_by(Hold.id)
        assert {h["family"] for h in holds} == {fid(holders[2 * i]), fid(holders[2 * i + 1])}
        got = [h for h in holds if h["copy"] == copy["id"]]
        assert len(got) == 1 and got[0]["status"] == "ready", (titles[i], holds)
        waiting = [h for h in holds if h is not got[0]]
        assert waiting[0]["status"] == "waiting" and waiting[0]["copy"] is None, (titles[i], holds)
        row = await Copy.select(Copy.status, Copy.current_space).where(Copy.id == copy["id"]).first()
        assert row == {"status": "on_hold_shelf", "current_space": a}, titles[i]
    ready_notices = await OutboxMessage.select(OutboxMessage.recipient_id).where(OutboxMessage.kind == "hold_ready")
    assert len(ready_notices) == len(books)
    await assert_lending_invariants()


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


async def until(condition: Any, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


async def test_a_hold_placed_while_its_copy_is_being_returned_gets_the_copy(
    lending_server: str, client: httpx.AsyncClient
) -> None:
    """The exact interleaving, forced: the return has looked for waiting holds (none) and is
    about to put the copy back on the shelf when a family places a hold and looks at the shelf
    (the copy still on loan). Neither may miss the other: the copy ends on the hold shelf.

    The test holds the copy's row (an uncommitted no-op update) so that, on PostgreSQL, the
    return waits right before its own update of the copy; on SQLite the test's write
    transaction holds the database's write lock, so both requests wait and then run in turn."""
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    book = await add_book(client, staff, isbn13(8000), "小蓝和小黄")
    (copy,) = await add_copies(client, staff, book["id"], a, 1)
    reader, holder = await quick_families(2)
    assert (await lend(client, staff, copy["barcode"], fid(reader))).status_code == 201
    async with httpx.AsyncClient(base_url=lending_server, timeout=60) as http:
        waiting_before = await lock_waiters()
        async with write_transaction() as tx:
            await Copy.update({Copy.status: "on_loan"}).where(Copy.id == copy["id"])
            give = asyncio.create_task(
                http.post("/api/v1/returns", json={"barcode": copy["barcode"], "space_id": a}, headers=staff)
            )

            async def return_waits() -> bool:
                return give.done() or await lock_waiters() > waiting_before

            await until(return_waits, 10 if not is_sqlite() else 0.5)
            assert not give.done(), give.result().text
            hold = asyncio.create_task(
                http.post(f"/api/v1/books/{book['id']}/holds", json={"pickup_space_id": a}, headers=holder["headers"])
            )

            async def hold_done_or_waits() -> bool:
                return hold.done() or await lock_waiters() > waiting_before + 1

            await until(hold_done_or_waits, 10 if not is_sqlite() else 0.5)
            await tx.rollback()
        returned, held = await asyncio.gather(give, hold)
    assert returned.status_code == 200, returned.text
    assert held.status_code == 201, held.text
    row = await Hold.select(Hold.status, Hold.copy).where(Hold.id == held.json()["id"]).first()
    assert row == {"status": "ready", "copy": copy["id"]}, (row, returned.json(), held.json())
    assert (await Copy.select(Copy.status).where(Copy.id == copy["id"]).first()) == {"status": "on_hold_shelf"}
    await assert_lending_invariants()
