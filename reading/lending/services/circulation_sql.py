"""Circulation's hand-written SQL (services/loans.py, services/routing.py), in SQLite's spelling
(`app.kernel.sql.dialect` gives PostgreSQL its words and drops FOR UPDATE on SQLite), with
named parameters (`:name`). tests/reading/lending/test_circulation_statements.py runs each on
both engines and checks PostgreSQL's plans.

A loan reads LEND_SCENE, then writes (LEND on PostgreSQL; SQLite, whose write transactions are
serial and which has no writes inside WITH, writes one by one): two statements after the auth
instead of twelve. A return, and every other routing of a copy, takes the title's lock
(TITLE_LOCK), reads ROUTE_SCENE and writes ROUTE: three instead of twelve.
"""

from __future__ import annotations

# The fields of `CopyOut` (`copies.copy_out()`), for a copy `c` joined to its title `bk`.
COPY_COLUMNS = (
    "c.id, c.barcode, c.book AS book_id, bk.title, c.status, c.home_space AS home_space_id,"
    " c.current_space AS current_space_id, c.last_seen_at"
)

# The copy (`{copy}`: by barcode or by id) with what a loan of it to `:family_id` checks: the
# ready hold on it, the stored loan policies of its space and the district and the space's own
# lending rules, the family (its row locked for the rest of the transaction on PostgreSQL:
# simultaneous loans to one family stop at its limit), its open loans and earliest due day, and
# whether it checked in at the copy's space since `:present_since` (self-service).
LEND_SCENE = (
    f"SELECT {COPY_COLUMNS},"  # noqa: S608 (a constant, no input)
    " (SELECT json_array(h.id, h.family) FROM reading_hold h"
    " WHERE h.copy = c.id AND h.status = 'ready' LIMIT 1) AS ready_hold,"
    " (SELECT json_group_array(json_array(p.key, p.space_id, p.value)) FROM app_policy p"
    " WHERE p.key IN ('max_loans', 'loan_days', 'renewals') AND p.space_id IN (c.current_space, :district))"
    " AS policies,"
    " (SELECT json_array(r.max_loans, r.loan_days, r.renewals, r.block_overdue_days)"
    " FROM reading_lending_rules r WHERE r.space = c.current_space) AS own_rules,"
    " (SELECT f.id FROM accounts_family f WHERE f.id = :family_id FOR UPDATE) AS family,"
    " (SELECT count(*) FROM reading_loan l WHERE l.family = :family_id AND l.returned_at IS NULL) AS open_loans,"
    " (SELECT min(l.due_on) FROM reading_loan l WHERE l.family = :family_id AND l.returned_at IS NULL)"
    " AS earliest_due,"
    " (SELECT count(*) FROM spaces_check_in ci WHERE ci.family = :family_id AND ci.space = c.current_space"
    " AND ci.checked_in_at >= :present_since) AS present"
    " FROM reading_copy c JOIN reading_book bk ON bk.id = c.book WHERE {copy}"
)
BY_BARCODE = "c.barcode = :copy"
BY_ID = "c.id = :copy"


def for_copy(sql: str, copy: int | str) -> tuple[str, int | str]:
    """`sql` (LEND_SCENE, TITLE_LOCK) finding the copy by barcode (a str) or by id, and the
    value of its `:copy`."""
    if isinstance(copy, str):
        return sql.format(copy=BY_BARCODE), copy.strip().upper()
    return sql.format(copy=BY_ID), copy


# LEND (PostgreSQL): the loan in one statement. The family's open loans are counted again here:
# this statement's snapshot is taken after LEND_SCENE locked the family, so it sees every loan
# committed to the family before. Under the limit, the copy moves from `:before` (what the scene
# read: a copy changed meanwhile is not moved, and nothing is written), its event and the loan
# are written and the ready hold `:hold` (0: none) is fulfilled.
LEND = (
    "WITH allowed AS (SELECT 1 AS ok WHERE (SELECT count(*) FROM reading_loan l"
    " WHERE l.family = :family AND l.returned_at IS NULL) < :max_loans),"
    " moved AS (UPDATE reading_copy SET status = 'on_loan', last_seen_at = CAST(:now AS TIMESTAMPTZ),"
    " current_space = NULL WHERE id = :copy AND status = :before AND EXISTS (SELECT 1 FROM allowed) RETURNING id),"
    " noted AS (INSERT INTO reading_copy_event (copy, kind, from_status, to_status, space, actor, detail, at)"
    " SELECT id, 'loan', :before, 'on_loan', :space, :actor, CAST(:detail AS JSONB), CAST(:now AS TIMESTAMPTZ)"
    " FROM moved),"
    " lent AS (INSERT INTO reading_loan (copy, family, space, borrowed_at, due_on, renewals, by_user, self_service)"
    " SELECT id, :family, :space, CAST(:now AS TIMESTAMPTZ), :due_on, 0, :actor, :self_service FROM moved"
    " RETURNING id),"
    " fulfilled AS (UPDATE reading_hold SET status = 'fulfilled', closed_at = CAST(:now AS TIMESTAMPTZ)"
    " WHERE id = :hold AND EXISTS (SELECT 1 FROM lent))"
    " SELECT (SELECT id FROM lent) AS loan_id, (SELECT count(*) FROM allowed) AS allowed"
)


