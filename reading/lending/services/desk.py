"""One scan at the staff's scan-driven pages, answered in plain words: lending a copy to the
family at the desk, taking one back (and where it goes), receiving a transfer's copy, a shelf
scan in a stocktake. A refusal is an answer too (`ok: false`), so the page's queue moves on."""

from __future__ import annotations

from datetime import date

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, NotFound
from app.kernel.i18n import N_, gettext
from reading.lending.errors import CopyNotFound, status_words
from reading.lending.schemas import CopyOut
from reading.lending.services import families, loans, returns, stocktakes, transfers
from reading.lending.services.routing import goes_to_words
from reading.lending.services.scans import BARCODE, ScanAnswer, at_space, copy_for_code, refused
from spaces.services.access import ensure_serves


async def check_scan(actor: Actor, space_id: int | None, family_id: int | None, clock: Clock, *, lend: bool) -> int:
    """A desk scan's context: a space the staff member serves, and for a loan a family the desk
    found (by card or phone) or that has to do with its spaces."""
    here = at_space(actor, space_id)
    if lend:
        if family_id is None:
            raise NotFound(N_("请先找到借书的家庭"))
        await families.ensure_known(actor, family_id, clock)
    return here


def day_words(day: date) -> str:
    return gettext("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


async def _lent_already(copy: CopyOut, family_id: int) -> ScanAnswer | None:
    """The same copy scanned again for the same family: not an error."""
    held = await loans.open_loan(copy.id)
    if held is None or held.family_id != family_id:
        return None
    count = await loans.open_loan_count(family_id)
    message = gettext("这一册已经借给这个家庭了")
    return ScanAnswer(ok=True, title=copy.title, barcode=copy.barcode, message=message, count=count)


async def lend_scan(actor: Actor, clock: Clock, family_id: int, code: str) -> ScanAnswer:
    copy: CopyOut | None = None
    try:
        copy = await copy_for_code(code, clock)
        loan = await loans.staff_lend(copy.id, family_id, actor=actor, clock=clock)
    except DomainError as exc:
        if exc.code == "copy_unavailable" and copy is not None:
            again = await _lent_already(copy, family_id)
            if again is not None:
                return again
        return refused(exc, code)
    return ScanAnswer(
        ok=True,
        title=loan.title,
        barcode=loan.barcode,
        message=gettext("已借出，%(date)s 前归还") % {"date": day_words(loan.due_on)},
        due_on=loan.due_on.isoformat(),
        count=await loans.open_loan_count(family_id),
    )


async def return_scan(actor: Actor, clock: Clock, space_id: int, code: str) -> ScanAnswer:
    try:
        ensure_serves(actor, space_id)
        copy = await copy_for_code(code, clock)
        out = await returns.return_copy(copy.id, space_id=space_id, actor=actor, clock=clock)
    except DomainError as exc:
        return refused(exc, code)
    return ScanAnswer(ok=True, title=copy.title, barcode=out.barcode, goes_to=out.goes_to, message=out.message)


async def receive_scan(actor: Actor, clock: Clock, space_id: int | None, code: str) -> ScanAnswer:
    """A copy arriving at a space (the one the page works at): where it goes now."""
    try:
        here = at_space(actor, space_id)
        copy = await copy_for_code(code, clock)
        done = (await transfers.receive(here, [copy.barcode], actor=actor, clock=clock))[0]
    except DomainError as exc:
        return refused(exc, code)
    if done.status == "in_transit":
        message = goes_to_words("transit", await returns.space_name(await transfers.heading_to(done.id)))
    elif done.status == "on_hold_shelf":
        message = goes_to_words("hold_shelf")
    else:
        message = gettext("已收到，放上书架")
    return ScanAnswer(ok=True, title=done.title, barcode=done.barcode, message=message, status=done.status)


async def shelf_scan(actor: Actor, clock: Clock, stocktake_id: int, code: str) -> ScanAnswer:
    """One shelf scan in a stocktake: a copy that belongs on this shelf (a good scan), one that
    should not be here (a warning at once: on loan, missing, another shelf's, in transit), or an
    unknown barcode (kept, reported). Every one is recorded for the report."""
    copy: CopyOut | None = None
    try:
        space_id = await stocktakes.space_of(stocktake_id, actor)
        try:
            copy = await copy_for_code(code, clock)
            barcode = copy.barcode
        except CopyNotFound:
            barcode = code.strip().upper()
            if not BARCODE.match(barcode):
                raise
        out = await stocktakes.add_scans(space_id, stocktake_id, [barcode], actor=actor, clock=clock)
    except DomainError as exc:
        return refused(exc, code)
    count = gettext("已扫描 %(count)s 册") % {"count": out.scanned}
    if copy is None:
        message = gettext("不认识的条码，已记下") + " · " + count
        return ScanAnswer(ok=False, title=barcode, barcode=barcode, message=message, count=out.scanned)
    warning = await misplaced_words(copy, space_id)
    message = f"{warning} · {count}" if warning else count
    return ScanAnswer(
        ok=warning is None, title=copy.title, barcode=barcode, message=message, status=copy.status, count=out.scanned
    )


async def misplaced_words(copy: CopyOut, space_id: int) -> str | None:
    """Why a copy scanned on this shelf should not be there, in plain words (None: it belongs)."""
    why = stocktakes.out_of_place(copy, space_id)
    if why is None:
        return None
    if copy.status == "on_loan":
        loan = await loans.open_loan(copy.id)
        where = await returns.space_name(loan.space_id if loan else None)
        if where and loan is not None and loan.space_id != space_id:
            return gettext("记录显示这一册在%(space)s借出，还没有还：请核对") % {"space": where}
        return gettext("记录显示这一册已借出，还没有还：请核对")
    if why == "inconsistent":
        return gettext("记录显示这一册%(status)s：请核对") % {"status": status_words(copy.status)}
    if copy.status == "in_transit":
        return gettext("记录显示这一册在调拨途中：请核对")
    return gettext("记录显示这一册应在%(space)s：请核对") % {"space": await returns.space_name(copy.current_space_id)}
