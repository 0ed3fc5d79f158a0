"""What a phone shows after scanning any of our codes: `/q/<token>` verifies the token, logs
the scan and hands it to the page opener registered for its purpose (`app/runtime.py`
registers them, as it does the check-in targets: a corner's check-in page, a booking, a
copy, a certificate, a family card). qr knows neither the domains nor the web framework: an
opener answers whatever its web layer answers, and refuses by raising a domain error.
"""

from __future__ import annotations

from typing import Any, Protocol

from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.values import frozen
from qr import scanlog
from qr.checkin import Scanner
from qr.services import tokens
from qr.tokens import Purpose, TokenClaims


@frozen
class Visit:
    """A scanned code opened in a browser: verified and logged."""

    token: str
    claims: TokenClaims
    scanner: Scanner | None
    clock: Clock

    @property
    def login_path(self) -> str:
        """Log in (or register), then straight back to this code."""
        return f"/login?next=/q/{self.token}"


class PageOpener(Protocol):
    @property
    def purpose(self) -> Purpose: ...

    @property
    def public(self) -> bool:
        """Opens for anybody; otherwise a visitor who is not logged in logs in first."""
        ...

    async def open(self, visit: Visit) -> Any:
        """The page (or a redirect) for this code."""
        ...


_openers: dict[Purpose, PageOpener] = {}


def register(opener: PageOpener) -> None:
    _openers[opener.purpose] = opener


async def visit(token: str, scanner: Scanner | None, *, clock: Clock) -> tuple[PageOpener, Visit]:
    """The opener for a scanned code, and the visit to hand it; every scan is logged, refused
    ones with their code (and then raised: the error page says why)."""
    now = clock.now()
    user_id = scanner.user_id if scanner is not None else None
    try:
        claims = await tokens.verify(token, purposes=tuple(_openers), now=now)
    except DomainError as exc:
        await scanlog.record(None, user_id, exc.code, now=now)
        raise
    await scanlog.record(claims, user_id, "opened", now=now)
    return _openers[claims.purpose], Visit(token, claims, scanner, clock)
