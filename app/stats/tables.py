"""The statistics' own state: quiet-site episodes, so the district admins hear of a quiet
site once per episode (from the day it is found quiet until the day it is not), not daily.
One open episode per space: a partial unique index (hand-written migration)."""

from piccolo.columns import Date, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class QuietEpisode(Table, tablename="stats_quiet_episode"):
    id: Serial
    space_id = Integer(index=True)
    reason = Varchar(length=16)  # what it was first found for: no_check_in, below_usual
    started_on = Date()
    ended_on = Date(null=True, default=None)  # None: still quiet
    notified = Integer(default=0)  # how many district admins were told
    created_at = Timestamptz()
