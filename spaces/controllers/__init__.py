"""The spaces domain's HTTP: the JSON API and the pages, one module per resource."""

from spaces.controllers.booking_pages import BookingPages
from spaces.controllers.bookings_api import BookingsController, CalendarController
from spaces.controllers.closures import ClosurePages, ClosuresController
from spaces.controllers.corners import CornerCodes, LiveScreenPage
from spaces.controllers.families import FamilyStaffController, FamilyStaffPage
from spaces.controllers.poster_exports import PosterExportPages, PosterExportsController
from spaces.controllers.roster_pages import RosterPages
from spaces.controllers.scan_log import ScanLogController, ScanLogPage
from spaces.controllers.scan_pages import BookingCodes
from spaces.controllers.schedule_pages import SchedulePages
from spaces.controllers.slots_api import SlotsController, SpaceSlotsController
from spaces.controllers.space_admin import SpaceAdminPages
from spaces.controllers.spaces import SpacePages, SpacesController

SPACES_API = [
    SpacesController,
    ClosuresController,
    SpaceSlotsController,
    SlotsController,
    BookingsController,
    CalendarController,
    PosterExportsController,
    CornerCodes,
    BookingCodes,
    ScanLogController,
    FamilyStaffController,
]
SPACES_PAGES = [
    SpacePages,
    BookingPages,
    SchedulePages,
    RosterPages,
    ClosurePages,
    PosterExportPages,
    LiveScreenPage,
    SpaceAdminPages,
    ScanLogPage,
    FamilyStaffPage,
]
