"""What every process of the service sets from the settings before it serves requests or runs
jobs: web processes and the arq worker alike (a job issuing a QR token needs the keyring as
much as a request does, a job sending an SMS its provider). It is also where qr learns which
domain handles each purpose of a code: the check-in targets (`qr.checkin`) and the pages a
scanned code opens (`qr.openers`); and where identity learns what each domain keeps about a
family (`app.accounts.personal_data`). Importing it registers every domain's notice kinds
(`app.kernel.notices`), so a process words whatever notice it delivers."""

from __future__ import annotations

from app.accounts import notices as _account_notices  # noqa: F401 (registers notice kinds)
from app.accounts import personal_data
from app.accounts.services import sms_codes
from app.kernel.clock import set_local_zone
from app.kernel.memory import limit_malloc_arenas
from app.notify import channels
from app.notify import personal_data as messages_data
from app.settings import Settings
from app.web import family_card
from qr import checkin, openers
from qr.services import tokens as qr_tokens
from qr.tokens import Keyring
from reading.lending import notices as _lending_notices  # noqa: F401
from reading.lending.controllers import scan as lending_scan
from reading.lending.services import personal_data as lending_data
from reading.programme import notices as _programme_notices  # noqa: F401
from reading.programme import rules as programme_rules
from reading.programme.controllers import verification
from reading.programme.services import personal_data as programme_data
from spaces import notices as _spaces_notices  # noqa: F401
from spaces.controllers import scan_pages
from spaces.services import checkins
from spaces.services import personal_data as spaces_data


def configure(settings: Settings) -> None:
    limit_malloc_arenas()
    set_local_zone(settings.tz)
    sms_codes.configure(settings.secret_key)
    channels.configure(settings.messaging, settings.base_url)
    programme_rules.configure(settings.lead_reader_levels)
    qr_tokens.configure(
        Keyring.derived(
            settings.secret_key,
            key_ids=settings.qr_key_ids,
            signing_key_id=settings.qr_signing_key_id,
            retired=settings.qr_retired_key_ids,
        )
    )
    register_codes()
    register_personal_data()


def register_personal_data() -> None:
    """What each domain keeps about a family, for its export, erasure and consent withdrawal."""
    parts = (spaces_data, lending_data, programme_data, messages_data)
    for part in (p.PERSONAL_DATA for p in parts):
        personal_data.register(part)


def register_codes() -> None:
    """Which domain checks in, and which page opens, for each purpose of a code."""
    for target in checkins.TARGETS:
        checkin.register(target)
    for opener in (*scan_pages.OPENERS, lending_scan.OPENER, verification.OPENER, family_card.OPENER):
        openers.register(opener)
