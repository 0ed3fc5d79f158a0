"""Lending's controllers, one module per resource, pages and API side by side."""

from __future__ import annotations

from litestar import Controller

from reading.lending.controllers.books import BookPages, BooksApi
from reading.lending.controllers.catalogue import CataloguePages
from reading.lending.controllers.copies import CopiesApi, CopyPages
from reading.lending.controllers.desk import DeskPages, FamiliesApi
from reading.lending.controllers.holds import HoldPages, HoldsApi
from reading.lending.controllers.imports import ImportPages, ImportsApi
from reading.lending.controllers.lend import LendPages
from reading.lending.controllers.loans import LoanPages, LoansApi
from reading.lending.controllers.stocktakes import StocktakePages, StocktakesApi
from reading.lending.controllers.transfers import TransferPages, TransfersApi

READING_PAGES: list[type[Controller]] = [
    BookPages,
    LoanPages,
    HoldPages,
    LendPages,
    CataloguePages,
    CopyPages,
    ImportPages,
    DeskPages,
    TransferPages,
    StocktakePages,
]
READING_API: list[type[Controller]] = [
    BooksApi,
    ImportsApi,
    CopiesApi,
    FamiliesApi,
    LoansApi,
    HoldsApi,
    TransfersApi,
    StocktakesApi,
]
