"""The reading programme's HTTP: one controller module per resource, each with its JSON API
(API.md, "Reading programme") and its server-rendered pages for phones (both call the same
services). Refusals on the pages come from `app.kernel.web.refusal_page`."""

from reading.programme.controllers.applications import ApplicationPages, ApplicationsController
from reading.programme.controllers.certificates import CertificatePages, CertificatesController
from reading.programme.controllers.hours import HoursController, HoursPages
from reading.programme.controllers.lead_readers import LeadReaderPages, LeadReadersController
from reading.programme.controllers.reading_log import ReadingLogController, ReadingLogPages
from reading.programme.controllers.sessions import SessionPages, SessionsController

PROGRAMME_API = [
    ApplicationsController,
    LeadReadersController,
    CertificatesController,
    SessionsController,
    HoursController,
    ReadingLogController,
]
PROGRAMME_PAGES = [ApplicationPages, LeadReaderPages, CertificatePages, SessionPages, HoursPages, ReadingLogPages]
