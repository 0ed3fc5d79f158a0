"""A copy's code opened from `/q/<token>`: the lending page of that copy (borrow or return it),
`/lend/<token>`. Registered by `app/runtime.py` (`qr.openers`)."""

from __future__ import annotations

from litestar.response import Redirect

from app.kernel.values import frozen
from qr.openers import Visit
from qr.tokens import Purpose


@frozen
class CopyOpener:
    purpose: Purpose = Purpose.copy
    public: bool = False

    async def open(self, visit: Visit) -> Redirect:
        return Redirect(path=f"/lend/{visit.token}")


OPENER = CopyOpener()
