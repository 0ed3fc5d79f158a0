"""One Piccolo app for both reading sub-domains: their tables keep their names and the
existing migrations (migrations/reading/) keep applying; lending and programme each own
their `tables.py`."""

from app.kernel.piccolo_apps import app_config
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

APP_CONFIG = app_config(
    "reading",
    [
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
    after=["spaces.piccolo_app"],
)
