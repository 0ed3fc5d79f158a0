"""What the parts of the synthetic data share: ids, the buffered rows, the anchor day, one
seeded random stream per part, and what earlier parts made that later ones use (spaces,
families, titles, past activities)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from app.kernel.clock import local_zone
from app.kernel.values import frozen
from app.seed.rows import Row, UserRow
from app.seed.scale import Scale

SYNTHETIC_PASSWORD = "synthetic-2026"  # noqa: S105  (public by design) every synthetic family and staff login uses it
FAMILY_PHONE_PREFIX = "199"  # family logins: 199 + 8 digits (first family: 19900000001)
SECOND_GUARDIAN_PHONE_PREFIX = "198"
STAFF_LOGIN_PREFIX = "syn."


@dataclass(slots=True)
class SpaceInfo:
    id: int
    district: int
    kind: str
    capacity: int
    hours: list[tuple[int, time, time]]
    corners: list[int]
    closed: list[tuple[date, date]]
    volunteer_user: int = 0

    def closed_on(self, day: date) -> bool:
        return any(a <= day <= b for a, b in self.closed)


@dataclass(slots=True)
class FamilyInfo:
    id: int
    user: int
    children: list[tuple[int, date]]
    home: int  # index into Context.spaces


@frozen
class PastActivity:
    """A past activity with check-ins: the programme part logs a reading session for it."""

    slot: int
    space_index: int
    starts: datetime
    minutes: int
    theme: str
    adults: int
    children: int


@dataclass
class Context:
    scale: Scale
    seed: int
    today: date
    ids: dict[type[Row], int]
    password_hash: str
    buffers: defaultdict[type[Row], list[Row]] = field(default_factory=lambda: defaultdict(list))
    spaces: list[SpaceInfo] = field(default_factory=list)
    families: list[FamilyInfo] = field(default_factory=list)
    families_by_home: dict[int, list[int]] = field(default_factory=dict)
    families_by_district: dict[int, list[int]] = field(default_factory=dict)
    future_bookings: dict[int, int] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    book_ids: list[int] = field(default_factory=list)
    activity_check_ins: int = 0
    past_activities: list[PastActivity] = field(default_factory=list)
    first_day: date = date.min
    anchor: datetime = datetime.min
    _moments: dict[tuple[date, time], datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.first_day = self.today - timedelta(days=self.scale.history_days)
        # Creation time of rows that have none of their own: a month before the history.
        self.anchor = self.at(self.first_day, time(8, 0)) - timedelta(days=30)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"storycorner-synthetic:{self.seed}:{part}")  # noqa: S311  (seeded, repeatable, no secret)

    def next_id(self, row: type[Row]) -> int:
        self.ids[row] += 1
        return self.ids[row]

    def add(self, row: Row) -> None:
        self.buffers[type(row)].append(row)

    @property
    def buffered(self) -> int:
        return sum(len(rows) for rows in self.buffers.values())

    def at(self, day: date, moment: time) -> datetime:
        """A local wall-clock time as an aware UTC datetime (whole seconds)."""
        found = self._moments.get((day, moment))
        if found is None:
            found = self._moments[(day, moment)] = datetime.combine(day, moment, local_zone()).astimezone(UTC)
        return found

    def add_user(self, *, login: str, name: str, roles: str, created: datetime, family: int | None = None) -> int:
        """A login with the shared password hash; returns its id."""
        user_id = self.next_id(UserRow)
        self.add(
            UserRow(
                id=user_id,
                login=login,
                display_name=name,
                password_hash=self.password_hash,
                roles=roles,
                family=family,
                created_at=created,
            )
        )
        return user_id

    def families_drawn(
        self, rng: random.Random, space_index: int, local_share: float, draws: int, until: Callable[[], bool]
    ) -> Iterator[tuple[int, FamilyInfo]]:
        """Families drawn for the space (see `pick_family`), each once, up to `draws` draws
        and until `until()` holds: it is asked before every draw."""
        pool, nearby = self.neighbours(space_index)
        seen: set[int] = set()
        for _ in range(draws):
            if until():
                return
            f_index = pick_family(rng, pool, nearby, local_share)
            if f_index not in seen:
                seen.add(f_index)
                yield f_index, self.families[f_index]

    def neighbours(self, space_index: int) -> tuple[list[int], list[int]]:
        """The families living by a space, and those of its district (indexes into families)."""
        district = self.spaces[space_index].district
        return self.families_by_home.get(space_index, []), self.families_by_district[district]


def pick_family(rng: random.Random, pool: list[int], nearby: list[int], local_share: float) -> int:
    """A family of the space's own (that share of the time, when it has any), else of the district."""
    return rng.choice(pool) if pool and rng.random() < local_share else rng.choice(nearby)
