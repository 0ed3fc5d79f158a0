"""Returns, at any space. Staff: the copy is routed at once and the answer says where it goes
(the shelf, the hold shelf, the transfer box). A family returning by itself puts the copy in
`awaiting_shelving` until a volunteer scans it (then it is routed)."""

from __future__ import annotations

from datetime import datetime

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.errors import Forbidden, InvalidInput
from app.kernel.i18n import N_
from reading.lending.rules import PRESENCE
from reading.lending.schemas import ReturnIn, ReturnOut
from reading.lending.services import copies, loans
from reading.lending.services.routing import Routing, goes_to_words, route
from reading.lending.services.scans import at_space
from spaces.services.access import ensure_serves
from spaces.tables import CheckIn, Space

RETURNABLE = ("on_loan", "awaiting_shelving", "in_transit", "missing")


async def space_name(space_id: int | None) -> str:
    row = await Space.select(Space.name).where(Space.id == (space_id if space_id is not None else -1)).first()
    return str(row["name"]) if row else ""


async def return_copy(
    copy: int | str, *, space_id: int, actor: Actor, clock: Clock, self_service: bool = False
) -> ReturnOut:
    """Return a copy (its id, or a barcode) at any space (see the module's notes): the title's
    lock, one read and one write (services/routing.py `route`)."""
    now = clock.now()
    if self_service:  # the family's own loan, waiting for a volunteer to shelve it
        owner = actor.family_id or 0
        routing = Routing(space_id, "self_return", actor.user_id, now, ("on_loan",), returning=True, owner=owner)
    else:
        routing = Routing(space_id, "return", actor.user_id, now, RETURNABLE, returning=True)
    routed = await route(copy, routing)
    going = routed.destination
    return ReturnOut(
        copy_id=routed.copy.id,
        barcode=routed.copy.barcode,
        loan_id=routed.loan[0] if routed.loan else None,
        status=going.status,
        goes_to=going.goes_to,  # type: ignore[arg-type]
        destination_space_id=going.space_id,
        message=goes_to_words(going.goes_to, routed.names.get(going.space_id or 0, "")),
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
    return await return_copy(data.barcode, space_id=data.space_id, actor=actor, clock=clock)
