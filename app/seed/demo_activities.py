"""The demo's coming activities: 绘本＋ activities of every theme (and a lead-reader training)
at the Wangfujing base every day of the next two weeks, weekend ones at three small spaces,
and the open-reading slots of every demo space. Each run adds what is missing (an activity is
the same when its space, start and title are), so the demo always has two weeks ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.values import frozen
from reading.programme.rules import TRAINING_THEME
from spaces.schemas import SlotIn
from spaces.services.open_reading import generate_open_slots
from spaces.services.slots import create_slots
from spaces.tables import Slot

DAYS_AHEAD = 14
THEMED: tuple[tuple[str, str, str], ...] = (  # theme, title, description
    ("culture", "绘本＋文化：《胡同里的四合院》亲子共读", "读老北京的胡同故事，再画一画自己家门口的路。"),
    ("reading", "绘本＋阅读：家庭领读人带读《好饿的小熊》", "家庭领读人带着孩子们一起读、一起演。"),
    ("science", "绘本＋科普：小种子去旅行", "读完绘本，每个孩子种下一颗种子带回家。"),
    ("safety", "绘本＋安全教育：过马路要看红绿灯", "用绘本和小游戏学会过马路、认识安全标志。"),
    ("volunteer", "绘本＋志愿服务：小小图书管理员", "孩子们学着整理书架、给绘本贴标签。"),
    (TRAINING_THEME, "家庭领读人培训：怎样带读一本绘本", "见习领读人参加一次培训后即可开始带读。"),
)


@frozen
class Planned:
    space_id: int
    starts: datetime
    minutes: int
    capacity: int
    themed: tuple[str, str, str]
    waitlist: bool


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, local_zone()).astimezone(UTC)


def plan(space_ids: list[int], capacities: list[int], today: date) -> list[Planned]:
    """Every day at the base (themes in turn, by date, so a day keeps its theme from one run
    to the next), a second one at weekends; Saturday and Sunday at three small spaces."""
    planned: list[Planned] = []
    base = space_ids[0]
    for offset in range(DAYS_AHEAD):
        day = today + timedelta(days=offset)
        turn = day.toordinal()
        weekend = day.isoweekday() >= 6
        planned.append(Planned(base, _at(day, time(10)), 90, 30, THEMED[turn % len(THEMED)], turn % 2 == 0))
        if weekend:
            planned.append(Planned(base, _at(day, time(15)), 60, 40, THEMED[(turn + 3) % len(THEMED)], True))
            for n, space_id in enumerate(space_ids[1:4]):
                moment = time(10) if day.isoweekday() == 6 else time(14, 30)
                themed = THEMED[(turn + n) % 5]  # the five 绘本＋ themes at the small spaces
                planned.append(Planned(space_id, _at(day, moment), 60, capacities[n + 1], themed, n != 1))
    return planned


async def seed_activities(space_ids: list[int], capacities: list[int], *, admin: Actor, clock: Clock) -> int:
    """Adds the planned activities that have not started and are not there yet; the number added."""
    now = clock.now()
    planned = [p for p in plan(space_ids, capacities, local_today(clock)) if p.starts > now]
    if not planned:
        return 0
    have = {
        (r["space"], r["starts_at"].astimezone(UTC), r["title"])
        for r in await Slot.select(Slot.space, Slot.starts_at, Slot.title).where(
            (Slot.kind == "activity") & (Slot.starts_at > now) & Slot.space.is_in(space_ids)
        )
    }
    added = 0
    for p in planned:
        theme, title, description = p.themed
        if (p.space_id, p.starts, title) in have:
            continue
        data = SlotIn(
            kind="activity",
            title=title,
            starts_at=p.starts,
            ends_at=p.starts + timedelta(minutes=p.minutes),
            capacity=p.capacity,
            theme=theme,
            description=description,
            waitlist=p.waitlist,
        )
        await create_slots(p.space_id, data, actor=admin, clock=clock)
        added += 1
    await generate_open_slots(clock=clock, days=DAYS_AHEAD)
    return added
