"""The roles, and the access declarations handlers put in their `opt`: the one place both live.

A handler says who may call it with one of the declarations below (`opt=STAFF`); the one
guard in the wiring enforces it and the same declaration writes the operation's security into
the OpenAPI document. Volunteers and librarians act only on the spaces they serve (the
services check that); district admins act on all.
"""

from __future__ import annotations

from typing import Any, Final

FAMILY: Final = "family"
VOLUNTEER: Final = "volunteer"
LIBRARIAN: Final = "librarian"
DISTRICT_ADMIN: Final = "district_admin"

ROLES: Final = (FAMILY, VOLUNTEER, LIBRARIAN, DISTRICT_ADMIN)
STAFF_ROLES: Final = frozenset({VOLUNTEER, LIBRARIAN, DISTRICT_ADMIN})

# Access declarations (`opt=` of a route handler). No declaration means "any logged-in user".
PUBLIC: Final[dict[str, Any]] = {"public": True}
FAMILIES: Final[dict[str, Any]] = {"roles": (FAMILY,)}
STAFF: Final[dict[str, Any]] = {"roles": (DISTRICT_ADMIN, LIBRARIAN, VOLUNTEER)}
LIBRARIANS: Final[dict[str, Any]] = {"roles": (DISTRICT_ADMIN, LIBRARIAN)}
ADMINS: Final[dict[str, Any]] = {"roles": (DISTRICT_ADMIN,)}


def with_limit(access: dict[str, Any], limit: str) -> dict[str, Any]:
    """An access declaration plus a named rate limit (`app/web/ratelimit.py`)."""
    return {**access, "rate_limit": limit}


BOOKING_FAMILIES: Final[dict[str, Any]] = with_limit(FAMILIES, "booking")
# Staff with a one-time password reach only this: the page and API that change it.
OWN_PASSWORD: Final[dict[str, Any]] = {**STAFF, "password_change": True}
