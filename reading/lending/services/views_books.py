"""Read models of the book pages: the families' search and a book's page, the staff's
catalogue, a title's edit page and its copies."""

from __future__ import annotations

from dataclasses import field

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.values import frozen
from reading.lending import books
from reading.lending.books import AGE_BANDS
from reading.lending.schemas import BookOut, CopyOut, HoldOut, LoanOut
from reading.lending.services import catalogue, copies, holds, loans
from reading.lending.services.copies import MARKABLE
from reading.lending.services.views import SpaceName, pick_space, served_spaces, space_names
from reading.lending.tables import Book, Copy

PAGE_SIZE = 20


@frozen
class SearchPage:
    """A page of a family's search: what was searched (normalised), the titles found with
    their availability per space, and the filters' choices."""

    q: str
    age_band: str
    theme: str
    space_id: int | None
    available: bool  # only what can be borrowed at `space_id` now
    page: int
    books: list[BookOut]
    per_space: dict[int, dict[int, int]]  # available copies per title and space
    names: dict[int, str]
    themes: list[str]
    more: bool
    searched: bool  # anything asked for (else: the newest titles)
    age_bands: tuple[str, ...] = AGE_BANDS


async def availability_by_space(book_ids: list[int]) -> dict[int, dict[int, int]]:
    """Available copies per title and space: {book: {space: count}}."""
    if not book_ids:
        return {}
    rows = await Copy.select(Copy.book, Copy.current_space).where(
        Copy.book.is_in(book_ids) & (Copy.status == "available") & Copy.current_space.is_not_null()
    )
    found: dict[int, dict[int, int]] = {}
    for r in rows:
        per_space = found.setdefault(int(r["book"]), {})
        per_space[int(r["current_space"])] = per_space.get(int(r["current_space"]), 0) + 1
    return found


