"""Spaces: per district a reading base (every day 09:00-20:00, three corners) and the
ten-square-metre spaces in its subdistricts, with opening hours, a few closures and their
corners; then the staff who serve them (app.seed.staff)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, time, timedelta

from app.kernel.values import frozen
from app.seed.context import Context, SpaceInfo
from app.seed.names import CORNER_NAMES, DISTRICTS, DONGCHENG_STREETS, generated_streets, place_name
from app.seed.rows import ClosureRow, CornerRow, OpeningHoursRow, SpaceRow
from app.seed.staff import add_staff

Hours = list[tuple[int, time, time]]

TEN_SQUARE_HOURS: tuple[tuple[tuple[int, str, str], ...], ...] = (
    # weekend mornings and afternoons (the demo's pattern)
    ((6, "09:30", "11:30"), (6, "14:00", "17:00"), (7, "09:30", "11:30"), (7, "14:00", "17:00")),
    # the same plus two after-school afternoons
    (
        (2, "15:30", "18:00"),
        (4, "15:30", "18:00"),
        (6, "09:30", "11:30"),
        (6, "14:00", "17:00"),
        (7, "09:30", "11:30"),
        (7, "14:00", "17:00"),
    ),
    # after school on Wednesday and Friday, Saturday morning
    ((3, "15:30", "18:00"), (5, "15:30", "18:00"), (6, "09:00", "12:00")),
    # every afternoon but Monday
    tuple((d, "14:00", "17:30") for d in range(2, 8)),
)
DESCRIPTIONS = {
    "reading_base": "区内家庭亲子阅读体验基地，周末有“绘本＋”主题活动和家庭领读人带读。",
    "ten_square": "与海豚出版社合作的公益“十平米阅读”空间，有绘本和志愿者带读。",
}


@frozen
class Planned:
    """A space about to be written."""

    name: str
    kind: str
    street: str
    community: str
    host: str
    capacity: int
    address: str
    hours: Hours
    corners: int


def part_spaces(ctx: Context) -> Iterator[None]:
    """Spaces, hours, closures, corners; staff (admins, librarians, volunteers) assigned."""
    rng = ctx.rng("spaces")
    for district in range(ctx.scale.districts):
        for planned in _district(ctx, rng, district):
            _write(ctx, rng, district, planned)
        yield
    yield from add_staff(ctx, rng)


def _district(ctx: Context, rng: random.Random, district: int) -> list[Planned]:
    """The district's reading base, then its ten-square spaces over its subdistricts."""
    name = DISTRICTS[district]
    streets = list(DONGCHENG_STREETS) if district == 0 else generated_streets(ctx.rng(f"streets:{district}"), 17)
    planned = [_reading_base(district, name, streets[0])]
    communities: set[str] = set()
    for i in range(ctx.scale.ten_square_per_district):
        planned.append(_ten_square(rng, name, streets[i % len(streets)], communities))
    return planned


def _reading_base(district: int, district_name: str, street: str) -> Planned:
    first = district == 0
    return Planned(
        name="王府井新华书店家庭亲子阅读体验基地" if first else f"{district_name}新华书店家庭亲子阅读体验基地",
        kind="reading_base",
        street=street,
        community="",
        host="王府井新华书店" if first else f"{district_name}新华书店",
        capacity=60,
        address="东城区王府井大街 218 号 新华书店三层" if first else f"{district_name}{street}大街新华书店三层",
        hours=[(d, time(9), time(20)) for d in range(1, 8)],
        corners=3,
    )


def _ten_square(rng: random.Random, district_name: str, street: str, communities: set[str]) -> Planned:
    while True:
        community = place_name(rng)
        if community not in communities:
            communities.add(community)
            break
    pattern = TEN_SQUARE_HOURS[rng.randrange(len(TEN_SQUARE_HOURS))]
    capacity = rng.choice((8, 10, 10, 12, 12, 15, 16))
    floor = rng.randint(1, 3)
    return Planned(
        name=f"{community}十平米阅读空间",
        kind="ten_square",
        street=street,
        community=f"{community}社区",
        host=f"{community}社区儿童之家",
        capacity=capacity,
        address=f"{district_name}{street}街道{community}社区服务站{floor}层",
        hours=[(d, time.fromisoformat(o), time.fromisoformat(c)) for d, o, c in pattern],
        corners=rng.choice((1, 1, 2, 2, 3)),
    )


def _write(ctx: Context, rng: random.Random, district: int, p: Planned) -> None:
    space_id = ctx.next_id(SpaceRow)
    ctx.add(
        SpaceRow(
            id=space_id,
            name=p.name,
            kind=p.kind,
            street=p.street,
            community=p.community,
            host_name=p.host,
            address=p.address,
            capacity=p.capacity,
            description=DESCRIPTIONS[p.kind],
            created_at=ctx.anchor,
        )
    )
    for weekday, opens, closes in p.hours:
        ctx.add(
            OpeningHoursRow(
                id=ctx.next_id(OpeningHoursRow), space=space_id, weekday=weekday, opens=opens, closes=closes
            )
        )
    closed: list[tuple[date, date]] = []
    if p.kind == "ten_square" and rng.random() < 0.05:  # a renovation or a community event
        first = ctx.first_day + timedelta(days=rng.randrange(max(1, ctx.scale.history_days - 10)))
        last = first + timedelta(days=rng.randint(2, 9))
        closed.append((first, last))
        ctx.add(
            ClosureRow(
                id=ctx.next_id(ClosureRow), space=space_id, first_day=first, last_day=last, reason="社区活动用房"
            )
        )
    corners = []
    for c in range(p.corners):
        corner_id = ctx.next_id(CornerRow)
        corners.append(corner_id)
        ctx.add(CornerRow(id=corner_id, space=space_id, name=CORNER_NAMES[c], created_at=ctx.anchor))
    ctx.spaces.append(SpaceInfo(space_id, district, p.kind, p.capacity, p.hours, corners, closed))
