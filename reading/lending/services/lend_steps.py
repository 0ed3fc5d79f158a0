"""A loan's steps (services/loans.py `lend()`): one statement reads everything a loan checks
(LEND_SCENE), pure functions judge it, one statement writes it on PostgreSQL (LEND).

Inside the loan's write transaction: on PostgreSQL the scene locks the family's row, so
simultaneous loans to one family are counted one after another (LEND counts again, in a
snapshot taken after the lock); SQLite's write transactions are serial.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from app.accounts.actor import Actor
from app.accounts.errors import FamilyNotFound
from app.kernel import policies
from app.kernel.db import is_sqlite
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from app.kernel.values import frozen
from reading.lending.errors import (
    CopyNotFound,
    CopyUnavailable,
    FamilyBlocked,
    LoanLimitReached,
    NotPresent,
    OnHoldForOther,
)
from reading.lending.rules import LOAN_POLICIES, PRESENCE, Rules, combine
from reading.lending.schemas import CopyOut, LoanOut
from reading.lending.services import copies
from reading.lending.services.circulation_sql import LEND, LEND_SCENE, for_copy
from reading.lending.tables import Hold, Loan

LENDABLE = ("available", "on_hold_shelf")


def as_date(value: date | str | None) -> date | None:
    """A day a statement read (SQLite gives an aggregate's day as text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@frozen
class LendScene:
    """What a loan of `copy` to a family checks, read in one statement."""

    copy: CopyOut
    ready_hold: tuple[int, int] | None  # the copy's ready hold: its id and family
    rules: Rules  # at the copy's space
    family_found: bool
    open_loans: int
    earliest_due: date | None  # of the family's open loans
    present: bool  # the family checked in at the copy's space within PRESENCE


async def lend_scene(copy: int | str, family_id: int, now: datetime) -> LendScene:
    """The scene of a loan of `copy` (its id, or a barcode) to `family_id`; CopyNotFound."""
    sql, key = for_copy(LEND_SCENE, copy)
    query = statement(
        dialect(sql),
        copy=key,
        family_id=family_id,
        district=policies.DISTRICT,
        present_since=now - PRESENCE,
    )
    rows = await Loan.raw("{}", query)
    if not rows:
        raise CopyNotFound()
    row = rows[0]
    space_id = row["current_space_id"]
    stored = {(str(key), int(space)): int(value) for key, space, value in loads(row["policies"], [])}
    ready = loads(row["ready_hold"], None)
    return LendScene(
        copy=copies.copy_out(row),
        ready_hold=(int(ready[0]), int(ready[1])) if ready else None,
        rules=combine(policies.applied(stored, space_id, LOAN_POLICIES), loads(row["own_rules"], None)),
        family_found=row["family"] is not None,
        open_loans=int(row["open_loans"]),
        earliest_due=as_date(row["earliest_due"]),
        present=bool(row["present"]),
    )


def lendable(scene: LendScene, family_id: int, today: date, *, self_service: bool) -> int | None:
    """Refuse a loan the scene does not allow, in the order a family is best told why; the id
    of the family's ready hold the loan fulfils."""
    copy = scene.copy
    if self_service and (copy.current_space_id is None or not scene.present):
        raise NotPresent()
    if scene.ready_hold is not None and scene.ready_hold[1] != family_id:
        raise OnHoldForOther()
    if copy.status not in LENDABLE:
        raise CopyUnavailable(copy_status=copy.status)
    if not scene.family_found:
        raise FamilyNotFound()
    rules = scene.rules
    if scene.open_loans >= rules.max_loans:
        raise LoanLimitReached(limit=rules.max_loans)
    if scene.earliest_due is not None and (today - scene.earliest_due).days > rules.block_overdue_days:
        raise FamilyBlocked()
    return scene.ready_hold[0] if scene.ready_hold is not None else None


@frozen
class Terms:
    """A loan about to be made: to whom, by whom, when, until when."""

    family_id: int
    actor: Actor
    now: datetime
    due_on: date
    self_service: bool
    hold_id: int | None  # the family's ready hold this loan fulfils


async def record(scene: LendScene, terms: Terms) -> int:
    """Write the loan (inside the transaction the scene was read in); its id. CopyUnavailable
    when the copy changed since the scene, LoanLimitReached when another loan to the family
    reached the limit first."""
    copy = scene.copy
    detail = {"family": terms.family_id}
    if not is_sqlite():
        return await _lend(scene, terms, detail)
    await copies.transition(
        copy.id,
        copy.status,
        "on_loan",
        kind="loan",
        now=terms.now,
        actor_id=terms.actor.user_id,
        space_id=copy.current_space_id,
        current_space=None,
        detail=detail,
    )
    rows = await Loan.insert(
        Loan(
            copy=copy.id,
            family=terms.family_id,
            space=copy.current_space_id,
            borrowed_at=terms.now,
            due_on=terms.due_on,
            by_user=terms.actor.user_id,
            self_service=terms.self_service,
        )
    ).returning(Loan.id)
    if terms.hold_id is not None:
        await Hold.update({Hold.status: "fulfilled", Hold.closed_at: terms.now}).where(Hold.id == terms.hold_id)
    return int(rows[0]["id"])


async def _lend(scene: LendScene, terms: Terms, detail: dict[str, Any]) -> int:
    query = statement(
        LEND,
        family=terms.family_id,
        max_loans=scene.rules.max_loans,
        now=terms.now,
        copy=scene.copy.id,
        before=scene.copy.status,
        space=scene.copy.current_space_id,
        actor=terms.actor.user_id,
        detail=json.dumps(detail),
        due_on=terms.due_on,
        self_service=terms.self_service,
        hold=terms.hold_id or 0,
    )
    row = (await Loan.raw("{}", query))[0]
    if not row["allowed"]:
        raise LoanLimitReached(limit=scene.rules.max_loans)
    if row["loan_id"] is None:
        raise CopyUnavailable()
    return int(row["loan_id"])


def loan_made(loan_id: int, scene: LendScene, terms: Terms) -> LoanOut:
    """The loan just written, as the API shows it."""
    copy = scene.copy
    return LoanOut(
        id=loan_id,
        copy_id=copy.id,
        barcode=copy.barcode,
        book_id=copy.book_id,
        title=copy.title,
        family_id=terms.family_id,
        borrowed_at=terms.now,
        due_on=terms.due_on,
        renewals=0,
        returned_at=None,
    )
