"""The catalogue import: a checked file (services/import_files.py) kept for a job, which
imports it in batches with progress, idempotent by ISBN (the user chooses to skip or update
existing titles), so running it again, or a job delivered twice, changes nothing more. The
export: services/exports.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from app.kernel.clock import Clock
from app.kernel.db import engine, write_transaction
from app.kernel.errors import NotFound
from app.kernel.i18n import N_
from app.kernel.jobs import JobQueue, Rerun, table_reruns
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from reading.lending import books
from reading.lending.errors import InvalidCsv
from reading.lending.schemas import ImportReport, JobQueued
from reading.lending.services.catalogue import initials, search_text
from reading.lending.services.import_files import check_file, check_mode, mark_existing, parse, summary
from reading.lending.tables import Book, BookImport

BATCH = 500


async def existing_isbns(isbns: list[str]) -> set[str]:
    """Which of `isbns` the catalogue has: for a big file, one query for all of its ISBNs
    (a catalogue is tens of thousands of titles) rather than hundreds of long IN lists."""
    wanted = set(isbns)
    if len(wanted) > 500:
        return wanted & {r["isbn"] for r in await Book.select(Book.isbn)}
    return {r["isbn"] for r in await Book.select(Book.isbn).where(Book.isbn.is_in(sorted(wanted) or ["-"]))}


async def dry_run(raw: bytes, mode: str) -> ImportReport:
    checked = parse(raw)
    mark_existing(checked, await existing_isbns([r["isbn"] for r in checked.rows]), mode)
    return summary(checked.report, checked.encoding)


async def queue_import(raw: bytes, *, mode: str, filename: str, user_id: int, clock: Clock) -> int:
    """Check the file (file-level errors raise now, before any job) and store it for the job."""
    check_file(raw)
    rows = await BookImport.insert(
        BookImport(user_id=user_id, filename=filename[:200], mode=mode, content=raw, created_at=clock.now())
    ).returning(BookImport.id)
    return int(rows[0]["id"])


@frozen
class CheckedImport:
    """A page's step 1: the dry run's report, and the file kept for step 2."""

    report: ImportReport
    import_id: int
    importable: int  # the rows step 2 would add or update


async def check_upload(raw: bytes, *, mode: str, filename: str, user_id: int, clock: Clock) -> CheckedImport:
    """The page's dry run: the per-row report, and the file stored for the import to start."""
    report = await dry_run(raw, mode)
    import_id = await queue_import(raw, mode=mode, filename=filename, user_id=user_id, clock=clock)
    importable = sum(n for kind, n in report.counts.items() if kind in ("new", "update"))
    return CheckedImport(report, import_id, importable)


async def run_import(import_id: int, *, now: datetime) -> dict[str, Any]:
    """The job: import in batches with progress. Idempotent by ISBN; safe to run twice. A run
    whose worker died is run again (app.kernel.jobs.LEASE) from the first row not yet imported,
    with the ISBNs the catalogue had before the first run, so its counts are the whole job's."""
    run = await _claim(import_id, now)
    if run is None:
        row = await BookImport.select(BookImport.report).where(BookImport.id == import_id).first()
        return dict(loads(row["report"], {})) if row else {}
    try:
        parsed = parse(run.raw)
        existing = await _existing_before(import_id, run, parsed)
        mark_existing(parsed, existing, run.mode)
        total = max(len(parsed.rows), 1)
        for start in range(run.done_rows, len(parsed.rows), BATCH):
            done = min(start + BATCH, len(parsed.rows))
            if not await _import_batch(
                import_id, run.attempt, parsed.rows[start:done], existing, run.mode, now, done, total
            ):
                return {"superseded": True}  # a newer run took over
        result: dict[str, Any] = msgspec.to_builtins(summary(parsed.report, parsed.encoding))
        await _finish(import_id, run.attempt, "done", result, now)
        return result
    except InvalidCsv as exc:
        result = {"error": exc.detail}
        await _finish(import_id, run.attempt, "failed", result, now)
        return result


@frozen
class _Run:
    attempt: int
    raw: bytes
    mode: str
    done_rows: int
    existing_before: list[str] | None


async def _claim(import_id: int, now: datetime) -> _Run | None:
    """This run's turn: queued, or running/retrying (a redelivered or resumed job)."""
    claimed = (
        await BookImport.update(
            {BookImport.status: "running", BookImport.attempt: BookImport.attempt + 1, BookImport.heartbeat_at: now}
        )
        .where((BookImport.id == import_id) & BookImport.status.is_in(["queued", "running", "retrying"]))
        .returning(BookImport.attempt, BookImport.content, BookImport.mode, BookImport.done_rows, BookImport.report)
    )
    if not claimed:
        return None
    row = claimed[0]
    before = loads(row["report"], {}) or {}
    return _Run(
        int(row["attempt"]),
        bytes(row["content"]),
        row["mode"],
        int(row["done_rows"] or 0),
        before.get("existing_before"),
    )


async def _existing_before(import_id: int, run: _Run, parsed: Any) -> set[str]:
    """The file's ISBNs the catalogue had before this job first ran (kept with the job)."""
    if run.existing_before is not None:
        return set(run.existing_before)
    existing = await existing_isbns([r["isbn"] for r in parsed.rows])
    await BookImport.update({BookImport.report: {"existing_before": sorted(existing)}}).where(
        (BookImport.id == import_id) & (BookImport.attempt == run.attempt)
    )
    return existing


async def _finish(import_id: int, attempt: int, status: str, result: dict[str, Any], now: datetime) -> None:
    values: dict[Any, Any] = {BookImport.status: status, BookImport.report: result, BookImport.finished_at: now}
    if status == "done":
        values[BookImport.progress] = 1.0
    await BookImport.update(values).where((BookImport.id == import_id) & (BookImport.attempt == attempt))


