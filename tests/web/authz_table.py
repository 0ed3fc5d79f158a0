"""The authorization matrix: who may call each route of the app (tests/web/test_authz_matrix.py
calls every route as every kind of caller and checks the answer against this table).

A route missing from the table fails the test: a new route is one line here. Each line says
which roles pass the route's access declaration and, with `.own(...)`, which refusals come
from the object itself: `"family"` means another family is refused on this family's object
(booking, loan, hold, lead-reader record), `"space"` means staff of another space are refused
on this space's object (slot, closure, stocktake, transfer, a family found by phone), and
`"space_hidden"` that a staff page asked for another space opens on the caller's own spaces
and does not name space X. Path parameters take
the seeded object of the same name (`ids=` names another one); `body=`/`query=` give what a
refused caller must send to reach the object check, `fresh=True` marks a route that ends the
caller's own account or credentials (it runs with fresh ones, after every other route).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

World = Mapping[str, Any]
ANON, FAMILY_ROLE, VOLUNTEER, LIBRARIAN, ADMIN = "anonymous", "family", "volunteer", "librarian", "district_admin"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scope: frozenset[str] = frozenset()
    ids: Mapping[str, str] = field(default_factory=dict)
    body: Callable[[World], Any] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    fresh: bool = False
    only: tuple[str, ...] = ()  # call as these callers only (routes the auth middleware skips)

    def own(self, *scope: str, **kw: Any) -> Rule:
        """Refused to other families ("family") and/or to staff of other spaces ("space")."""
        return replace(self, scope=frozenset(scope), **kw)

    def but(self, **kw: Any) -> Rule:
        return replace(self, **kw)


PUBLIC = Rule(frozenset({ANON, FAMILY_ROLE, VOLUNTEER, LIBRARIAN, ADMIN}))
USER = Rule(frozenset({FAMILY_ROLE, VOLUNTEER, LIBRARIAN, ADMIN}))
FAMILY = Rule(frozenset({FAMILY_ROLE}))
STAFF = Rule(frozenset({VOLUNTEER, LIBRARIAN, ADMIN}))
LIBRARIANS = Rule(frozenset({LIBRARIAN, ADMIN}))
ADMINS = Rule(frozenset({ADMIN}))
# A lead reader retires themself (pauses once active); librarians (of the spaces they chose) and admins move them.
LEAD_READER_MANAGERS = Rule(frozenset({FAMILY_ROLE, LIBRARIAN, ADMIN}))
# The OpenAPI documents and static files: the auth middleware skips them, so who calls is moot.
UNAUTHENTICATED = PUBLIC.but(only=("anonymous",))

MATRIX: dict[str, Rule] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /sw.js": PUBLIC,  # the staff pages' service worker (it caches only for staff)
    "GET /api/v1/jobs/{job_id}": USER,
    "GET /staff/jobs/{job_name}": STAFF,
    "GET /api/v1/audit/access": ADMINS,
    "POST /api/v1/families/me/children": FAMILY,
    "GET /api/v1/consent-policy": PUBLIC,
    "POST /api/v1/staff": ADMINS,
    "POST /api/v1/users/{user_id}/disable": ADMINS,  # user_id: a spare volunteer
    "GET /api/v1/families/me": FAMILY,
    "DELETE /api/v1/families/me": FAMILY.but(fresh=True),
    "GET /api/v1/families/me/export": FAMILY,
    "GET /api/v1/users/me": USER,
    "GET /api/v1/notifications": USER,
    "POST /api/v1/notifications/read": USER,
    "POST /api/v1/families": PUBLIC,
    "PATCH /api/v1/families/me/children/{child_id}": FAMILY.own("family", body=lambda w: {"nickname": "小雨"}),
    "DELETE /api/v1/families/me/children/{child_id}": FAMILY.own("family"),
    "DELETE /api/v1/families/me/consent": FAMILY.but(fresh=True),
    "POST /api/v1/auth/tokens": PUBLIC,
    "POST /api/v1/auth/password-reset": PUBLIC,
    "DELETE /api/v1/auth/tokens/current": USER.but(fresh=True),
    "POST /api/v1/auth/sms-codes": PUBLIC,
    "GET /api/v1/families/me/channels": FAMILY,
    "PATCH /api/v1/families/me/channels": FAMILY,
    "DELETE /api/v1/families/me/wechat": FAMILY,
    "POST /api/v1/spaces/{space_id}/corners": LIBRARIANS.own("space", body=lambda w: {"name": "新绘本角"}),
    "POST /api/v1/spaces": ADMINS,
    "GET /api/v1/spaces": PUBLIC,
    "PATCH /api/v1/spaces/{space_id}": LIBRARIANS.own("space"),
    "GET /api/v1/spaces/{space_id}": PUBLIC,
    "POST /api/v1/spaces/{space_id}/closures": STAFF.own(
        "space", body=lambda w: {"first_day": "2027-03-01", "last_day": "2027-03-01"}
    ),
    "DELETE /api/v1/spaces/{space_id}/closures/{closure_id}": STAFF.own("space"),
    "POST /api/v1/spaces/{space_id}/slots": STAFF.own(
        "space",
        body=lambda w: {
            "kind": "activity",
            "title": "故事会",
            "starts_at": "2026-12-05T10:00:00+08:00",
            "ends_at": "2026-12-05T11:00:00+08:00",
            "capacity": 5,
        },
    ),
    "GET /api/v1/spaces/{space_id}/slots": PUBLIC,
    "POST /api/v1/spaces/{space_id}/slots/generate": STAFF.own("space"),
    "POST /api/v1/slots/{slot_id}/bookings": FAMILY,
    "PATCH /api/v1/slots/{slot_id}": STAFF.own("space"),
    "GET /api/v1/slots/{slot_id}": PUBLIC,
    "GET /api/v1/slots/{slot_id}/roster": STAFF.own("space"),
    "POST /api/v1/slots/{slot_id}/walk-ins": STAFF.own("space", body=lambda w: {"adults": 1, "children": 1}),
    "POST /api/v1/bookings/{booking_id}/accept": FAMILY.own("family"),
    "POST /api/v1/bookings/{booking_id}/attendance": STAFF.own("space"),
    "GET /api/v1/bookings/{booking_id}": USER.own("family", "space"),
    "DELETE /api/v1/bookings/{booking_id}": USER.own("family", "space", ids={"booking_id": "spare_booking_id"}),
    "GET /api/v1/bookings/{booking_id}/calendar.ics": FAMILY.own("family"),
    "GET /api/v1/bookings": USER,
    "GET /calendar/{token}": PUBLIC,
    "GET /api/v1/families/me/calendar": FAMILY,
    "POST /api/v1/poster-exports": ADMINS,
    "GET /api/v1/poster-exports/{name}": ADMINS,
    "GET /api/v1/spaces/{space_id}/corners/{corner_id}/qr.png": STAFF.own("space"),
    "GET /api/v1/spaces/{space_id}/corners/{corner_id}/qr.svg": STAFF.own("space"),
    "GET /api/v1/spaces/{space_id}/corners/{corner_id}/live-token": STAFF.own("space"),
    "GET /api/v1/spaces/{space_id}/poster.pdf": STAFF.own("space"),
    "GET /api/v1/spaces/{space_id}/poster.png": STAFF.own("space"),
    "POST /api/v1/spaces/{space_id}/corners/{corner_id}/reprint": STAFF.own("space"),
    "GET /api/v1/bookings/{booking_id}/qr.png": FAMILY.own("family"),
    "GET /bookings/{booking_id}/qr.png": FAMILY.own("family"),
    "POST /api/v1/books/{book_id}/copies": LIBRARIANS.own(
        "space", body=lambda w: {"space_id": w["space_id"], "count": 1}
    ),
    "POST /api/v1/books": LIBRARIANS,
    "GET /api/v1/books": PUBLIC,
    "GET /api/v1/books/{book_id}": PUBLIC,
    "PATCH /api/v1/books/{book_id}": LIBRARIANS,  # the catalogue is the district's
    "GET /api/v1/books/{book_id}/cover.jpg": PUBLIC,
    "POST /api/v1/books/{book_id}/holds": FAMILY,
    "PUT /api/v1/books/{book_id}/cover": LIBRARIANS,
    "GET /api/v1/books/export.csv": LIBRARIANS,
    "GET /api/v1/books/export.xlsx": LIBRARIANS,
    "POST /api/v1/books/import": LIBRARIANS,
    "GET /api/v1/books/import-template.csv": PUBLIC,
    "GET /api/v1/copies/{barcode}": STAFF,  # borrowers shown only to its space (test_need_to_know)
    "GET /api/v1/spaces/{space_id}/labels.pdf": LIBRARIANS.own("space"),
    "POST /api/v1/copies/{barcode}/status": LIBRARIANS.own(
        "space", ids={"barcode": "spare_barcode"}, body=lambda w: {"status": "available"}
    ),
    "GET /api/v1/families/lookup": STAFF.own("space", query=lambda w: {"phone": w["phone"]}),  # need to know
    "POST /api/v1/loans": STAFF.own(
        "space", body=lambda w: {"barcode": w["free_barcode"], "family_id": w["family_id"]}
    ),  # families lend by a copy's code instead (403 with a barcode)
    "GET /api/v1/loans": USER,
    "POST /api/v1/loans/{loan_id}/renew": USER.own("family", "space"),
    "POST /api/v1/returns": STAFF.own(
        "space", body=lambda w: {"barcode": w["free_barcode"], "space_id": w["space_id"]}
    ),  # families: by a copy's code
    "DELETE /api/v1/holds/{hold_id}": USER.own("family", "space"),
    "GET /api/v1/holds": USER.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /api/v1/transfers/{transfer_id}": STAFF.own("space"),
    "POST /api/v1/spaces/{space_id}/receive": STAFF.own(
        "space", body=lambda w: {"barcodes": [w["travelling_barcode"]]}
    ),
    "POST /api/v1/transfers": LIBRARIANS.own(
        "space",
        body=lambda w: {
            "from_space_id": w["space_id"],
            "to_space_id": w["other_space_id"],
            "barcodes": [w["spare_barcode"]],
        },
    ),
    "POST /api/v1/spaces/{space_id}/stocktakes/{stocktake_id}/apply": LIBRARIANS.own(
        "space", body=lambda w: {"confirm": True, "mark_missing": False}
    ),
    "POST /api/v1/spaces/{space_id}/stocktakes/{stocktake_id}/finish": STAFF.own("space"),
    "GET /api/v1/spaces/{space_id}/stocktakes/{stocktake_id}": STAFF.own("space"),
    "POST /api/v1/spaces/{space_id}/stocktakes/{stocktake_id}/scans": STAFF.own(
        "space", body=lambda w: {"barcodes": [w["barcode"]]}
    ),
    "POST /api/v1/spaces/{space_id}/stocktakes": STAFF.own("space"),
    "POST /api/v1/lead-readers/applications": FAMILY,
    "GET /api/v1/lead-readers/applications": LIBRARIANS,
    "POST /api/v1/lead-readers/applications/{application_id}/decision": LIBRARIANS.own(
        "space", body=lambda w: {"approve": True}
    ),
    "GET /api/v1/lead-readers/{lead_reader_id}": USER.own(
        "family"
    ),  # every staff member sees lead readers (they lead anywhere)
    "POST /api/v1/lead-readers/{lead_reader_id}/status": LEAD_READER_MANAGERS.own(
        "family", "space", body=lambda w: {"status": "retired"}
    ),
    "GET /api/v1/lead-readers/{lead_reader_id}/certificate.pdf": USER.own("family"),
    "GET /api/v1/lead-readers/{lead_reader_id}/certificate.png": USER.own("family"),
    "POST /api/v1/certificates/{certificate_id}/revoke": ADMINS,
    "GET /api/v1/users/{user_id}/certificate.png": USER,
    "GET /api/v1/reading-sessions": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "POST /api/v1/reading-sessions": STAFF.own(
        "space",
        body=lambda w: {
            "space_id": w["space_id"],
            "started_at": "2026-11-28T09:00:00+08:00",
            "minutes": 30,
            "adults": 1,
            "children": 2,
        },
    ),
    "GET /api/v1/reading-sessions/prefill": STAFF,
    "PATCH /api/v1/reading-sessions/{session_id}": STAFF.own("space", body=lambda w: {"minutes": 40}),
    "GET /api/v1/volunteer-hours": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    # Running the programme from pages (issue 12): spaces and corners, staff, policies, scan log.
    "GET /api/v1/spaces/{space_id}/scans": STAFF.own("space"),
    "PATCH /api/v1/spaces/{space_id}/corners/{corner_id}": LIBRARIANS.own("space", body=lambda w: {"name": "绘本角"}),
    "GET /api/v1/staff": ADMINS,
    "GET /api/v1/staff/{user_id}": ADMINS,
    "PATCH /api/v1/staff/{user_id}": ADMINS,
    "POST /api/v1/users/me/password": STAFF.but(fresh=True),
    "GET /api/v1/policies": STAFF,
    "PATCH /api/v1/policies": ADMINS,
    "DELETE /api/v1/families/{family_id}/suspension": STAFF,  # the service: staff of a space it missed at
    "GET /api/v1/families/{family_id}/bookings": STAFF.own("space"),  # a family known at one of the caller's spaces
    "GET /staff/families/{family_id}": STAFF.own("space"),  # a family known at one of the caller's spaces
    "POST /staff/families/{family_id}/suspension/lift": STAFF.own(
        "space"
    ),  # a family known at one of the caller's spaces
    "GET /staff/password": STAFF,
    "POST /staff/password": STAFF.but(fresh=True),
    "GET /staff/people": ADMINS,
    "POST /staff/people": ADMINS,
    "GET /staff/people/{user_id}": ADMINS,
    "POST /staff/people/{user_id}": ADMINS,
    "GET /staff/policies": STAFF,
    "POST /staff/policies": ADMINS,
    "GET /staff/spaces": STAFF,
    "POST /staff/spaces": ADMINS,
    "GET /staff/spaces/new": ADMINS,
    "GET /staff/spaces/{space_id}": STAFF.own("space"),
    "POST /staff/spaces/{space_id}": LIBRARIANS.own("space"),
    "POST /staff/spaces/{space_id}/corners": LIBRARIANS.own("space"),
    "POST /staff/spaces/{space_id}/corners/{corner_id}": STAFF.own("space"),
    "GET /staff/spaces/{space_id}/poster.pdf": STAFF.own("space"),
    "GET /staff/spaces/{space_id}/poster.png": STAFF.own("space"),
    "GET /staff/spaces/{space_id}/scans": STAFF.own("space"),
    # Statistics: district admins see every space, other staff their own (another's: 403).
    "GET /api/v1/stats/summary": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /api/v1/stats/series": STAFF.own("space", query=lambda w: {"space_id": w["space_id"], "metric": "visits"}),
    "GET /api/v1/stats/export.xlsx": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /api/v1/stats/export.csv": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /api/v1/stats/quiet-sites": ADMINS,
    "GET /api/v1/stats/reports": ADMINS,
    "POST /api/v1/stats/reports": ADMINS.but(body=lambda w: {"month": "2026-10"}),
    "GET /api/v1/stats/reports/{name}": ADMINS,
    "GET /staff/stats": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /staff/stats/export.xlsx": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /staff/stats/reports/{name}": ADMINS,
    "POST /staff/stats/reports": ADMINS.but(body=lambda w: {"month": "2026-10"}),
    "GET /api/v1/volunteer-hours.csv": STAFF.own("space", query=lambda w: {"space_id": w["space_id"]}),
    "GET /api/v1/families/me/reading-log": FAMILY,
    "POST /api/v1/families/me/reading-log": FAMILY,
    "GET /api/v1/families/me/reading-summary.png": FAMILY,
    "POST /api/v1/check-ins": USER,
    "POST /q/{token}": USER,  # public route; checking in needs a family: the log-in page
    "GET /q/{token}": PUBLIC,
    "POST /staff/scan/check-in": STAFF,
    "GET /staff/scan": STAFF,
    "GET /family/card.png": FAMILY,
    "GET /": PUBLIC,
    "GET /privacy": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC.but(fresh=True),
    "GET /staff/login": PUBLIC,
    "POST /register": PUBLIC,
    "GET /register": PUBLIC,
    "POST /family/children": FAMILY,
    "POST /family/children/{child_id}": FAMILY.own("family", body=lambda w: {"nickname": "小雨"}),
    "GET /family": FAMILY,
    "GET /family/data": FAMILY,
    "POST /family/erase": FAMILY.but(fresh=True),
    "GET /family/export": FAMILY,
    "POST /family/consent/withdraw": FAMILY.but(fresh=True),
    "GET /notifications": USER,
    "POST /notifications/read": USER,
    "POST /login/sms": PUBLIC,
    "GET /login/sms": PUBLIC,
    "POST /login/sms/code": PUBLIC,
    "POST /register/sms-code": PUBLIC,
    "GET /password-reset": PUBLIC,
    "POST /password-reset": PUBLIC,
    "POST /password-reset/code": PUBLIC,
    "GET /staff/dev/sms": STAFF,
    "GET /wechat/bind": PUBLIC,
    "POST /wechat/bind": PUBLIC,
    "POST /wechat/bind/code": PUBLIC,
    "GET /wechat/callback": PUBLIC,
    "GET /wechat/login": PUBLIC,
    "POST /family/wechat": FAMILY,
    "POST /family/wechat/unbind": FAMILY,
    "POST /family/channels": FAMILY,
    "GET /spaces/{space_id}": PUBLIC,
    "POST /bookings/{booking_id}/accept": FAMILY.own("family"),
    "GET /slots/{slot_id}": PUBLIC,
    "POST /slots/{slot_id}": FAMILY,
    "POST /bookings/{booking_id}/cancel": FAMILY.own("family", ids={"booking_id": "spare_booking_id"}),
    "GET /bookings/{booking_id}/calendar.ics": FAMILY.own("family"),
    "GET /bookings": FAMILY,
    "POST /staff/spaces/{space_id}/slots": STAFF.own("space"),
    "POST /staff/spaces/{space_id}/generate": STAFF.own("space"),
    "GET /staff/spaces/{space_id}/slots/new": STAFF.own("space"),
    "GET /staff": STAFF,
    "POST /staff/slots/{slot_id}/bookings/{booking_id}/attended": STAFF.own("space"),
    "POST /staff/slots/{slot_id}/cancel": STAFF.own("space"),
    "POST /staff/slots/{slot_id}/capacity": STAFF.own("space"),
    "GET /staff/slots/{slot_id}": STAFF.own("space"),
    "POST /staff/slots/{slot_id}/walk-ins": STAFF.own("space"),
    "POST /staff/spaces/{space_id}/closures": STAFF.own("space"),
    "GET /staff/spaces/{space_id}/closures": STAFF.own("space"),
    "POST /staff/spaces/{space_id}/closures/{closure_id}/delete": STAFF.own("space"),
    "POST /staff/poster-exports": ADMINS,
    "GET /staff/poster-exports/{export_id}/posters.pdf": ADMINS,
    "GET /staff/live/{corner_id}": STAFF.own("space"),
    "GET /books/{book_id}": PUBLIC,
    "POST /books/{book_id}/hold": FAMILY,
    "GET /books": PUBLIC,
    "GET /loans/card": FAMILY,
    "GET /loans": FAMILY,
    "POST /loans/{loan_id}/renew": FAMILY.own("family"),
    "GET /staff/holds": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "POST /holds/{hold_id}/cancel": FAMILY.own("family"),
    "GET /holds": FAMILY,
    "POST /staff/holds/pull": STAFF,
    "GET /lend/{token}": PUBLIC,
    "POST /lend/{token}": PUBLIC,
    "POST /staff/books": LIBRARIANS,
    "GET /staff/books": STAFF,
    "POST /staff/books/{book_id}": LIBRARIANS,
    "GET /staff/books/{book_id}": STAFF,
    "POST /staff/books/{book_id}/cover": LIBRARIANS,
    "POST /staff/books/{book_id}/copies": LIBRARIANS,
    "GET /staff/books/{book_id}/copies": STAFF,
    "POST /staff/copies/labels.pdf": LIBRARIANS,
    "POST /staff/copies/{copy_id}/status": LIBRARIANS,
    "GET /staff/spaces/{space_id}/labels.pdf": LIBRARIANS.own("space"),
    "POST /staff/copies/status": LIBRARIANS,
    "GET /staff/books/export.csv": LIBRARIANS,
    "GET /staff/books/export.xlsx": LIBRARIANS,
    "POST /staff/books/import": LIBRARIANS,
    "GET /staff/books/import": LIBRARIANS,
    "GET /staff/books/import/{import_id}": LIBRARIANS,
    "POST /staff/books/import/{import_id}/start": LIBRARIANS,
    "GET /staff/books/import-template.csv": LIBRARIANS,
    "GET /staff/desk": STAFF.own("space", query=lambda w: {"space": w["space_id"], "family": w["family_id"]}),
    "POST /staff/desk/lend": STAFF,
    "POST /staff/desk/return": STAFF,
    "GET /staff/desk/history": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "GET /staff/lending": STAFF,
    "GET /staff/transfers": STAFF,  # its form lists every space as a destination
    "POST /staff/transfers": LIBRARIANS,
    "GET /staff/receive": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "POST /staff/receive": STAFF,
    "GET /staff/transfers/{transfer_id}": STAFF.own("space"),
    "POST /staff/stocktakes/{stocktake_id}/apply": LIBRARIANS.own("space"),
    "POST /staff/stocktakes/{stocktake_id}/finish": STAFF.own("space"),
    "GET /staff/stocktakes": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "POST /staff/stocktakes": STAFF.own("space", body=lambda w: {"space_id": w["space_id"]}),
    "POST /staff/stocktakes/{stocktake_id}/scans": STAFF.own("space"),  # the plain form: 403 page
    "GET /staff/stocktakes/{stocktake_id}": STAFF.own("space"),
    "GET /lead-reader/apply": FAMILY,
    "POST /lead-reader/apply": FAMILY,
    "POST /staff/lead-readers/applications/{application_id}/decision": LIBRARIANS.own("space"),
    "GET /lead-reader": FAMILY,
    "GET /staff/lead-readers": LIBRARIANS,
    "POST /lead-reader/status": FAMILY,
    "POST /staff/lead-readers/{lead_reader_id}/status": LIBRARIANS,
    "GET /lead-reader/certificate.pdf": FAMILY,
    "GET /lead-reader/certificate.png": FAMILY,
    "GET /staff/my-certificate.png": STAFF,
    "POST /staff/lead-readers/certificates/{certificate_id}/revoke": ADMINS,
    "POST /staff/sessions": STAFF,
    "GET /staff/sessions": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "GET /staff/sessions/{session_id}/edit": STAFF.own("space"),
    "GET /staff/sessions/new": STAFF,
    "POST /staff/sessions/{session_id}/review": LIBRARIANS.own("space"),
    "POST /staff/sessions/{session_id}": STAFF.own("space"),
    "GET /staff/volunteer-hours": STAFF.own("space_hidden", query=lambda w: {"space": w["space_id"]}),
    "GET /staff/volunteer-hours.csv": STAFF.own("space", query=lambda w: {"space": w["space_id"]}),
    "GET /reading-log": FAMILY,
    "POST /reading-log": FAMILY,
    "GET /reading-log/summary.png": FAMILY,
    "GET /static/{path}": UNAUTHENTICATED,
    "GET /schema/rapidoc": UNAUTHENTICATED,
    "GET /schema": UNAUTHENTICATED,
    "GET /schema/redoc": UNAUTHENTICATED,
    "GET /schema/elements": UNAUTHENTICATED,
    "GET /schema/swagger": UNAUTHENTICATED,
    "GET /schema/openapi.yml": UNAUTHENTICATED,
    "GET /schema/openapi.yaml": UNAUTHENTICATED,
    "GET /schema/openapi.json": UNAUTHENTICATED,
    "GET /schema/{path}": UNAUTHENTICATED,
    "GET /schema/oauth2-redirect.html": UNAUTHENTICATED,
}
