"""What the reading programme keeps about a family (app.accounts.personal_data): its reading
log, lead-reader applications and records, and certificates.

Erasure takes the names out: a lead reader's display name, an application's words, a
certificate's holder (the certificate is revoked, and its public page says the holder
withdrew). Sessions led and minutes stay as anonymous figures; so do reading-log entries,
without the children they named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.personal_data import Subject, exported
from app.kernel.values import frozen
from reading.programme.tables import Certificate, LeadReader, LeadReaderApplication, ReadingLogEntry

ERASED_NAME = "（已删除）"


@frozen
class ProgrammeData:
    name: str = "programme"

    async def export(self, subject: Subject) -> dict[str, Any]:
        users = list(subject.user_ids) or [-1]
        log = await ReadingLogEntry.select(
            ReadingLogEntry.id, ReadingLogEntry.book._.title, ReadingLogEntry.child_ids, ReadingLogEntry.read_on,
            ReadingLogEntry.minutes, ReadingLogEntry.created_at,
        ).where(ReadingLogEntry.family == subject.family_id).order_by(ReadingLogEntry.id)  # fmt: skip
        applications = await LeadReaderApplication.select(
            LeadReaderApplication.id, LeadReaderApplication.motivation, LeadReaderApplication.availability,
            LeadReaderApplication.preferred_space_ids, LeadReaderApplication.status, LeadReaderApplication.note,
            LeadReaderApplication.created_at, LeadReaderApplication.decided_at,
        ).where(LeadReaderApplication.family == subject.family_id)  # fmt: skip
        readers = await LeadReader.select(
            LeadReader.id, LeadReader.display_name, LeadReader.status, LeadReader.created_at
        ).where(LeadReader.user.is_in(users))
        certificates = await Certificate.select(
            Certificate.serial, Certificate.kind, Certificate.display_name, Certificate.level, Certificate.hours,
            Certificate.issued_at, Certificate.revoked_at,
        ).where(Certificate.user.is_in(users))  # fmt: skip
        return {
            "reading_log": exported(log),
            "lead_reader_applications": exported(applications),
            "lead_readers": exported(readers),
            "certificates": exported(certificates),
        }

    async def erase(self, subject: Subject, *, now: datetime) -> None:
        users = list(subject.user_ids) or [-1]
        await LeadReader.update({LeadReader.display_name: ERASED_NAME, LeadReader.updated_at: now}).where(
            LeadReader.user.is_in(users)
        )
        await LeadReaderApplication.update(
            {
                LeadReaderApplication.motivation: "",
                LeadReaderApplication.availability: "",
                LeadReaderApplication.note: "",
            }
        ).where(LeadReaderApplication.family == subject.family_id)
        await Certificate.update({Certificate.display_name: ""}).where(Certificate.user.is_in(users))
        await Certificate.update({Certificate.revoked_at: now}).where(
            Certificate.user.is_in(users) & Certificate.revoked_at.is_null()
        )
        await self.forget_children(subject, now=now)

    async def forget_children(self, subject: Subject, *, now: datetime) -> None:
        await ReadingLogEntry.update({ReadingLogEntry.child_ids: []}).where(ReadingLogEntry.family == subject.family_id)


PERSONAL_DATA = ProgrammeData()
