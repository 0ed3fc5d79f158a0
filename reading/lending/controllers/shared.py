"""What the lending controllers share: their query parameters and the answer to one scan."""

from __future__ import annotations

from typing import Annotated

from litestar import Response
from litestar.params import QueryParameter

from reading.lending.services.scans import ScanAnswer

Number = Annotated[int | None, QueryParameter(ge=0, le=2_000_000_000)]
Note = Annotated[str | None, QueryParameter(max_length=20)]  # what a form did (`?note=saved`)
SearchText = Annotated[str | None, QueryParameter(max_length=100)]


def scan_reply(answer: ScanAnswer) -> Response[ScanAnswer]:
    """A scan's answer to the page's queue: 409 while the same scan is still being worked on
    (the queue retries it), else 200, refused or not (the queue moves on)."""
    return Response(answer, status_code=409 if answer.retry else 200)
