"""Read models of the circulation pages: a family's loans and holds, a copy's page after
scanning its label, the staff's desk (with the family found) and lending work hub."""

from __future__ import annotations

from datetime import date, datetime

from app.accounts.actor import Actor
from app.accounts.tables import Child, Guardian
from app.kernel.clock import Clock, local_today
from app.kernel.values import frozen
from reading.lending.rules import rules_for
from reading.lending.schemas import BookOut, CopyOut, HoldOut, LoanOut
from reading.lending.services import catalogue, copies, holds, loans
from reading.lending.services.scans import new_nonce
from reading.lending.services.views import SpaceName, pick_space, served_spaces, space_names, workplace
from reading.lending.tables import Copy, Hold, Loan
from spaces.services.access import family_of


@frozen
class LoansPage:
    loans: list[LoanOut]  # soonest due first
    limits: dict[int, int]  # renewals allowed per loan (its space's rules)
    waiting: set[int]  # titles another family queues for: no renewal
    today: date
    lent_at: dict[int, str]  # the space each loan was lent at (two copies of a title told apart)


async def loans_page(actor: Actor, clock: Clock) -> LoansPage:
    """A family's loans: which copy and where it was lent, due dates, overdue ones marked,
    whether each can be renewed."""
    mine = await loans.list_loans(actor=actor, clock=clock, limit=200)
    mine.sort(key=lambda x: (x.due_on, x.id))
    spaces = {
        int(r["id"]): r["space"]
        for r in await Loan.select(Loan.id, Loan.space).where(Loan.id.is_in([x.id for x in mine] or [-1]))
    }
    limits = {x.id: (await rules_for(spaces.get(x.id))).renewals for x in mine}
    queued = await Hold.select(Hold.book).where(
        Hold.book.is_in([x.book_id for x in mine] or [-1]) & (Hold.status == "waiting")
    )
    names = await space_names()
    lent_at = {loan_id: names.get(space_id, "") for loan_id, space_id in spaces.items() if space_id is not None}
    return LoansPage(mine, limits, {int(r["book"]) for r in queued}, local_today(clock), lent_at)


@frozen
class HoldsPage:
    holds: list[HoldOut]
    names: dict[int, str]


async def holds_page(actor: Actor) -> HoldsPage:
    """A family's holds: the queue position, or the date to collect it by."""
    return HoldsPage(await holds.active_holds(family_of(actor)), await space_names())


@frozen
class LendPage:
    """A copy's page after scanning its label: borrow or return it (a family), its status, a
    return at a space and its recent history (staff)."""

    copy: CopyOut
    book: BookOut
    names: dict[int, str]
    loan: loans.OpenLoan | None
    mine: bool  # lent to this family
    overdue: bool
    is_family: bool
    can_borrow: bool
    held_for_me: bool
    served: list[SpaceName]
    desk_space: int | None
    history: list[copies.Event]  # newest first


async def lend_page(copy_id: int, actor: Actor, clock: Clock) -> LendPage:
    copy = await copies.by_id(copy_id)
    loan = await loans.open_loan(copy_id)
    mine = loan is not None and loan.family_id == actor.family_id
    held = await Hold.select(Hold.family).where((Hold.copy == copy_id) & (Hold.status == "ready")).first()
    held_for_me = held is not None and held["family"] == actor.family_id
    served = await served_spaces(actor) if actor.is_staff else []
    history = (await copies.history(copy_id))[-5:] if actor.is_staff else []
    return LendPage(
        copy=copy,
        book=await catalogue.get_book(copy.book_id),
        names=await space_names(),
        loan=loan,
        mine=mine,
        overdue=bool(mine and loan and loan.due_on < local_today(clock)),
        is_family=actor.is_family,
        can_borrow=actor.is_family
        and not mine
        and (copy.status == "available" or (copy.status == "on_hold_shelf" and held_for_me)),
        held_for_me=held_for_me,
        served=served,
        desk_space=pick_space(served, None, copies.serving_space(copy)),
        history=list(reversed(history)),
    )


