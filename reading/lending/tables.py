"""Lending tables: the picture-book catalogue, copies and their history, loans, holds,
transfers, stocktakes, imports and per-space lending rules.

One open loan per copy, one active hold per family and title, one scan per barcode in a
stocktake: partial or composite unique indexes in hand-written migrations.
"""

from piccolo.columns import (
    JSONB,
    Boolean,
    Bytea,
    Date,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from app.accounts.tables import Family, User
from spaces.tables import Space

COPY_STATUSES = (
    "available",
    "on_loan",
    "on_hold_shelf",
    "in_transit",
    "awaiting_shelving",
    "missing",
    "damaged",
    "withdrawn",
)


class Book(Table, tablename="reading_book"):
    """A title; `isbn` is always the 13-digit form. `initials` holds the pinyin initials of
    the title (猜猜我有多爱你 → ccwydan) and `search_text` the lower-cased searchable text."""

    id: Serial
    isbn = Varchar(length=13, unique=True)
    title = Varchar(length=200)
    subtitle = Varchar(length=200, default="")
    authors = Varchar(length=200, default="")
    illustrators = Varchar(length=200, default="")
    translators = Varchar(length=200, default="")
    publisher = Varchar(length=100, default="")
    year = Integer(null=True, default=None)
    age_band = Varchar(length=8, default="")
    themes = Varchar(length=200, default="")
    series = Varchar(length=100, default="")
    summary = Text(default="")
    initials = Varchar(length=200, default="")  # indexed in a hand-written migration
    search_text = Text(default="")
    draft = Boolean(default=False)  # created from an unknown ISBN; librarians finish it
    has_cover = Boolean(default=False)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class BookCover(Table, tablename="reading_book_cover"):
    """Re-encoded JPEG cover and thumbnail (EXIF stripped)."""

    id: Serial
    book = ForeignKey(Book, null=False, unique=True, on_delete=OnDelete.cascade)
    image = Bytea()
    thumbnail = Bytea()
    updated_at = Timestamptz()


class LendingRules(Table, tablename="reading_lending_rules"):
    """A space's overrides of the lending defaults (reading/lending/rules.py)."""

    id: Serial
    space = ForeignKey(Space, null=False, unique=True, on_delete=OnDelete.cascade)
    max_loans = Integer(null=True, default=None)
    loan_days = Integer(null=True, default=None)
    renewals = Integer(null=True, default=None)
    block_overdue_days = Integer(null=True, default=None)


class Copy(Table, tablename="reading_copy"):
    id: Serial
    book = ForeignKey(Book, null=False, on_delete=OnDelete.restrict, index=True)
    barcode = Varchar(length=20, unique=True)
    home_space = ForeignKey(Space, null=False, on_delete=OnDelete.restrict, index=True)
    current_space = ForeignKey(Space, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    status = Varchar(length=20, index=True)  # one of COPY_STATUSES
    created_at = Timestamptz()
    last_seen_at = Timestamptz(null=True, default=None)


class CopyEvent(Table, tablename="reading_copy_event"):
    """Every change of a copy's status or place, with who did it."""

    id: Serial
    copy = ForeignKey(Copy, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=32)
    from_status = Varchar(length=20, default="")
    to_status = Varchar(length=20, default="")
    space = ForeignKey(Space, null=True, default=None, on_delete=OnDelete.set_null)
    actor = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    detail = JSONB(default="{}")
    at = Timestamptz()


class Loan(Table, tablename="reading_loan"):
    """One open loan per copy (partial unique index on copy where returned_at is null)."""

    id: Serial
    copy = ForeignKey(Copy, null=False, on_delete=OnDelete.restrict, index=True)
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    space = ForeignKey(Space, null=True, default=None, on_delete=OnDelete.set_null)
    borrowed_at = Timestamptz()
    due_on = Date(index=True)
    renewals = Integer(default=0)
    returned_at = Timestamptz(null=True, default=None)
    returned_space = ForeignKey(Space, null=True, default=None, on_delete=OnDelete.set_null)
    by_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    self_service = Boolean(default=False)


class LoanReminder(Table, tablename="reading_loan_reminder"):
    """Which reminders a loan got ("due_2", "overdue_1", ...): unique (loan, kind) by
    migration, inserted in the same transaction as the outbox message, so each goes once."""

    id: Serial
    loan = ForeignKey(Loan, null=False, on_delete=OnDelete.cascade)
    kind = Varchar(length=16)
    at = Timestamptz()


class Hold(Table, tablename="reading_hold"):
    """A family waiting for a title at a pickup space. Status: waiting, ready, fulfilled,
    cancelled, expired. One active (waiting or ready) hold per family and title."""

    id: Serial
    book = ForeignKey(Book, null=False, on_delete=OnDelete.cascade, index=True)
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    pickup_space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    status = Varchar(length=12, index=True)
    copy = ForeignKey(Copy, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    ready_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    booked_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)


class Transfer(Table, tablename="reading_transfer"):
    """A batch of copies ("book box") moved between spaces, in transit until received. A
    return at another space creates one too (the copy travels home or to a hold's pickup)."""

    id: Serial
    from_space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    to_space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    received_at = Timestamptz(null=True, default=None)
    note = Varchar(length=200, default="")


class TransferItem(Table, tablename="reading_transfer_item"):
    id: Serial
    transfer = ForeignKey(Transfer, null=False, on_delete=OnDelete.cascade, index=True)
    copy = ForeignKey(Copy, null=False, on_delete=OnDelete.cascade)
    received_at = Timestamptz(null=True, default=None)


class Stocktake(Table, tablename="reading_stocktake"):
    id: Serial
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade, index=True)
    started_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    applied_at = Timestamptz(null=True, default=None)
    report = JSONB(default="{}")


class StocktakeScan(Table, tablename="reading_stocktake_scan"):
    """Unique (stocktake, barcode) by migration: scanning twice counts once."""

    id: Serial
    stocktake = ForeignKey(Stocktake, null=False, on_delete=OnDelete.cascade, index=True)
    barcode = Varchar(length=40)
    copy = ForeignKey(Copy, null=True, default=None, on_delete=OnDelete.set_null)
    at = Timestamptz()


class BookImport(Table, tablename="reading_book_import"):
    """An uploaded catalogue CSV and its import job: status queued, running, retrying (its
    worker died: run again from `done_rows`), done, failed; `progress` 0–1; `report` the
    per-row outcome (while running: the ISBNs the catalogue had before the first run, so a
    resumed run counts truthfully). `attempt` counts the runs; `heartbeat_at` is the last sign
    of life of the current one."""

    id: Serial
    user_id = Integer(null=True, default=None)
    filename = Varchar(length=200, default="")
    mode = Varchar(length=8)  # "skip" or "update" for ISBNs already in the catalogue
    content = Bytea()
    status = Varchar(length=10, default="queued")
    progress = Float(default=0.0)
    report = JSONB(default="{}")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    done_rows = Integer(default=0)
    attempt = Integer(default=0)
    heartbeat_at = Timestamptz(null=True, default=None)
