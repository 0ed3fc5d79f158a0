"""The catalogue as a file: CSV or Excel (app.kernel.spreadsheets: never a formula), and the
import's template. Both speak the columns of reading/lending/books.py."""

from __future__ import annotations

from typing import Any

from app.kernel.spreadsheets import csv_bytes, xlsx_bytes
from reading.lending import books
from reading.lending.tables import Book

# The template's example title, one value per column (the others empty).
EXAMPLE = {
    "isbn": "9787533259662",
    "title": "猜猜我有多爱你",
    "authors": "山姆·麦克布雷尼",
    "illustrators": "安妮塔·婕朗",
    "translators": "梅子涵",
    "publisher": "明天出版社",
    "year": "2013",
    "age_band": "3-6",
    "themes": "亲情;睡前",
    "summary": "小兔子和大兔子比赛谁的爱更多。",
}


def template_csv() -> bytes:
    return csv_bytes([list(books.COLUMNS), [EXAMPLE.get(c, "") for c in books.COLUMNS]])


def _cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    return books.file_themes(value) if column == "themes" else value


async def export_rows() -> list[list[Any]]:
    """A header of the columns' names, then a row per title (an import reads it back)."""
    columns = books.COLUMNS
    rows = await Book.select(*[getattr(Book, c) for c in columns]).order_by(Book.id)
    return [list(columns)] + [[_cell(c, r[c]) for c in columns] for r in rows]


async def export_csv() -> bytes:
    return csv_bytes(await export_rows())


async def export_xlsx() -> bytes:
    return xlsx_bytes({"绘本书目": await export_rows()})
