"""Read model of the volunteer-hours page: per person, their spaces and a total."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.kernel.values import frozen
from reading.programme.schemas import HoursOut
from reading.programme.services import hours as hours_service
from reading.programme.services.views import PageView, SpaceChoice, hours_text, pick, served_spaces, space_names


@frozen
class SpaceHours:
    name: str
    sessions: int
    hours: str


@frozen
class PersonHours:
    user_id: int
    name: str
    sessions: int
    minutes: int
    hours: str
    spaces: list[SpaceHours]


@frozen
class HoursPage(PageView):
    spaces: list[SpaceChoice]
    picked: int | None
    people: list[PersonHours]  # most hours first
    csv: str  # the same figures as CSV


async def hours_page(actor: Actor, *, space: int | None) -> HoursPage:
    spaces = await served_spaces(actor)
    picked = pick(spaces, space)
    rows = await hours_service.hours(actor=actor, space_id=picked)
    names = {s.id: s.name for s in spaces} | await space_names(r.space_id for r in rows if r.space_id)
    by_person: dict[int, list[HoursOut]] = {}
    for r in rows:
        by_person.setdefault(r.user_id, []).append(r)
    people = []
    for user_id, mine in by_person.items():
        minutes = sum(r.minutes for r in mine)
        people.append(
            PersonHours(
                user_id=user_id,
                name=mine[0].display_name,
                sessions=sum(r.sessions for r in mine),
                minutes=minutes,
                hours=hours_text(minutes),
                spaces=[SpaceHours(names.get(r.space_id or 0, ""), r.sessions, hours_text(r.minutes)) for r in mine],
            )
        )
    return HoursPage(
        spaces=spaces,
        picked=picked,
        people=sorted(people, key=lambda p: (-p.minutes, p.name)),
        csv="/staff/volunteer-hours.csv" + (f"?space={picked}" if picked else ""),
    )
