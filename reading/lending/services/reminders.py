"""What lending tells a family: a hold ready to collect or expired, a loan due or overdue.
Each message goes into the outbox inside the transaction of the change it reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.query.mixins import OnConflictAction

from app.accounts.tables import User
from app.kernel import outbox, policies
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import write_transaction
from app.kernel.outbox import Param
from reading.lending import notices as _kinds  # noqa: F401 (registers the kinds it words)
from reading.lending.rules import REMINDERS
from reading.lending.tables import Hold, Loan, LoanReminder


async def _recipient(family_id: int) -> int | None:
    row = await User.select(User.id).where((User.family == family_id) & (User.active == True)).first()
    return int(row["id"]) if row else None


async def notify(family_id: int, kind: str, now: datetime, **params: Param) -> None:
    user_id = await _recipient(family_id)
    if user_id is not None:
        await outbox.notice(recipient_id=user_id, kind=kind, params=params, now=now)


async def hold_ready(hold_id: int, now: datetime) -> None:
    hold = (
        await Hold.select(Hold.family, Hold.book._.title, Hold.pickup_space._.name, Hold.expires_at)
        .where(Hold.id == hold_id)
        .first()
    )
    if hold is None:
        return
    until = hold["expires_at"].astimezone(local_zone()).date().isoformat() if hold["expires_at"] else ""
    await notify(
        hold["family"], "hold_ready", now, title=hold["book.title"], space=hold["pickup_space.name"], until_on=until
    )


async def hold_expired(family_id: int, title: str, now: datetime) -> None:
    await notify(family_id, "hold_expired", now, title=title, days=await policies.value("hold_pickup_days"))


async def send_loan_reminders(*, clock: Clock) -> int:
    """Due in 2 days, overdue at 1, 7 and 14 days: once each (unique per loan and kind)."""
    now = clock.now()
    today = local_today(clock)
    sent = 0
    for kind, offset in REMINDERS:
        target = today - timedelta(days=offset)
        loans = await Loan.select(Loan.id, Loan.family, Loan.due_on, Loan.copy._.book._.title).where(
            Loan.returned_at.is_null() & (Loan.due_on == target)
        )
        for loan in loans:
            async with write_transaction():
                inserted = (
                    await LoanReminder.insert(LoanReminder(loan=loan["id"], kind=kind, at=now))
                    .on_conflict(action=OnConflictAction.do_nothing)
                    .returning(LoanReminder.id)
                )
                if not inserted:
                    continue
                said: dict[str, Param] = {"title": loan["copy.book.title"], "due_on": loan["due_on"].isoformat()}
                await notify(loan["family"], f"loan_{kind}", now, **said, days=offset)
            sent += 1
    return sent