async def reruns(now: datetime) -> list[Rerun]:
    """Imports to run again: queued ones whose start may have been lost, and running ones
    whose worker stopped giving signs of life (marked `retrying`)."""
    return await table_reruns(BookImport, "import_books", job_id, "import_id", now)


def job_id(import_id: int) -> str:
    return f"import-{import_id}"


async def _import_batch(
    import_id: int,
    attempt: int,
    rows: list[dict[str, Any]],
    existing: set[str],
    mode: str,
    now: datetime,
    done: int,
    total: int,
) -> bool:
    """One batch and the job's progress in one transaction (a resumed run starts after the
    last committed batch); False, with nothing written, when a newer run owns the job."""
    async with write_transaction():
        owned = await (
            BookImport.update(
                {BookImport.done_rows: done, BookImport.progress: min(1.0, done / total), BookImport.heartbeat_at: now}
            )
            .where((BookImport.id == import_id) & (BookImport.attempt == attempt))
            .returning(BookImport.id)
        )
        if not owned:
            return False
        await _write_rows(rows, existing, mode, now)
    return True


async def _write_rows(rows: list[dict[str, Any]], existing: set[str], mode: str, now: datetime) -> None:
    """New titles in one insert (one added meanwhile, by hand or by this job delivered twice,
    is left alone); in update mode, the titles whose values differ are updated (an unchanged
    title is left alone, its `updated_at` too)."""
    new = [r for r in rows if r["isbn"] not in existing]
    old = [r for r in rows if r["isbn"] in existing] if mode == "update" else []
    if not new and not old:
        return
    if new:
        await _insert_books(
            [
                {
                    **r,
                    "initials": initials(r["title"]),
                    "search_text": search_text(r),
                    "created_at": now,
                    "updated_at": now,
                }
                for r in new
            ]
        )
    if not old:
        return
    # The file's columns, and what the search text is made of (kept for the columns it lacks).
    fields = sorted(({k for r in old for k in r} | set(books.SEARCHED)) - {"isbn"})
    current = {
        r["isbn"]: r
        for r in await Book.select(Book.isbn, *[getattr(Book, k) for k in fields]).where(
            Book.isbn.is_in([r["isbn"] for r in old])
        )
    }
    for r in old:
        before = current.get(r["isbn"])
        if before is None or all(before[k] == v for k, v in r.items() if k != "isbn"):
            continue
        merged = {**before, **r}
        values = {getattr(Book, k): v for k, v in r.items() if k != "isbn"}
        values.update(
            {Book.initials: initials(r["title"]), Book.search_text: search_text(merged), Book.updated_at: now}
        )
        await Book.update(values).where(Book.isbn == r["isbn"])


async def _insert_books(rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT (both engines), the columns' defaults for what a row lacks: building
    a Piccolo `Book` per row cost four times as much as the rest of an import."""
    columns = [c for c in Book._meta.columns if c._meta.name != "id"]
    values: list[Any] = []
    for row in rows:
        values.extend(row.get(c._meta.name, c.default) for c in columns)
    one = "(" + ", ".join(["{}"] * len(columns)) + ")"
    names = ", ".join(f'"{c._meta.db_column_name}"' for c in columns)
    # Only the table's own names go into the SQL; every value is a parameter.
    sql = (
        f'INSERT INTO "{Book._meta.tablename}" ({names}) VALUES {", ".join([one] * len(rows))}'  # noqa: S608
        ' ON CONFLICT ("isbn") DO NOTHING'
    )
    await engine().run_querystring(QueryString(sql, *values))


async def import_status(import_id: int, user_id: int | None) -> dict[str, Any] | None:
    row = (
        await BookImport.select(
            BookImport.id,
            BookImport.user_id,
            BookImport.status,
            BookImport.progress,
            BookImport.report,
            BookImport.created_at,
            BookImport.finished_at,
        )
        .where(BookImport.id == import_id)
        .first()
    )
    if row is None or (user_id is not None and row["user_id"] != user_id):
        return None
    return dict(row)


@frozen
class ImportJob:
    """An import the user started: its status, progress (0–1) and result (the report, or the
    file's problem as `error`)."""

    id: int
    status: str
    progress: float
    result: dict[str, Any]


async def import_job(import_id: int, user_id: int) -> ImportJob:
    row = await import_status(import_id, user_id)
    if row is None:
        raise NotFound(N_("没有找到这个任务"))
    finished = row["status"] in ("done", "failed")  # a running job's notes are its own
    report = dict(loads(row["report"]) or {}) if finished else {}
    return ImportJob(int(row["id"]), str(row["status"]), float(row["progress"]), report)


async def start_import(import_id: int, user_id: int, queue: JobQueue) -> None:
    """Step 2 of a page's import: the checked file imported by a job (once)."""
    job = await import_job(import_id, user_id)
    if job.status == "queued":
        await queue.enqueue("import_books", job_id=job_id(import_id), import_id=import_id)


async def upload(
    raw: bytes, *, mode: str, report_only: bool, filename: str, user_id: int, clock: Clock, queue: JobQueue
) -> ImportReport | JobQueued:
    """The API's upload: the per-row report only (a dry run), or the import queued as a job."""
    check_mode(mode)
    if report_only:
        return await dry_run(raw, mode)
    import_id = await queue_import(raw, mode=mode, filename=filename, user_id=user_id, clock=clock)
    await queue.enqueue("import_books", job_id=job_id(import_id), import_id=import_id)
    return JobQueued(job_id=f"import-{import_id}")
