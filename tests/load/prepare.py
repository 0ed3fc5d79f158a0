"""Bench fixtures on a freshly seeded database (run by the harness with that DATABASE_URL):

    python -m tests.load.prepare --out FIXTURES.json --wave 5000 --hot 1000 --wave-spaces 60

- The check-in wave's spaces are made open all day, every day (00:00-23:59), with room for
  everyone (a "reading day" with the whole space open), so the wave runs at any hour and
  measures check-ins, not `outside_opening_hours` or `space_full` refusals.
- Families get API bearer tokens minted directly (256 random bits, only the SHA-256 stored,
  exactly what `POST /api/v1/auth/tokens` stores): logging 6,000 families in through argon2
  would cost minutes of CPU and measure the password hash, not the scenarios. The harness
  still logs a few families in through the API to prove the shared synthetic password works.
- Corner QR tokens are issued with the service's key (from SECRET_KEY), as posters carry them.
- The hot-slot families have no upcoming booking (the limit of 4 cannot interfere).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
from datetime import UTC, datetime, time, timedelta
from typing import Any


async def prepare(args: argparse.Namespace) -> dict[str, Any]:
    from piccolo.querystring import QueryString

    from app import database
    from app.accounts.services.auth import hash_token
    from app.accounts.tables import ApiToken, Child, User
    from app.kernel.clock import set_local_zone
    from app.kernel.db import engine, write_transaction
    from app.settings import get_settings
    from qr.services import tokens
    from qr.tokens import Keyring, Purpose
    from reading.lending.tables import Book, Copy, Loan
    from spaces.tables import Booking, Closure, Corner, OpeningHours, Space, StaffAssignment

    settings = get_settings()
    set_local_zone(settings.tz)
    tokens.configure(
        Keyring.derived(
            settings.secret_key,
            key_ids=settings.qr_key_ids,
            signing_key_id=settings.qr_signing_key_id,
            retired=settings.qr_retired_key_ids,
        )
    )
    await database.start(settings)
    try:
        rng = random.Random(f"bench:{args.seed}")
        now = datetime.now(UTC)
        spaces = await Space.select(Space.id, Space.kind).order_by(Space.id)
        bases = [s["id"] for s in spaces if s["kind"] == "reading_base"]
        small = [s["id"] for s in spaces if s["kind"] == "ten_square"]
        wave_spaces = bases[:1] + sorted(rng.sample(small, min(len(small), args.wave_spaces - 1)))
        async with write_transaction():
            await OpeningHours.delete().where(OpeningHours.space.is_in(wave_spaces))
            await OpeningHours.insert(
                *[
                    OpeningHours(space=s, weekday=d, opens=time(0, 0), closes=time(23, 59))
                    for s in wave_spaces
                    for d in range(1, 8)
                ]
            )
            await Space.update({Space.capacity: 100_000, Space.require_live_code: False}).where(
                Space.id.is_in(wave_spaces)
            )
            await Closure.delete().where(Closure.space.is_in(wave_spaces))
        corners = (
            await Corner.select(Corner.id, Corner.space).where(Corner.space.is_in(wave_spaces)).order_by(Corner.id)
        )
        corner_tokens = [
            {"corner": c["id"], "space": c["space"], "token": await tokens.issue(Purpose.corner, c["id"], now=now)}
            for c in corners
        ]

        busy = {
            r["family"]
            for r in await Booking.select(Booking.family).where(
                Booking.status.is_in(["confirmed", "offered", "waitlisted"]) & (Booking.slot.starts_at > now)
            )
        }
        users = await (
            User.select(User.id, User.family)
            .where((User.roles == "family") & User.family.is_not_null())
            .order_by(User.id)
        )
        candidates = [u for u in users if u["family"] not in busy]
        rng.shuffle(candidates)
        needed = args.warm + args.wave + args.hot + args.logins + args.cycles
        if len(candidates) < needed:
            raise SystemExit(f"only {len(candidates)} families without upcoming bookings, {needed} needed")
        chosen = candidates[:needed]
        warm = chosen[: args.warm]
        wave = chosen[args.warm : args.warm + args.wave]
        hot = chosen[args.warm + args.wave : args.warm + args.wave + args.hot]
        login_ids = [u["id"] for u in chosen[args.warm + args.wave + args.hot : needed - args.cycles]]
        lenders = [u["family"] for u in chosen[needed - args.cycles :]]
        first_child: dict[int, int] = {}
        hot_families = [u["family"] for u in hot]
        for start in range(0, len(hot_families), 500):
            rows = await Child.select(Child.id, Child.family).where(
                Child.family.is_in(hot_families[start : start + 500])
            )
            for row in sorted(rows, key=lambda r: r["id"]):
                first_child.setdefault(row["family"], row["id"])

        admin = await User.select(User.id).where(User.login == "syn.admin.1").first()
        if admin is None:
            raise SystemExit("no syn.admin.1: was the database seeded with seed-synthetic?")
        minted: dict[int, str] = {}
        rows_to_insert = []
        expires = now + timedelta(days=2)
        for user_id in [admin["id"]] + [u["id"] for u in warm + wave + hot]:
            token = secrets.token_urlsafe(32)
            minted[user_id] = token
            rows_to_insert.append(
                ApiToken(user=user_id, token_hash=hash_token(token), created_at=now, expires_at=expires)
            )
        for start in range(0, len(rows_to_insert), 1000):
            await ApiToken.insert(*rows_to_insert[start : start + 1000])
        logins = [r["login"] for r in await User.select(User.login).where(User.id.is_in(login_ids or [-1]))]

        # Circulation: available copies over many spaces, lent by the librarian of their space
        # to families with no open loan, then returned there.
        cycles: list[dict[str, Any]] = []
        if args.cycles:
            open_loans = {r["family"] for r in await Loan.select(Loan.family).where(Loan.returned_at.is_null())}
            lenders = [f for f in lenders if f not in open_loans]
            librarian_of: dict[int, int] = {}
            for row in await StaffAssignment.select(StaffAssignment.user, StaffAssignment.space).where(
                StaffAssignment.user.roles == "librarian"
            ):
                librarian_of.setdefault(row["space"], row["user"])
            librarian_tokens: dict[int, str] = {}
            for user_id in sorted(set(librarian_of.values())):
                token = secrets.token_urlsafe(32)
                librarian_tokens[user_id] = token
                await ApiToken.insert(
                    ApiToken(user=user_id, token_hash=hash_token(token), created_at=now, expires_at=expires)
                )
            # every stride-th copy: spread over all spaces without loading millions of rows
            stride = max(1, await Copy.count() // (3 * len(lenders) + 1))
            available = await engine().run_querystring(
                QueryString(
                    "SELECT barcode, home_space FROM reading_copy WHERE status = 'available' "
                    "AND current_space = home_space AND id % {} = 0",
                    stride,
                )
            )
            available = [c for c in available if c["home_space"] in librarian_of]
            picked = rng.sample(available, min(len(available), len(lenders)))
            cycles = [
                {
                    "barcode": c["barcode"],
                    "space": c["home_space"],
                    "family": family,
                    "token": librarian_tokens[librarian_of[c["home_space"]]],
                }
                for c, family in zip(picked, lenders, strict=False)
            ]

        # Book search: Chinese substrings of real titles, pinyin-initial prefixes, ISBNs.
        searches: list[str] = []
        if args.searches:
            books = await Book.select(Book.title, Book.initials, Book.isbn).order_by(Book.id)
            for n in range(args.searches):
                book = books[rng.randrange(len(books))]
                kind = n % 10
                if kind < 5:
                    title = book["title"]
                    size = rng.randint(2, 3)
                    start = rng.randrange(max(1, len(title) - size + 1))
                    searches.append(title[start : start + size])
                elif kind < 8:
                    searches.append(book["initials"][: rng.randint(2, 5)] or "xq")
                else:
                    searches.append(book["isbn"])
        return {
            "created_at": now.isoformat(),
            "admin_token": minted[admin["id"]],
            "admin_login": "syn.admin.1",
            "wave_spaces": wave_spaces,
            "corner_tokens": corner_tokens,
            "warm": [{"family": u["family"], "token": minted[u["id"]]} for u in warm],
            "wave": [{"family": u["family"], "token": minted[u["id"]]} for u in wave],
            "hot": [
                {"family": u["family"], "token": minted[u["id"]], "child": first_child[u["family"]]}
                for u in hot
                if u["family"] in first_child
            ],
            "hot_space": bases[0],
            "space_ids": [s["id"] for s in spaces],
            "logins": logins,
            "cycles": cycles,
            "searches": searches,
            "books": await Book.count(),
        }
    finally:
        await database.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warm", type=int, default=200)
    parser.add_argument("--wave", type=int, default=5000)
    parser.add_argument("--hot", type=int, default=1000)
    parser.add_argument("--logins", type=int, default=4)
    parser.add_argument("--wave-spaces", type=int, default=60)
    parser.add_argument("--cycles", type=int, default=0, help="loan + return cycles to prepare")
    parser.add_argument("--searches", type=int, default=0, help="book searches to prepare")
    args = parser.parse_args(argv)
    fixtures = asyncio.run(prepare(args))
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(fixtures, f, ensure_ascii=False)
    print(
        f"fixtures: {len(fixtures['wave'])} wave families over {len(fixtures['wave_spaces'])} spaces"
        f" ({len(fixtures['corner_tokens'])} corners), {len(fixtures['hot'])} hot-slot families,"
        f" {len(fixtures['cycles'])} loan cycles, {len(fixtures['searches'])} searches"
        f" over {fixtures['books']:,} titles"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
