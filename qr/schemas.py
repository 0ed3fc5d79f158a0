"""The JSON of qr's HTTP: a check-in asked for and answered, a scan from the staff page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta, Struct

Token = Annotated[str, Meta(min_length=1, max_length=200)]
Nonce = Annotated[str, Meta(min_length=1, max_length=64)]


class CheckInIn(Struct, forbid_unknown_fields=True):
    token: Token
    nonce: Nonce | None = None
    child_ids: Annotated[list[int], Meta(max_length=8)] | None = None
    override_reason: Annotated[str, Meta(max_length=200)] | None = None
    # A family's scan: the adults who came (default: the booking's, or one on a visit).
    adults: Annotated[int, Meta(ge=0, le=8)] | None = None


class CheckInOut(Struct, frozen=True):
    id: int
    kind: str
    space_id: int
    checked_in_at: datetime
    duplicate: bool
    booking_id: int | None = None
    people: int = 0


class ScanIn(Struct, forbid_unknown_fields=True):
    """One queued scan of the staff scanning page; the nonce makes a retry answer the first."""

    token: Token
    nonce: Nonce


class ScanOut(Struct):
    """The staff scanning page's answer to a scan that checked in (a refusal is `ok: false`)."""

    ok: bool
    duplicate: bool
    message: str
    people: int
    checked_in_at: str
