"""Loans, returns, renewals and holds.

- One open loan per copy: the copy's status moves `available`/`on_hold_shelf` → `on_loan`
  by a conditional update and a partial unique index guards the loan row; of 20 simultaneous
  loans of one copy exactly one succeeds, the rest get 409 `copy_unavailable`.
- A return says where the copy goes next: the first waiting hold for the title (its pickup
  space's hold shelf, or in transit there), else home (in transit) or the shelf here.
  Families returning by themselves put it in `awaiting_shelving` until a volunteer scans it.
- Holds form a fair queue per title (by id); a copy is given to exactly one hold by a
  conditional `waiting → ready` update. A ready hold waits 3 days, then passes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.accounts.actor import Actor
from app.accounts.errors import FamilyNotFound
from app.accounts.tables import Family
from app.kernel import outbox
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import is_unique_violation, write_transaction
from reading.lending.errors import (
    AlreadyHeld,
    CopyUnavailable,
    FamilyBlocked,
    HoldNotFound,
    IllegalTransition,
    LoanLimitReached,
    LoanNotFound,
    NotPresent,
    OnHoldForOther,
    RenewalLimitReached,
)
from reading.lending.rules import HOLD_PICKUP, PRESENCE, Rules, rules_for
from reading.lending.schemas import HoldOut, LoanOut, ReturnOut
from reading.lending.services import copies
from reading.lending.tables import Book, Copy, Hold, Loan, Transfer, TransferItem
from spaces.errors import SpaceNotFound
from spaces.tables import CheckIn, Space

LOAN_COLUMNS = (
    Loan.id,
    Loan.copy,
    Loan.copy.barcode,
    Loan.copy.book,
    Loan.copy._.book._.title,
    Loan.family,
    Loan.borrowed_at,
    Loan.due_on,
    Loan.renewals,
    Loan.returned_at,
    Loan.space,
)


def loan_out(row: dict[str, Any], today: date) -> LoanOut:
    overdue = (today - row["due_on"]).days if row["returned_at"] is None else 0
    return LoanOut(
        id=row["id"],
        copy_id=row["copy"],
        barcode=row["copy.barcode"],
        book_id=row["copy.book"],
        title=row["copy.book.title"],
        family_id=row["family"],
        borrowed_at=row["borrowed_at"],
        due_on=row["due_on"],
        renewals=row["renewals"],
        returned_at=row["returned_at"],
        overdue_days=max(0, overdue),
    )


async def _recipient(family_id: int) -> int | None:
    from app.accounts.tables import User

    row = await User.select(User.id).where((User.family == family_id) & (User.active == True)).first()
    return int(row["id"]) if row else None


async def _notify(family_id: int, *, kind: str, title: str, body: str, now: datetime, link: str) -> None:
    user_id = await _recipient(family_id)
    if user_id is not None:
        await outbox.add(recipient_id=user_id, kind=kind, title=title, body=body, link=link, now=now)


async def check_can_borrow(family_id: int, rules: Rules, today: date) -> None:
    open_loans = await Loan.select(Loan.due_on).where((Loan.family == family_id) & Loan.returned_at.is_null())
    if len(open_loans) >= rules.max_loans:
        raise LoanLimitReached(f"在借的绘本最多 {rules.max_loans} 本", limit=rules.max_loans)
    if any((today - loan["due_on"]).days > rules.block_overdue_days for loan in open_loans):
        raise FamilyBlocked()


async def lend(copy_id: int, family_id: int, *, actor: Actor, clock: Clock, self_service: bool = False) -> LoanOut:
    now = clock.now()
    today = local_today(clock)
    copy = await copies.by_id(copy_id)
    space_id = copy["current_space"]
    if self_service:
        recent = await CheckIn.exists().where(
            (CheckIn.family == family_id) & (CheckIn.space == space_id) & (CheckIn.checked_in_at >= now - PRESENCE)
        )
        if space_id is None or not recent:
            raise NotPresent()
    held = await Hold.select(Hold.id, Hold.family).where((Hold.copy == copy_id) & (Hold.status == "ready")).first()
    if held is not None and held["family"] != family_id:
        raise OnHoldForOther()
    if copy["status"] not in ("available", "on_hold_shelf"):
        raise CopyUnavailable(copy_status=copy["status"])
    rules = await rules_for(space_id)
    due_on = today + timedelta(days=rules.loan_days)
    try:
        async with write_transaction():
            # The family's loans are counted with its row locked (a no-op update), so that
            # simultaneous loans to one family stop at its limit instead of each seeing room.
            locked = (
                await Family.update({Family.created_at: Family.created_at})
                .where(Family.id == family_id)
                .returning(Family.id)
            )
            if not locked:
                raise FamilyNotFound()
            await check_can_borrow(family_id, rules, today)
            await copies.move(
                copy_id,
                "on_loan",
                kind="loan",
                now=now,
                actor_id=actor.user_id,
                space_id=space_id,
                current_space=None,
                expect=("available", "on_hold_shelf"),
                detail={"family": family_id},
            )
            rows = await Loan.insert(
                Loan(
                    copy=copy_id,
                    family=family_id,
                    space=space_id,
                    borrowed_at=now,
                    due_on=due_on,
                    by_user=actor.user_id,
                    self_service=self_service,
                )
            ).returning(Loan.id)
            if held is not None:
                await Hold.update({Hold.status: "fulfilled", Hold.closed_at: now}).where(Hold.id == held["id"])
    except IllegalTransition:
        raise CopyUnavailable() from None
    except Exception as exc:
        if is_unique_violation(exc):
            raise CopyUnavailable() from exc
        raise
    row = await Loan.select(*LOAN_COLUMNS).where(Loan.id == rows[0]["id"]).first()
    assert row is not None
    return loan_out(row, today)


@dataclass(frozen=True, slots=True)
class Destination:
    status: str
    goes_to: str
    space_id: int | None
    hold_id: int | None = None


async def _next_hold(book_id: int) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await Hold.select(Hold.id, Hold.family, Hold.pickup_space)
        .where((Hold.book == book_id) & (Hold.status == "waiting") & Hold.copy.is_null())
        .order_by(Hold.id)
        .first()
    )
    return row


async def _lock_title(book_id: int) -> None:
    """Take the title's row lock (a no-op update; SQLite's write transactions are serial
    anyway) for the rest of the transaction. Routing a copy and joining the queue both take
    it, so neither misses the other: without it, a hold placed while its copy was being
    returned saw the copy still on loan, and the return had seen no hold yet, so the copy
    went back on the shelf while the family waited."""
    await Book.update({Book.draft: Book.draft}).where(Book.id == book_id)


async def _route(copy: dict[str, Any], here: int, now: datetime, *, stay: bool = False) -> Destination:
    """Where a copy at `here` goes next; claims the first waiting hold (inside the transaction).
    `stay`: with no hold to serve, the copy stays on the shelf here even away from home (a
    transfer's copies at their destination)."""
    await _lock_title(copy["book"])
    claimed_for = (
        await Hold.select(Hold.id, Hold.pickup_space)
        .where((Hold.copy == copy["id"]) & (Hold.status == "waiting"))
        .first()
    )
    if claimed_for is not None:  # travelling to the family that claimed it
        if claimed_for["pickup_space"] != here:
            return Destination("in_transit", "transit", claimed_for["pickup_space"], claimed_for["id"])
        await Hold.update({Hold.status: "ready", Hold.ready_at: now, Hold.expires_at: now + HOLD_PICKUP}).where(
            Hold.id == claimed_for["id"]
        )
        return Destination("on_hold_shelf", "hold_shelf", here, claimed_for["id"])
    while (hold := await _next_hold(copy["book"])) is not None:
        pickup = hold["pickup_space"]
        values: dict[Any, Any] = {Hold.copy: copy["id"]}
        if pickup == here:
            values.update({Hold.status: "ready", Hold.ready_at: now, Hold.expires_at: now + HOLD_PICKUP})
        claimed = (
            await Hold.update(values)
            .where((Hold.id == hold["id"]) & (Hold.status == "waiting") & Hold.copy.is_null())
            .returning(Hold.id)
        )
        if not claimed:
            continue  # another return took this hold first: try the next one
        if pickup == here:
            return Destination("on_hold_shelf", "hold_shelf", here, hold["id"])
        return Destination("in_transit", "transit", pickup, hold["id"])
    if copy["home_space"] != here and not stay:
        return Destination("in_transit", "transit", copy["home_space"])
    return Destination("available", "shelf", here)


# The note of the transfers routing makes (home, or to a hold's pickup space); a librarian's
# own transfers ("book boxes") are the others, and their copies stay where they were sent.
ROUTED_NOTE = "归还后调回"


async def _send_in_transit(copy_id: int, from_space: int, to_space: int, actor_id: int | None, now: datetime) -> None:
    rows = await Transfer.insert(
        Transfer(from_space=from_space, to_space=to_space, created_by=actor_id, created_at=now, note=ROUTED_NOTE)
    ).returning(Transfer.id)
    await TransferItem.insert(TransferItem(transfer=rows[0]["id"], copy=copy_id))


async def _hold_ready_notice(hold_id: int, now: datetime) -> None:
    hold = (
        await Hold.select(Hold.family, Hold.book._.title, Hold.pickup_space._.name, Hold.expires_at)
        .where(Hold.id == hold_id)
        .first()
    )
    if hold is None:
        return
    until = hold["expires_at"].astimezone(local_zone()).strftime("%m月%d日") if hold["expires_at"] else ""
    await _notify(
        hold["family"],
        kind="hold_ready",
        title=f"预约的绘本到了：{hold['book.title']}",
        body=f"《{hold['book.title']}》已放在{hold['pickup_space.name']}的预约架上，请在 {until} 前来借。",
        now=now,
        link="/holds",
    )


async def shelve(
    copy_id: int,
    here: int,
    *,
    actor_id: int | None,
    now: datetime,
    kind: str,
    expect: tuple[str, ...] | None = None,
    allow_same: bool = False,
    stay: bool = False,
) -> Destination:
    """Put a copy that is at `here` where it belongs next (hold shelf, transit, or shelf).
    `allow_same`: a copy may stay in its status (a hold-shelf copy passing to the next hold at
    the same shelf, a copy on a shelf found at another space), its place and history updated.
    `stay`: see `_route`."""
    copy = await copies.by_id(copy_id)
    copy_row = {"id": copy_id, "book": copy["book"], "home_space": copy["home_space"]}
    async with write_transaction():
        destination = await _route(copy_row, here, now, stay=stay)
        await copies.move(
            copy_id,
            destination.status,
            kind=kind,
            now=now,
            actor_id=actor_id,
            space_id=here,
            current_space=here,
            expect=expect,
            allow_same=allow_same,
            detail={"goes_to": destination.goes_to, "destination": destination.space_id},
        )
        if destination.status == "in_transit" and destination.space_id is not None:
            await _send_in_transit(copy_id, here, destination.space_id, actor_id, now)
        if destination.status == "on_hold_shelf" and destination.hold_id is not None:
            await _hold_ready_notice(destination.hold_id, now)
    return destination


MESSAGES = {
    "shelf": "放回书架",
    "hold_shelf": "放到预约架：已有家庭预约",
    "transit": "放入调拨箱，送往",
    "awaiting_shelving": "已还，等待志愿者上架",
}


async def return_copy(
    copy_id: int, *, space_id: int, actor: Actor, clock: Clock, self_service: bool = False
) -> ReturnOut:
    """Return at any space. Staff: the copy is routed at once. A family returning by itself:
    `awaiting_shelving` until a volunteer scans it (then it is routed)."""
    now = clock.now()
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    copy = await copies.by_id(copy_id)
    async with write_transaction():
        closed = (
            await Loan.update({Loan.returned_at: now, Loan.returned_space: space_id})
            .where((Loan.copy == copy_id) & Loan.returned_at.is_null())
            .returning(Loan.id, Loan.family)
        )
        if self_service:
            if not closed or (actor.family_id is not None and closed[0]["family"] != actor.family_id):
                raise LoanNotFound("这一册不在您的借阅中")
            await copies.move(
                copy_id,
                "awaiting_shelving",
                kind="self_return",
                now=now,
                actor_id=actor.user_id,
                space_id=space_id,
                current_space=space_id,
                expect=("on_loan",),
            )
            destination = Destination("awaiting_shelving", "awaiting_shelving", space_id)
        elif copy["status"] in ("on_loan", "awaiting_shelving", "in_transit", "missing"):
            if copy["status"] == "in_transit":
                await TransferItem.update({TransferItem.received_at: now}).where(
                    (TransferItem.copy == copy_id) & TransferItem.received_at.is_null()
                )
            destination = await shelve(copy_id, space_id, actor_id=actor.user_id, now=now, kind="return")
        else:
            raise IllegalTransition(f"这一册现在是“{copy['status']}”，不需要归还", copy_status=copy["status"])
    message = MESSAGES[destination.goes_to]
    if destination.goes_to == "transit" and destination.space_id is not None:
        name = await Space.select(Space.name).where(Space.id == destination.space_id).first()
        message += name["name"] if name else ""
    return ReturnOut(
        copy_id=copy_id,
        barcode=copy["barcode"],
        loan_id=closed[0]["id"] if closed else None,
        status=destination.status,
        goes_to=destination.goes_to,  # type: ignore[arg-type]
        destination_space_id=destination.space_id,
        message=message,
    )


async def renew(loan_id: int, *, actor: Actor, clock: Clock) -> LoanOut:
    today = local_today(clock)
    row = await Loan.select(*LOAN_COLUMNS).where(Loan.id == loan_id).first()
    if row is None or row["returned_at"] is not None:
        raise LoanNotFound()
    if row["family"] != actor.family_id and not (
        actor.is_staff and (row["space"] is None or actor.serves(row["space"]))
    ):
        raise LoanNotFound()
    rules = await rules_for(row["space"])
    if row["renewals"] >= rules.renewals:
        raise RenewalLimitReached(f"每笔借阅最多续借 {rules.renewals} 次")
    if await Hold.exists().where((Hold.book == row["copy.book"]) & (Hold.status == "waiting")):
        raise OnHoldForOther("有家庭在排队预约这本书，暂不能续借")
    new_due = max(row["due_on"], today) + timedelta(days=rules.loan_days)
    async with write_transaction():
        changed = (
            await Loan.update({Loan.due_on: new_due, Loan.renewals: Loan.renewals + 1})
            .where((Loan.id == loan_id) & Loan.returned_at.is_null() & (Loan.renewals == row["renewals"]))
            .returning(Loan.id)
        )
    if not changed:  # returned or renewed meanwhile
        raise LoanNotFound("这笔借阅已归还或已续借")
    fresh = await Loan.select(*LOAN_COLUMNS).where(Loan.id == loan_id).first()
    assert fresh is not None
    return loan_out(fresh, today)


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


async def _position(hold: dict[str, Any]) -> int | None:
    if hold["status"] != "waiting":
        return None
    ahead = await Hold.count().where((Hold.book == hold["book"]) & (Hold.status == "waiting") & (Hold.id < hold["id"]))
    return int(ahead) + 1


async def hold_out(hold_id: int) -> HoldOut:
    row = (
        await Hold.select(
            Hold.id, Hold.book, Hold.book._.title, Hold.pickup_space, Hold.status, Hold.created_at, Hold.expires_at
        )
        .where(Hold.id == hold_id)
        .first()
    )
    if row is None:
        raise HoldNotFound()
    return HoldOut(
        id=row["id"],
        book_id=row["book"],
        title=row["book.title"],
        pickup_space_id=row["pickup_space"],
        status=row["status"],
        position=await _position(row),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


async def place_hold(book_id: int, pickup_space_id: int, *, actor: Actor, clock: Clock) -> HoldOut:
    """Join the queue for a title. If a copy is on the pickup space's shelf now, it goes
    straight onto the hold shelf for this family."""
    from reading.lending.errors import BookNotFound

    family_id = actor.family_id
    if family_id is None:
        raise LoanNotFound("只有家庭账号可以预约借书")
    if not await Book.exists().where(Book.id == book_id):
        raise BookNotFound()
    if not await Space.exists().where(Space.id == pickup_space_id):
        raise SpaceNotFound()
    now = clock.now()
    try:
        async with write_transaction():
            await _lock_title(book_id)  # a return routing a copy of this title sees this hold, or we see its copy
            rows = await Hold.insert(
                Hold(
                    book=book_id,
                    family=family_id,
                    pickup_space=pickup_space_id,
                    status="waiting",
                    created_at=now,
                    booked_by=actor.user_id,
                )
            ).returning(Hold.id)
    except Exception as exc:
        if is_unique_violation(exc):
            raise AlreadyHeld() from exc
        raise
    hold_id = int(rows[0]["id"])
    shelf = (
        await Copy.select(Copy.id)
        .where((Copy.book == book_id) & (Copy.current_space == pickup_space_id) & (Copy.status == "available"))
        .order_by(Copy.id)
    )
    for candidate in shelf:
        if await _is_first(hold_id, book_id):
            try:
                await shelve(candidate["id"], pickup_space_id, actor_id=actor.user_id, now=now, kind="hold_trap")
                break
            except IllegalTransition:
                continue  # lent out meanwhile: try the next copy
    return await hold_out(hold_id)


async def _is_first(hold_id: int, book_id: int) -> bool:
    first = await _next_hold(book_id)
    return first is not None and first["id"] == hold_id


async def cancel_hold(hold_id: int, *, actor: Actor, clock: Clock) -> HoldOut:
    row = (
        await Hold.select(Hold.id, Hold.family, Hold.status, Hold.copy, Hold.pickup_space)
        .where(Hold.id == hold_id)
        .first()
    )
    if row is None or (row["family"] != actor.family_id and not actor.serves(row["pickup_space"])):
        raise HoldNotFound()
    now = clock.now()
    if row["status"] in ("waiting", "ready"):
        async with write_transaction():
            changed = (
                await Hold.update({Hold.status: "cancelled", Hold.closed_at: now})
                .where((Hold.id == hold_id) & (Hold.status == row["status"]))
                .returning(Hold.id)
            )
            if changed and row["copy"] is not None and row["status"] == "ready":
                await _release_hold_copy(row["copy"], row["pickup_space"], actor.user_id, now)
    return await hold_out(hold_id)


async def _release_hold_copy(copy_id: int, space_id: int, actor_id: int | None, now: datetime) -> None:
    """A copy on the hold shelf whose hold ended: to the next hold, home, or the shelf."""
    copy = await Copy.select(Copy.status).where(Copy.id == copy_id).first()
    if copy is None or copy["status"] != "on_hold_shelf":
        return
    # One move from the hold shelf (to it again for the next hold here): going through
    # `available` first made the plain way back to the shelf an illegal available → available.
    await shelve(
        copy_id, space_id, actor_id=actor_id, now=now, kind="hold_released", expect=("on_hold_shelf",), allow_same=True
    )


async def expire_holds(*, clock: Clock) -> int:
    """Ready holds not collected in time expire; their copies pass to the next family."""
    now = clock.now()
    due = await Hold.select(Hold.id, Hold.family, Hold.copy, Hold.pickup_space, Hold.book._.title).where(
        (Hold.status == "ready") & (Hold.expires_at <= now)
    )
    expired = 0
    for hold in due:
        async with write_transaction():
            changed = (
                await Hold.update({Hold.status: "expired", Hold.closed_at: now})
                .where((Hold.id == hold["id"]) & (Hold.status == "ready"))
                .returning(Hold.id)
            )
            if not changed:
                continue
            if hold["copy"] is not None:
                await _release_hold_copy(hold["copy"], hold["pickup_space"], None, now)
            await _notify(
                hold["family"],
                kind="hold_expired",
                title=f"预约已过期：{hold['book.title']}",
                body="预约的绘本超过 3 天没有来借，已留给下一位家庭。需要的话可以重新预约。",
                now=now,
                link="/holds",
            )
        expired += 1
    return expired


async def send_loan_reminders(*, clock: Clock) -> int:
    """Due in 2 days, overdue at 1, 7 and 14 days: once each (unique per loan and kind)."""
    from piccolo.query.mixins import OnConflictAction

    from reading.lending.rules import REMINDERS
    from reading.lending.tables import LoanReminder

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
                title = loan["copy.book.title"]
                if offset < 0:
                    subject, body = (
                        f"还书提醒：《{title}》",
                        f"《{title}》将在 {loan['due_on']:%m月%d日} 到期，可以在任一空间归还或续借。",
                    )
                else:
                    subject, body = (
                        f"绘本已逾期 {offset} 天：《{title}》",
                        f"《{title}》已逾期 {offset} 天，请尽快在任一空间归还。",
                    )
                await _notify(loan["family"], kind=f"loan_{kind}", title=subject, body=body, now=now, link="/loans")
            sent += 1
    return sent


async def open_loan_id(copy_id: int) -> int | None:
    row = await Loan.select(Loan.id).where((Loan.copy == copy_id) & Loan.returned_at.is_null()).first()
    return int(row["id"]) if row else None


async def open_loan_count(family_id: int) -> int:
    return int(await Loan.count().where((Loan.family == family_id) & Loan.returned_at.is_null()))