# TITLE_LOCK: the copy (`{copy}`: by barcode or by id) and its title, the title's row locked for
# the rest of the transaction on PostgreSQL. Routing a copy and joining a title's queue both
# take it, so neither misses the other (services/routing.py). Its own statement: the next one's
# snapshot is taken after the lock, so it sees every hold committed before.
TITLE_LOCK = (
    "SELECT c.id, (SELECT bk.id FROM reading_book bk WHERE bk.id = c.book FOR UPDATE) AS book"
    " FROM reading_copy c WHERE {copy}"
)

# ROUTE_SCENE: what routing the copy `:copy` at the space `:here` reads: the copy, the name of
# `:here` (NULL: no such space) and of its home, its open loan, the waiting hold that claimed it
# (travelling to its pickup space), the first waiting hold of its title no copy was given to
# yet (with the pickup spaces' names), and the district's hold pickup days.
ROUTE_SCENE = (
    f"SELECT {COPY_COLUMNS},"  # noqa: S608 (a constant, no input)
    " (SELECT s.name FROM spaces_space s WHERE s.id = :here) AS here_name,"
    " (SELECT s.name FROM spaces_space s WHERE s.id = c.home_space) AS home_name,"
    " (SELECT json_array(l.id, l.family) FROM reading_loan l"
    " WHERE l.copy = c.id AND l.returned_at IS NULL LIMIT 1) AS open_loan,"
    " (SELECT json_array(h.id, h.pickup_space, s.name) FROM reading_hold h JOIN spaces_space s"
    " ON s.id = h.pickup_space WHERE h.copy = c.id AND h.status = 'waiting' LIMIT 1) AS claimed,"
    " (SELECT json_array(h.id, h.pickup_space, s.name) FROM reading_hold h JOIN spaces_space s"
    " ON s.id = h.pickup_space WHERE h.book = c.book AND h.status = 'waiting' AND h.copy IS NULL"
    " ORDER BY h.id LIMIT 1) AS next_hold,"
    " (SELECT p.value FROM app_policy p WHERE p.key = 'hold_pickup_days' AND p.space_id = :district)"
    " AS pickup_days"
    " FROM reading_copy c JOIN reading_book bk ON bk.id = c.book WHERE c.id = :copy"
)

# ROUTE (PostgreSQL): a routing's writes in one statement, each after the one before it, so
# that nothing is written when one does not take: the hold `:hold` (0: none) given the copy
# (ready on the hold shelf, or waiting while the copy travels), the copy moved from `:before` to
# `:to` at `:here` and its event, the open loan closed (`:close_loan`: a return), the transfer
# it was on received (`:receive`), and a transfer to `:to_space` when it travels on.
ROUTE = (
    "WITH claimed AS (UPDATE reading_hold SET copy = :copy, status = :hold_status,"
    " ready_at = CAST(:ready_at AS TIMESTAMPTZ), expires_at = CAST(:expires_at AS TIMESTAMPTZ)"
    " WHERE id = :hold AND status = 'waiting' AND (copy IS NULL OR copy = :copy) RETURNING id),"
    " moved AS (UPDATE reading_copy SET status = :to, last_seen_at = CAST(:now AS TIMESTAMPTZ), current_space = :here"
    " WHERE id = :copy AND status = :before AND (:hold = 0 OR EXISTS (SELECT 1 FROM claimed)) RETURNING id),"
    " noted AS (INSERT INTO reading_copy_event (copy, kind, from_status, to_status, space, actor, detail, at)"
    " SELECT id, :kind, :before, :to, :here, :actor, CAST(:detail AS JSONB), CAST(:now AS TIMESTAMPTZ) FROM moved),"
    " closed AS (UPDATE reading_loan SET returned_at = CAST(:now AS TIMESTAMPTZ), returned_space = :here"
    " WHERE copy = :copy AND returned_at IS NULL AND :close_loan AND EXISTS (SELECT 1 FROM moved)"
    " RETURNING id, family),"
    " received AS (UPDATE reading_transfer_item SET received_at = CAST(:now AS TIMESTAMPTZ)"
    " WHERE copy = :copy AND received_at IS NULL AND :receive AND EXISTS (SELECT 1 FROM moved)),"
    " sent AS (INSERT INTO reading_transfer (from_space, to_space, created_by, created_at, received_at, note)"
    " SELECT :here, :to_space, :actor, CAST(:now AS TIMESTAMPTZ), NULL, :note FROM moved"
    " WHERE :to = 'in_transit' RETURNING id),"
    " carried AS (INSERT INTO reading_transfer_item (transfer, copy, received_at) SELECT id, :copy, NULL FROM sent)"
    " SELECT (SELECT id FROM moved) AS moved, (SELECT count(*) FROM claimed) AS claimed,"
    " (SELECT id FROM closed) AS loan_id, (SELECT family FROM closed) AS family"
)

STATEMENTS = {
    "LEND_SCENE (by barcode)": LEND_SCENE.format(copy=BY_BARCODE),
    "LEND_SCENE (by id)": LEND_SCENE.format(copy=BY_ID),
    "LEND": LEND,
    "TITLE_LOCK (by barcode)": TITLE_LOCK.format(copy=BY_BARCODE),
    "TITLE_LOCK (by id)": TITLE_LOCK.format(copy=BY_ID),
    "ROUTE_SCENE": ROUTE_SCENE,
    "ROUTE": ROUTE,
}
