"""Asking for a PDF of corner posters fixes what each page shows: the space, the corner and
the URL with the corner's current token (issued here, as the per-space poster does, so the
job needs neither the QR signing key nor the base URL). The job that draws them is
spaces/services/poster_exports.py."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from qr.services import tokens
from qr.tokens import Purpose
from spaces.errors import NoCornersToPrint, SpaceNotFound
from spaces.rules import poster_programme
from spaces.tables import Corner, PosterExport, Space

KEEP = 3  # finished exports kept per user (each holds its PDF); older ones are deleted
MAX_SPACE_IDS = 1000
ISSUE_BATCH = 50  # corner tokens issued per transaction


@frozen
class PosterSpec:
    """One page: what it shows, fixed when the export is asked for (stored as JSON)."""

    corner_id: int
    space_id: int
    space: str
    corner: str
    url: str
    programme: str = ""  # the poster's top band (older exports: the default)


async def start_export(*, user_id: int, space_ids: list[int] | None, base_url: str, clock: Clock) -> int:
    """Fix the pages of an export (every corner of the spaces, or of every space when
    `space_ids` is None) and return its id; the caller enqueues the job (`job_id`).

    Refused: an empty or too long list (invalid_input), an unknown space (space_not_found),
    no corner at all (no_corners). The same user asking again for the same spaces while the
    first is queued or running gets that one back."""
    scope = await _scope(space_ids)
    columns = (Corner.id, Corner.name, Corner.space.id, Corner.space.name, Corner.space.kind)
    query = Corner.select(*columns).where(Corner.retired_at.is_null())
    if "space_ids" in scope:
        query = query.where(Corner.space.is_in(scope["space_ids"]))
    corners = await query.order_by(Corner.space.id).order_by(Corner.id)
    if not corners:
        raise NoCornersToPrint()
    running = await _running(user_id, scope)
    if running is not None:
        return running
    now = clock.now()
    specs = await _specs(corners, base_url, now)
    created = await PosterExport.insert(
        PosterExport(
            user_id=user_id, scope=scope, posters=[asdict(s) for s in specs], pages=len(specs), pdf=b"", created_at=now
        )
    ).returning(PosterExport.id)
    await _prune(user_id)
    return int(created[0]["id"])


async def _scope(space_ids: list[int] | None) -> dict[str, Any]:
    """What the export covers, as stored: every space, or these (each must exist)."""
    if space_ids is None:
        return {"all": True}
    wanted = sorted(set(space_ids))
    if not wanted or len(wanted) > MAX_SPACE_IDS:
        raise InvalidInput(
            N_("请选择要打印海报的空间"), fields=[{"field": "space_ids", "message": "one to 1000 spaces"}]
        )
    found = {r["id"] for r in await Space.select(Space.id).where(Space.id.is_in(wanted))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise SpaceNotFound(space_ids=missing[:20])
    return {"space_ids": wanted}


async def _running(user_id: int, scope: dict[str, Any]) -> int | None:
    """The user's export of the same scope still queued or running, if any."""
    active = (
        await PosterExport.select(PosterExport.id, PosterExport.scope)
        .where((PosterExport.user_id == user_id) & PosterExport.status.is_in(["queued", "running"]))
        .order_by(PosterExport.id, ascending=False)
    )
    return next((int(row["id"]) for row in active if loads(row["scope"], {}) == scope), None)


async def _specs(corners: list[dict[str, Any]], base_url: str, now: datetime) -> list[PosterSpec]:
    """Each corner's page, with a URL carrying the corner's current token."""
    issued: list[str] = []
    # A corner's first token writes its version: a few dozen per transaction, so that 370
    # corners make a handful of commits, not hundreds, nor one long lock on SQLite.
    for start in range(0, len(corners), ISSUE_BATCH):
        async with write_transaction():
            for row in corners[start : start + ISSUE_BATCH]:
                issued.append(await tokens.issue(Purpose.corner, row["id"], now=now))
    return [
        PosterSpec(
            corner_id=row["id"],
            space_id=row["space.id"],
            space=row["space.name"],
            corner=row["name"],
            url=f"{base_url}/q/{token}",
            programme=poster_programme(row["space.kind"]),
        )
        for row, token in zip(corners, issued, strict=True)
    ]


async def _prune(user_id: int) -> None:
    """Each PDF is tens of megabytes: keep the user's newest few finished exports only."""
    finished = (
        await PosterExport.select(PosterExport.id)
        .where((PosterExport.user_id == user_id) & PosterExport.status.is_in(["done", "failed"]))
        .order_by(PosterExport.id, ascending=False)
    )
    old = [r["id"] for r in finished[KEEP:]]
    if old:
        await PosterExport.delete().where(PosterExport.id.is_in(old))
