"""Every file a spreadsheet opens is written here: CSV and Excel, without formula injection.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel
and WPS (`=cmd|' /C calc'!A0` runs a program). CSV cannot mark a cell as text, so such a value
gets a leading apostrophe, which spreadsheets hide and our imports remove again
(`read_cell`). Excel files mark every text cell as text, so the value stays exactly itself;
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: Any) -> Any:
    """A CSV cell that cannot run as a formula (numbers and empty cells unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Control characters other than tab, newline and carriage return: XML 1.0 (an .xlsx file)
# cannot hold them, and openpyxl refuses the whole workbook for one (a name typed with one).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(value: str) -> str:
    """A text an Excel cell can hold: control characters become U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", value)


def read_cell(value: str) -> str:
    """What a CSV cell said before `safe_text` guarded it (for re-importing our own exports)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads Chinese; every text cell guarded."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if v is None else safe_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: dict[str, Iterable[Sequence[Any]]]) -> bytes:
    """An Excel workbook, one sheet per name; text cells typed as text (never formulas)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title[:31])
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, str):
                    cell = WriteOnlyCell(sheet, value=printable(value))
                    cell.data_type = "s"  # openpyxl would take "=..." for a formula
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
