"""Check-in dispatch: qr verifies a scanned token and hands it to the target registered for
the token's purpose. qr knows no domain: the composition root (`app/runtime.py`) registers
the targets at start (a corner and its live screen, a booking, a copy).

A target writes its scan-log row (`scanlog.record`) inside its own transaction, so a
check-in and its log entry commit together; a refusal rolls that back and `dispatch` logs
the refusal's code instead, after the fact, so failed scans are in the log too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from qr import scanlog
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose, TokenClaims


class Scanner(Protocol):
    """Who scanned: the actor of the request, as far as qr needs to know it."""

    @property
    def user_id(self) -> int: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def is_family(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ScanRequest:
    token: str
    scanner: Scanner
    nonce: str | None = None
    child_ids: list[int] | None = None
    adults: int | None = None
    override_reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A check-in as the API and the pages answer it."""

    id: int
    kind: str
    space_id: int
    checked_in_at: datetime
    duplicate: bool
    booking_id: int | None = None
    people: int = 0
    corner_id: int | None = None


class CheckInTarget(Protocol):
    """What a token of one purpose checks in (a corner visit, a booking attended, ...)."""

    purpose: Purpose

    def accepts(self, scanner: Scanner) -> bool:
        """Whether this scanner may check in with this purpose (families scan corners,
        staff scan bookings); a token of a purpose nobody accepts is an invalid token."""
        ...

    async def check_in(self, claims: TokenClaims, request: ScanRequest, *, clock: Clock) -> ScanResult:
        """Check in and write the scan-log row (`scanlog.record`) in the same transaction."""
        ...

    async def locate(self, claims: TokenClaims, scanner: Scanner) -> scanlog.Where:
        """Where a refused scan happened, for its scan-log row (best effort, read only)."""
        ...


_targets: dict[Purpose, CheckInTarget] = {}


def register(target: CheckInTarget) -> None:
    _targets[target.purpose] = target


def registered() -> dict[Purpose, CheckInTarget]:
    return dict(_targets)


async def dispatch(request: ScanRequest, *, clock: Clock) -> ScanResult:
    """Verify the token and check in at its target; every refusal is logged with its code."""
    now = clock.now()
    purposes = tuple(p for p, target in _targets.items() if target.accepts(request.scanner))
    claims: TokenClaims | None = None
    try:
        claims = await tokens.verify(request.token, purposes=purposes, now=now)
        return await _targets[claims.purpose].check_in(claims, request, clock=clock)
    except (QrError, DomainError) as exc:
        where = await _targets[claims.purpose].locate(claims, request.scanner) if claims else None
        await scanlog.record(claims, request.scanner.user_id, exc.code, now=now, where=where)
        raise
