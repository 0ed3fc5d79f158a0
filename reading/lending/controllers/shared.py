"""What the lending controllers share: their query parameters and the answer to one scan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Request, Response
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.actor import Actor
from app.kernel.numbers import whole_number
from app.kernel.web import view_context, wants_json
from reading.lending.services.scans import ScanAnswer

Number = Annotated[int | None, QueryParameter(ge=0, le=2_000_000_000)]
Note = Annotated[str | None, QueryParameter(max_length=20)]  # what a form did (`?note=saved`)
SearchText = Annotated[str | None, QueryParameter(max_length=100)]


def scan_reply(answer: ScanAnswer) -> Response[ScanAnswer]:
    """A scan's answer to the page's queue: 409 while the same scan is still being worked on
    (the queue retries it), else 200, refused or not (the queue moves on)."""
    return Response(answer, status_code=409 if answer.retry else 200)


async def scan_answer(
    request: Request[Any, Any, Any],
    answer: ScanAnswer,
    template: str,
    view: Callable[[], Awaitable[Any]],
    actor: Actor,
    **shown: Any,
) -> Response[ScanAnswer] | Template:
    """A scan's answer: JSON to the page's queue (`scan_reply`); to the plain form (no script
    yet, or none) the page `template` again, read by `view()`, with the answer as `last`."""
    if wants_json(request):
        return scan_reply(answer)
    return Template(template, context=view_context(await view(), actor=actor, last=answer, **shown))


async def ticked(request: Request[Any, Any, Any], name: str = "copy_id") -> tuple[list[int], dict[str, str]]:
    """A table form's ticked rows (the repeated `name` field, as numbers) and its other fields."""
    form = await request.form()
    ids = [n for v in form.getall(name, []) if isinstance(v, str) and (n := whole_number(v)) is not None]
    return ids, {k: str(v) for k, v in form.items() if isinstance(v, str) and k != name}


def bulk_note(done: int, refused: int, note: str) -> str:
    """The query a table's bulk action redirects with: what it did, and how many it could not."""
    return f"note={note}&done={done}&refused={refused}"
