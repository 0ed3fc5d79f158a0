"""Certificates for lead readers and volunteers, with a public verification page that shows
only the holder's display name, level and date. Revoking one shows it revoked."""

from __future__ import annotations

import secrets
from datetime import datetime

from app.accounts.actor import Actor
from app.accounts.tables import User
from app.kernel.clock import local_zone
from app.kernel.db import write_transaction
from app.kernel.values import frozen
from reading.programme.errors import CertificateNotFound, LeadReaderNotFound
from reading.programme.services import hours as hours_service
from reading.programme.services import leadreaders
from reading.programme.tables import Certificate, LeadReader


@frozen
class CertificateView:
    """One certificate as issued (its row): what it prints and what its verification page
    shows."""

    id: int
    serial: str
    kind: str  # lead_reader, volunteer
    user: int  # the holder's user id
    display_name: str
    level: str
    hours: int
    issued_at: datetime
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def for_lead_reader(self) -> bool:
        return self.kind == "lead_reader"


def _serial(kind: str, certificate_id: int, now: datetime) -> str:
    """From the row id, so two certificates issued at once never share a serial; the year is
    the service's (its date on the certificate and its verification page)."""
    return f"{'LR' if kind == 'lead_reader' else 'VO'}-{now.astimezone(local_zone()).year}-{certificate_id:06d}"


async def issue_for_lead_reader(lead_reader_id: int, *, actor: Actor, now: datetime) -> CertificateView:
    """The lead reader's current certificate: reissued when the level changed."""
    row = await LeadReader.select().where(LeadReader.id == lead_reader_id).first()
    if row is None or not (row["user"] == actor.user_id or actor.is_staff):
        raise LeadReaderNotFound()
    out = await leadreaders.lead_reader_out(row)
    return await _current(row["user"], "lead_reader", out.display_name, out.level, out.minutes_led // 60, now)


async def issue_mine(*, actor: Actor, now: datetime) -> CertificateView:
    """The actor's own lead-reader certificate (404 when they are not a lead reader)."""
    return await issue_for_lead_reader(await leadreaders.own_id(actor.user_id), actor=actor, now=now)


async def issue_for_volunteer(user_id: int, *, actor: Actor, now: datetime) -> CertificateView:
    if not (user_id == actor.user_id or actor.is_admin):
        raise CertificateNotFound()
    user = await User.select(User.display_name).where(User.id == user_id).first()
    if user is None:
        raise CertificateNotFound()
    rows = [h for h in await hours_service.hours(actor=actor) if h.user_id == user_id]
    minutes = sum(h.minutes for h in rows)
    return await _current(user_id, "volunteer", user["display_name"], "志愿者", minutes // 60, now)


async def _current(user_id: int, kind: str, name: str, level: str, hours: int, now: datetime) -> CertificateView:
    existing = (
        await Certificate.select()
        .where(
            (Certificate.user == user_id)
            & (Certificate.kind == kind)
            & Certificate.revoked_at.is_null()
            & (Certificate.level == level)
            & (Certificate.hours == hours)
        )
        .order_by(Certificate.id, ascending=False)
        .first()
    )
    if existing is not None:
        return CertificateView(**existing)
    async with write_transaction():
        rows = await Certificate.insert(
            Certificate(
                # A placeholder within the column's 20 characters until the id is known
                # (a timestamp with microseconds was too long for PostgreSQL's varchar(20)).
                serial=f"tmp-{secrets.token_hex(8)}",
                kind=kind,
                user=user_id,
                display_name=name,
                level=level,
                hours=hours,
                issued_at=now,
            )
        ).returning(Certificate.id)
        certificate_id = rows[0]["id"]
        await Certificate.update({Certificate.serial: _serial(kind, certificate_id, now)}).where(
            Certificate.id == certificate_id
        )
    return await get(certificate_id)


async def get(certificate_id: int) -> CertificateView:
    row = await Certificate.select().where(Certificate.id == certificate_id).first()
    if row is None:
        raise CertificateNotFound()
    return CertificateView(**row)


async def recent(limit: int = 50) -> list[CertificateView]:
    """The newest certificates first (the district admin's list, to revoke one)."""
    rows = await Certificate.select().order_by(Certificate.id, ascending=False).limit(limit)
    return [CertificateView(**r) for r in rows]


async def revoke(certificate_id: int, *, now: datetime) -> CertificateView:
    await Certificate.update({Certificate.revoked_at: now}).where(
        (Certificate.id == certificate_id) & Certificate.revoked_at.is_null()
    )
    return await get(certificate_id)
