"""Spaces: create, list (by kind, subdistrict, text; the ones a staff member serves), read
with hours, closures and corners."""

from __future__ import annotations

from datetime import time
from typing import Any

from app.accounts.actor import Actor
from app.kernel import policies
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from spaces.errors import InvalidOpeningHours, NotStaffOfSpace, SpaceNotFound
from spaces.schemas import (
    ClosureOut,
    CornerOut,
    OpeningHoursIn,
    OpeningHoursOut,
    SpaceIn,
    SpaceOut,
    SpaceSummary,
    SpaceUpdate,
)
from spaces.services.statements import SPACE
from spaces.tables import Corner, OpeningHours, Space

SUMMARY_COLUMNS = (
    Space.id,
    Space.name,
    Space.kind,
    Space.street,
    Space.community,
    Space.host_name,
    Space.address,
    Space.capacity,
)


def _parse_hours(hours: list[OpeningHoursIn]) -> list[tuple[int, time, time]]:
    parsed = []
    for i, h in enumerate(hours):
        opens, closes = time.fromisoformat(h.opens), time.fromisoformat(h.closes)
        if opens >= closes:
            raise InvalidOpeningHours(
                "开放时间的结束时间必须晚于开始时间",
                fields=[{"field": f"opening_hours[{i}]", "message": "closes must be after opens"}],
            )
        parsed.append((h.weekday, opens, closes))
    for a in parsed:  # ranges of one weekday must not overlap
        for b in parsed:
            if a is not b and a[0] == b[0] and a[1] < b[2] and b[1] < a[2]:
                raise InvalidOpeningHours(
                    "同一天的开放时间段不能重叠",
                    fields=[{"field": "opening_hours", "message": f"overlapping ranges on weekday {a[0]}"}],
                )
    return parsed


async def create_space(data: SpaceIn, *, clock: Clock) -> int:
    hours = _parse_hours(data.opening_hours)
    async with write_transaction():
        space = Space(
            name=data.name.strip(),
            kind=data.kind,
            street=data.street.strip(),
            community=data.community.strip(),
            host_name=data.host_name.strip(),
            address=data.address.strip(),
            capacity=data.capacity,
            description=data.description,
            latitude=data.latitude,
            longitude=data.longitude,
            created_at=clock.now(),
        )
        await space.save()
        if hours:
            await OpeningHours.insert(
                *[OpeningHours(space=space.id, weekday=w, opens=o, closes=c) for w, o, c in hours]
            )
    return int(space.id)


async def update_space(space_id: int, data: SpaceUpdate, *, actor: Actor, clock: Clock) -> None:
    """Edit a space, its rules and (replacing them all) its opening hours. District admins
    and the space's librarians only. The cap and the horizon are the space's overrides of
    those policies (app/kernel/policies.py, recorded in their history), not columns."""
    if not (actor.is_admin or (actor.is_librarian and space_id in actor.space_ids)):
        raise NotStaffOfSpace()
    hours = _parse_hours(data.opening_hours) if data.opening_hours is not None else None
    values: dict[Any, Any] = {}
    for field in (
        "name",
        "street",
        "community",
        "host_name",
        "address",
        "capacity",
        "description",
        "check_in_opens_minutes",
        "check_in_closes_minutes",
        "offer_minutes",
        "require_live_code",
        "latitude",
        "longitude",
    ):
        value = getattr(data, field)
        if value is not None:
            values[getattr(Space, field)] = value.strip() if isinstance(value, str) else value
    async with write_transaction():
        if not await Space.exists().where(Space.id == space_id):
            raise SpaceNotFound()
        if values:
            await Space.update(values).where(Space.id == space_id)
        overrides = {"future_booking_cap": data.max_future_bookings, "booking_horizon_days": data.booking_horizon_days}
        for key, new in overrides.items():
            if new is not None:
                await policies.set_value(key, new, space_id=space_id, user_id=actor.user_id, now=clock.now())
        if hours is not None:
            await OpeningHours.delete().where(OpeningHours.space == space_id)
            if hours:
                await OpeningHours.insert(
                    *[OpeningHours(space=space_id, weekday=w, opens=o, closes=c) for w, o, c in hours]
                )


async def add_corner(space_id: int, name: str, *, clock: Clock) -> int:
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    rows = await Corner.insert(Corner(space=space_id, name=name.strip(), created_at=clock.now())).returning(Corner.id)
    return int(rows[0]["id"])


def _summary(row: dict[str, Any]) -> SpaceSummary:
    return SpaceSummary(**{c._meta.name: row[c._meta.name] for c in SUMMARY_COLUMNS})


async def list_spaces(
    *,
    kind: str | None = None,
    street: str | None = None,
    q: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[SpaceSummary]:
    """Spaces ordered by id (stable for cursor pagination)."""
    query = Space.select(*SUMMARY_COLUMNS).where(Space.id > after_id)
    if kind:
        query = query.where(Space.kind == kind)
    if street:
        query = query.where(Space.street == street)
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(
            Space.name.like(pattern)
            | Space.address.like(pattern)
            | Space.community.like(pattern)
            | Space.host_name.like(pattern)
        )
    rows = await query.order_by(Space.id).limit(limit)
    return [_summary(r) for r in rows]


async def served_spaces(actor: Actor) -> list[SpaceSummary]:
    """The spaces the actor serves, by id (district admins: every space): the staff pages'
    space pickers."""
    query = Space.select(*SUMMARY_COLUMNS)
    if not actor.is_admin:
        if not actor.is_staff or not actor.space_ids:
            return []
        query = query.where(Space.id.is_in(sorted(actor.space_ids)))
    return [_summary(r) for r in await query.order_by(Space.id)]


async def get_space(space_id: int) -> SpaceOut:
    """The space with its opening hours, closures and corners: one statement."""
    query = statement(dialect(SPACE), space_id=space_id, policy="booking_horizon_days", district=policies.DISTRICT)
    rows = await Space.raw("{}", query)
    if not rows:
        raise SpaceNotFound()
    row = rows[0]
    return SpaceOut(
        **{c._meta.name: row[c._meta.name] for c in SUMMARY_COLUMNS},
        **{name: row[name] for name in ("description", "latitude", "longitude")},
        require_live_code=bool(row["require_live_code"]),
        booking_horizon_days=policies.applying(
            "booking_horizon_days", here=row["policy_here"], district=row["policy_district"]
        ),
        opening_hours=_hours(loads(row["hours"], [])),
        closures=[
            ClosureOut(id=id_, first_day=first[:10], last_day=last[:10], reason=reason)
            for id_, first, last, reason in sorted(loads(row["closures"], []), key=lambda c: (c[1], c[0]))
        ],
        corners=[CornerOut(id=i, name=name, retired=bool(gone)) for i, name, gone in sorted(loads(row["corners"], []))],
    )


def _hours(found: list[list[Any]]) -> list[OpeningHoursOut]:
    """[weekday, opens, closes] as the engines spell a time ("09:00:00"), by weekday and time."""
    ranges = sorted((day, time.fromisoformat(opens), time.fromisoformat(closes)) for day, opens, closes in found)
    return [OpeningHoursOut(weekday=d, opens=o.strftime("%H:%M"), closes=c.strftime("%H:%M")) for d, o, c in ranges]
