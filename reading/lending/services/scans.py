"""What the scan-driven pages share (the desk, receiving, stocktakes): reading a scanned code
(a label's QR code or a barcode), the answer to one scan, and doing each scan once.

The pages' queue (app/static/lending.js) posts one scan at a time with a nonce of its own and
retries a failed request with the same nonce: `once()` (app.kernel.idempotency, on the
injected clock) answers a retry from the first attempt, so fast scanning never loses or
doubles a loan.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from app.accounts.actor import Actor
from app.kernel import idempotency
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_, gettext
from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.errors import CopyNotFound
from reading.lending.schemas import CopyOut
from reading.lending.services import copies
from spaces.services.access import ensure_serves

NONCE = re.compile(r"^[A-Za-z0-9_.~:-]{1,64}$")
TOKEN_IN_URL = re.compile(r"/q/([A-Za-z0-9_.~-]+)/?\s*$")
TOKEN = re.compile(r"^[A-Za-z0-9_.~-]{16,200}$")
BARCODE = re.compile(r"^[A-Za-z0-9-]{1,40}$")


class ScanAnswer(msgspec.Struct, omit_defaults=True):
    """The answer to one scan, as the page's queue shows it: `ok`, what was scanned (`title`,
    `barcode`) and what happened (`message`), and for some scans more (a count, a due date,
    where the copy goes). `retry`: the same scan is still being worked on (answered 409)."""

    ok: bool
    message: str
    code: str | None = None
    title: str | None = None
    barcode: str | None = None
    goes_to: str | None = None
    due_on: str | None = None
    status: str | None = None
    count: int | None = None
    retry: bool = False


def refused(exc: DomainError, code: str) -> ScanAnswer:
    """A scan refused: the scanned code shown with the refusal's words."""
    return ScanAnswer(ok=False, code=exc.code, title=code.strip()[:40], message=exc.message())


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def check_nonce(raw: object) -> str:
    nonce = str(raw or "")
    if not NONCE.match(nonce):
        raise InvalidInput(
            N_("扫码请求缺少编号，请刷新页面"), fields=[{"field": "nonce", "message": "1-64 characters"}]
        )
    return nonce


def at_space(actor: Actor, space_id: int | None) -> int:
    """The space staff work at (a scan page's, a return's), which they must serve."""
    if space_id is None:
        raise InvalidInput(N_("请选择所在的空间"), fields=[{"field": "space_id", "message": "required"}])
    ensure_serves(actor, space_id)
    return space_id


def code_token(code: str) -> str | None:
    """The token in a scanned QR code (`<base>/q/<token>`, or the bare token)."""
    text = code.strip()
    match = TOKEN_IN_URL.search(text)
    if match:
        return match.group(1)
    if len(text) > 20 and TOKEN.match(text):  # barcodes are at most 20 characters
        return text
    return None


async def copy_for_code(code: str, clock: Clock) -> CopyOut:
    """A copy from what a scanner typed: its label's QR code (a URL) or its barcode."""
    text = code.strip()
    if not text:
        raise CopyNotFound()
    token = code_token(text)
    if token is not None:
        claims = await tokens.verify(token, purposes=(Purpose.copy,), now=clock.now())
        return await copies.by_id(claims.subject)
    if not BARCODE.match(text):
        raise CopyNotFound()
    return await copies.by_barcode(text)


def refusal(exc: DomainError) -> ScanAnswer:
    """A scan refused before it was read (its nonce, its page's context)."""
    return ScanAnswer(ok=False, code=exc.code, message=exc.message())


async def queued(
    actor: Actor, data: dict[str, Any], target: str, work: Callable[[str], Awaitable[ScanAnswer]], *, clock: Clock
) -> ScanAnswer:
    """One scan from a page's queue (`data`: its nonce, its code), done once: `work(code)`."""
    try:
        nonce = check_nonce(data.get("nonce"))
    except DomainError as exc:
        return refusal(exc)
    code = str(data.get("code") or "")[:300]
    return await once(actor, nonce, f"{target}:{code}", lambda: work(code), clock=clock)


async def once(
    actor: Actor, nonce: str, target: str, work: Callable[[], Awaitable[ScanAnswer]], *, clock: Clock
) -> ScanAnswer:
    """Do `work` once per (user, nonce): a retried scan gets the first answer again; one still
    being worked on says so (`retry`); a nonce used for another scan is refused."""

    async def answer() -> idempotency.Answer:
        return idempotency.Answer(body=msgspec.json.encode(await work()))

    print_ = idempotency.fingerprint(target)
    done = await idempotency.once(f"user:{actor.user_id}", f"page:{nonce}", print_, answer, now=clock.now())
    if done.state is idempotency.State.MISMATCH:
        return ScanAnswer(ok=False, code="nonce_reused", message=gettext("请重新扫描"))
    if done.state is idempotency.State.IN_PROGRESS or done.answer is None:
        return ScanAnswer(ok=False, retry=True, message=gettext("处理中…"))
    return msgspec.json.decode(done.answer.body, type=ScanAnswer)
