"""Run as `python -m tests.app.db_probe tables|indexes`: names in the DATABASE_URL database."""

import asyncio
import sys

from piccolo.querystring import QueryString

from app.kernel.db import engine

QUERIES = {
    ("sqlite", "tables"): "SELECT name FROM sqlite_master WHERE type = 'table'",
    ("sqlite", "indexes"): "SELECT name FROM sqlite_master WHERE type = 'index'",
    ("postgres", "tables"): "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'",
    ("postgres", "indexes"): "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'",
}


async def main(kind: str) -> None:
    db = engine()
    rows = await db.run_querystring(QueryString(QUERIES[(db.engine_type, kind)]))
    print(" ".join(sorted(row["name"] for row in rows)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
