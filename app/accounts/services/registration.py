"""Registering a family: one guardian account, optional second guardian, children, consent."""

from __future__ import annotations

from app.accounts.consent import CURRENT_POLICY
from app.accounts.errors import ConsentRequired, PhoneTaken
from app.accounts.passwords import check_strength, hash_password
from app.accounts.people import clean_name, normalize_phone, parse_birth_month
from app.accounts.schemas import ConsentIn, FamilyRegistration
from app.accounts.tables import Child, Consent, Family, Guardian, User
from app.kernel import outbox
from app.kernel.clock import Clock, local_today
from app.kernel.db import is_unique_violation, write_transaction


def check_consent(consent: ConsentIn | None) -> None:
    """Children's data needs the guardian's consent to the current policy (PIPL Art. 31)."""
    if consent is None or not consent.accepted:
        raise ConsentRequired()
    if consent.policy_version != CURRENT_POLICY.version:
        raise ConsentRequired(f"请阅读并同意当前版本（{CURRENT_POLICY.version}）的隐私政策")


async def register_family(data: FamilyRegistration, *, clock: Clock) -> User:
    phone = normalize_phone(data.phone)
    guardian_name = clean_name(data.guardian_name, "guardian_name")
    nicknames = [clean_name(c.nickname, f"children[{i}].nickname") for i, c in enumerate(data.children)]
    second_name = clean_name(data.second_guardian.name, "second_guardian.name") if data.second_guardian else ""
    today = local_today(clock)
    if data.children or data.consent is not None:
        check_consent(data.consent)
    births = [
        parse_birth_month(c.birth_month, today, f"children[{i}].birth_month") for i, c in enumerate(data.children)
    ]
    second_phone = (
        normalize_phone(data.second_guardian.phone, "second_guardian.phone")
        if data.second_guardian and data.second_guardian.phone
        else None
    )
    check_strength(data.password, identifiers=(phone,))
    # A taken phone is refused before the hash: an argon2 hash is the costly part of a request,
    # not to be spent on one that cannot succeed.
    if await User.exists().where(User.login == phone):
        raise PhoneTaken()
    # Hash outside the transaction: it is the slow part and needs no lock.
    password_hash = hash_password(data.password)
    now = clock.now()
    try:
        async with write_transaction():
            family = Family(created_at=now)
            await family.save()
            user = User(
                login=phone,
                display_name=guardian_name,
                password_hash=password_hash,
                roles="family",
                family=family.id,
                created_at=now,
            )
            await user.save()
            guardian = Guardian(family=family.id, user=user.id, name=guardian_name, phone=phone)
            await guardian.save()
            if data.second_guardian:
                await Guardian(family=family.id, name=second_name, phone=second_phone).save()
            if data.consent is not None:
                await Consent(
                    family=family.id,
                    guardian=guardian.id,
                    policy_version=CURRENT_POLICY.version,
                    scope=CURRENT_POLICY.scope,
                    accepted_at=now,
                ).save()
            for nickname, birth in zip(nicknames, births, strict=True):
                await Child(family=family.id, nickname=nickname, birth_month=birth, created_at=now).save()
            await outbox.add(
                recipient_id=user.id,
                kind="welcome",
                title="欢迎加入故事角",
                body="您的家庭账号已开通。可以查找附近的阅读空间、预约活动、扫码签到和借阅绘本。",
                link="/family",
                now=now,
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise PhoneTaken() from exc  # a simultaneous registration won the unique index
        raise
    return user