async def top_themes(limit: int = 24) -> list[str]:
    """The themes most titles have, for the search's filter."""
    rows = await Book.select(Book.themes).where(Book.themes != "").limit(5000)
    counts: dict[str, int] = {}
    for r in rows:
        for theme in str(r["themes"]).split(","):
            if theme:
                counts[theme] = counts.get(theme, 0) + 1
    return [t for t, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


async def search_page(
    q: str | None, age_band: str | None, theme: str | None, space: int | None, available: bool, page: int
) -> SearchPage:
    """A page of the search by title, author, ISBN or pinyin initials, with each title's
    availability per space."""
    names = await space_names()
    space_id = space if space in names else None
    text, band, topic = (q or "").strip(), age_band if age_band in books.AGE_BANDS else "", (theme or "").strip()
    only_here = available and space_id is not None
    offset = (page - 1) * PAGE_SIZE
    found = await catalogue.search(
        text,
        age_band=band or None,
        theme=topic or None,
        space_id=space_id,
        available_only=only_here,
        limit=PAGE_SIZE + 1,
        offset=offset,
    )
    shown = found[:PAGE_SIZE]
    return SearchPage(
        q=text,
        age_band=band,
        theme=topic,
        space_id=space_id,
        available=only_here,
        page=page,
        books=shown,
        per_space=await availability_by_space([b.id for b in shown]),
        names=names,
        themes=await top_themes(),
        more=len(found) > PAGE_SIZE and offset + PAGE_SIZE < catalogue.SEARCH_CANDIDATES,
        searched=bool(text or band or topic or space_id),
    )


@frozen
class SpaceCopies:
    """A title at a space: its copies there (not missing or withdrawn), how many can be borrowed."""

    id: int
    name: str
    available: int
    total: int


async def copies_by_space(book_id: int, names: dict[int, str]) -> list[SpaceCopies]:
    """Where a title can be borrowed: most available copies first."""
    rows = await Copy.select(Copy.status, Copy.current_space, Copy.home_space).where(Copy.book == book_id)
    here: dict[int, list[int]] = {}
    for r in rows:
        space_id = r["current_space"] if r["current_space"] is not None else r["home_space"]
        counts = here.setdefault(int(space_id), [0, 0])
        if r["status"] not in ("withdrawn", "missing"):
            counts[1] += 1
        if r["status"] == "available" and r["current_space"] is not None:
            counts[0] += 1
    order = sorted((sid for sid, c in here.items() if c[1]), key=lambda sid: (-here[sid][0], sid))
    return [SpaceCopies(sid, names.get(sid, ""), here[sid][0], here[sid][1]) for sid in order]


@frozen
class BookPage:
    book: BookOut
    spaces: list[SpaceCopies]
    names: dict[int, str]
    all_spaces: list[tuple[int, str]]
    is_family: bool
    mine: HoldOut | None  # the family's hold on this title
    loan: LoanOut | None  # the family's loan of it
    pickup: int | None  # the pickup space the hold form offers first


async def book_page(book_id: int, actor: Actor | None, clock: Clock, *, pickup: int | None = None) -> BookPage:
    """A book's page: availability at each space, and the family's hold or loan of it."""
    book = await catalogue.get_book(book_id)
    names = await space_names()
    spaces = await copies_by_space(book_id, names)
    mine: HoldOut | None = None
    loan: LoanOut | None = None
    is_family = actor is not None and actor.is_family
    if is_family and actor is not None and actor.family_id is not None:
        mine = next((h for h in await holds.active_holds(actor.family_id) if h.book_id == book_id), None)
        lent = await loans.list_loans(actor=actor, clock=clock, limit=200)
        loan = next((x for x in lent if x.book_id == book_id), None)
    return BookPage(
        book=book,
        spaces=spaces,
        names=names,
        all_spaces=sorted(names.items()),
        is_family=is_family,
        mine=mine,
        loan=loan,
        pickup=pickup or (spaces[0].id if spaces else None),
    )


@frozen
class CataloguePage:
    q: str
    books: list[BookOut]  # the search's
    recent: list[BookOut]  # without a search: the titles added last
    copies: dict[int, int] = field(default_factory=dict)  # copies per title shown


async def copy_counts(book_ids: list[int]) -> dict[int, int]:
    """How many copies each title has (withdrawn ones included: they are in the records)."""
    rows = await Copy.select(Copy.book).where(Copy.book.is_in(book_ids or [-1]))
    counts: dict[int, int] = {}
    for r in rows:
        counts[int(r["book"])] = counts.get(int(r["book"]), 0) + 1
    return counts


async def catalogue_page(q: str | None) -> CataloguePage:
    """The staff's catalogue: a search's titles, or the ones added last, with their copies."""
    text = (q or "").strip()
    found = await catalogue.search(text, limit=50) if text else []
    recent = [] if found else await catalogue.recent_books(20)
    return CataloguePage(q=text, books=found, recent=recent, copies=await copy_counts([b.id for b in found + recent]))


@frozen
class EditPage:
    book: BookOut
    form: dict[str, str]
    copies: int
    age_bands: tuple[str, ...] = AGE_BANDS


async def edit_page(book_id: int, form: dict[str, str] | None = None) -> EditPage:
    """A title's staff page: the edit form (as saved, or as posted) and its number of copies."""
    book = await catalogue.get_book(book_id)
    return EditPage(book=book, form=form or books.form_of(book), copies=await catalogue.copy_count(book_id))


@frozen
class CopiesPage:
    book: BookOut
    copies: list[CopyOut]
    names: dict[int, str]
    served: list[SpaceName]
    serves: set[int]
    by_home: dict[int, list[int]]  # the copies' ids by home space (a label sheet each)
    space_id: int | None
    statuses: tuple[str, ...] = MARKABLE


async def copies_page(book_id: int, actor: Actor, space: int | None) -> CopiesPage:
    """A title's copies with status and place, to add copies and print labels."""
    book = await catalogue.get_book(book_id)
    found = await copies.of_book(book_id)
    served = await served_spaces(actor)
    by_home: dict[int, list[int]] = {}
    for c in found:
        by_home.setdefault(c.home_space_id, []).append(c.id)
    return CopiesPage(
        book=book,
        copies=found,
        names=await space_names(),
        served=served,
        serves={s.id for s in served},
        by_home=by_home,
        space_id=pick_space(served, space),
    )
