"""Catalogue CSV import (the export: services/exports.py).

The file is read whole and checked first: encoding (UTF-8 with or without BOM, or GBK/GB18030
as Chinese Excel saves it), size, required columns. A file-level problem gives a clear
report and imports nothing. Then every row is checked (ISBN, title, year, duplicates in the
file); the dry run stops there. The import itself runs as a job with progress, in batches,
idempotent by ISBN (the user chooses to skip or update existing titles), so running it
again, or a job delivered twice, changes nothing more.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from app.kernel.clock import Clock
from app.kernel.db import engine, write_transaction
from app.kernel.errors import InvalidInput, NotFound
from app.kernel.i18n import N_
from app.kernel.jobs import JobQueue
from app.kernel.jsonvalue import loads
from reading.lending import books
from reading.lending.errors import InvalidCsv
from reading.lending.isbn import normalize
from reading.lending.schemas import ImportReport, JobQueued, RowCheck
from reading.lending.services.catalogue import initials, search_text
from reading.lending.tables import Book, BookImport

MAX_BYTES = 10 * 1024 * 1024
# The upload route accepts this much, so that a larger file (50 MB of junk) still gets the
# clear `invalid_csv` answer rather than the framework's bare 413; only MAX_BYTES + 1 is read.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 500


@dataclass
class Parsed:
    rows: list[dict[str, Any]] = field(default_factory=list)  # valid, normalised rows
    report: list[RowCheck] = field(default_factory=list)  # one entry per data row
    encoding: str = ""


def decode(raw: bytes) -> tuple[str, str]:
    if len(raw) > MAX_BYTES:
        raise InvalidCsv(f"文件太大：一次最多导入 {MAX_BYTES // (1024 * 1024)} MB，请分成几个文件")
    if b"\x00" in raw[:4096]:
        raise InvalidCsv("这不是文本文件（CSV），请从 Excel 选择“另存为 CSV”")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), "gbk" if encoding == "gb18030" else "utf-8"
        except UnicodeDecodeError:
            continue
    raise InvalidCsv("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")


def _data_rows(raw: bytes) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """Decode and read the whole file: (encoding, columns, numbered non-empty rows). Raises
    InvalidCsv for file-level problems (nothing to import)."""
    text, encoding = decode(raw)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if not header:
            raise InvalidCsv("文件是空的")
        columns = [books.ALIASES.get(h.strip().lower(), books.ALIASES.get(h.strip(), "")) for h in header]
        missing = [c for c in ("isbn", "title") if c not in columns]
        if missing:
            raise InvalidCsv(f"缺少必需的列：{', '.join(missing)}（第一行应为列名，可下载模板）")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if number - 1 > MAX_ROWS:
                raise InvalidCsv(f"行数太多，一次最多导入 {MAX_ROWS} 行")
            if any(c.strip() for c in cells):
                rows.append((number, cells))
    except csv.Error as exc:
        raise InvalidCsv(f"CSV 格式错误：{exc}") from None
    return encoding, columns, rows


def check_file(raw: bytes) -> None:
    """The file-level checks only (encoding, size, columns, CSV syntax): raises InvalidCsv."""
    _data_rows(raw)


def parse(raw: bytes, existing: set[str] | None = None, mode: str = "skip") -> Parsed:
    """Check a whole file, row by row; raises InvalidCsv for file-level problems. Valid rows
    are "new", or "skip"/"update" (by `mode`) when their ISBN is in `existing`."""
    encoding, columns, rows = _data_rows(raw)
    parsed = Parsed(encoding=encoding)
    seen: dict[str, int] = {}
    for number, cells in rows:
        values = {col: cells[i].strip() for i, col in enumerate(columns) if col and i < len(cells)}
        parsed.report.append(_check_row(number, values, seen, parsed))
    mark_existing(parsed, existing or set(), mode)
    return parsed


def mark_existing(parsed: Parsed, existing: set[str], mode: str) -> None:
    """Valid rows whose ISBN is in the catalogue already: skipped or updated, by `mode`."""
    for entry in parsed.report:
        if entry.outcome == "new" and entry.isbn in existing:
            entry.outcome = "update" if mode == "update" else "skip"


def _problem(values: dict[str, str], isbn: str, seen: dict[str, int]) -> tuple[str, str] | None:
    """What is wrong with a row whose ISBN is valid: (outcome, message), or None."""
    if not values.get("title"):
        return "missing_title", "缺少书名"
    if len(values["title"]) > 200:
        return "invalid", "书名太长（最多 200 字）"
    year = values.get("year") or ""
    if year and not (year.isdigit() and 1800 <= int(year) <= 2100):
        return "invalid", "出版年份不正确"
    age = values.get("age_band") or ""
    if age and age not in books.AGE_BANDS:
        return "invalid", "年龄段应为 0-3、3-6、6-9 或 9-12"
    if isbn in seen:
        return "duplicate", f"与第 {seen[isbn]} 行重复"
    return None


def _row(values: dict[str, str], isbn: str) -> dict[str, Any]:
    """A valid row's values for the catalogue: only the columns the file has (an update leaves
    the others as they are)."""
    row: dict[str, Any] = {k: v[: books.LIMITS.get(k, 200)] for k, v in values.items() if k in books.TEXT}
    row["isbn"] = isbn
    if "age_band" in values:
        row["age_band"] = values["age_band"]
    if "year" in values:
        row["year"] = int(values["year"]) if values["year"] else None
    if "themes" in values:
        row["themes"] = books.stored_themes(books.themes_from_file(values["themes"]))[:200]
    return row


def _check_row(number: int, values: dict[str, str], seen: dict[str, int], parsed: Parsed) -> RowCheck:
    entry = RowCheck(row=number, isbn=values.get("isbn", ""), title=values.get("title", ""))
    try:
        entry.isbn = normalize(values.get("isbn", ""))
    except Exception:
        entry.outcome, entry.message = "invalid_isbn", "ISBN 不正确"
        return entry
    problem = _problem(values, entry.isbn, seen)
    if problem is not None:
        entry.outcome, entry.message = problem
        return entry
    seen[entry.isbn] = number
    parsed.rows.append(_row(values, entry.isbn))
    return entry


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


def summary(report: list[RowCheck], encoding: str = "") -> ImportReport:
    counts: dict[str, int] = {}
    for entry in report:
        counts[entry.outcome] = counts.get(entry.outcome, 0) + 1
    return ImportReport(
        encoding=encoding,
        rows=len(report),
        counts=counts,
        problems=[e for e in report if e.outcome not in ("new", "skip", "update")],
        report=report,
    )


def check_mode(mode: str) -> str:
    if mode not in ("skip", "update"):
        raise InvalidInput(N_("mode 应为 skip 或 update"), fields=[{"field": "mode", "message": "skip or update"}])
    return mode


async def queue_import(raw: bytes, *, mode: str, filename: str, user_id: int, clock: Clock) -> int:
    """Check the file (file-level errors raise now, before any job) and store it for the job."""
    check_file(raw)
    rows = await BookImport.insert(
        BookImport(user_id=user_id, filename=filename[:200], mode=mode, content=raw, created_at=clock.now())
    ).returning(BookImport.id)
    return int(rows[0]["id"])


async def run_import(import_id: int, *, now: datetime) -> dict[str, Any]:
    """The job: import in batches with progress. Idempotent by ISBN; safe to run twice."""
    claimed = (
        await BookImport.update({BookImport.status: "running"})
        .where((BookImport.id == import_id) & BookImport.status.is_in(["queued", "running"]))
        .returning(BookImport.content, BookImport.mode)
    )
    if not claimed:
        row = await BookImport.select(BookImport.report).where(BookImport.id == import_id).first()
        return dict(loads(row["report"], {})) if row else {}
    raw, mode = bytes(claimed[0]["content"]), claimed[0]["mode"]
    try:
        parsed = parse(raw)
        existing = await existing_isbns([r["isbn"] for r in parsed.rows])
        mark_existing(parsed, existing, mode)
        total = max(len(parsed.rows), 1)
        for start in range(0, len(parsed.rows), BATCH):
            await _import_batch(parsed.rows[start : start + BATCH], existing, mode, now)
            await BookImport.update({BookImport.progress: min(1.0, (start + BATCH) / total)}).where(
                BookImport.id == import_id
            )
        result: dict[str, Any] = msgspec.to_builtins(summary(parsed.report, parsed.encoding))
        await BookImport.update(
            {
                BookImport.status: "done",
                BookImport.progress: 1.0,
                BookImport.report: result,
                BookImport.finished_at: now,
            }
        ).where(BookImport.id == import_id)
        return result
    except InvalidCsv as exc:
        result = {"error": exc.detail}
        await BookImport.update(
            {BookImport.status: "failed", BookImport.report: result, BookImport.finished_at: now}
        ).where(BookImport.id == import_id)
        return result


async def _import_batch(rows: list[dict[str, Any]], existing: set[str], mode: str, now: datetime) -> None:
    """New titles in one insert (one added meanwhile, by hand or by this job delivered twice,
    is left alone); in update mode, the titles whose values differ are updated (an unchanged
    title is left alone, its `updated_at` too)."""
    new = [r for r in rows if r["isbn"] not in existing]
    old = [r for r in rows if r["isbn"] in existing] if mode == "update" else []
    if not new and not old:
        return
    async with write_transaction():
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


@dataclass(frozen=True, slots=True)
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
    return ImportJob(int(row["id"]), str(row["status"]), float(row["progress"]), dict(loads(row["report"]) or {}))


async def start_import(import_id: int, user_id: int, queue: JobQueue) -> None:
    """Step 2 of a page's import: the checked file imported by a job (once)."""
    job = await import_job(import_id, user_id)
    if job.status == "queued":
        await queue.enqueue("import_books", job_id=f"import-{import_id}", import_id=import_id)


async def upload(
    raw: bytes, *, mode: str, report_only: bool, filename: str, user_id: int, clock: Clock, queue: JobQueue
) -> ImportReport | JobQueued:
    """The API's upload: the per-row report only (a dry run), or the import queued as a job."""
    check_mode(mode)
    if report_only:
        return await dry_run(raw, mode)
    import_id = await queue_import(raw, mode=mode, filename=filename, user_id=user_id, clock=clock)
    await queue.enqueue("import_books", job_id=f"import-{import_id}", import_id=import_id)
    return JobQueued(job_id=f"import-{import_id}")
