"""Families: the guardian's user (login: a 199 phone number, the shared password hash), the
guardians, the children and the consent to the current policy; each family lives by one
space of its district (the reading base ten times as likely as a small space)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from app.accounts.consent import CURRENT_POLICY
from app.seed.context import FAMILY_PHONE_PREFIX, SECOND_GUARDIAN_PHONE_PREFIX, Context, FamilyInfo
from app.seed.names import nickname, person_name
from app.seed.rows import ChildRow, ConsentRow, FamilyRow, GuardianRow


def part_families(ctx: Context) -> Iterator[None]:
    """Children per family: a quarter one, half two, a quarter three (two on average)."""
    rng = ctx.rng("families")
    per_district = ctx.scale.families_per_district
    spaces_of: dict[int, list[int]] = {}
    weights_of: dict[int, list[float]] = {}
    for index, space in enumerate(ctx.spaces):
        spaces_of.setdefault(space.district, []).append(index)
        weights_of.setdefault(space.district, []).append(10.0 if space.kind == "reading_base" else 1.0)
    number = 0
    for district in range(ctx.scale.districts):
        counts = [1] * (per_district // 4) + [3] * (per_district // 4)
        counts += [2] * (per_district - len(counts))
        rng.shuffle(counts)
        homes = rng.choices(spaces_of[district], weights=weights_of[district], k=per_district)
        for n_children, home in zip(counts, homes, strict=True):
            number += 1
            family = _family(ctx, rng, number, n_children, home)
            ctx.families_by_home.setdefault(home, []).append(len(ctx.families))
            ctx.families_by_district.setdefault(district, []).append(len(ctx.families))
            ctx.families.append(family)
            if number % 2000 == 0:
                yield
    yield


def _family(ctx: Context, rng: random.Random, number: int, n_children: int, home: int) -> FamilyInfo:
    family_id = ctx.next_id(FamilyRow)
    created = ctx.anchor - timedelta(days=rng.randrange(400), seconds=rng.randrange(86_400))
    guardian = person_name(rng, surname_first=True)
    phone = f"{FAMILY_PHONE_PREFIX}{number:08d}"
    ctx.add(FamilyRow(id=family_id, created_at=created))
    user_id = ctx.add_user(login=phone, name=guardian, roles="family", created=created, family=family_id)
    guardian_id = ctx.next_id(GuardianRow)
    ctx.add(GuardianRow(id=guardian_id, family=family_id, user=user_id, name=guardian, phone=phone))
    if rng.random() < 0.3:
        second_phone = f"{SECOND_GUARDIAN_PHONE_PREFIX}{number:08d}" if rng.random() < 0.5 else None
        second = GuardianRow(
            id=ctx.next_id(GuardianRow), family=family_id, user=None, name=person_name(rng), phone=second_phone
        )
        ctx.add(second)
    ctx.add(
        ConsentRow(
            id=ctx.next_id(ConsentRow),
            family=family_id,
            guardian=guardian_id,
            policy_version=CURRENT_POLICY.version,
            scope=CURRENT_POLICY.scope,
            accepted_at=created,
        )
    )
    children = [_child(ctx, rng, family_id, created) for _ in range(n_children)]
    return FamilyInfo(family_id, user_id, children, home)


def _child(ctx: Context, rng: random.Random, family_id: int, created: datetime) -> tuple[int, date]:
    """A child of 6 months to 12 years, born on the first of a month."""
    months_old = rng.randint(6, 12 * 12 - 1)
    total = ctx.today.year * 12 + ctx.today.month - 1 - months_old
    birth = date(total // 12, total % 12 + 1, 1)
    child_id = ctx.next_id(ChildRow)
    ctx.add(ChildRow(id=child_id, family=family_id, nickname=nickname(rng), birth_month=birth, created_at=created))
    return child_id, birth
