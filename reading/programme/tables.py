"""Programme tables: lead-reader applications and lead readers, reading sessions with their
lead readers and books, the family reading log and certificates."""

from piccolo.columns import JSONB, Date, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import Family, User
from reading.lending.tables import Book
from spaces.tables import Slot, Space


class LeadReaderApplication(Table, tablename="reading_lead_reader_application"):
    """A guardian applying to become a family lead reader (家庭领读人)."""

    id: Serial
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    motivation = Text()
    availability = Varchar(length=200, default="")
    preferred_space_ids = JSONB(default="[]")
    status = Varchar(length=10, default="applied")  # applied, approved, rejected
    decided_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    note = Varchar(length=500, default="")
    created_at = Timestamptz()


class LeadReader(Table, tablename="reading_lead_reader"):
    """States: trainee → active → paused / retired (paused ↔ active)."""

    id: Serial
    user = ForeignKey(User, null=False, unique=True, on_delete=OnDelete.cascade)
    family = ForeignKey(Family, null=True, default=None, on_delete=OnDelete.set_null)
    display_name = Varchar(length=32)
    status = Varchar(length=10, default="trainee")
    application = ForeignKey(LeadReaderApplication, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ReadingSession(Table, tablename="reading_session"):
    """A volunteer's log of a (lead-)reading session. (logged_by, client_key) is unique by
    migration: a form submitted twice records once."""

    id: Serial
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade, index=True)
    slot = ForeignKey(Slot, null=True, default=None, on_delete=OnDelete.set_null)
    started_at = Timestamptz(index=True)
    minutes = Integer()
    adults = Integer(default=0)
    children = Integer(default=0)
    theme = Varchar(length=32, default="")
    notes = Text(default="")
    logged_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    client_key = Varchar(length=64, null=True, default=None)
    reviewed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    reviewed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class SessionLeadReader(Table, tablename="reading_session_lead_reader"):
    id: Serial
    session = ForeignKey(ReadingSession, null=False, on_delete=OnDelete.cascade, index=True)
    lead_reader = ForeignKey(LeadReader, null=False, on_delete=OnDelete.cascade, index=True)


class SessionBook(Table, tablename="reading_session_book"):
    id: Serial
    session = ForeignKey(ReadingSession, null=False, on_delete=OnDelete.cascade, index=True)
    book = ForeignKey(Book, null=False, on_delete=OnDelete.cascade)


class ReadingLogEntry(Table, tablename="reading_log_entry"):
    """A book a family read together."""

    id: Serial
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    book = ForeignKey(Book, null=False, on_delete=OnDelete.cascade)
    child_ids = JSONB(default="[]")
    read_on = Date(index=True)
    minutes = Integer(null=True, default=None)
    created_at = Timestamptz()


class Certificate(Table, tablename="reading_certificate"):
    """A lead-reader or volunteer certificate; its QR opens a public verification page."""

    id: Serial
    serial = Varchar(length=20, unique=True)
    kind = Varchar(length=12)  # lead_reader, volunteer
    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    display_name = Varchar(length=32)
    level = Varchar(length=20, default="")
    hours = Integer(default=0)
    issued_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
