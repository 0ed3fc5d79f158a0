"""Returns, at any space. Staff: the copy is routed at once and the answer says where it goes
(the shelf, the hold shelf, the transfer box). A family returning by itself puts the copy in
`awaiting_shelving` until a volunteer scans it (then it is routed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import Forbidden, InvalidInput
from app.kernel.i18n import N_
from reading.lending.errors import IllegalTransition, LoanNotFound
from reading.lending.rules import PRESENCE
from reading.lending.schemas import CopyOut, ReturnIn, ReturnOut
from reading.lending.services import copies, loans
from reading.lending.services.routing import Destination, goes_to_words, shelve
from reading.lending.services.scans import at_space
from reading.lending.tables import Loan, TransferItem
from spaces.errors import SpaceNotFound
from spaces.services.access import ensure_serves
from spaces.tables import CheckIn, Space

RETURNABLE = ("on_loan", "awaiting_shelving", "in_transit", "missing")


async def space_name(space_id: int | None) -> str:
    row = await Space.select(Space.name).where(Space.id == (space_id if space_id is not None else -1)).first()
    return str(row["name"]) if row else ""


@dataclass(frozen=True, slots=True)
class Closed:
    """The loan a return ended."""

    loan_id: int
    family_id: int


async def _close_loan(copy_id: int, space_id: int, now: datetime) -> Closed | None:
    closed = (
        await Loan.update({Loan.returned_at: now, Loan.returned_space: space_id})
        .where((Loan.copy == copy_id) & Loan.returned_at.is_null())
        .returning(Loan.id, Loan.family)
    )
    return Closed(int(closed[0]["id"]), int(closed[0]["family"])) if closed else None


async def _route_return(copy: CopyOut, space_id: int, actor: Actor, now: datetime) -> Destination:
    """Staff take the copy back: a transfer it was on ends, and it goes where it belongs."""
    if copy.status not in RETURNABLE:
        raise IllegalTransition(copy_status=copy.status)
    if copy.status == "in_transit":
        await TransferItem.update({TransferItem.received_at: now}).where(
            (TransferItem.copy == copy.id) & TransferItem.received_at.is_null()
        )
    return await shelve(copy.id, space_id, actor_id=actor.user_id, now=now, kind="return")


async def return_copy(
    copy_id: int, *, space_id: int, actor: Actor, clock: Clock, self_service: bool = False
) -> ReturnOut:
    """Return at any space (see the module's notes)."""
    now = clock.now()
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    copy = await copies.by_id(copy_id)
    async with write_transaction():
        closed = await _close_loan(copy_id, space_id, now)
        if self_service:
            if closed is None or (actor.family_id is not None and closed.family_id != actor.family_id):
                raise LoanNotFound(N_("这一册不在您的借阅中"))
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
        else:
            destination = await _route_return(copy, space_id, actor, now)
    return ReturnOut(
        copy_id=copy_id,
        barcode=copy.barcode,
        loan_id=closed.loan_id if closed else None,
        status=destination.status,
        goes_to=destination.goes_to,  # type: ignore[arg-type]
        destination_space_id=destination.space_id,
        message=goes_to_words(destination.goes_to, await space_name(destination.space_id)),
    )


async def presence_space(family_id: int, now: datetime) -> int | None:
    """Where the family checked in last within the presence window (3 hours)."""
    row = (
        await CheckIn.select(CheckIn.space)
        .where((CheckIn.family == family_id) & (CheckIn.checked_in_at >= now - PRESENCE))
        .order_by(CheckIn.checked_in_at, ascending=False)
        .first()
    )
    return int(row["space"]) if row else None


async def self_return(copy_id: int, *, actor: Actor, clock: Clock) -> ReturnOut:
    """A family returns a copy it has by scanning it: at the space it checked in at lately,
    else at the copy's home."""
    if actor.family_id is None:
        raise Forbidden(N_("请用家庭账号还书"))
    copy = await copies.by_id(copy_id)
    space_id = await presence_space(actor.family_id, clock.now()) or copy.home_space_id
    return await return_copy(copy_id, space_id=space_id, actor=actor, clock=clock, self_service=True)


async def staff_return(copy_id: int, space_id: int | None, *, actor: Actor, clock: Clock) -> ReturnOut:
    """Staff take a copy back (or shelve a self-returned one) at a space they serve."""
    return await return_copy(copy_id, space_id=at_space(actor, space_id), actor=actor, clock=clock)


async def return_by_request(data: ReturnIn, *, actor: Actor, clock: Clock) -> ReturnOut:
    """The API's return: with the copy's QR code (a family, or staff), or staff with a barcode
    and the space."""
    if data.copy_token:
        copy = await copies.by_id(await loans.copy_of_token(data.copy_token, clock))
        space = data.space_id or copy.home_space_id
        return await return_copy(copy.id, space_id=space, actor=actor, clock=clock, self_service=not actor.is_staff)
    if not actor.is_staff:
        raise Forbidden(N_("请扫描绘本上的二维码还书"))
    if not data.barcode or data.space_id is None:
        raise InvalidInput(N_("需要条码和空间"), fields=[{"field": "barcode", "message": "barcode and space_id"}])
    ensure_serves(actor, data.space_id)
    copy = await copies.by_barcode(data.barcode)
    return await return_copy(copy.id, space_id=data.space_id, actor=actor, clock=clock)
