"""Spaces tables: the reading base and ten-square-metre spaces, hours, closures, corners and
the staff assigned to each space."""

from piccolo.columns import (
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from app.accounts.tables import User

SPACE_KINDS = ("reading_base", "ten_square")


class Space(Table, tablename="spaces_space"):
    id: Serial
    name = Varchar(length=100)
    kind = Varchar(length=20, index=True)  # one of SPACE_KINDS
    street = Varchar(length=20, index=True)  # 街道 (subdistrict)
    community = Varchar(length=50, default="")  # 社区
    host_name = Varchar(length=100, default="")  # e.g. the children's home hosting it
    address = Varchar(length=200)
    capacity = Integer()  # people at once
    description = Text(default="")
    created_at = Timestamptz()


class OpeningHours(Table, tablename="spaces_opening_hours"):
    """One opening range; a weekday may have several (ISO weekday 1 = Monday)."""

    id: Serial

    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    weekday = Integer()
    opens = Time()
    closes = Time()


class Closure(Table, tablename="spaces_closure"):
    id: Serial
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    first_day = Date()
    last_day = Date()
    reason = Varchar(length=200, default="")


class Corner(Table, tablename="spaces_corner"):
    """A reading corner: one QR-posted spot inside a space."""

    id: Serial

    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=50)
    created_at = Timestamptz()


class StaffAssignment(Table, tablename="spaces_staff_assignment"):
    """A volunteer or librarian serves this space; unique (user, space) by migration."""

    id: Serial

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
