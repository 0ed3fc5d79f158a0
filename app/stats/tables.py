"""The statistics' own state.

Quiet-site episodes, so the district admins hear of a quiet site once per episode (from the
day it is found quiet until the day it is not), not daily. One open episode per space: a
partial unique index (hand-written migration).

The rollups: every additive figure per space, local day and theme (`grain` 'day'), and the
same summed per month (`grain` 'month', `day` the month's first day), so that reading a year
of a city sums a few thousand rows instead of scanning the history (services/rollup.py).
One row per (grain, day, space, theme): a unique index (hand-written migration).

The monthly reports made: one row per month with both files (services/report_runs.py).
"""

from piccolo.columns import UUID, Bytea, Date, Float, ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class QuietEpisode(Table, tablename="stats_quiet_episode"):
    id: Serial
    space_id = Integer(index=True)
    reason = Varchar(length=16)  # what it was first found for: no_check_in, below_usual
    started_on = Date()
    ended_on = Date(null=True, default=None)  # None: still quiet
    notified = Integer(default=0)  # how many district admins were told
    created_at = Timestamptz()


class Rollup(Table, tablename="stats_rollup"):
    """The figures of one space on one local day or month, for one theme ('' for what has
    none); space 0 holds what belongs to no space (the reading log), space -1 the sum of every
    space (the whole district, read when a scope is not split by space). The measures are
    named as the sources name them."""

    id: Serial
    grain = Varchar(length=5)  # day, month
    day = Date()
    space = Integer()
    theme = Varchar(length=32, default="")
    checkins = Integer(default=0)
    walk_in = Integer(default=0)
    booked = Integer(default=0)
    children = Integer(default=0)
    adults = Integer(default=0)
    band_0_3 = Integer(default=0)  # children present by age band at the month of the visit
    band_3_6 = Integer(default=0)
    band_6_9 = Integer(default=0)
    band_9_12 = Integer(default=0)
    band_unknown = Integer(default=0)
    door = Integer(default=0)
    door_adults = Integer(default=0)
    door_children = Integer(default=0)
    bookings = Integer(default=0)
    attended = Integer(default=0)
    no_shows = Integer(default=0)
    cancelled = Integer(default=0)
    activities = Integer(default=0)
    sessions = Integer(default=0)
    session_minutes = Integer(default=0)
    session_adults = Integer(default=0)
    session_children = Integer(default=0)
    lead_sessions = Integer(default=0)
    lead_minutes = Integer(default=0)
    volunteer_minutes = Integer(default=0)
    loans = Integer(default=0)
    returns = Integer(default=0)
    reading_log = Integer(default=0)


class Reach(Table, tablename="stats_reach"):
    """Whom the programme reached, for distinct counts (families present, borrowers) that do not
    add up across days: one row per kind, family, space (0: any) and year, with a mask per
    month whose bit d-1 says the family was seen on day d. One row per (kind, subject, space,
    year): a unique index (hand-written migration)."""

    id: Serial
    kind = Varchar(length=8)  # visit (checked in), loan (borrowed)
    subject = Integer()  # the family
    space = Integer()
    year = Integer()
    m1 = Integer(default=0)
    m2 = Integer(default=0)
    m3 = Integer(default=0)
    m4 = Integer(default=0)
    m5 = Integer(default=0)
    m6 = Integer(default=0)
    m7 = Integer(default=0)
    m8 = Integer(default=0)
    m9 = Integer(default=0)
    m10 = Integer(default=0)
    m11 = Integer(default=0)
    m12 = Integer(default=0)


class RollupState(Table, tablename="stats_rollup_state"):
    """One row: the last local day the rollups hold (days after it are read live), up to which
    instant they hold that day, and a token new with every run: what was read from the
    rollups is remembered until it changes."""

    id: Serial
    built_through = Date()
    built_at = Timestamptz()
    run = UUID(null=True, default=None)
    # The last day's stamped rows are held up to this instant (None: the whole day).
    built_until = Timestamptz(null=True, default=None)


class StatsReport(Table, tablename="stats_report"):
    """A month's report upward, both files kept in the row (the app is stateless: no files),
    made by the job `stats_monthly_report` (services/report_runs.py): on the 1st for the month
    before, or asked for on demand with progress. One row per month (`month` unique); making it
    again replaces its files once the new ones are made. `status` queued, running, done,
    failed, retrying (its worker died); `attempt` counts the job's runs (an older run still
    going stops at its next step)."""

    id: Serial
    month = Date(unique=True)  # the month's first day
    status = Varchar(length=10, default="queued")
    progress = Float(default=0.0)
    attempt = Integer(default=0)
    error = Varchar(length=500, default="")
    pdf = Bytea()
    xlsx = Bytea()
    pdf_size = Integer(default=0)
    xlsx_size = Integer(default=0)
    made_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)  # who asked last; None: the job
    asked_at = Timestamptz()
    made_at = Timestamptz(null=True, default=None)  # when the kept files were made; None: none yet
    heartbeat_at = Timestamptz(null=True, default=None)  # the current run's last sign of life
