"""Volunteer hours: a person's hours are the sum of the minutes of the sessions they logged
(ran) or led, each session counted once per person; per space, and as CSV."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.accounts.tables import User
from app.kernel.spreadsheets import csv_bytes
from reading.programme.schemas import HoursOut
from reading.programme.services.sessions import served_where
from reading.programme.tables import ReadingSession, SessionLeadReader


async def hours(*, actor: Actor, space_id: int | None = None) -> list[HoursOut]:
    """Per person (and space): sessions they logged or led, and the minutes of those."""
    query = ReadingSession.select(
        ReadingSession.id, ReadingSession.space, ReadingSession.minutes, ReadingSession.logged_by
    )
    served = served_where(ReadingSession.space, actor=actor, space_id=space_id)
    if served is not None:
        query = query.where(served)
    sessions = await query
    by_id = {s["id"]: s for s in sessions}
    leads = await SessionLeadReader.select(SessionLeadReader.session, SessionLeadReader.lead_reader._.user).where(
        SessionLeadReader.session.is_in(list(by_id) or [-1])
    )
    people: dict[tuple[int, int], set[int]] = {}
    for s in sessions:
        if s["logged_by"] is not None:
            people.setdefault((s["logged_by"], s["space"]), set()).add(s["id"])
    for link in leads:
        s = by_id[link["session"]]
        people.setdefault((link["lead_reader.user"], s["space"]), set()).add(s["id"])
    names = {
        u["id"]: u["display_name"]
        for u in await User.select(User.id, User.display_name).where(
            User.id.is_in(sorted({k[0] for k in people}) or [-1])
        )
    }
    out = []
    for (user_id, space), session_ids in sorted(people.items()):
        minutes = sum(by_id[i]["minutes"] for i in session_ids)
        out.append(
            HoursOut(
                user_id=user_id,
                display_name=names.get(user_id, ""),
                space_id=space,
                sessions=len(session_ids),
                minutes=minutes,
                hours=round(minutes / 60, 2),
            )
        )
    return out


def hours_csv(rows: list[HoursOut]) -> bytes:
    """Volunteer hours as CSV (names never run as formulas: app.kernel.spreadsheets)."""
    header = ["user_id", "name", "space_id", "sessions", "minutes", "hours"]
    return csv_bytes([header, *([h.user_id, h.display_name, h.space_id, h.sessions, h.minutes, h.hours] for h in rows)])
