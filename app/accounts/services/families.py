"""A family's own data: read, add and edit children, export everything, erase (PIPL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.accounts import personal_data
from app.accounts.consent import CURRENT_POLICY
from app.accounts.errors import ChildNotFound, TooManyChildren
from app.accounts.people import age_band, clean_name, parse_birth_month
from app.accounts.personal_data import Subject, exported
from app.accounts.schemas import ChildIn, ChildOut, ChildUpdate, ConsentIn, FamilyOut, GuardianOut
from app.accounts.services import access_log
from app.accounts.services.registration import check_consent
from app.accounts.tables import (
    ApiToken,
    Child,
    Consent,
    Family,
    Guardian,
    LoginAttempt,
    NoticePreference,
    SmsCode,
    User,
    WeChatBinding,
)
from app.kernel.clock import Clock, local_today
from app.kernel.db import write_transaction
from app.kernel.errors import NotFound
from app.kernel.idempotency import KEEP_FOR
from app.kernel.tables import IdempotencyRecord, Notification, OutboxMessage

MAX_CHILDREN = 8
ERASED = "已注销"


def child_out(row: dict[str, Any], today: date) -> ChildOut:
    birth: date = row["birth_month"]
    return ChildOut(
        id=row["id"], nickname=row["nickname"], birth_month=birth.strftime("%Y-%m"), age_band=age_band(birth, today)
    )


async def get_family(family_id: int, *, clock: Clock) -> FamilyOut:
    family = await Family.select(Family.id).where((Family.id == family_id) & Family.erased_at.is_null()).first()
    if family is None:
        raise NotFound()
    guardians = (
        await Guardian.select(Guardian.id, Guardian.name, Guardian.phone)
        .where(Guardian.family == family_id)
        .order_by(Guardian.id)
    )
    children = await Child.select().where(Child.family == family_id).order_by(Child.id)
    today = local_today(clock)
    return FamilyOut(
        id=family_id,
        guardians=[GuardianOut(id=g["id"], name=g["name"], phone=g["phone"]) for g in guardians],
        children=[child_out(c, today) for c in children],
    )


async def has_consent(family_id: int) -> bool:
    return await Consent.exists().where(
        (Consent.family == family_id)
        & (Consent.policy_version == CURRENT_POLICY.version)
        & Consent.withdrawn_at.is_null()
    )


async def add_child(family_id: int, data: ChildIn, *, consent: ConsentIn | None, clock: Clock) -> ChildOut:
    """Adding a child needs consent on record (or given now)."""
    today = local_today(clock)
    birth = parse_birth_month(data.birth_month, today)
    now = clock.now()
    if not await has_consent(family_id):
        check_consent(consent)
    async with write_transaction():
        if await Child.count().where(Child.family == family_id) >= MAX_CHILDREN:
            raise TooManyChildren()
        if consent is not None and not await has_consent(family_id):
            await Consent(
                family=family_id, policy_version=CURRENT_POLICY.version, scope=CURRENT_POLICY.scope, accepted_at=now
            ).save()
        child = Child(
            family=family_id, nickname=clean_name(data.nickname, "nickname"), birth_month=birth, created_at=now
        )
        await child.save()
    return child_out(child.to_dict(), today)


async def update_child(family_id: int, child_id: int, data: ChildUpdate, *, clock: Clock) -> ChildOut:
    today = local_today(clock)
    values: dict[Any, Any] = {}
    if data.nickname is not None:
        values[Child.nickname] = clean_name(data.nickname, "nickname")
    if data.birth_month is not None:
        values[Child.birth_month] = parse_birth_month(data.birth_month, today)
    mine = (Child.id == child_id) & (Child.family == family_id)
    if values:
        await Child.update(values).where(mine)
    row = await Child.select().where(mine).first()
    if row is None:
        raise ChildNotFound()  # another family's child is "not found", never "forbidden"
    return child_out(row, today)


async def remove_child(family_id: int, child_id: int) -> None:
    rows = await Child.delete().where((Child.id == child_id) & (Child.family == family_id)).returning(Child.id)
    if not rows:
        raise ChildNotFound()


async def subject_of(family_id: int) -> Subject:
    users = await User.select(User.id, User.login).where(User.family == family_id)
    children = await Child.select(Child.id).where(Child.family == family_id)
    phones = await Guardian.select(Guardian.phone).where(Guardian.family == family_id)
    return Subject(
        family_id=family_id,
        user_ids=tuple(int(u["id"]) for u in users),
        child_ids=tuple(int(c["id"]) for c in children),
        phones=tuple(str(p["phone"]) for p in phones if p["phone"]),
    )


async def export_family(family_id: int) -> dict[str, Any]:
    """Everything the service stores about the family (PIPL right of access): the identity
    domain's part here, every other domain's part from its registered `personal_data`."""
    subject = await subject_of(family_id)
    parts = {part.name: await part.export(subject) for part in personal_data.parts()}
    return {**await _identity_export(family_id), **parts}


async def _identity_export(family_id: int) -> dict[str, Any]:
    users = await User.select().where(User.family == family_id)
    user_ids = [u["id"] for u in users] or [-1]
    return {
        "family": exported(await Family.select().where(Family.id == family_id))[0],
        "accounts": exported(users, drop=("password_hash", "session_epoch")),
        "guardians": exported(await Guardian.select().where(Guardian.family == family_id)),
        "children": exported(await Child.select().where(Child.family == family_id)),
        "consents": exported(await Consent.select().where(Consent.family == family_id)),
        "notifications": exported(await Notification.select().where(Notification.user_id.is_in(user_ids))),
        # Who among the staff looked at the family's data, when and why (PIPL Art. 45).
        "staff_access": [
            {"at": e.at.isoformat(), "by": e.user_name, "what": e.what, "why": e.why, "space_id": e.space_id}
            for e in await access_log.entries(family_id=family_id, limit=10_000)
        ],
        "notice_preferences": exported(
            await NoticePreference.select().where(NoticePreference.user.is_in(user_ids)), drop=("id",)
        ),
        "wechat": exported(
            await WeChatBinding.select(WeChatBinding.user, WeChatBinding.bound_at).where(
                WeChatBinding.user.is_in(user_ids)
            )
        ),
    }


async def erase_family(family_id: int, *, clock: Clock) -> None:
    """Erase personal data; rows stay, anonymised, so statistics keep their counts.

    Birth months are coarsened to January of the birth year: age bands stay roughly right,
    the child is no longer identifiable by them.
    """
    now = clock.now()
    subject = await subject_of(family_id)
    async with write_transaction():
        for part in personal_data.parts():  # future bookings and holds end, names go
            await part.erase(subject, now=now)
        user_ids = list(subject.user_ids)
        for user_id in user_ids:
            await User.update(
                {
                    User.login: f"erased-{user_id}",
                    User.display_name: ERASED,
                    User.password_hash: "!",
                    User.active: False,
                    User.session_epoch: User.session_epoch + 1,
                }
            ).where(User.id == user_id)
        if user_ids:
            await ApiToken.delete().where(ApiToken.user.is_in(user_ids))
            await Notification.delete().where(Notification.user_id.is_in(user_ids))
            await OutboxMessage.delete().where(OutboxMessage.recipient_id.is_in(user_ids))
            await WeChatBinding.delete().where(WeChatBinding.user.is_in(user_ids))
            await NoticePreference.delete().where(NoticePreference.user.is_in(user_ids))
        phones = [g["phone"] for g in await Guardian.select(Guardian.phone).where(Guardian.family == family_id)]
        await SmsCode.delete().where(SmsCode.phone.is_in([p for p in phones if p] or ["-"]))
        await Guardian.update({Guardian.name: ERASED, Guardian.phone: None}).where(Guardian.family == family_id)
        for child in await Child.select(Child.id, Child.birth_month).where(Child.family == family_id):
            await Child.update(
                {Child.nickname: ERASED, Child.birth_month: date(child["birth_month"].year, 1, 1)}
            ).where(Child.id == child["id"])
        await Consent.update({Consent.withdrawn_at: now}).where(
            (Consent.family == family_id) & Consent.withdrawn_at.is_null()
        )
        await Family.update({Family.erased_at: now}).where(Family.id == family_id)
        await _forget_traces(subject, now)


async def _forget_traces(subject: Subject, now: datetime) -> None:
    """What else held the phone or the names: log-in attempts by phone, and the answers kept
    for idempotent retries (a registration's answer holds the names; kept 24 hours at most)."""
    if subject.phones:
        await LoginAttempt.delete().where(LoginAttempt.login.is_in(list(subject.phones)))
    owners = [f"user:{u}" for u in subject.user_ids] or ["-"]
    await IdempotencyRecord.delete().where(IdempotencyRecord.owner.is_in(owners))
    recent = await IdempotencyRecord.select(IdempotencyRecord.id, IdempotencyRecord.body).where(
        (IdempotencyRecord.path == "/api/v1/families") & (IdempotencyRecord.created_at >= now - KEEP_FOR)
    )
    phones = [p.encode() for p in subject.phones]
    mentioned = [r["id"] for r in recent if any(p in bytes(r["body"] or b"") for p in phones)]
    if mentioned:
        await IdempotencyRecord.delete().where(IdempotencyRecord.id.is_in(mentioned))


async def withdraw_consent(family_id: int, *, clock: Clock) -> None:
    """Consent for the children's data taken back (PIPL Art. 15): the children's data goes,
    bookings to come that included them end (their places go to the waitlist), the adult's
    account stays. A child can be added again later with consent given anew."""
    now = clock.now()
    subject = await subject_of(family_id)
    async with write_transaction():
        for part in personal_data.parts():
            await part.forget_children(subject, now=now)
        await Child.delete().where(Child.family == family_id)
        await Consent.update({Consent.withdrawn_at: now}).where(
            (Consent.family == family_id) & Consent.withdrawn_at.is_null()
        )
