"""`/q/<token>`, what a phone opens after scanning any of our codes, its check-in form, and
the staff scanning page (a camera or a keyboard-wedge scanner checking families in by their
booking codes).

None of it knows a domain: `/q/` hands the code to the page opener registered for its
purpose (`qr.openers`), a check-in to the target registered for it (`qr.checkin`), as the
API does. A bad or revoked code raises: the app's error page says so with the API's status.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from app.accounts.roles import PUBLIC, STAFF
from app.kernel.clock import local_zone
from app.kernel.errors import DomainError
from app.kernel.i18n import gettext
from app.kernel.numbers import whole_number
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, refusal_json, refusal_page, remember_scan
from qr import checkin, openers
from qr.schemas import ScanIn, ScanOut


def _adults(value: Any) -> int | None:
    """The adults a family says came (0-8), or None when the form does not say."""
    text = str(value or "").strip()
    number = whole_number(text, 3)
    return None if number is None else min(number, 8)


def _numbers(values: list[Any]) -> list[int]:
    """The ticked boxes' numbers (a forged value is left out)."""
    return [n for v in values if (n := whole_number(str(v))) is not None]


class ScanPages(Pages):
    @get("/q/{token:str}", opt=PUBLIC, media_type=MediaType.HTML)
    async def open(
        self, token: FromPath[str], maybe_actor: MaybeActor, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Any:
        """The page of the code's purpose (whatever its opener answers: a page, a redirect);
        log in first, and come straight back, where it needs to know who you are: the scan is
        remembered (10 minutes), so every way of logging in or registering lands back on it."""
        opener, visit = await openers.visit(token, maybe_actor, clock=clock)
        if visit.scanner is None and not opener.public:
            return await remember_scan(request, token, now=clock.now())
        return await opener.open(visit)

    @post("/q/{token:str}", opt=PUBLIC)
    async def check_in(
        self, token: FromPath[str], maybe_actor: MaybeActor, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """The check-in form of a corner's page (a family, its children ticked) or of a
        booking's (staff, with a reason when overriding). A refusal gets a page of its own,
        with the refusal's status, and when the next free time is if it says one."""
        if maybe_actor is None:
            return await remember_scan(request, token, now=clock.now())
        form = await request.form()
        as_family = maybe_actor.family_id and not maybe_actor.is_staff
        scan = checkin.ScanRequest(
            token=token,
            scanner=maybe_actor,
            nonce=str(form.get("nonce") or "")[:64] or None,
            child_ids=[n for c in form.getall("child_id", []) if (n := whole_number(str(c))) is not None]
            if as_family
            else None,
            override_reason=str(form.get("override_reason") or "").strip()[:200] or None,
            adults=_adults(form.get("adults")) if as_family else None,
        )
        try:
            result = await checkin.dispatch(scan, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, "qr/check_in_refused.html")
        return Template("qr/checked_in.html", context={"result": result})


class StaffScanPages(Pages):
    @get("/staff/scan", opt=STAFF)
    async def scan_page(self) -> Template:
        return Template("qr/scan.html")

    @post("/staff/scan/check-in", opt=STAFF)
    async def scan_check_in(self, data: JSONBody[ScanIn], actor: ActorDep, clock: ClockDep) -> Response[Any]:
        """One queued scan from the page (session + CSRF header). The nonce makes a retried
        request answer from the first, so fast scanning never loses or doubles a check-in. A
        refusal answers 200 with `ok: false`, so the page's queue moves on and shows it."""
        try:
            result = await checkin.dispatch(checkin.ScanRequest(data.token, actor, nonce=data.nonce), clock=clock)
        except DomainError as exc:
            return refusal_json(exc)
        return Response(
            ScanOut(
                ok=True,
                duplicate=result.duplicate,
                message=gettext("已签到过") if result.duplicate else gettext("签到成功"),
                people=result.people,
                checked_in_at=result.checked_in_at.astimezone(local_zone()).strftime("%H:%M"),
            ),
            status_code=200,
        )
