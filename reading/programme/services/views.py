"""What the programme's pages read, shared by its read models (`views_*.py`): the spaces a
person serves (the pickers), names by id, books as a line, hours as text. Typed, and never a
query in a controller."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from app.accounts.actor import Actor
from app.accounts.tables import User
from app.kernel.values import frozen
from reading.lending.tables import Book
from spaces.tables import Space


class PageView:
    """A page's read model: its fields are the template's context."""

    __slots__ = ()

    def context(self, **more: Any) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)} | more  # type: ignore[arg-type]


@frozen
class SpaceChoice:
    id: int
    name: str
    street: str = ""


@frozen
class BookLine:
    """A book as a session's card names it (a draft from an unknown ISBN shows its ISBN)."""

    id: int
    title: str
    isbn: str
    draft: bool


async def served_spaces(actor: Actor) -> list[SpaceChoice]:
    """The spaces the actor serves (a district admin: all), in id order."""
    query = Space.select(Space.id, Space.name).order_by(Space.id)
    if not actor.is_admin:
        query = query.where(Space.id.is_in(sorted(actor.space_ids) or [-1]))
    return [SpaceChoice(id=r["id"], name=r["name"]) for r in await query]


def pick(spaces: list[SpaceChoice], wanted: int | None) -> int | None:
    """`wanted` when it is one of `spaces`, else None."""
    return wanted if wanted is not None and any(s.id == wanted for s in spaces) else None


async def all_spaces() -> list[SpaceChoice]:
    """Every space, by street (where a family may offer to read)."""
    rows = await Space.select(Space.id, Space.name, Space.street).order_by(Space.street, Space.id)
    return [SpaceChoice(id=r["id"], name=r["name"], street=r["street"] or "") for r in rows]


async def space_names(space_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(space_ids))
    if not wanted:
        return {}
    return {r["id"]: r["name"] for r in await Space.select(Space.id, Space.name).where(Space.id.is_in(wanted))}


async def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in user_ids if i is not None})
    if not wanted:
        return {}
    rows = await User.select(User.id, User.display_name).where(User.id.is_in(wanted))
    return {r["id"]: r["display_name"] for r in rows}


async def book_lines(book_ids: Iterable[int]) -> dict[int, BookLine]:
    wanted = sorted(set(book_ids))
    if not wanted:
        return {}
    rows = await Book.select(Book.id, Book.title, Book.isbn, Book.draft).where(Book.id.is_in(wanted))
    return {r["id"]: BookLine(id=r["id"], title=r["title"], isbn=r["isbn"], draft=bool(r["draft"])) for r in rows}


def hours_text(minutes: int) -> str:
    """Minutes as hours with one decimal: 90 → "1.5"."""
    value = round(minutes / 60, 1)
    return str(int(value)) if value == int(value) else str(value)
