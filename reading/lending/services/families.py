"""Finding the family at the desk: by its family card's QR code or a guardian's mobile number.

Need to know: staff see a family only when it has something to do with one of their spaces (a
booking, a check-in, a loan or a hold there) or showed its family card to them lately;
district admins see any. Every look is written to the access log (app.accounts), which the
family finds in its export. A family outside that answers "not found", like one that does not
exist, so phone numbers cannot be tried out.
"""

from __future__ import annotations

import re
from datetime import timedelta

from app.accounts.actor import Actor
from app.accounts.errors import FamilyNotFound
from app.accounts.people import normalize_phone
from app.accounts.services import access_log
from app.accounts.tables import Child, Family, Guardian
from app.kernel.clock import Clock
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.schemas import FamilyCard
from reading.lending.services import loans
from reading.lending.services.scans import code_token
from reading.lending.tables import Hold, Loan
from spaces.tables import Booking, CheckIn

NO_SUCH_FAMILY = N_("没有找到这个家庭")
FIND = N_("请扫描家庭卡或输入手机号")


SHOWN_CARD_COUNTS_FOR = timedelta(hours=12)  # a desk's working day


async def by_card(token: str, actor: Actor, clock: Clock) -> int:
    """The family whose card was scanned: the family shows it, so its staff may see it."""
    family_id = (await tokens.verify(token, purposes=(Purpose.family,), now=clock.now())).subject
    if await exists(family_id):
        await access_log.record(actor, family_id, access_log.CARD, now=clock.now())
    return family_id


async def by_phone(raw: str, actor: Actor, clock: Clock, field: str | None = None) -> int:
    """The family of a guardian's number, if this staff member may know it; a page names its
    `field` to mark it when not found."""
    marked = {"fields": [{"field": field, "message": "no family with this number"}]} if field else {}
    row = await Guardian.select(Guardian.family).where(Guardian.phone == normalize_phone(raw, field or "phone")).first()
    if row is None or not await _related(actor, int(row["family"])):
        raise FamilyNotFound(NO_SUCH_FAMILY, **marked)
    await access_log.record(actor, int(row["family"]), access_log.LOOKUP, now=clock.now())
    return int(row["family"])


async def _related(actor: Actor, family_id: int) -> bool:
    """A district admin, or the family booked, checked in, borrowed or holds at their spaces."""
    if actor.is_admin:
        return True
    spaces = sorted(actor.space_ids) or [-1]
    checks = (
        CheckIn.exists().where((CheckIn.family == family_id) & CheckIn.space.is_in(spaces)),
        Booking.exists().where((Booking.family == family_id) & Booking.slot.space.is_in(spaces)),
        Loan.exists().where(
            (Loan.family == family_id) & (Loan.space.is_in(spaces) | Loan.returned_space.is_in(spaces))
        ),
        Hold.exists().where((Hold.family == family_id) & Hold.pickup_space.is_in(spaces)),
    )
    for check in checks:
        if await check:
            return True
    return False


async def ensure_known(actor: Actor, family_id: int, clock: Clock) -> None:
    """The desk goes on serving a family it found (by card or phone) or that has to do with its
    spaces; anything else is "not found"."""
    since = clock.now() - SHOWN_CARD_COUNTS_FOR
    if not await exists(family_id) or not (
        await _related(actor, family_id) or await access_log.seen_lately(actor, family_id, since=since)
    ):
        raise FamilyNotFound(NO_SUCH_FAMILY)


async def exists(family_id: int) -> bool:
    return bool(await Family.exists().where((Family.id == family_id) & Family.erased_at.is_null()))


async def find_family(query: str, actor: Actor, clock: Clock) -> int:
    """The desk's search box: a family card's code (its URL or the bare token) or a phone number."""
    text = query.strip()
    if not text:
        raise InvalidInput(FIND, fields=[{"field": "find", "message": "phone or card"}])
    digits = re.sub(r"[\s+-]", "", text)
    token = None if digits.isascii() and digits.isdigit() else code_token(text)
    family_id = await by_card(token, actor, clock) if token is not None else await by_phone(text, actor, clock, "find")
    if not await exists(family_id):
        raise FamilyNotFound(NO_SUCH_FAMILY, fields=[{"field": "find", "message": "no such family"}])
    return family_id


async def at_desk(find: str | None, family_id: int | None, actor: Actor, clock: Clock) -> int | None:
    """The family the desk serves: the one searched for (`find`), or the one it had."""
    if find and find.strip():
        return await find_family(find, actor, clock)
    if family_id is not None:
        await ensure_known(actor, family_id, clock)
        await access_log.record(actor, family_id, access_log.DESK, now=clock.now())
        return family_id
    return None


async def lookup(phone: str | None, card: str | None, actor: Actor, clock: Clock) -> FamilyCard:
    """The API's family lookup: who the family is and how many books it has."""
    if card:
        family_id = await by_card(card, actor, clock)
    elif phone:
        family_id = await by_phone(phone, actor, clock)
    else:
        raise InvalidInput(FIND, fields=[{"field": "phone", "message": "phone or card"}])
    guardian = await Guardian.select(Guardian.name).where(Guardian.family == family_id).order_by(Guardian.id).first()
    children = await Child.select(Child.nickname).where(Child.family == family_id).order_by(Child.id)
    return FamilyCard(
        family_id=family_id,
        guardian_name=guardian["name"] if guardian else "",
        children=[c["nickname"] for c in children],
        open_loans=await loans.open_loan_count(family_id),
    )
