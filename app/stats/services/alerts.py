"""Quiet-site alerts: each run (a periodic job) finds the quiet sites; a site newly quiet
opens an episode and every active district admin gets one notice in the inbox, in the same
transaction; a site no longer quiet closes its episode. So an admin hears of a quiet site
once per episode, however often the job runs (one open episode per space: a unique index;
two runs at once tell it once)."""

from __future__ import annotations

from app.accounts.roles import DISTRICT_ADMIN
from app.accounts.tables import User
from app.kernel import outbox
from app.kernel.clock import Clock, local_today
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.values import frozen
from app.stats import notices
from app.stats.schemas import QuietSite
from app.stats.services.quiet import DEFAULT_DAYS, quiet_sites
from app.stats.tables import QuietEpisode


@frozen
class AlertRun:
    opened: int  # episodes begun (each told to every admin)
    closed: int  # episodes ended (the site is busy again)
    told: int  # notices written


async def _admins() -> list[int]:
    rows = await User.select(User.id, User.roles).where((User.active == True) & User.roles.like(f"%{DISTRICT_ADMIN}%"))
    return [r["id"] for r in rows if DISTRICT_ADMIN in r["roles"].split()]


def _params(site: QuietSite) -> tuple[str, dict[str, str | int]]:
    if site.reason == "no_check_in":
        return notices.NO_CHECK_IN.kind, {"space": site.name, "street": site.street, "days": site.open_days_without}
    usual = f"{site.usual_visits:g}"
    return notices.BELOW_USUAL.kind, {
        "space": site.name,
        "street": site.street,
        "recent": site.recent_visits,
        "usual": usual,
    }


async def _open(site: QuietSite, admins: list[int], clock: Clock) -> bool:
    """Open the site's episode and tell every admin; False when another run opened it first."""
    now = clock.now()
    kind, params = _params(site)
    try:
        async with write_transaction():
            await QuietEpisode.insert(
                QuietEpisode(
                    space_id=site.space_id,
                    reason=site.reason,
                    started_on=local_today(clock),
                    notified=len(admins),
                    created_at=now,
                )
            )
            for admin in admins:
                await outbox.notice(recipient_id=admin, kind=kind, params=params, now=now, link="/staff/stats")
    except Exception as exc:
        if is_unique_violation(exc):
            return False
        raise
    return True


async def alert_quiet_sites(*, clock: Clock, days: int = DEFAULT_DAYS) -> AlertRun:
    found = {site.space_id: site for site in (await quiet_sites(days=days, clock=clock)).items}
    open_now = {r["space_id"]: r["id"] for r in await QuietEpisode.select().where(QuietEpisode.ended_on.is_null())}
    ended = [episode for space, episode in open_now.items() if space not in found]
    if ended:
        async with write_transaction():
            await QuietEpisode.update({QuietEpisode.ended_on: local_today(clock)}).where(
                QuietEpisode.id.is_in(ended) & QuietEpisode.ended_on.is_null()
            )
    admins = await _admins()
    opened = told = 0
    for space_id, site in found.items():
        if space_id in open_now:
            continue
        if await _open(site, admins, clock):
            opened += 1
            told += len(admins)
    return AlertRun(opened=opened, closed=len(ended), told=told)
