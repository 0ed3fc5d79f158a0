"""The scan log: every scan and check-in attempt with its outcome, failed ones too.

A check-in target records its success inside its own transaction (one check-in, one
transaction); `qr.checkin.dispatch` records refusals after the target's transaction rolled
back. No token text is kept, only its purpose and subject.
"""

from __future__ import annotations

from datetime import datetime

from app.kernel.values import frozen
from qr.tables import Scan
from qr.tokens import TokenClaims


@frozen
class Where:
    """Where a scan happened and for whom, as far as the target knows."""

    space_id: int | None = None
    corner_id: int | None = None
    family_id: int | None = None


async def record(
    claims: TokenClaims | None, user_id: int | None, outcome: str, *, now: datetime, where: Where | None = None
) -> None:
    place = where or Where()
    await Scan.insert(
        Scan(
            purpose=claims.purpose.name if claims else "",
            subject=str(claims.subject) if claims else "",
            user_id=user_id,
            outcome=outcome[:40],
            at=now,
            space_id=place.space_id,
            corner_id=place.corner_id,
            family_id=place.family_id,
        )
    )
