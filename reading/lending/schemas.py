"""Request and response shapes of the lending API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

AgeBand = Literal["0-3", "3-6", "6-9", "9-12"]
Text200 = Annotated[str, Meta(max_length=200)]


class BookIn(Struct, forbid_unknown_fields=True):
    isbn: Annotated[str, Meta(min_length=10, max_length=20)]
    title: Annotated[str, Meta(min_length=1, max_length=200)]
    subtitle: Text200 = ""
    authors: Text200 = ""
    illustrators: Text200 = ""
    translators: Text200 = ""
    publisher: Annotated[str, Meta(max_length=100)] = ""
    year: Annotated[int, Meta(ge=1800, le=2100)] | None = None
    age_band: AgeBand | None = None
    themes: Annotated[list[Annotated[str, Meta(max_length=30)]], Meta(max_length=10)] = msgspec.field(
        default_factory=list
    )
    series: Annotated[str, Meta(max_length=100)] = ""
    summary: Annotated[str, Meta(max_length=5000)] = ""


class BookUpdate(Struct, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    subtitle: Text200 | None = None
    authors: Text200 | None = None
    illustrators: Text200 | None = None
    translators: Text200 | None = None
    publisher: Annotated[str, Meta(max_length=100)] | None = None
    year: Annotated[int, Meta(ge=1800, le=2100)] | None = None
    age_band: AgeBand | None = None
    themes: Annotated[list[Annotated[str, Meta(max_length=30)]], Meta(max_length=10)] | None = None
    series: Annotated[str, Meta(max_length=100)] | None = None
    summary: Annotated[str, Meta(max_length=5000)] | None = None


class BookOut(Struct):
    id: int
    isbn: str
    isbn_display: str
    title: str
    subtitle: str
    authors: str
    illustrators: str
    translators: str
    publisher: str
    year: int | None
    age_band: str | None
    themes: list[str]
    series: str
    summary: str
    draft: bool
    has_cover: bool
    available: int = 0
    available_here: int | None = None


class CopiesIn(Struct, forbid_unknown_fields=True):
    space_id: int
    count: Annotated[int, Meta(ge=1, le=200)] = 1


class CopyOut(Struct):
    id: int
    barcode: str
    book_id: int
    title: str
    status: str
    home_space_id: int
    current_space_id: int | None
    last_seen_at: datetime | None = None


class LoanIn(Struct, forbid_unknown_fields=True):
    barcode: Annotated[str, Meta(min_length=1, max_length=40)] | None = None
    family_id: int | None = None
    copy_token: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    space_id: int | None = None


class LoanOut(Struct):
    id: int
    copy_id: int
    barcode: str
    book_id: int
    title: str
    family_id: int
    borrowed_at: datetime
    due_on: date
    renewals: int
    returned_at: datetime | None
    overdue_days: int = 0


class ReturnIn(Struct, forbid_unknown_fields=True):
    barcode: Annotated[str, Meta(min_length=1, max_length=40)] | None = None
    space_id: int | None = None
    copy_token: Annotated[str, Meta(min_length=1, max_length=200)] | None = None


class ReturnOut(Struct):
    copy_id: int
    barcode: str
    loan_id: int | None
    status: str
    goes_to: Literal["shelf", "hold_shelf", "transit", "awaiting_shelving"]
    destination_space_id: int | None
    message: str


class HoldIn(Struct, forbid_unknown_fields=True):
    pickup_space_id: int


class HoldOut(Struct):
    id: int
    book_id: int
    title: str
    pickup_space_id: int
    status: str
    position: int | None
    created_at: datetime
    expires_at: datetime | None = None


class TransferIn(Struct, forbid_unknown_fields=True):
    from_space_id: int
    to_space_id: int
    barcodes: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(min_length=1, max_length=500)]
    note: Annotated[str, Meta(max_length=200)] = ""


class TransferOut(Struct):
    id: int
    from_space_id: int
    to_space_id: int
    created_at: datetime
    received_at: datetime | None
    items: list[CopyOut]


class ReceiveIn(Struct, forbid_unknown_fields=True):
    barcodes: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(min_length=1, max_length=500)]


class ScansIn(Struct, forbid_unknown_fields=True):
    barcodes: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(min_length=1, max_length=500)]


class StocktakeOut(Struct):
    id: int
    space_id: int
    started_at: datetime
    finished_at: datetime | None
    applied_at: datetime | None
    scanned: int
    report: dict[str, list[dict[str, object]]] | None = None


class ApplyIn(Struct, forbid_unknown_fields=True):
    confirm: bool
    mark_missing: bool = True


class StatusIn(Struct, forbid_unknown_fields=True):
    status: Literal["available", "missing", "damaged", "withdrawn"]
    note: str = ""


class BookPage(Struct):
    items: list[BookOut]
    next_cursor: str | None


class CopyList(Struct):
    items: list[CopyOut]


class CopyDetail(Struct):
    copy: CopyOut
    history: list[dict[str, Any]]
    open_loan_id: int | None = None


class LoanPage(Struct):
    items: list[LoanOut]
    next_cursor: str | None


class HoldList(Struct):
    items: list[HoldOut]


class JobQueued(Struct):
    job_id: str


class FamilyCard(Struct):
    family_id: int
    guardian_name: str
    children: list[str]
    open_loans: int


class RowCheck(Struct):
    """One data row of an imported file: `outcome` new, skip, update, or what is wrong with it."""

    row: int
    isbn: str
    title: str
    outcome: str = "new"
    message: str = ""


class ImportReport(Struct):
    """A checked file: its encoding, each row's outcome, counts by outcome, the problems."""

    encoding: str
    rows: int
    counts: dict[str, int]
    problems: list[RowCheck]
    report: list[RowCheck]
