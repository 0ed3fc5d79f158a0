"""Request and response shapes of the spaces API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

Clock = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])]
SpaceKind = Literal["reading_base", "ten_square"]


class OpeningHoursIn(Struct, forbid_unknown_fields=True):
    weekday: Annotated[int, Meta(ge=1, le=7)]
    opens: Clock
    closes: Clock


class SpaceIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    kind: SpaceKind
    street: Annotated[str, Meta(min_length=1, max_length=20)]
    address: Annotated[str, Meta(min_length=1, max_length=200)]
    capacity: Annotated[int, Meta(ge=1, le=1000)]
    community: Annotated[str, Meta(max_length=50)] = ""
    host_name: Annotated[str, Meta(max_length=100)] = ""
    description: Annotated[str, Meta(max_length=2000)] = ""
    opening_hours: Annotated[list[OpeningHoursIn], Meta(max_length=50)] = msgspec.field(default_factory=list)


class OpeningHoursOut(Struct):
    weekday: int
    opens: str
    closes: str


class ClosureOut(Struct):
    first_day: str
    last_day: str
    reason: str


class CornerOut(Struct):
    id: int
    name: str


class SpaceSummary(Struct):
    id: int
    name: str
    kind: str
    street: str
    community: str
    host_name: str
    address: str
    capacity: int


class SpaceOut(Struct):
    id: int
    name: str
    kind: str
    street: str
    community: str
    host_name: str
    address: str
    capacity: int
    description: str
    opening_hours: list[OpeningHoursOut]
    closures: list[ClosureOut]
    corners: list[CornerOut]
