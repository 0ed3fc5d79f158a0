"""Quiet-site alerts: the daily (hourly) job tells every active district admin, in the inbox,
of each site newly quiet, once per episode; a site busy again ends its episode, and a new
quiet spell is told again."""

from __future__ import annotations

import httpx

from app.jobs.registry import CRON, JOBS
from app.kernel.tables import Notification
from app.notify.delivery import deliver_pending
from app.stats.services.alerts import alert_quiet_sites
from app.stats.tables import QuietEpisode
from tests.helpers import FrozenClock, create_staff
from tests.stats.history import add_check_in, add_slot, utc
from tests.stats.test_export_quiet import seed_quiet


async def inbox(user_id: int) -> list[str]:
    rows = await Notification.select(Notification.title, Notification.body).where(Notification.user_id == user_id)
    return sorted(f"{r['title']}|{r['body']}" for r in rows)


async def test_quiet_sites_reach_the_admins_once_per_episode(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    q = await seed_quiet()
    admins = [await create_staff("stats_a1"), await create_staff("stats_a2")]
    librarian = await create_staff("stats_l1", roles=("librarian",), spaces=(q["Q2"],))
    assert any(job.name == "quiet_site_alerts" for job in CRON)
    assert await JOBS["quiet_site_alerts"]({"clock": clock}) == {"opened": 2, "closed": 0, "told": 4}
    await deliver_pending(clock=clock)
    expected = [
        "阅读空间冷清：二号|二号（东四）已有 16 个开放日没有签到。",
        "阅读空间冷清：四号|四号（东四）最近四周签到 5 人次，不到平时（约 28 人次）的一半。",
    ]
    for admin in admins:
        assert await inbox(admin) == expected
    assert await inbox(librarian) == []
    # The same day again, and the next days: the same episodes, nobody told twice.
    for _ in range(3):
        assert (await alert_quiet_sites(clock=clock)).told == 0
        clock.advance(days=1)
    await deliver_pending(clock=clock)
    assert await inbox(admins[0]) == expected
    # Q2 (open on Saturdays) sees a family on Saturday 5 December: its episode ends; Q1, quiet
    # since 20 November, reaches fourteen open days without and is told ...
    slot = await add_slot(q["Q2"], utc(2026, 12, 5, 2), kind="open_reading")
    await add_check_in(q["Q2"], slot, utc(2026, 12, 5, 2, 30), family=None, children=[], people=2)
    clock.set(utc(2026, 12, 6, 2))
    run = await alert_quiet_sites(clock=clock)
    assert (run.closed, run.opened, run.told) == (1, 1, 2)
    await deliver_pending(clock=clock)
    assert "阅读空间冷清：一号|一号（东四）已有 15 个开放日没有签到。" in await inbox(admins[0])
    closed = await QuietEpisode.select().where(QuietEpisode.space_id == q["Q2"]).first()
    assert closed is not None and str(closed["ended_on"]) == "2026-12-06"
    # ... and fourteen quiet Saturdays later it is told again, once.
    clock.advance(days=7 * 14)
    run = await alert_quiet_sites(clock=clock)
    await deliver_pending(clock=clock)
    titles = [t for t in await inbox(admins[1]) if t.startswith("阅读空间冷清：二号")]
    assert len(titles) == 2
    assert (await alert_quiet_sites(clock=clock)).told == 0
