"""Lending rules: defaults with per-space overrides (reading_lending_rules). No fines: this is
a public-good programme; a long-overdue loan only blocks new loans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from reading.lending.tables import LendingRules

HOLD_PICKUP = timedelta(days=3)
PRESENCE = timedelta(hours=3)  # self-service borrowing needs a check-in this recent
REMINDERS = (("due_2", -2), ("overdue_1", 1), ("overdue_7", 7), ("overdue_14", 14))


@dataclass(frozen=True, slots=True)
class Rules:
    max_loans: int = 10
    loan_days: int = 21
    renewals: int = 2
    block_overdue_days: int = 30


DEFAULT = Rules()


async def rules_for(space_id: int | None) -> Rules:
    if space_id is None:
        return DEFAULT
    row = await LendingRules.select().where(LendingRules.space == space_id).first()
    if row is None:
        return DEFAULT
    return Rules(
        max_loans=row["max_loans"] or DEFAULT.max_loans,
        loan_days=row["loan_days"] or DEFAULT.loan_days,
        renewals=DEFAULT.renewals if row["renewals"] is None else row["renewals"],
        block_overdue_days=row["block_overdue_days"] or DEFAULT.block_overdue_days,
    )
