"""Check-in dispatch: qr verifies a scanned token and hands it to the target registered for
the token's purpose. qr knows no domain: the composition root (`app/runtime.py`) registers
the targets at start (a corner's printed code and its live screen, a booking).

One check-in is one transaction: the target writes the check-in, its scan-log row and (for a
request with a nonce) the answer a retry gets again, together (`Attempt.log`). A refusal
rolls that back and `dispatch` logs the refusal's code instead, where the target says it
happened (`locate`), so failed scans are in the log too.

A nonce is the client's name for one scan: the same nonce for the same target is answered
from the first time (`app.kernel.idempotency`, owner `user:<id>`, key `check-in:<nonce>`,
fingerprint the target, e.g. `corner:12`); reused for another target it checks in there,
recorded without it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

import msgspec

from app.kernel import idempotency
from app.kernel.clock import Clock, aware
from app.kernel.errors import DomainError
from app.kernel.values import frozen
from qr import scanlog
from qr.schemas import CheckInOut
from qr.services import tokens
from qr.tokens import Purpose, TokenClaims


class Scanner(Protocol):
    """Who scanned: the actor of the request, as far as a check-in needs to know it."""

    @property
    def user_id(self) -> int: ...

    @property
    def family_id(self) -> int | None: ...

    @property
    def is_staff(self) -> bool: ...

    @property
    def is_family(self) -> bool: ...

    def serves(self, space_id: int) -> bool: ...


@frozen
class ScanRequest:
    token: str
    scanner: Scanner
    nonce: str | None = None
    child_ids: list[int] | None = None
    override_reason: str | None = None
    adults: int | None = None  # the adults who came (a family's scan), when it says


class ScanResult(CheckInOut, frozen=True):
    """A check-in as the API and the pages answer it, and where it happened; a family's scan
    also says where and who (its success page names them)."""

    corner_id: int | None = None
    family_id: int | None = None
    space_name: str = ""
    child_ids: tuple[int, ...] = ()  # the children it counts
    child_names: tuple[str, ...] = ()


@frozen
class Attempt:
    """One scan at its target: the request, the token's claims, the moment of the scan and the
    nonce to record with the check-in (None: none was sent, or it was first used elsewhere)."""

    request: ScanRequest
    claims: TokenClaims
    now: datetime
    fingerprint: str
    nonce: str | None

    @property
    def scanner(self) -> Scanner:
        return self.request.scanner

    async def log(self, result: ScanResult, where: scanlog.Where) -> None:
        """In the target's transaction: the scan-log row and, for a new check-in, the answer a
        retry with this nonce gets (a duplicate is answered afresh each time)."""
        if self.nonce and not result.duplicate:
            answer = idempotency.Answer(status=201, body=msgspec.json.encode(result))
            await idempotency.record(_owner(self.scanner), _key(self.nonce), self.fingerprint, answer, now=self.now)
        await scanlog.record(
            self.claims, self.scanner.user_id, _outcome(result, self.request), now=self.now, where=where
        )

    def log_params(self, result: ScanResult) -> dict[str, object]:
        """What `log` writes, as the named parameters of a target that writes it in its own
        statement (a new check-in): the nonce's record (`key` "" for none) and the scan's row."""
        return {
            "owner": _owner(self.scanner),
            "key": _key(self.nonce) if self.nonce else "",
            "fingerprint": self.fingerprint,
            "body": msgspec.json.encode(result),
            "purpose": self.claims.purpose.name,
            "subject": str(self.claims.subject),
            "user_id": self.scanner.user_id,
            "outcome": _outcome(result, self.request),
        }

    async def verdict(self) -> idempotency.Claim | None:
        """What an earlier attempt with this nonce says (None: act and record it)."""
        if not self.nonce:
            return None
        return await idempotency.lookup(_owner(self.scanner), _key(self.nonce), self.fingerprint, now=self.now)

    def judge(self, record: dict[str, Any] | None) -> idempotency.Claim | None:
        """`verdict()` from the record a target's lookup read."""
        if not self.nonce or record is None:
            return None
        return idempotency.judge(record, self.fingerprint, self.now)

    async def replayed(self, verdict: idempotency.Claim | None) -> ScanResult | None:
        """The first answer to this nonce at this target, logged as replayed (None: none)."""
        if verdict is None or verdict.state is not idempotency.State.REPLAY or verdict.answer is None:
            return None
        first = msgspec.json.decode(verdict.answer.body, type=ScanResult)
        where = scanlog.Where(first.space_id, first.corner_id, first.family_id)
        await scanlog.record(self.claims, self.scanner.user_id, "replayed", now=self.now, where=where)
        return first

    async def replay(self) -> ScanResult | None:
        """After a unique violation: the first answer, if a simultaneous attempt with this
        nonce won."""
        return await self.replayed(await self.verdict())

    def without_nonce(self) -> Attempt:
        return replace(self, nonce=None)


