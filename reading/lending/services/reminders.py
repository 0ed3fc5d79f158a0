"""What lending tells a family: a hold ready to collect or expired, a loan due or overdue.
Each message goes into the outbox inside the transaction of the change it reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from piccolo.query.mixins import OnConflictAction

from app.accounts.tables import User
from app.kernel import outbox
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import write_transaction
from reading.lending.rules import REMINDERS
from reading.lending.tables import Hold, Loan, LoanReminder


async def _recipient(family_id: int) -> int | None:
    row = await User.select(User.id).where((User.family == family_id) & (User.active == True)).first()
    return int(row["id"]) if row else None


async def notify(family_id: int, *, kind: str, title: str, body: str, now: datetime, link: str) -> None:
    user_id = await _recipient(family_id)
    if user_id is not None:
        await outbox.add(recipient_id=user_id, kind=kind, title=title, body=body, link=link, now=now)


async def hold_ready(hold_id: int, now: datetime) -> None:
    hold = (
        await Hold.select(Hold.family, Hold.book._.title, Hold.pickup_space._.name, Hold.expires_at)
        .where(Hold.id == hold_id)
        .first()
    )
    if hold is None:
        return
    until = hold["expires_at"].astimezone(local_zone()).strftime("%m月%d日") if hold["expires_at"] else ""
    await notify(
        hold["family"],
        kind="hold_ready",
        title=f"预约的绘本到了：{hold['book.title']}",
        body=f"《{hold['book.title']}》已放在{hold['pickup_space.name']}的预约架上，请在 {until} 前来借。",
        now=now,
        link="/holds",
    )


async def hold_expired(family_id: int, title: str, now: datetime) -> None:
    await notify(
        family_id,
        kind="hold_expired",
        title=f"预约已过期：{title}",
        body="预约的绘本超过 3 天没有来借，已留给下一位家庭。需要的话可以重新预约。",
        now=now,
        link="/holds",
    )


def _reminder(title: str, due: date, offset: int) -> tuple[str, str]:
    if offset < 0:
        return f"还书提醒：《{title}》", f"《{title}》将在 {due:%m月%d日} 到期，可以在任一空间归还或续借。"
    return f"绘本已逾期 {offset} 天：《{title}》", f"《{title}》已逾期 {offset} 天，请尽快在任一空间归还。"


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
                subject, body = _reminder(loan["copy.book.title"], loan["due_on"], offset)
                await notify(loan["family"], kind=f"loan_{kind}", title=subject, body=body, now=now, link="/loans")
            sent += 1
    return sent
