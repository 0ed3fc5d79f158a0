"""Loans: a family's loans page (renew) and its borrowing card, and the API's loans and returns."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, refusal_page, see_other, view_context
from reading.lending.controllers.shared import Note, Number
from reading.lending.schemas import LoanIn, LoanOut, LoanPage, ReturnIn, ReturnOut
from reading.lending.services import loans, returns, views_loans

PAGE = "lending/loans.html"


class LoanPages(Pages):
    """My loans: due dates, renew."""

    @get("/loans", opt=FAMILIES)
    async def loans(self, actor: ActorDep, clock: ClockDep, note: Note = None, loan: Number = None) -> Template:
        """My loans: due dates, overdue ones first in red, renew."""
        view = await views_loans.loans_page(actor, clock)
        return Template(PAGE, context=view_context(view, actor=actor, note=note, focus=loan))

    @get("/loans/card", opt=FAMILIES)
    async def card(self, actor: ActorDep) -> Template:
        """The family borrowing card the desk scans: big on the phone, or printed."""
        return Template("lending/family_card.html", context={"actor": actor})

    @post("/loans/{loan_id:int}/renew", opt=FAMILIES, status_code=200)
    async def renew(self, loan_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        try:
            await loans.renew(loan_id, actor=actor, clock=clock)
        except DomainError as exc:
            view = await views_loans.loans_page(actor, clock)
            return refusal_page(exc, PAGE, view_context(view, actor=actor, focus=loan_id))
        return see_other(f"/loans?note=renewed&loan={loan_id}#l{loan_id}")


class LoansApi(Controller):
    path = "/api/v1"
    tags = ("lending",)

    @post("/loans", status_code=201)
    async def lend(self, data: JSONBody[LoanIn], actor: ActorDep, clock: ClockDep) -> LoanOut:
        """Staff lend a copy (`barcode`, `family_id`); a family borrows with the copy's QR
        (`copy_token`), only after checking in at that space within 3 hours."""
        return await loans.lend_by_request(data, actor=actor, clock=clock)

    @post("/returns", status_code=200)
    async def return_copy(self, data: JSONBody[ReturnIn], actor: ActorDep, clock: ClockDep) -> ReturnOut:
        """Return at any space; the answer says where the copy goes next."""
        return await returns.return_by_request(data, actor=actor, clock=clock)

    @post("/loans/{loan_id:int}/renew", status_code=200)
    async def renew(self, loan_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> LoanOut:
        """Renew (409 renewal_limit_reached, on_hold_for_other)."""
        return await loans.renew(loan_id, actor=actor, clock=clock)

    @get("/loans")
    async def loans(
        self,
        actor: ActorDep,
        clock: ClockDep,
        overdue: FromQuery[bool] = False,
        family_id: FromQuery[int | None] = None,
        include_returned: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> LoanPage:
        """A family's loans, or the loans of the spaces a staff member serves (`overdue=true`)."""
        return await loans.loan_page(
            actor=actor,
            clock=clock,
            overdue=overdue,
            family_id=family_id,
            open_only=not include_returned,
            cursor=cursor,
            limit=limit,
        )
