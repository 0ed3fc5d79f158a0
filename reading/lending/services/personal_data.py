"""What lending keeps about a family (app.accounts.personal_data): its loans and holds.

Erasure ends the family's holds (a copy waiting on the hold shelf goes to the next family or
back to the shelf). Its open loans stay open, now of an anonymous family: each becomes a "lost
copy" case for the librarians of the space it was lent at, who are told in their inbox, and
the copy's history says why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.personal_data import Subject, exported
from app.kernel import outbox
from app.kernel.outbox import Param
from app.kernel.values import frozen
from reading.lending import notices as _kinds  # noqa: F401 (registers the kinds it words)
from reading.lending.services.copies import record_event
from reading.lending.services.holds import ACTIVE, release_hold_copy
from reading.lending.tables import Hold, Loan
from spaces.services.staff import staff_of


@frozen
class LendingData:
    name: str = "lending"

    async def export(self, subject: Subject) -> dict[str, Any]:
        loans = await Loan.select(
            Loan.id, Loan.copy._.barcode, Loan.copy._.book._.title, Loan.space._.name, Loan.borrowed_at, Loan.due_on,
            Loan.renewals, Loan.returned_at, Loan.self_service,
        ).where(Loan.family == subject.family_id).order_by(Loan.id)  # fmt: skip
        holds = await Hold.select(
            Hold.id, Hold.book._.title, Hold.pickup_space._.name, Hold.status, Hold.created_at, Hold.ready_at,
            Hold.expires_at, Hold.closed_at,
        ).where(Hold.family == subject.family_id).order_by(Hold.id)  # fmt: skip
        return {"loans": exported(loans), "holds": exported(holds)}

    async def erase(self, subject: Subject, *, now: datetime) -> None:
        await _end_holds(subject.family_id, now)
        await _open_loans_become_lost_cases(subject.family_id, now)

    async def forget_children(self, subject: Subject, *, now: datetime) -> None:
        """Loans and holds belong to the family, not to a child: nothing to forget here."""


async def _end_holds(family_id: int, now: datetime) -> None:
    rows = await Hold.select(Hold.id, Hold.status, Hold.copy, Hold.pickup_space).where(
        (Hold.family == family_id) & Hold.status.is_in(list(ACTIVE))
    )
    for row in rows:
        ended = await (
            Hold.update({Hold.status: "cancelled", Hold.closed_at: now})
            .where((Hold.id == row["id"]) & (Hold.status == row["status"]))
            .returning(Hold.id)
        )
        if ended and row["copy"] is not None and row["status"] == "ready":
            await release_hold_copy(row["copy"], row["pickup_space"], None, now)


async def _open_loans_become_lost_cases(family_id: int, now: datetime) -> None:
    rows = await Loan.select(Loan.copy, Loan.copy._.barcode, Loan.space).where(
        (Loan.family == family_id) & Loan.returned_at.is_null()
    )
    by_space: dict[int | None, list[str]] = {}
    for row in rows:
        await record_event(row["copy"], kind="borrower_erased", now=now, space_id=row["space"])
        by_space.setdefault(row["space"], []).append(row["copy.barcode"])
    for space_id, barcodes in by_space.items():
        if space_id is None:
            continue
        for user_id in await staff_of(space_id, roles=("librarian",)):
            said: dict[str, Param] = {"count": len(barcodes), "barcodes": "、".join(barcodes)}
            await outbox.notice(recipient_id=user_id, kind="lost_copies", params=said, now=now)


PERSONAL_DATA = LendingData()
