"""What every process of the service sets from the settings before it serves requests or runs
jobs: web processes and the arq worker alike (a job issuing a QR token needs the keyring as
much as a request does)."""

from __future__ import annotations

from app.kernel.clock import set_local_zone
from app.settings import Settings
from qr.services import tokens as qr_tokens
from qr.tokens import Keyring
from reading.programme import rules as programme_rules


def configure(settings: Settings) -> None:
    set_local_zone(settings.tz)
    programme_rules.configure(settings.lead_reader_levels)
    qr_tokens.configure(
        Keyring.derived(
            settings.secret_key,
            key_ids=settings.qr_key_ids,
            signing_key_id=settings.qr_signing_key_id,
            retired=settings.qr_retired_key_ids,
        )
    )
