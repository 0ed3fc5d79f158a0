"""A copy's code opened from `/q/<token>`: the lending page of that copy (borrow or return it),
`/lend/<token>`. Registered by `app/runtime.py` (`qr.openers`)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.response import Redirect

from qr.openers import Visit
from qr.tokens import Purpose


@dataclass(frozen=True, slots=True)
class CopyOpener:
    purpose: Purpose = Purpose.copy
    public: bool = False

    async def open(self, visit: Visit) -> Redirect:
        return Redirect(path=f"/lend/{visit.token}")


OPENER = CopyOpener()
