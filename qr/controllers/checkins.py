"""`POST /api/v1/check-ins`: a family scanned a corner's code (printed or live), or staff a
booking's; `qr.checkin.dispatch` checks in at the target registered for the code's purpose."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, post
from litestar.params import JSONBody

from app.kernel.web import ActorDep, ClockDep
from qr import checkin
from qr.schemas import CheckInIn, CheckInOut


class CheckInController(Controller):
    tags = ("check-in",)

    @post("/api/v1/check-ins", status_code=201)
    async def create(self, data: JSONBody[CheckInIn], actor: ActorDep, clock: ClockDep) -> Response[CheckInOut]:
        """Family scanned a corner (or live) code, or staff scanned a booking code. A repeat for
        the same family and slot answers 200 with `duplicate: true` and the first time."""
        # The body's fields are the scan's own (token, nonce, children, override, adults).
        request = checkin.ScanRequest(scanner=actor, **msgspec.structs.asdict(data))
        result = await checkin.dispatch(request, clock=clock)
        body = msgspec.convert(result, CheckInOut, from_attributes=True)  # without where it happened
        return Response(body, status_code=200 if result.duplicate else 201)
