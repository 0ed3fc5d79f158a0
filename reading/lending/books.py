"""The one definition of a title's columns: what a librarian fills in on the form, what a CSV
import reads and an export writes, what the catalogue stores and searches.

The form, the import and the export all speak these names; `Book` (tables.py) has them as
columns and `BookIn`/`BookUpdate` (schemas.py) as fields.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from reading.lending.schemas import BookIn, BookUpdate

# Every column a librarian, a file or the API gives a title, in the order of the form and files.
COLUMNS = (
    "isbn",
    "title",
    "subtitle",
    "authors",
    "illustrators",
    "translators",
    "publisher",
    "year",
    "age_band",
    "themes",
    "series",
    "summary",
)
# The plain text ones (no ISBN check, no number, no choice, no list).
TEXT = tuple(c for c in COLUMNS if c not in ("isbn", "year", "age_band", "themes"))
# What the search text is made of (catalogue.search_text).
SEARCHED = ("title", "subtitle", "authors", "illustrators", "translators", "series")
# The columns' sizes (tables.Book); the others take 200 characters.
LIMITS = {"publisher": 100, "series": 100, "summary": 5000}
AGE_BANDS = ("0-3", "3-6", "6-9", "9-12")
THEMES = 10  # at most, each at most 30 characters

# CSV headers a librarian may use for each column (Chinese Excel files name them in Chinese).
ALIASES = {
    **{c: c for c in COLUMNS},
    "书号": "isbn",
    "书名": "title",
    "题名": "title",
    "副书名": "subtitle",
    "author": "authors",
    "作者": "authors",
    "著者": "authors",
    "绘者": "illustrators",
    "绘图": "illustrators",
    "译者": "translators",
    "出版社": "publisher",
    "出版年": "year",
    "出版年份": "year",
    "适读年龄": "age_band",
    "年龄段": "age_band",
    "主题": "themes",
    "丛书": "series",
    "系列": "series",
    "简介": "summary",
}


def themes_from_form(raw: str) -> list[str]:
    """The form's themes: separated by commas, semicolons, 、, slashes or spaces."""
    parts = re.split(r"[,，;；、/\s]+", raw or "")
    return [p.strip()[:30] for p in parts if p.strip()][:THEMES]


def themes_from_file(raw: str) -> set[str]:
    """A file's themes: separated by semicolons (commas separate a CSV's cells)."""
    return {t.strip()[:30] for t in raw.replace("；", ";").split(";") if t.strip()}


def file_themes(stored: str) -> str:
    """Stored themes as a file writes them (what `themes_from_file` reads)."""
    return ";".join(t for t in stored.split(",") if t)


def stored_themes(themes: list[str] | set[str]) -> str:
    """Themes as the catalogue stores them: sorted, without repeats, comma-separated."""
    return ",".join(sorted({t.strip() for t in themes if t.strip()}))


def form_of(values: Any) -> dict[str, str]:
    """A form's fields from a title (a `BookOut`), or the posted fields (a dict) as strings."""
    if isinstance(values, dict):
        return {c: str(values.get(c) or "") for c in COLUMNS}
    form = {c: str(getattr(values, c) or "") for c in COLUMNS}
    form["themes"] = ", ".join(values.themes)
    return form


def _form_values(form: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {c: form.get(c, "").strip() for c in COLUMNS if c not in ("year", "themes")}
    year = form.get("year", "").strip()
    try:
        values["year"] = int(year) if year else None
    except ValueError:
        raise InvalidInput(N_("出版年份应为四位数字"), fields=[{"field": "year", "message": "a year"}]) from None
    values["age_band"] = values["age_band"] if values["age_band"] in AGE_BANDS else None
    values["themes"] = themes_from_form(form.get("themes", ""))
    return values


def _convert(values: dict[str, Any], kind: type[Any]) -> Any:
    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as exc:
        match = re.search(r"\$\.(\w+)", str(exc))
        field = match.group(1) if match else "title"
        raise InvalidInput(
            N_("请检查填写的内容：有一项太长或格式不对"), fields=[{"field": field, "message": str(exc)}]
        ) from None


def book_in(form: dict[str, str]) -> BookIn:
    """A new title from the form (its ISBN already checked)."""
    result: BookIn = _convert(_form_values(form), BookIn)
    return result


def book_update(form: dict[str, str]) -> BookUpdate:
    """The edit form's changes (the ISBN stays); an empty title is refused."""
    values = _form_values(form)
    values.pop("isbn", None)
    if not values["title"]:
        raise InvalidInput(N_("请填写书名"), fields=[{"field": "title", "message": "required"}])
    if values["age_band"] is None:
        values.pop("age_band")
    result: BookUpdate = _convert(values, BookUpdate)
    return result
