"""The spaces domain's hand-written SQL, in SQLite's spelling (`app.kernel.sql.dialect` gives
PostgreSQL its words), with named parameters (`:name`). Each statement replaces several
Piccolo queries on a hot path; tests/spaces/test_statements.py runs each on both engines and
checks PostgreSQL's plans.

SPACE: a space with everything its page shows (opening hours, closures, corners as JSON
arrays) and the two stored values of the booking horizon (its own and the district's): one
round trip instead of five.

SLOTS: the slots of a space starting in [:start, :end), with each slot's waitlist and the
status of `:family_id`'s active booking there (0: nobody's): one round trip instead of three.

CORNER_SCENE: everything a corner check-in reads (services/checkin_steps.py), one round trip
instead of nine: the token subject's version and the nonce's earlier record (qr.checkin's
SCENE_*), the corner's space and its rules, whether a closure covers `:day`, that weekday's
opening ranges, the family's children, its bookings at the space and the space's open-reading
slots starting in [:since, :until] (a day either side of now: the exact windows are Python's).
"""

from __future__ import annotations

from qr.checkin import SCENE_COLUMNS, SCENE_JOINS

SPACE = (
    "SELECT s.id, s.name, s.kind, s.street, s.community, s.host_name, s.address, s.capacity,"
    " s.description, s.require_live_code, s.latitude, s.longitude,"
    " (SELECT p.value FROM app_policy p WHERE p.key = :policy AND p.space_id = s.id) AS policy_here,"
    " (SELECT p.value FROM app_policy p WHERE p.key = :policy AND p.space_id = :district) AS policy_district,"
    " (SELECT json_group_array(json_array(h.weekday, h.opens, h.closes))"
    " FROM spaces_opening_hours h WHERE h.space = s.id) AS hours,"
    " (SELECT json_group_array(json_array(c.id, c.first_day, c.last_day, c.reason))"
    " FROM spaces_closure c WHERE c.space = s.id) AS closures,"
    " (SELECT json_group_array(json_array(k.id, k.name, k.retired_at IS NOT NULL))"
    " FROM spaces_corner k WHERE k.space = s.id) AS corners"
    " FROM spaces_space s WHERE s.id = :space_id"
)

SLOTS = (
    "SELECT sl.*,"
    " (SELECT count(*) FROM spaces_booking b WHERE b.slot = sl.id AND b.status = 'waitlisted') AS waitlisted,"
    " (SELECT b.status FROM spaces_booking b WHERE b.slot = sl.id AND b.family = :family_id"
    " AND b.status IN ('confirmed', 'offered', 'waitlisted', 'attended')"  # bookings.ACTIVE
    " ORDER BY b.id DESC LIMIT 1) AS mine"
    " FROM spaces_slot sl"
    " WHERE sl.space = :space_id AND sl.starts_at >= :start AND sl.starts_at < :end"
    " ORDER BY sl.starts_at, sl.id LIMIT :limit"
)

CORNER_SCENE = (
    f"SELECT {SCENE_COLUMNS},"  # noqa: S608 (qr.checkin's constants, no input)
    " s.id AS space_id, s.name AS space_name, s.capacity, s.require_live_code,"
    " s.check_in_opens_minutes, s.check_in_closes_minutes,"
    " next_id('spaces_check_in') AS next_check_in,"  # PostgreSQL: VISIT's id (a refusal leaves a gap)
    " (SELECT count(*) FROM spaces_closure c"
    " WHERE c.space = s.id AND c.first_day <= :day AND c.last_day >= :day) AS closed,"
    " (SELECT json_group_array(json_array(h.opens, h.closes))"
    " FROM spaces_opening_hours h WHERE h.space = s.id AND h.weekday = :weekday) AS hours,"
    " (SELECT json_group_array(json_array(ch.id, ch.nickname))"
    " FROM accounts_child ch WHERE ch.family = :family_id) AS children,"
    " (SELECT json_group_array(json_array(b.id, b.slot, b.status, b.adults, b.child_ids, b.people, sl.starts_at))"
    " FROM spaces_booking b JOIN spaces_slot sl ON sl.id = b.slot"
    " WHERE b.family = :family_id AND sl.space = s.id AND b.status IN ('confirmed', 'attended')"
    " AND sl.starts_at >= :since AND sl.starts_at <= :until) AS bookings,"
    " (SELECT json_group_array(json_array(sl.id, sl.starts_at)) FROM spaces_slot sl"
    " WHERE sl.space = s.id AND sl.kind = 'open_reading' AND sl.starts_at >= :since AND sl.starts_at <= :until)"
    " AS periods"
    " FROM (SELECT 1 AS one) AS o"
    f"{SCENE_JOINS}"
    " LEFT JOIN spaces_corner k ON k.id = :corner_id AND k.retired_at IS NULL"
    " LEFT JOIN spaces_space s ON s.id = k.space"
)

