"""CPU per book search, a microbenchmark (not `make bench`): `catalogue.search()` called in
this process over the database of DATABASE_URL, timed with `time.process_time` (every thread of
the process: on SQLite that includes the engine's own work; on PostgreSQL the server's share is
not counted), so a loaded machine changes the figures less than wall time would.

    DATABASE_URL=sqlite:////tmp/s.sqlite3 python -m app migrate
    DATABASE_URL=sqlite:////tmp/s.sqlite3 python -m app seed-synthetic --scale district --titles 100000
    DATABASE_URL=sqlite:////tmp/s.sqlite3 python -m tests.load.search_cpu --searches 500 --runs 5

The terms are the bench's mix (tests/load/prepare.py): half 2-3 character substrings of real
titles, 3 in 10 pinyin-initial prefixes, 2 in 10 ISBNs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time


async def measure(args: argparse.Namespace) -> list[float]:
    from app import database
    from app.settings import get_settings
    from reading.lending.services.catalogue import search
    from reading.lending.tables import Book

    await database.start(get_settings())
    try:
        rng = random.Random(f"search-cpu:{args.seed}")
        books = await Book.select(Book.title, Book.initials, Book.isbn).order_by(Book.id)
        terms: list[str] = []
        for n in range(args.searches):
            book = books[rng.randrange(len(books))]
            kind = n % 10
            if kind < 5:
                size = rng.randint(2, 3)
                start = rng.randrange(max(1, len(book["title"]) - size + 1))
                terms.append(book["title"][start : start + size])
            elif kind < 8:
                terms.append(book["initials"][: rng.randint(2, 5)] or "xq")
            else:
                terms.append(book["isbn"])
        if args.dump:  # each term's page (ids, copies available): to compare two versions
            with open(args.dump, "w", encoding="utf-8") as out:
                for term in terms:
                    page = await search(term, space_id=args.space)
                    print(term, [(b.id, b.available, b.available_here) for b in page], file=out)
        for term in terms[:50]:  # warm up: caches, prepared statements, the file's pages
            await search(term)
        per_run: list[float] = []
        for _ in range(args.runs):
            started = time.process_time()
            for term in terms:
                await search(term)
            per_run.append((time.process_time() - started) * 1000 / len(terms))
        return per_run
    finally:
        await database.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=500, help="searches per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dump", help="first write each term's page to this file (to compare two versions)")
    parser.add_argument("--space", type=int, default=1, help="the space of --dump's pages")
    args = parser.parse_args(argv)
    per_run = asyncio.run(measure(args))
    runs = ", ".join(f"{ms:.2f}" for ms in per_run)
    print(f"CPU ms per search over {args.searches} searches: median {statistics.median(per_run):.2f} (runs: {runs})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