# What every check-in's lookup reads besides its target's own things, in the target's one
# statement: the token subject's current version and this nonce's earlier record. Columns and
# joins to put around the target's (SQLite's spelling, named parameters: :purpose, :subject,
# :owner, :key); `Scene.of` reads them back.
SCENE_COLUMNS = (
    "t.version AS token_version, i.fingerprint AS nonce_fingerprint, i.completed AS nonce_completed,"
    " i.status AS nonce_status, i.headers AS nonce_headers, i.body AS nonce_body, i.created_at AS nonce_created_at"
)
SCENE_JOINS = (
    " LEFT JOIN qr_token_subject t ON t.purpose = :purpose AND t.subject = :subject"
    " LEFT JOIN app_idempotency i ON i.owner = :owner AND i.key = :key"
)


def scene_params(attempt: Attempt) -> dict[str, object]:
    """The parameters of SCENE_JOINS for this attempt (no nonce: a key nobody has)."""
    claims = attempt.claims
    return {
        "purpose": claims.purpose.name,
        "subject": str(claims.subject),
        "owner": _owner(attempt.scanner),
        "key": _key(attempt.nonce) if attempt.nonce else "",
    }


@frozen
class Scene:
    """What a target's lookup found: the token subject's version (None: no row yet), the
    nonce's earlier record (None: none) and the target's own findings."""

    token_version: int | None
    nonce_record: dict[str, Any] | None
    found: Any

    @classmethod
    def of(cls, row: dict[str, Any], found: Any) -> Scene:
        """From a row with SCENE_COLUMNS."""
        record = None
        if row["nonce_fingerprint"] is not None:
            record = {name: row[f"nonce_{name}"] for name in ("fingerprint", "completed", "status", "headers", "body")}
            record["created_at"] = aware(row["nonce_created_at"])
        return cls(row["token_version"], record, found)


class CheckInTarget(Protocol):
    """What a token of one purpose checks in (a corner visit, a booking attended, ...)."""

    @property
    def purpose(self) -> Purpose: ...

    @property
    def subject(self) -> str:
        """What the token's subject id names (`corner`, `booking`): a nonce's fingerprint."""
        ...

    def accepts(self, scanner: Scanner) -> bool:
        """Whether this scanner may check in with this purpose (families scan corners,
        staff scan bookings); a token of a purpose nobody accepts is an invalid token."""
        ...

    async def look(self, attempt: Attempt) -> Scene:
        """Everything the check-in reads, in one statement with SCENE_COLUMNS and SCENE_JOINS;
        refusals wait for `check_in` (the token's version is checked first)."""
        ...

    async def check_in(self, attempt: Attempt, scene: Scene) -> ScanResult:
        """Check in, and `attempt.log()` in the same transaction."""
        ...

    async def locate(self, claims: TokenClaims, scanner: Scanner) -> scanlog.Where:
        """Where a refused scan happened, for its scan-log row (best effort, read only)."""
        ...


_targets: dict[Purpose, CheckInTarget] = {}


def register(target: CheckInTarget) -> None:
    _targets[target.purpose] = target


def registered() -> dict[Purpose, CheckInTarget]:
    return dict(_targets)


async def dispatch(request: ScanRequest, *, clock: Clock) -> ScanResult:
    """Verify the token and check in at its target; every refusal is logged with its code."""
    now = clock.now()
    purposes = tuple(p for p, target in _targets.items() if target.accepts(request.scanner))
    claims: TokenClaims | None = None
    try:
        read = tokens.claims_of(request.token, purposes=purposes, now=now)
        target = _targets[read.purpose]
        attempt = Attempt(request, read, now, f"{target.subject}:{read.subject}", request.nonce)
        scene = await target.look(attempt)
        tokens.check_version(read, scene.token_version)
        claims = read  # a code reprinted since is logged as no code at all, as a forged one
        verdict = attempt.judge(scene.nonce_record)
        if (first := await attempt.replayed(verdict)) is not None:
            return first
        if verdict is not None:  # the nonce was first used for another target
            attempt = attempt.without_nonce()
        return await target.check_in(attempt, scene)
    except DomainError as exc:
        where = await _targets[claims.purpose].locate(claims, request.scanner) if claims else None
        await scanlog.record(claims, request.scanner.user_id, exc.code, now=now, where=where)
        raise


def _owner(scanner: Scanner) -> str:
    return f"user:{scanner.user_id}"


def _key(nonce: str) -> str:
    return f"check-in:{nonce}"


def _outcome(result: ScanResult, request: ScanRequest) -> str:
    if result.duplicate:
        return "duplicate"
    return "override" if (request.override_reason or "").strip() else "checked_in"
