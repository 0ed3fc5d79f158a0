"""How long what is kept: the retention periods (settings, shown on the privacy page) and the
hourly job that applies them. Families' own records stay while the family has its account
(it can erase it); these are the service's working records.

| what | kept |
|---|---|
| sessions and API tokens | until they expire or are revoked, then deleted at once |
| the scan log (every scan, failed ones too) | KEEP_SCAN_LOG_DAYS (180) |
| log-in attempts | KEEP_LOGIN_ATTEMPTS_DAYS (30) |
| answers kept for idempotent retries | 24 hours |
| delivered outbox rows, SMS and WeChat deliveries and tries | 30 days (the inbox keeps its copy) |
| SMS codes | until they expire (app.accounts.services.sms_codes) |
| which family and children a check-in was | KEEP_CHECK_IN_LINKS_YEARS (3); the check-in stays, anonymous |
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.accounts.tables import ApiToken, LoginAttempt
from app.kernel import idempotency
from app.kernel.clock import Clock, system_clock
from app.kernel.tables import OutboxMessage
from app.kernel.values import frozen
from app.settings import Settings, get_settings
from app.tables import KeyValue
from qr.tables import Scan
from spaces.tables import CheckIn

OUTBOX_KEPT = timedelta(days=30)


@frozen
class Periods:
    scan_log: timedelta
    login_attempts: timedelta
    check_in_links: timedelta = timedelta(days=3 * 365)

    @classmethod
    def of(cls, settings: Settings) -> Periods:
        return cls(
            scan_log=timedelta(days=settings.keep_scan_log_days),
            login_attempts=timedelta(days=settings.keep_login_attempts_days),
            check_in_links=timedelta(days=365 * settings.keep_check_in_links_years),
        )


async def apply(periods: Periods, *, now: datetime) -> dict[str, int]:
    """Delete what has outlived its period; how many of each went."""
    return {
        "sessions": len(await KeyValue.delete().where(KeyValue.expires_at < now).returning(KeyValue.id)),
        "api_tokens": len(
            await ApiToken.delete()
            .where((ApiToken.expires_at < now) | ApiToken.revoked_at.is_not_null())
            .returning(ApiToken.id)
        ),
        "idempotency": await idempotency.purge(now=now),
        "login_attempts": len(
            await LoginAttempt.delete().where(LoginAttempt.at < now - periods.login_attempts).returning(LoginAttempt.id)
        ),
        "scan_log": len(await Scan.delete().where(Scan.at < now - periods.scan_log).returning(Scan.id)),
        "check_in_links": len(
            await CheckIn.update({CheckIn.family: None, CheckIn.child_ids: []})
            .where((CheckIn.checked_in_at < now - periods.check_in_links) & CheckIn.family.is_not_null())
            .returning(CheckIn.id)
        ),
        "outbox": len(
            await OutboxMessage.delete()
            .where(OutboxMessage.delivered_at < now - OUTBOX_KEPT)
            .returning(OutboxMessage.id)
        ),
    }


async def retention_job(ctx: dict[str, Any]) -> dict[str, int]:
    clock: Clock = ctx.get("clock", system_clock)
    return await apply(Periods.of(get_settings()), now=clock.now())
