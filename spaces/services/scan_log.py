"""A space's scan log for its staff: every scan at the space or one of its corners (failed
ones too) with its time, outcome and the family masked (the guardian's family name and the
last four digits of the phone), so a volunteer at the door can see why a scan failed.
Filterable by corner, outcome and local days; newest first, paginated by id."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.tables import Guardian
from app.kernel.clock import local_zone
from qr.tables import Scan
from spaces.services.access import ensure_serves
from spaces.tables import Corner


class ScanOut(Struct):
    id: int
    at: datetime
    outcome: str  # checked_in, duplicate, override, replayed, opened, or the refusal's code
    purpose: str  # corner, live, booking, ...
    corner_id: int | None
    corner_name: str | None
    family: str | None  # masked: "王* · 尾号0001"; None when no family is known


class ScanFilter(Struct, frozen=True):
    corner_id: int | None = None
    outcome: str | None = None
    first_day: date | None = None
    last_day: date | None = None


def mask(name: str, phone: str | None) -> str:
    """The guardian's family name and the last four digits of the phone, nothing more."""
    masked = (name[:1] + "*") if name else "*"
    return f"{masked} · 尾号{phone[-4:]}" if phone and len(phone) >= 4 else masked


async def _families(family_ids: set[int]) -> dict[int, str]:
    if not family_ids:
        return {}
    rows = await (
        Guardian.select(Guardian.family, Guardian.name, Guardian.phone)
        .where(Guardian.family.is_in(sorted(family_ids)))
        .order_by(Guardian.id)
    )
    found: dict[int, str] = {}
    for r in rows:
        found.setdefault(int(r["family"]), mask(str(r["name"] or ""), r["phone"]))
    return found


async def scans(
    space_id: int, *, actor: Actor, where: ScanFilter, before_id: int | None = None, limit: int = 50
) -> list[ScanOut]:
    ensure_serves(actor, space_id)
    query = Scan.select(Scan.id, Scan.at, Scan.outcome, Scan.purpose, Scan.corner_id, Scan.family_id).where(
        Scan.space_id == space_id
    )
    if where.corner_id is not None:
        query = query.where(Scan.corner_id == where.corner_id)
    if where.outcome:
        query = query.where(Scan.outcome == where.outcome)
    zone = local_zone()
    if where.first_day is not None:
        query = query.where(Scan.at >= datetime.combine(where.first_day, time.min, zone))
    if where.last_day is not None and where.last_day < date.max:
        query = query.where(Scan.at < datetime.combine(where.last_day + timedelta(days=1), time.min, zone))
    if before_id:
        query = query.where(Scan.id < before_id)
    rows: list[dict[str, Any]] = await query.order_by(Scan.id, ascending=False).limit(limit)
    families = await _families({int(r["family_id"]) for r in rows if r["family_id"]})
    corner_rows = await Corner.select(Corner.id, Corner.name).where(Corner.space == space_id)
    corners = {int(c["id"]): str(c["name"]) for c in corner_rows}
    return [
        msgspec.convert(
            {**r, "corner_name": corners.get(r["corner_id"]), "family": families.get(r["family_id"])}, ScanOut
        )
        for r in rows
    ]
