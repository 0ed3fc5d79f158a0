"""Copy labels: A4 sheets (3 × 8), each label a QR code (the copy's `/q/` link), the title,
the barcode and the home space."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from app.accounts.actor import Actor
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.lazy import lazy
from app.kernel.numbers import whole_number
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.errors import CopyNotFound
from reading.lending.tables import Copy
from spaces.services.access import ensure_serves

if TYPE_CHECKING:
    from qr import posters
else:
    posters = lazy("qr.posters")

MAX_LABELS = 1000


def copy_ids(raw: str | None) -> list[int] | None:
    """The copies asked for (`1,2,3`), or None for all of the space's."""
    if not raw:
        return None
    return [n for i in raw.split(",") if (n := whole_number(i.strip())) is not None][:MAX_LABELS]


async def _draw(rows: list[dict[str, Any]], base_url: str, now: datetime) -> bytes:
    labels = []
    for r in rows:
        token = await tokens.issue(Purpose.copy, r["id"], now=now)
        labels.append(
            posters.Label(
                title=r["book.title"],
                barcode=r["barcode"],
                url=f"{base_url}/q/{token}",
                space_name=r["home_space.name"],
            )
        )
    return await anyio.to_thread.run_sync(lambda: posters.to_pdf(posters.label_sheets(labels)))


async def chosen_pdf(copy_ids: list[int], *, actor: Actor, base_url: str, now: datetime) -> bytes:
    """The labels of the copies ticked in a table, whatever their home (each one served)."""
    if not copy_ids:
        raise InvalidInput(N_("请先勾选要处理的册"), fields=[{"field": "copy_id", "message": "required"}])
    rows = await (
        Copy.select(Copy.id, Copy.barcode, Copy.book._.title, Copy.home_space, Copy.home_space._.name)
        .where(Copy.id.is_in(copy_ids[:MAX_LABELS] or [-1]))
        .order_by(Copy.id)
    )
    if not rows:
        raise CopyNotFound()
    for r in rows:
        ensure_serves(actor, int(r["home_space"]))
    return await _draw(rows, base_url, now)


async def label_pdf(space_id: int, wanted: str | None, *, actor: Actor, base_url: str, now: datetime) -> bytes:
    """The labels of the copies whose home is the space (default: all of them); drawn off the
    event loop."""
    ensure_serves(actor, space_id)
    query = Copy.select(Copy.id, Copy.barcode, Copy.book._.title, Copy.home_space._.name).where(
        Copy.home_space == space_id
    )
    ids = copy_ids(wanted)
    if ids is not None:
        query = query.where(Copy.id.is_in(ids or [-1]))
    rows = await query.order_by(Copy.id).limit(MAX_LABELS)
    if not rows:
        raise CopyNotFound(N_("这个空间没有要打印标签的绘本"))
    return await _draw(rows, base_url, now)
