"""Lending rules: defaults with per-space overrides (reading_lending_rules). No fines: this is
a public-good programme; a long-overdue loan only blocks new loans."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from app.kernel import policies
from app.kernel.values import frozen
from reading.lending.tables import LendingRules

PRESENCE = timedelta(hours=3)  # self-service borrowing needs a check-in this recent
REMINDERS = (("due_2", -2), ("overdue_1", 1), ("overdue_7", 7), ("overdue_14", 14))


@frozen
class Rules:
    max_loans: int = 10
    loan_days: int = 21
    renewals: int = 2
    block_overdue_days: int = 30


DEFAULT = Rules()


LOAN_POLICIES = ("max_loans", "loan_days", "renewals")


def combine(applied: Mapping[str, int], own: Sequence[int | None] | None) -> Rules:
    """The rules from the policies as they apply at a space (`applied`: LOAN_POLICIES), then the
    space's own row in reading_lending_rules where it has one (`own`: max_loans, loan_days,
    renewals, block_overdue_days; a None keeps what applies)."""
    base = Rules(max_loans=applied["max_loans"], loan_days=applied["loan_days"], renewals=applied["renewals"])
    if own is None:
        return base
    max_loans, loan_days, renewals, block_overdue_days = own
    return Rules(
        max_loans=max_loans or base.max_loans,
        loan_days=loan_days or base.loan_days,
        renewals=base.renewals if renewals is None else renewals,
        block_overdue_days=block_overdue_days or base.block_overdue_days,
    )


async def rules_for(space_id: int | None) -> Rules:
    """The rules a new loan or renewal at the space gets now: the policies set by district
    admins (app/kernel/policies.py: district-wide, or the space's override), then the space's
    own row in reading_lending_rules where it has one."""
    applied = {v.key: v.value for v in await policies.values(space_id)}
    if space_id is None:
        return combine(applied, None)
    columns = (LendingRules.max_loans, LendingRules.loan_days, LendingRules.renewals, LendingRules.block_overdue_days)
    row = await LendingRules.select(*columns).where(LendingRules.space == space_id).first()
    return combine(applied, None if row is None else tuple(row.values()))
