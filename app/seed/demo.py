"""Demo data for `make run` (idempotent): the Wangfujing reading base, ten-square-metre
spaces in real Dongcheng subdistricts with hours and corners, demo staff and a demo family,
~200 picture books with copies (demo_books), two weeks of activities (demo_activities) and
some history with a family lead reader (demo_history)."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.accounts.services.users import create_staff_user
from app.accounts.tables import User
from app.kernel.clock import Clock, system_clock
from app.seed.demo_activities import seed_activities
from app.seed.demo_books import seed_books
from app.seed.demo_history import NEIGHBOUR_PASSWORD, NEIGHBOURS, register_demo_family, seed_history
from spaces.schemas import OpeningHoursIn, SpaceIn
from spaces.services.spaces import add_corner, create_space
from spaces.services.staff import assign
from spaces.tables import Space

WEEKEND = [OpeningHoursIn(weekday=d, opens="09:30", closes="11:30") for d in (6, 7)] + [
    OpeningHoursIn(weekday=d, opens="14:00", closes="17:00") for d in (6, 7)
]
AFTER_SCHOOL = [OpeningHoursIn(weekday=d, opens="15:30", closes="18:00") for d in (2, 4)]

SPACES: list[tuple[SpaceIn, list[str]]] = [
    (
        SpaceIn(
            name="王府井新华书店家庭亲子阅读体验基地",
            kind="reading_base",
            street="东华门",
            community="",
            host_name="王府井新华书店",
            address="东城区王府井大街 218 号 新华书店三层",
            capacity=60,
            description="东城区首个家庭亲子阅读体验基地，周末有“绘本＋”主题活动和家庭领读人带读。",
            opening_hours=[OpeningHoursIn(weekday=d, opens="09:00", closes="20:00") for d in range(1, 8)],
        ),
        ["绘本长廊", "亲子共读区", "故事小剧场"],
    ),
]
_SMALL = [
    ("景山", "吉祥", "吉祥社区儿童之家"),
    ("交道口", "福祥", "福祥社区儿童之家"),
    ("安定门", "国子监", "国子监社区儿童之家"),
    ("北新桥", "民安", "民安社区儿童之家"),
    ("东四", "六条", "六条社区儿童之家"),
    ("朝阳门", "史家", "史家社区儿童之家"),
    ("建国门", "西总布", "西总布社区儿童之家"),
    ("和平里", "和平里东街", "和平里东街社区儿童之家"),
    ("前门", "草厂", "草厂社区儿童之家"),
    ("天坛", "金鱼池", "金鱼池社区儿童之家"),
]
for _i, (_street, _community, _host) in enumerate(_SMALL):
    SPACES.append(
        (
            SpaceIn(
                name=f"{_community}十平米阅读空间",
                kind="ten_square",
                street=_street,
                community=f"{_community}社区",
                host_name=_host,
                address=f"东城区{_street}街道{_community}社区服务站一层",
                capacity=12 if _i % 2 else 10,
                description="与海豚出版社合作的公益“十平米阅读”空间，有绘本和志愿者带读。",
                opening_hours=WEEKEND + (AFTER_SCHOOL if _i % 3 == 0 else []),
            ),
            ["绘本架"],
        )
    )

STAFF = [
    ("admin", "district-office-2026", "区妇联管理员", ["district_admin"]),
    ("librarian", "book-desk-demo-2026", "王老师（馆员）", ["librarian"]),
    ("volunteer", "story-helper-2026", "李阿姨（志愿者）", ["volunteer"]),
]
DEMO_FAMILY = ("13800000001", "demo-family-2026", "张妈妈")


async def seed_demo(clock: Clock = system_clock) -> list[str]:
    """Creates what is missing and returns the report `make run` prints (the demo logins)."""
    space_ids, created = await _spaces()
    report = [f"spaces: {len(SPACES)} in the demo ({created} created now)"]
    staff = await _staff(space_ids)
    report += [line for line, _ in staff.values()]
    report.append(await _family())
    actors = {login: actor for login, (_, actor) in staff.items()}
    books, copies = await seed_books(space_ids, clock.now())
    report.append(f"books: {books} picture books and {copies} copies added")
    capacities = [data.capacity for data, _ in SPACES]
    added = await seed_activities(space_ids, capacities, admin=actors["admin"], clock=clock)
    report.append(f"activities: {added} added for the next two weeks")
    if await seed_history(space_ids, DEMO_FAMILY[0], actors, clock):
        report.append("history: past activities, a lead reader, loans and a reading log")
    report.append(f"  neighbours      login {', '.join(p for p, _, _ in NEIGHBOURS)} password {NEIGHBOUR_PASSWORD}")
    return report


async def _spaces() -> tuple[list[int], int]:
    """The demo spaces' ids, and how many of them were created now."""
    space_ids: list[int] = []
    created = 0
    for data, corners in SPACES:
        row = await Space.select(Space.id).where(Space.name == data.name).first()
        if row is None:
            space_id = await create_space(data, clock=system_clock)
            for corner in corners:
                await add_corner(space_id, corner, clock=system_clock)
            created += 1
        else:
            space_id = row["id"]
        space_ids.append(space_id)
    return space_ids, created


async def _staff(space_ids: list[int]) -> dict[str, tuple[str, Actor]]:
    """The demo staff (all but the admin serve the first three spaces): by login, the login
    line and the staff member as an actor."""
    lines: dict[str, tuple[str, Actor]] = {}
    for login, password, name, roles in STAFF:
        existing = await User.select(User.id).where(User.login == login).first()
        if existing is None:
            user = await create_staff_user(
                login=login, password=password, display_name=name, roles=roles, clock=system_clock
            )
            user_id = int(user.id)
        else:
            user_id = existing["id"]
        served = frozenset() if "district_admin" in roles else frozenset(space_ids[:3])
        if served:
            await assign(user_id, space_ids[:3])
        actor = Actor(user_id, login, name, frozenset(roles), space_ids=served)
        lines[login] = (f"  {roles[0]:<15} login {login:<12} password {password}", actor)
    return lines


async def _family() -> str:
    """The demo family with two children; its login line."""
    phone, password, guardian = DEMO_FAMILY
    await register_demo_family(phone, password, guardian, [("小雨", "2021-05"), ("豆豆", "2023-09")], system_clock)
    return f"  {'family':<15} login {phone:<12} password {password}"
