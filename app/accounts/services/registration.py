"""Registering a family: one guardian account, optional second guardian, children, consent."""

from __future__ import annotations

from datetime import date, datetime

from app.accounts import notices as _notices  # noqa: F401 (registers the welcome notice)
from app.accounts.consent import CURRENT_POLICY
from app.accounts.errors import ConsentRequired, PhoneTaken
from app.accounts.passwords import check_strength, hash_password
from app.accounts.people import clean_name, normalize_phone, parse_birth_month
from app.accounts.roles import FAMILY
from app.accounts.schemas import ConsentIn, FamilyRegistration
from app.accounts.services import sms_codes
from app.accounts.services.sms_auth import NO_PASSWORD
from app.accounts.tables import Child, Consent, Family, Guardian, User
from app.kernel import outbox
from app.kernel.clock import Clock, local_today
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.values import frozen


def check_consent(consent: ConsentIn | None) -> None:
    """Children's data needs the guardian's consent to the current policy (PIPL Art. 31)."""
    if consent is None or not consent.accepted:
        raise ConsentRequired()
    if consent.policy_version != CURRENT_POLICY.version:
        raise ConsentRequired(f"请阅读并同意当前版本（{CURRENT_POLICY.version}）的隐私政策")


@frozen
class _Checked:
    """A registration whose every value passed the rules: names cleaned, phones and births read."""

    phone: str
    guardian_name: str
    children: list[tuple[str, date]]
    second_guardian: tuple[str, str | None] | None


def _check(data: FamilyRegistration, today: date) -> _Checked:
    phone = normalize_phone(data.phone)
    if data.children or data.consent is not None:
        check_consent(data.consent)
    children = [
        (
            clean_name(c.nickname, f"children[{i}].nickname"),
            parse_birth_month(c.birth_month, today, f"children[{i}].birth_month"),
        )
        for i, c in enumerate(data.children)
    ]
    second = None
    if data.second_guardian:
        raw_phone = data.second_guardian.phone
        second = (
            clean_name(data.second_guardian.name, "second_guardian.name"),
            normalize_phone(raw_phone, "second_guardian.phone") if raw_phone else None,
        )
    return _Checked(phone, clean_name(data.guardian_name, "guardian_name"), children, second)


async def _credential(data: FamilyRegistration, phone: str, clock: Clock) -> str:
    """The new account's password hash: from its password, or (registering with an SMS code)
    one no password matches. Checked and computed outside the registration's transaction."""
    if data.password is not None:
        check_strength(data.password, identifiers=(phone,))
    elif data.sms_code is None:
        raise InvalidInput(
            N_("请设置密码，或者用短信验证码注册"), fields=[{"field": "password", "message": "required"}]
        )
    # A taken phone is refused before the hash: an argon2 hash is the costly part of a request,
    # not to be spent on one that cannot succeed (nor a code on it).
    if await User.exists().where(User.login == phone):
        raise PhoneTaken()
    if data.password is not None:
        return hash_password(data.password)
    await sms_codes.consume(phone, "register", data.sms_code or "", clock=clock)
    return NO_PASSWORD


async def register_family(data: FamilyRegistration, *, clock: Clock) -> User:
    checked = _check(data, local_today(clock))
    password_hash = await _credential(data, checked.phone, clock)  # outside the transaction: the slow part
    try:
        async with write_transaction():
            return await _create(checked, password_hash, consent=data.consent is not None, now=clock.now())
    except Exception as exc:
        if is_unique_violation(exc):
            raise PhoneTaken() from exc  # a simultaneous registration won the unique index
        raise


async def _create(checked: _Checked, password_hash: str, *, consent: bool, now: datetime) -> User:
    family = Family(created_at=now)
    await family.save()
    user = User(
        login=checked.phone,
        display_name=checked.guardian_name,
        password_hash=password_hash,
        roles=FAMILY,
        family=family.id,
        created_at=now,
    )
    await user.save()
    guardian = Guardian(family=family.id, user=user.id, name=checked.guardian_name, phone=checked.phone)
    await guardian.save()
    if checked.second_guardian:
        name, phone = checked.second_guardian
        await Guardian(family=family.id, name=name, phone=phone).save()
    if consent:
        await Consent(
            family=family.id,
            guardian=guardian.id,
            policy_version=CURRENT_POLICY.version,
            scope=CURRENT_POLICY.scope,
            accepted_at=now,
        ).save()
    for nickname, birth in checked.children:
        await Child(family=family.id, nickname=nickname, birth_month=birth, created_at=now).save()
    await outbox.notice(recipient_id=user.id, kind="welcome", params={}, now=now)
    return user