@frozen
class FamilyAtDesk:
    """The family found at the desk: who it is (the phone masked) and what it has on loan."""

    id: int
    guardian: str
    phone: str
    children: list[str]
    loans: list[LoanOut]


async def family_at_desk(family_id: int, clock: Clock) -> FamilyAtDesk:
    guardian = await Guardian.select(Guardian.name, Guardian.phone).where(Guardian.family == family_id).first()
    children = await Child.select(Child.nickname).where(Child.family == family_id).order_by(Child.id)
    phone = str(guardian["phone"] or "") if guardian else ""
    return FamilyAtDesk(
        id=family_id,
        guardian=guardian["name"] if guardian else "",
        phone=f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 11 else phone,
        children=[c["nickname"] for c in children],
        loans=await loans.family_loans(family_id, local_today(clock)),
    )


@frozen
class DeskPage:
    served: list[SpaceName]
    space_id: int | None
    family: FamilyAtDesk | None
    today: date
    nonce: str  # the plain form's scan (the page's script makes one per scan)


async def desk_page(actor: Actor, clock: Clock, space: int | None, family_id: int | None) -> DeskPage:
    place = await workplace(actor, space)
    family = await family_at_desk(family_id, clock) if family_id is not None else None
    return DeskPage(place.served, place.space_id, family, local_today(clock), new_nonce())


@frozen
class HubPage:
    """The lending work at the spaces a staff member serves, in numbers."""

    served: list[SpaceName]
    overdue: int
    to_shelve: int
    ready: int


async def hub_page(actor: Actor, clock: Clock) -> HubPage:
    served = await served_spaces(actor)
    ids = [s.id for s in served] or [-1]
    overdue = await Loan.count().where(
        Loan.returned_at.is_null() & (Loan.due_on < local_today(clock)) & Loan.space.is_in(ids)
    )
    to_shelve = await Copy.count().where((Copy.status == "awaiting_shelving") & Copy.current_space.is_in(ids))
    ready = await Hold.count().where((Hold.status == "ready") & Hold.pickup_space.is_in(ids))
    return HubPage(served, int(overdue), int(to_shelve), int(ready))


@frozen
class DeskEvent:
    """A loan lent or returned at the desk."""

    at: datetime
    lent: bool  # else returned
    title: str
    barcode: str
    guardian: str
    due_on: date
    open: bool  # still on loan


@frozen
class DeskHistory:
    served: list[SpaceName]
    space_id: int | None
    events: list[DeskEvent]  # newest first
    today: date


async def desk_history(actor: Actor, clock: Clock, space: int | None, limit: int = 300) -> DeskHistory:
    """What the desk of a space lent and took back lately, newest first."""
    place = await workplace(actor, space)
    here = place.space_id
    if here is None:
        return DeskHistory(place.served, None, [], local_today(clock))
    rows = await (
        Loan.select(*HISTORY_COLUMNS)
        .where((Loan.space == here) | (Loan.returned_space == here))
        .order_by(Loan.id, ascending=False)
        .limit(limit)
    )
    families = sorted({int(r["family"]) for r in rows}) or [-1]
    guardians = {
        int(g["family"]): str(g["name"])
        for g in await Guardian.select(Guardian.family, Guardian.name).where(Guardian.family.is_in(families))
    }
    events = []
    for r in rows:
        who, book, code = guardians.get(int(r["family"]), ""), r["copy.book.title"], r["copy.barcode"]
        still = r["returned_at"] is None
        if r["space"] == here:
            events.append(DeskEvent(r["borrowed_at"], True, book, code, who, r["due_on"], still))
        if r["returned_space"] == here and r["returned_at"] is not None:
            events.append(DeskEvent(r["returned_at"], False, book, code, who, r["due_on"], still))
    events.sort(key=lambda e: e.at, reverse=True)
    return DeskHistory(place.served, here, events[:limit], local_today(clock))


HISTORY_COLUMNS = (
    Loan.space,
    Loan.returned_space,
    Loan.borrowed_at,
    Loan.returned_at,
    Loan.due_on,
    Loan.family,
    Loan.copy._.barcode,
    Loan.copy._.book._.title,
)
