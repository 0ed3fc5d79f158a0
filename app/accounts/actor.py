"""Who is acting: resolved once per request by the wiring, passed to services."""

from __future__ import annotations

from dataclasses import field

from app.accounts.roles import DISTRICT_ADMIN, FAMILY, LIBRARIAN, STAFF_ROLES
from app.kernel.values import frozen


@frozen
class Actor:
    user_id: int
    login: str
    display_name: str
    roles: frozenset[str]
    family_id: int | None = None
    space_ids: frozenset[int] = field(default_factory=frozenset)
    # A one-time password not yet changed: nothing but changing it (app/web/auth.py).
    must_change_password: bool = False

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def is_family(self) -> bool:
        """A family account (staff accounts may belong to a family too, but act as staff)."""
        return self.family_id is not None and FAMILY in self.roles

    @property
    def is_librarian(self) -> bool:
        return LIBRARIAN in self.roles

    @property
    def is_admin(self) -> bool:
        return DISTRICT_ADMIN in self.roles

    def serves(self, space_id: int) -> bool:
        """District admins act on every space; other staff only on their assigned ones."""
        return self.is_admin or (self.is_staff and space_id in self.space_ids)
