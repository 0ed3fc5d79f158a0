"""An uploaded catalogue file, read and checked before anything is imported.

The file is read whole and checked first: encoding (UTF-8 with or without BOM, or GBK/GB18030
as Chinese Excel saves it), size, required columns; a file-level problem (InvalidCsv) imports
nothing. Then every row is checked (ISBN, title, year, age band, duplicates in the file) and
gets its outcome; the valid rows are the values the import writes (reading/lending/books.py
names the columns).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.numbers import is_whole_number
from app.kernel.spreadsheets import read_cell
from reading.lending import books
from reading.lending.errors import InvalidCsv
from reading.lending.isbn import normalize
from reading.lending.schemas import ImportReport, RowCheck

MAX_BYTES = 10 * 1024 * 1024
# The upload route accepts this much, so that a larger file (50 MB of junk) still gets the
# clear `invalid_csv` answer rather than the framework's bare 413; only MAX_BYTES + 1 is read.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_ROWS = 50_000


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
        values = {col: read_cell(cells[i].strip()) for i, col in enumerate(columns) if col and i < len(cells)}
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
        return "missing_title", N_("缺少书名")
    if len(values["title"]) > 200:
        return "invalid", N_("书名太长（最多 200 字）")
    year = values.get("year") or ""
    if year and not (is_whole_number(year, 4) and 1800 <= int(year) <= 2100):
        return "invalid", N_("出版年份不正确")
    age = values.get("age_band") or ""
    if age and age not in books.AGE_BANDS:
        return "invalid", N_("年龄段应为 0-3、3-6、6-9 或 9-12")
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
        entry.outcome, entry.message = "invalid_isbn", N_("ISBN 不正确")
        return entry
    problem = _problem(values, entry.isbn, seen)
    if problem is not None:
        entry.outcome, entry.message = problem
        return entry
    seen[entry.isbn] = number
    parsed.rows.append(_row(values, entry.isbn))
    return entry


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
