"""The programme's rules that district admins set (loan period, loan limit, renewals, hold
pickup days, no-show threshold and suspension length, the per-family booking cap and the
booking horizon): one catalogue with defaults and ranges, values in the database district-wide
with per-space overrides where they make sense, every change recorded (who, when, before,
after). Domains read their rules here when they act, so a change applies to new loans and
bookings only: what was already decided (a loan's due date) is stored with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput, NotFound
from app.kernel.i18n import N_
from app.kernel.tables import Policy, PolicyChange
from app.kernel.values import frozen

DISTRICT = 0  # space_id of a district-wide value


@frozen
class Rule:
    key: str
    label: str  # msgid
    default: int
    lowest: int
    highest: int
    per_space: bool  # a space may override it


CATALOGUE: tuple[Rule, ...] = (
    Rule("loan_days", N_("借期（天）"), 21, 1, 90, True),
    Rule("max_loans", N_("每个家庭最多同时借（册）"), 10, 1, 50, True),
    Rule("renewals", N_("可续借次数"), 2, 0, 10, True),
    Rule("hold_pickup_days", N_("预留图书保留天数"), 3, 1, 14, False),
    # A space's override (its own value, set here or by editing the space) wins at that space;
    # the space's old columns of the same meaning are no longer read (spaces/services/spaces.py).
    Rule("booking_horizon_days", N_("开放阅读可提前预约的天数"), 14, 1, 90, True),
    Rule("future_booking_cap", N_("每个家庭最多同时有的未来预约"), 4, 1, 50, True),
    Rule("cancel_deadline_hours", N_("默认取消截止（开始前几小时）"), 2, 0, 72, False),
    Rule("no_show_limit", N_("暂停预约的未到次数"), 3, 1, 20, False),
    Rule("no_show_window_days", N_("统计未到的天数"), 60, 7, 365, False),
    Rule("suspension_days", N_("暂停预约的天数"), 14, 1, 90, False),
)
RULES = {r.key: r for r in CATALOGUE}


class PolicyNotFound(NotFound, code="policy_not_found", title="没有这项规则"): ...


class PolicyOutOfRange(InvalidInput, code="invalid_input", title="规则的值超出允许范围"): ...


async def cancel_before() -> timedelta:
    """How long before its start a new slot's cancellation deadline falls, unless it says."""
    return timedelta(hours=await value("cancel_deadline_hours"))


@frozen
class PolicyValue:
    key: str
    label: str
    value: int  # what applies (the space's override, else district-wide, else the default)
    district: int  # the district-wide value (or the default)
    default: int
    lowest: int
    highest: int
    per_space: bool
    overridden: bool  # the space overrides it


@frozen
class Change:
    id: int
    key: str
    space_id: int | None
    before: int | None
    after: int | None
    user_id: int | None
    at: datetime


async def _stored(space_id: int) -> dict[tuple[str, int], int]:
    rows = await Policy.select(Policy.key, Policy.space_id, Policy.value).where(
        Policy.space_id.is_in(sorted({DISTRICT, space_id}))
    )
    return {(str(r["key"]), int(r["space_id"])): int(r["value"]) for r in rows}


async def values(space_id: int | None = None) -> list[PolicyValue]:
    """Every rule as it applies district-wide, or at a space (`space_id`)."""
    stored = await _stored(space_id or DISTRICT)
    found = []
    for rule in CATALOGUE:
        district = stored.get((rule.key, DISTRICT), rule.default)
        override = stored.get((rule.key, space_id)) if space_id and rule.per_space else None
        value = applying(rule.key, here=override, district=district)
        found.append(
            PolicyValue(
                rule.key,
                rule.label,
                value,
                district,
                rule.default,
                rule.lowest,
                rule.highest,
                rule.per_space,
                override is not None,
            )
        )
    return found


def applying(key: str, *, here: int | None, district: int | None) -> int:
    """A rule's value from what is stored of it: a space's override (of a per-space rule), else
    the district-wide value, else the default. For a statement that reads both stored values
    along with other things (spaces/services/statements.py)."""
    rule = RULES[key]
    if here is not None and rule.per_space:
        return here
    return rule.default if district is None else district


def applied(stored: Mapping[tuple[str, int], int], space_id: int | None, keys: Iterable[str]) -> dict[str, int]:
    """The values of `keys` at `space_id` (None: district-wide) from the stored ones, by
    (key, space_id), that a statement read along with other things."""
    here = space_id or DISTRICT
    return {
        key: applying(key, here=stored.get((key, here)) if space_id else None, district=stored.get((key, DISTRICT)))
        for key in keys
    }


async def value(key: str, space_id: int | None = None) -> int:
    """The value of one rule where it applies (a space's override, else district-wide)."""
    return next(v.value for v in await values(space_id) if v.key == key)


async def set_value(key: str, new: int | None, *, space_id: int | None, user_id: int | None, now: datetime) -> None:
    """Set a rule district-wide (`space_id` None) or for a space; `new` None removes the
    value (back to the default, or to the district-wide one). The change is recorded."""
    rule = RULES.get(key)
    if rule is None:
        raise PolicyNotFound()
    if space_id and not rule.per_space:
        raise PolicyOutOfRange(
            N_("这项规则全区统一，不能按空间设置"), fields=[{"field": key, "message": "district-wide"}]
        )
    if new is not None and not rule.lowest <= new <= rule.highest:
        raise PolicyOutOfRange(
            N_("规则的值超出允许范围"), fields=[{"field": key, "message": f"{rule.lowest}-{rule.highest}"}]
        )
    where = (Policy.key == key) & (Policy.space_id == (space_id or DISTRICT))
    async with write_transaction():
        row = await Policy.select(Policy.value).where(where).first()
        before = int(row["value"]) if row else None
        if before == new:
            return
        if new is None:
            await Policy.delete().where(where)
        elif row is None:
            await Policy.insert(
                Policy(key=key, space_id=space_id or DISTRICT, value=new, updated_at=now, updated_by=user_id)
            )
        else:
            await Policy.update({Policy.value: new, Policy.updated_at: now, Policy.updated_by: user_id}).where(where)
        await PolicyChange.insert(
            PolicyChange(key=key, space_id=space_id or DISTRICT, before=before, after=new, user_id=user_id, at=now)
        )


async def history(*, space_id: int | None = None, limit: int = 100) -> list[Change]:
    """The changes, newest first (of one space's overrides, or of every value)."""
    query = PolicyChange.select()
    if space_id is not None:
        query = query.where(PolicyChange.space_id == space_id)
    rows = await query.order_by(PolicyChange.id, ascending=False).limit(limit)
    return [
        Change(r["id"], r["key"], r["space_id"] or None, r["before"], r["after"], r["user_id"], r["at"]) for r in rows
    ]