# BOOKING_SCENE: what a staff scan of a booking code reads: the token's version and the
# nonce's record, the booking with its slot's start and space, and that space's window.
BOOKING_SCENE = (
    f"SELECT {SCENE_COLUMNS},"  # noqa: S608 (qr.checkin's constants, no input)
    " b.id AS booking_id, b.slot, b.family, b.status, b.child_ids, b.people, sl.starts_at, sl.space,"
    " s.check_in_opens_minutes, s.check_in_closes_minutes"
    " FROM (SELECT 1 AS one) AS o"
    f"{SCENE_JOINS}"
    " LEFT JOIN spaces_booking b ON b.id = :booking_id"
    " LEFT JOIN spaces_slot sl ON sl.id = b.slot"
    " LEFT JOIN spaces_space s ON s.id = sl.space"
)

# VISIT (PostgreSQL; SQLite has no writes inside WITH, and runs the same four writes one by
# one in the transaction): a walk-in visit in one statement. It takes the places if enough are
# left (nothing else is written when not: no row comes back), records the check-in under the
# id CORNER_SCENE reserved, the answer the nonce keeps (`:key` "": no nonce) and the scan.
VISIT = (
    "WITH taken AS (UPDATE spaces_slot SET remaining = remaining - :people"
    " WHERE id = :slot AND remaining >= :people RETURNING id),"
    " checked AS (INSERT INTO spaces_check_in"
    " (id, kind, space, slot, family, booking, corner, child_ids, people, checked_in_at, by_user, override_reason)"
    " SELECT :id, 'visit', :space, taken.id, :family, NULL, :corner, CAST(:child_ids AS JSONB), :people,"
    " CAST(:now AS TIMESTAMPTZ), :user_id, '' FROM taken RETURNING id),"
    " answered AS (INSERT INTO app_idempotency"
    " (owner, key, fingerprint, method, path, completed, status, headers, body, created_at)"
    " SELECT :owner, :key, :fingerprint, 'POST', '', TRUE, 201, '[]', CAST(:body AS BYTEA), CAST(:now AS TIMESTAMPTZ)"
    " FROM checked WHERE CAST(:key AS TEXT) <> ''),"
    " scanned AS (INSERT INTO qr_scan (purpose, subject, user_id, outcome, at, space_id, corner_id, family_id)"
    " SELECT :purpose, :subject, :user_id, :outcome, CAST(:now AS TIMESTAMPTZ), :space, :corner, :family FROM checked)"
    " SELECT id FROM checked"
)

# SLOT_FOR_BOOKING: what a family's booking reads before its transaction (services/
# booking_rules.py), one round trip instead of up to seven: the slot and its space's rules,
# the stored values of the cap and the horizon (the space's and the district's), whether the
# family is already booked there, the space's closures not yet over, the family's suspension,
# its children and its upcoming bookings.
SLOT_FOR_BOOKING = (
    "SELECT sl.id, sl.kind, sl.title, sl.age_band, sl.starts_at, sl.capacity, sl.remaining, sl.waitlist,"
    " sl.cancelled, sl.booking_opens_at, sl.space, s.check_in_opens_minutes, s.check_in_closes_minutes,"
    " s.offer_minutes,"
    " (SELECT p.value FROM app_policy p WHERE p.key = 'future_booking_cap' AND p.space_id = sl.space) AS cap_here,"
    " (SELECT p.value FROM app_policy p"
    " WHERE p.key = 'future_booking_cap' AND p.space_id = :district) AS cap_district,"
    " (SELECT p.value FROM app_policy p"
    " WHERE p.key = 'booking_horizon_days' AND p.space_id = sl.space) AS horizon_here,"
    " (SELECT p.value FROM app_policy p"
    " WHERE p.key = 'booking_horizon_days' AND p.space_id = :district) AS horizon_district,"
    " (SELECT count(*) FROM spaces_booking b WHERE b.slot = sl.id AND b.family = :family_id"
    " AND b.status IN ('confirmed', 'offered', 'waitlisted', 'attended')) AS mine,"  # bookings.ACTIVE
    " (SELECT json_group_array(json_array(c.first_day, c.last_day))"
    " FROM spaces_closure c WHERE c.space = sl.space AND c.last_day >= :today) AS closures,"
    " (SELECT max(u.ends_at) FROM spaces_suspension u"
    " WHERE u.family = :family_id AND u.ends_at > :now AND u.lifted_at IS NULL) AS suspended_until,"
    " (SELECT json_group_array(json_array(ch.id, ch.birth_month))"
    " FROM accounts_child ch WHERE ch.family = :family_id) AS children,"
    " (SELECT count(*) FROM spaces_booking b JOIN spaces_slot o ON o.id = b.slot WHERE b.family = :family_id"
    " AND b.status IN ('confirmed', 'offered', 'waitlisted') AND o.starts_at > :now) AS upcoming"  # bookings.UPCOMING
    " FROM spaces_slot sl JOIN spaces_space s ON s.id = sl.space WHERE sl.id = :slot_id"
)

STATEMENTS = {
    "SPACE": SPACE,
    "SLOTS": SLOTS,
    "CORNER_SCENE": CORNER_SCENE,
    "BOOKING_SCENE": BOOKING_SCENE,
    "VISIT": VISIT,
    "SLOT_FOR_BOOKING": SLOT_FOR_BOOKING,
}
