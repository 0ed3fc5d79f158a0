"""Loans and renewals.

One open loan per copy: the copy's status moves `available`/`on_hold_shelf` → `on_loan` by a
conditional update and a partial unique index guards the loan row; of 20 simultaneous loans
of one copy exactly one succeeds, the rest get 409 `copy_unavailable`. A family's loans are
counted with its row locked, so simultaneous loans to one family stop at its limit.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import Forbidden, InvalidInput
from app.kernel.i18n import N_
from app.kernel.values import frozen
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.errors import (
    CopyUnavailable,
    IllegalTransition,
    LoanNotFound,
    OnHoldForOther,
    RenewalLimitReached,
)
from reading.lending.rules import rules_for
from reading.lending.schemas import LoanIn, LoanOut, LoanPage
from reading.lending.services import copies
from reading.lending.services import lend_steps as steps
from reading.lending.services.catalogue import cursor_number
from reading.lending.tables import Hold, Loan
from spaces.services.access import ensure_serves

# A loan as `LoanOut` names its fields, and where it was lent (`space`).
LOAN_COLUMNS = (
    Loan.id,
    Loan.copy.as_alias("copy_id"),
    Loan.copy.barcode.as_alias("barcode"),
    Loan.copy.book.as_alias("book_id"),
    Loan.copy._.book._.title.as_alias("title"),
    Loan.family.as_alias("family_id"),
    Loan.borrowed_at,
    Loan.due_on,
    Loan.renewals,
    Loan.returned_at,
    Loan.space,
)


def loan_out(row: dict[str, Any], today: date) -> LoanOut:
    overdue = (today - row["due_on"]).days if row["returned_at"] is None else 0
    return msgspec.convert({**row, "overdue_days": max(0, overdue)}, LoanOut)


async def _one(loan_id: int, today: date) -> LoanOut:
    row = await Loan.select(*LOAN_COLUMNS).where(Loan.id == loan_id).first()
    assert row is not None
    return loan_out(row, today)


async def lend(
    copy: int | str,
    family_id: int,
    *,
    actor: Actor,
    clock: Clock,
    self_service: bool = False,
    staff: bool = False,
) -> LoanOut:
    """Lend `copy` (its id, or a barcode) to a family: one statement reads what the loan checks,
    one writes it (services/lend_steps.py). `staff`: at a space the actor serves."""
    now = clock.now()
    today = local_today(clock)
    try:
        async with write_transaction():
            scene = await steps.lend_scene(copy, family_id, now)
            if staff:
                ensure_serves(actor, copies.serving_space(scene.copy))
            hold_id = steps.lendable(scene, family_id, today, self_service=self_service)
            due_on = today + timedelta(days=scene.rules.loan_days)
            terms = steps.Terms(family_id, actor, now, due_on, self_service, hold_id)
            loan_id = await steps.record(scene, terms)
    except IllegalTransition:
        raise CopyUnavailable() from None
    except Exception as exc:
        if is_unique_violation(exc):
            raise CopyUnavailable() from exc
        raise
    return steps.loan_made(loan_id, scene, terms)


async def staff_lend(copy: int | str, family_id: int, *, actor: Actor, clock: Clock) -> LoanOut:
    """Staff lend a copy (its id, or a barcode) at a space they serve."""
    return await lend(copy, family_id, actor=actor, clock=clock, staff=True)


async def copy_of_token(token: str, clock: Clock) -> int:
    """The copy a label's QR code names (InvalidToken, TokenRevoked otherwise)."""
    return (await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())).subject


async def self_borrow(copy_id: int, *, actor: Actor, clock: Clock) -> LoanOut:
    """A family borrows by scanning the copy's QR code, present at its space (checked in)."""
    if actor.family_id is None:
        raise Forbidden(N_("自助借书需要家庭账号"))
    return await lend(copy_id, actor.family_id, actor=actor, clock=clock, self_service=True)


async def lend_by_request(data: LoanIn, *, actor: Actor, clock: Clock) -> LoanOut:
    """The API's loan: a family with the copy's QR code (`copy_token`), or staff with a barcode
    and a family."""
    if data.copy_token:
        if actor.family_id is None:
            raise Forbidden(N_("自助借书需要家庭账号"))
        return await self_borrow(await copy_of_token(data.copy_token, clock), actor=actor, clock=clock)
    if not actor.is_staff:
        raise Forbidden(N_("请扫描绘本上的二维码借书"))
    if not data.barcode or data.family_id is None:
        raise InvalidInput(N_("需要条码和家庭"), fields=[{"field": "barcode", "message": "barcode and family_id"}])
    return await staff_lend(data.barcode, data.family_id, actor=actor, clock=clock)


