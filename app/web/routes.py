"""Every controller of the application, in one list: the only place that knows them all."""

from __future__ import annotations

from typing import Any

from app.stats.controllers import STATS_API, STATS_PAGES
from app.web.api_accounts import AccountsController
from app.web.auth_api import AuthController
from app.web.channels import ChannelsController
from app.web.family_card import FamilyCardPage
from app.web.health import HealthController
from app.web.jobs import JobPages, JobsController
from app.web.pages import PAGE_CONTROLLERS
from app.web.people import StaffController
from app.web.people_pages import PeoplePages
from app.web.policies import PoliciesController, PoliciesPage
from qr.controllers.checkins import CheckInController
from qr.controllers.scan import ScanPages, StaffScanPages
from reading.lending.controllers import READING_API, READING_PAGES
from reading.programme.controllers import PROGRAMME_API, PROGRAMME_PAGES
from spaces.controllers import SPACES_API, SPACES_PAGES

API: list[Any] = [
    HealthController,
    JobsController,
    AccountsController,
    AuthController,
    ChannelsController,
    StaffController,
    PoliciesController,
    *SPACES_API,
    *READING_API,
    *PROGRAMME_API,
    CheckInController,
    *STATS_API,
]
PAGES: list[Any] = [
    JobPages,
    ScanPages,
    StaffScanPages,
    FamilyCardPage,
    *PAGE_CONTROLLERS,
    *SPACES_PAGES,
    *READING_PAGES,
    *PROGRAMME_PAGES,
    *STATS_PAGES,
    PeoplePages,
    PoliciesPage,
]
# The pages are `Pages` controllers (app/kernel/web.py), which keeps them out of the OpenAPI
# document. (A Router around them would say it once too, but Litestar deep-copies a Router
# instance into every app it is registered in: 140 ms more for every app a test builds.)
ROUTES: list[Any] = [*API, *PAGES]
