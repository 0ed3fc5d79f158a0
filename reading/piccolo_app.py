"""One Piccolo app for both reading sub-domains: their tables keep their names and the
existing migrations (migrations/reading/) keep applying; lending and programme each own
their `tables.py`."""

import os
from pathlib import Path

from piccolo.conf.apps import AppConfig

from reading.lending.tables import (
    Book,
    BookCover,
    BookImport,
    Copy,
    CopyEvent,
    Hold,
    LendingRules,
    Loan,
    LoanReminder,
    Stocktake,
    StocktakeScan,
    Transfer,
    TransferItem,
)
from reading.programme.tables import (
    Certificate,
    LeadReader,
    LeadReaderApplication,
    ReadingLogEntry,
    ReadingSession,
    SessionBook,
    SessionLeadReader,
)

ROOT = Path(__file__).resolve().parent.parent

APP_CONFIG = AppConfig(
    app_name="reading",
    migrations_folder_path=os.path.join(ROOT, "migrations", "reading"),
    table_classes=[
        Book,
        BookImport,
        BookCover,
        LendingRules,
        Copy,
        CopyEvent,
        Loan,
        LoanReminder,
        Hold,
        Transfer,
        TransferItem,
        Stocktake,
        StocktakeScan,
        LeadReaderApplication,
        LeadReader,
        ReadingSession,
        SessionLeadReader,
        SessionBook,
        ReadingLogEntry,
        Certificate,
    ],
    migration_dependencies=["spaces.piccolo_app"],
    commands=[],
)
