import os

from piccolo.conf.apps import AppConfig

from app.settings import ROOT
from reading.tables import (
    Book,
    BookCover,
    BookImport,
    Certificate,
    Copy,
    CopyEvent,
    Hold,
    LeadReader,
    LeadReaderApplication,
    LendingRules,
    Loan,
    LoanReminder,
    ReadingLogEntry,
    ReadingSession,
    SessionBook,
    SessionLeadReader,
    Stocktake,
    StocktakeScan,
    Transfer,
    TransferItem,
)

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
