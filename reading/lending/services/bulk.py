"""Work on many copies at once, from the staff's tables: change their status, pull them from
the shelf for waiting families. Each copy is done on its own (its own checks, its own
transaction); one refused does not stop the others, and the answer says which and why. A
single copy's refusal is raised as it is (the page shows it like any refusal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.values import frozen
from reading.lending.services import copies, holds

MAX_AT_ONCE = 200


@frozen
class Refused:
    barcode: str
    why: str


@dataclass(slots=True)
class BulkResult:
    done: int = 0
    refused: list[Refused] = field(default_factory=list)
    to_transit: int = 0  # pulled copies that go into the transfer box

    @property
    def goes(self) -> str:
        """Where the pulled copies go, when they all go to one place ("" when mixed)."""
        if not self.done:
            return ""
        return "transit" if self.to_transit == self.done else "hold_shelf" if not self.to_transit else ""


def chosen(copy_ids: list[int]) -> list[int]:
    """The copies ticked (each once, at most MAX_AT_ONCE); none ticked is a refusal."""
    ids = list(dict.fromkeys(copy_ids))[:MAX_AT_ONCE]
    if not ids:
        raise InvalidInput(N_("请先勾选要处理的册"), fields=[{"field": "copy_id", "message": "required"}])
    return ids


async def _barcode(copy_id: int) -> str:
    try:
        return (await copies.by_id(copy_id)).barcode
    except DomainError:
        return str(copy_id)


async def set_statuses(copy_ids: list[int], status: str, *, actor: Actor, now: datetime) -> BulkResult:
    """Mark the ticked copies missing, damaged or withdrawn, or found again."""
    result = BulkResult()
    ids = chosen(copy_ids)
    for copy_id in ids:
        try:
            await copies.set_status(await copies.by_id(copy_id), status, actor=actor, now=now)
        except DomainError as exc:
            if len(ids) == 1 or isinstance(exc, InvalidInput):  # one copy, or no status chosen
                raise
            result.refused.append(Refused(await _barcode(copy_id), exc.message()))
        else:
            result.done += 1
    return result


async def pull_many(copy_ids: list[int], space_id: int | None, *, actor: Actor, clock: Clock) -> BulkResult:
    """The ticked copies taken from the shelf for their waiting families."""
    result = BulkResult()
    ids = chosen(copy_ids)
    for copy_id in ids:
        try:
            destination = await holds.pull(copy_id, space_id, actor=actor, clock=clock)
        except DomainError as exc:
            if len(ids) == 1:
                raise
            result.refused.append(Refused(await _barcode(copy_id), exc.message()))
        else:
            result.done += 1
            result.to_transit += destination.goes_to == "transit"
    return result
