"""Finding the family at the desk: by its family card's QR code or a guardian's mobile number."""

from __future__ import annotations

import re

from app.accounts.people import normalize_phone
from app.accounts.tables import Child, Family, Guardian
from app.kernel.clock import Clock
from app.kernel.errors import InvalidInput, NotFound
from app.kernel.i18n import N_
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.schemas import FamilyCard
from reading.lending.services import loans
from reading.lending.services.scans import code_token

NO_SUCH_FAMILY = N_("没有找到这个家庭")
FIND = N_("请扫描家庭卡或输入手机号")


async def by_card(token: str, clock: Clock) -> int:
    return (await tokens.verify(token, purposes=(Purpose.family,), now=clock.now())).subject


async def by_phone(raw: str, field: str | None = None) -> int:
    """The family of a guardian's number; a page names its `field` to mark it when not found."""
    row = await Guardian.select(Guardian.family).where(Guardian.phone == normalize_phone(raw, field or "phone")).first()
    if row is None:
        marked = {"fields": [{"field": field, "message": "no family with this number"}]} if field else {}
        raise NotFound(NO_SUCH_FAMILY, **marked)
    return int(row["family"])


async def exists(family_id: int) -> bool:
    return bool(await Family.exists().where((Family.id == family_id) & Family.erased_at.is_null()))


async def find_family(query: str, clock: Clock) -> int:
    """The desk's search box: a family card's code (its URL or the bare token) or a phone number."""
    text = query.strip()
    if not text:
        raise InvalidInput(FIND, fields=[{"field": "find", "message": "phone or card"}])
    digits = re.sub(r"[\s+-]", "", text)
    token = None if digits.isdigit() else code_token(text)
    family_id = await by_card(token, clock) if token is not None else await by_phone(text, field="find")
    if not await exists(family_id):
        raise NotFound(NO_SUCH_FAMILY, fields=[{"field": "find", "message": "no such family"}])
    return family_id


async def at_desk(find: str | None, family_id: int | None, clock: Clock) -> int | None:
    """The family the desk serves: the one searched for (`find`), or the one it had."""
    if find and find.strip():
        return await find_family(find, clock)
    if family_id is not None and await exists(family_id):
        return family_id
    return None


async def lookup(phone: str | None, card: str | None, clock: Clock) -> FamilyCard:
    """The API's family lookup: who the family is and how many books it has."""
    if card:
        family_id = await by_card(card, clock)
    elif phone:
        family_id = await by_phone(phone)
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