async def renew(loan_id: int, *, actor: Actor, clock: Clock) -> LoanOut:
    today = local_today(clock)
    row = await Loan.select(*LOAN_COLUMNS).where(Loan.id == loan_id).first()
    if row is None or row["returned_at"] is not None:
        raise LoanNotFound()
    if row["family_id"] != actor.family_id and not (
        actor.is_staff and (row["space"] is None or actor.serves(row["space"]))
    ):
        raise LoanNotFound()
    rules = await rules_for(row["space"])
    if row["renewals"] >= rules.renewals:
        raise RenewalLimitReached()
    if await Hold.exists().where((Hold.book == row["book_id"]) & (Hold.status == "waiting")):
        raise OnHoldForOther(N_("有家庭在排队预约这本书，暂不能续借"))
    new_due = max(row["due_on"], today) + timedelta(days=rules.loan_days)
    async with write_transaction():
        changed = (
            await Loan.update({Loan.due_on: new_due, Loan.renewals: Loan.renewals + 1})
            .where((Loan.id == loan_id) & Loan.returned_at.is_null() & (Loan.renewals == row["renewals"]))
            .returning(Loan.id)
        )
    if not changed:  # returned or renewed meanwhile
        raise LoanNotFound(N_("这笔借阅已归还或已续借"))
    return await _one(loan_id, today)


async def list_loans(
    *,
    actor: Actor,
    clock: Clock,
    overdue: bool = False,
    family_id: int | None = None,
    open_only: bool = True,
    after_id: int = 0,
    limit: int = 50,
) -> list[LoanOut]:
    today = local_today(clock)
    query = Loan.select(*LOAN_COLUMNS).where(Loan.id > after_id)
    if actor.family_id is not None and not actor.is_staff:
        query = query.where(Loan.family == actor.family_id)
    elif not actor.is_admin:
        query = query.where(Loan.space.is_in(sorted(actor.space_ids) or [-1]))
    if family_id is not None:
        query = query.where(Loan.family == family_id)
    if open_only or overdue:
        query = query.where(Loan.returned_at.is_null())
    if overdue:
        query = query.where(Loan.due_on < today)
    rows = await query.order_by(Loan.id).limit(limit)
    return [loan_out(r, today) for r in rows]


async def loan_page(
    *,
    actor: Actor,
    clock: Clock,
    overdue: bool,
    family_id: int | None,
    open_only: bool,
    cursor: str | None,
    limit: int,
) -> LoanPage:
    """The API's loans: a page of `list_loans()` after the cursor's id, and the next cursor."""
    after_id = cursor_number(cursor)
    items = await list_loans(
        actor=actor,
        clock=clock,
        overdue=overdue,
        family_id=family_id,
        open_only=open_only,
        after_id=after_id,
        limit=limit,
    )
    return LoanPage(items=items, next_cursor=str(items[-1].id) if len(items) == limit else None)


async def family_loans(family_id: int, today: date) -> list[LoanOut]:
    """A family's open loans, soonest due first."""
    rows = await Loan.select(*LOAN_COLUMNS).where((Loan.family == family_id) & Loan.returned_at.is_null())
    return sorted((loan_out(r, today) for r in rows), key=lambda loan: (loan.due_on, loan.id))


@frozen
class OpenLoan:
    id: int
    family_id: int
    due_on: date
    space_id: int | None = None  # where it was lent


async def open_loan(copy_id: int) -> OpenLoan | None:
    """The copy's open loan, if it is lent."""
    row = (
        await Loan.select(Loan.id, Loan.family, Loan.due_on, Loan.space)
        .where((Loan.copy == copy_id) & Loan.returned_at.is_null())
        .first()
    )
    return OpenLoan(int(row["id"]), int(row["family"]), row["due_on"], row["space"]) if row else None


async def open_loan_count(family_id: int) -> int:
    return int(await Loan.count().where((Loan.family == family_id) & Loan.returned_at.is_null()))
