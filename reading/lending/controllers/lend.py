"""`/lend/<token>`: what a phone opens after scanning a copy's label (`/q/<token>` sends it
here). A family borrows the copy ("借这本书", present at the space) or returns the one it has
("还书": awaiting shelving); staff see its status and history and take it back at a space."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import PUBLIC
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import ClockDep, MaybeActor, Pages, form_dict, refusal_page, see_other, to_int, view_context
from reading.lending.controllers.shared import Note, Number
from reading.lending.errors import BookNotFound, CopyNotFound
from reading.lending.services import loans, returns, routing, views_loans

PAGE = "lending/lend.html"


async def _act(action: str, copy_id: int, form: dict[str, str], actor: Actor, clock: Clock) -> str:
    """Do what the page's button asked; the query of the page to show next."""
    if action == "borrow":
        await loans.self_borrow(copy_id, actor=actor, clock=clock)
        return "note=borrowed"
    if action == "return" and not actor.is_staff:
        await returns.self_return(copy_id, actor=actor, clock=clock)
        return "note=returned"
    if action in ("return", "shelve") and actor.is_staff:
        out = await returns.staff_return(copy_id, to_int(form.get("space_id")), actor=actor, clock=clock)
        to = f"&to={out.destination_space_id}" if out.destination_space_id else ""
        return f"note=staff_{action}&goes={out.goes_to}{to}"
    raise InvalidInput(N_("请选择要做的操作"), fields=[{"field": "action", "message": "borrow or return"}])


class LendPages(Pages):
    @get("/lend/{token:str}", opt=PUBLIC)
    async def open(
        self,
        token: FromPath[str],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        note: Note = None,
        goes: Note = None,
        to: Number = None,
    ) -> Template | Redirect:
        """The copy: "借这本书" for a family, "还书" when it has it, status and actions for staff."""
        copy_id = await loans.copy_of_token(token, clock)
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/lend/{token}")
        view = await views_loans.lend_page(copy_id, maybe_actor, clock)
        context = view_context(view, actor=maybe_actor, token=token, note=note, goes=routing.known_goes(goes))
        return Template(PAGE, context={**context, "to": view.names.get(to or 0, "")})

    @post("/lend/{token:str}", opt=PUBLIC, status_code=200)
    async def act(
        self, token: FromPath[str], maybe_actor: MaybeActor, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """借这本书 (family, present at the space), 还书 (family: awaiting shelving; staff: routed)."""
        copy_id = await loans.copy_of_token(token, clock)
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/lend/{token}")
        form = await form_dict(request)
        try:
            done = await _act(form.get("action", ""), copy_id, form, maybe_actor, clock)
        except (CopyNotFound, BookNotFound):
            raise
        except DomainError as exc:
            view = await views_loans.lend_page(copy_id, maybe_actor, clock)
            return refusal_page(exc, PAGE, view_context(view, actor=maybe_actor, token=token))
        return see_other(f"/lend/{token}?{done}")
