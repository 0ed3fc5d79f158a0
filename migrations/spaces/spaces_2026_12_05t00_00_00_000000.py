"""The per-family booking cap and the booking horizon are policies now (app/kernel/policies.py):
a space whose own column differs from the old default gets that value as its override of the
policy (recorded in the policy history without a user), so nothing changes for its families.
The columns stay in the table but are no longer read."""

from datetime import UTC, datetime

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.table import Table

ID = "2026-12-05T00:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "space booking cap and horizon become policy overrides"

MOVED = (("max_future_bookings", "future_booking_cap", 4), ("booking_horizon_days", "booking_horizon_days", 14))


class Space(Table, tablename="spaces_space"):
    max_future_bookings = Integer()
    booking_horizon_days = Integer()


class Policy(Table, tablename="app_policy"):
    key = Varchar(length=40)
    space_id = Integer()
    value = Integer()
    updated_at = Timestamptz()
    updated_by = Integer(null=True, default=None)


class PolicyChange(Table, tablename="app_policy_change"):
    key = Varchar(length=40)
    space_id = Integer()
    before = Integer(null=True, default=None)
    after = Integer(null=True, default=None)
    user_id = Integer(null=True, default=None)
    at = Timestamptz()


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="spaces", description=DESCRIPTION)

    async def move() -> None:
        now = datetime.now(UTC)
        rows = await Space.select(Space.id, Space.max_future_bookings, Space.booking_horizon_days)
        for column, key, default in MOVED:
            for row in rows:
                if row[column] == default:
                    continue
                if await Policy.exists().where((Policy.key == key) & (Policy.space_id == row["id"])):
                    continue
                await Policy.insert(Policy(key=key, space_id=row["id"], value=row[column], updated_at=now))
                await PolicyChange.insert(PolicyChange(key=key, space_id=row["id"], after=row[column], at=now))

    manager.add_raw(move)
    return manager
