"""Family lead readers (most active) and a reading session logged by the space's volunteer
for every past activity, led by one or two lead readers of the district, with 1-3 books."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from app.seed.context import Context, PastActivity
from app.seed.names import SURNAMES
from app.seed.rows import LeadReaderRow, SessionBookRow, SessionLeadReaderRow, SessionRow


def part_programme(ctx: Context) -> Iterator[None]:
    rng = ctx.rng("programme")
    leaders = {district: _lead_readers(ctx, rng, district) for district in range(ctx.scale.districts)}
    yield
    for activity in ctx.past_activities:
        _session(ctx, rng, activity, leaders)
    yield


def _lead_readers(ctx: Context, rng: random.Random, district: int) -> list[int]:
    """The district's lead readers; returns the active ones."""
    active: list[int] = []
    families = ctx.families_by_district[district]
    for f_index in rng.sample(families, min(len(families), ctx.scale.lead_readers_per_district)):
        family = ctx.families[f_index]
        leader_id = ctx.next_id(LeadReaderRow)
        status = "active" if rng.random() < 0.85 else rng.choice(("trainee", "paused"))
        name = rng.choice(SURNAMES) + rng.choice(("妈妈", "爸爸", "老师"))
        ctx.add(
            LeadReaderRow(
                id=leader_id,
                user=family.user,
                family=family.id,
                display_name=name,
                status=status,
                created_at=ctx.anchor,
                updated_at=ctx.anchor,
            )
        )
        if status == "active":
            active.append(leader_id)
    return active


def _session(ctx: Context, rng: random.Random, activity: PastActivity, leaders: dict[int, list[int]]) -> None:
    space = ctx.spaces[activity.space_index]
    session_id = ctx.next_id(SessionRow)
    ended = activity.starts + timedelta(minutes=activity.minutes)
    ctx.add(
        SessionRow(
            id=session_id,
            space=space.id,
            slot=activity.slot,
            started_at=activity.starts,
            minutes=activity.minutes,
            adults=activity.adults,
            children=activity.children,
            theme=activity.theme,
            logged_by=space.volunteer_user or None,
            created_at=ended,
            updated_at=ended,
        )
    )
    district_leaders = leaders[space.district]
    for leader in rng.sample(district_leaders, min(len(district_leaders), rng.randint(1, 2))):
        ctx.add(SessionLeadReaderRow(id=ctx.next_id(SessionLeadReaderRow), session=session_id, lead_reader=leader))
    if ctx.book_ids:
        for book in rng.sample(ctx.book_ids, rng.randint(1, 3)):
            ctx.add(SessionBookRow(id=ctx.next_id(SessionBookRow), session=session_id, book=book))
