"""What the families are told about their bookings: a notice kind (spaces/notices.py) and its
parameters through the outbox, in the transaction of the change; every notice links to their
bookings."""

from __future__ import annotations

from datetime import datetime

from app.kernel import outbox
from app.kernel.outbox import Param
from spaces import notices as _kinds  # noqa: F401 (registers the kinds it words)


async def tell(user_id: int | None, kind: str, now: datetime, **params: Param) -> None:
    """Notify the account that booked (nobody when it is gone); call inside the change's
    `write_transaction()`. A time travels as ISO text under a name ending in `_at`."""
    if user_id is not None:
        await outbox.notice(recipient_id=user_id, kind=kind, params=params, now=now, link="/bookings")
