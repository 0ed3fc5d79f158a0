"""Every controller of the application, in one list: the only place that knows them all."""

from __future__ import annotations

from typing import Any

from app.web.api_accounts import AccountsController
from app.web.checkin import CheckInController, QrController
from app.web.health import HealthController
from app.web.jobs import JobPages, JobsController
from app.web.pages import PAGE_CONTROLLERS
from app.web.qr_pages import FamilyCardPage, ScanPages, StaffScanPages
from reading.lending.controllers import READING_API, READING_PAGES
from reading.programme.controllers import PROGRAMME_API, PROGRAMME_PAGES
from spaces.controllers.api import SpacesController
from spaces.controllers.pages import BOOKING_PAGES
from spaces.controllers.poster_exports import POSTER_EXPORT_CONTROLLERS
from spaces.controllers.slots import SPACES_API

ROUTES: list[Any] = [
    HealthController,
    JobsController,
    JobPages,
    AccountsController,
    SpacesController,
    *SPACES_API,
    *POSTER_EXPORT_CONTROLLERS,
    *READING_API,
    *PROGRAMME_API,
    CheckInController,
    QrController,
    ScanPages,
    StaffScanPages,
    FamilyCardPage,
    *PAGE_CONTROLLERS,
    *BOOKING_PAGES,
    *READING_PAGES,
    *PROGRAMME_PAGES,
]
