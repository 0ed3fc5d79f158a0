"""JSON API: accounts, tokens, families, staff and the notifications inbox (API.md, Accounts)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from msgspec import Meta, Struct

from app.accounts.actor import Actor
from app.accounts.consent import CURRENT_POLICY
from app.accounts.roles import ADMINS, FAMILIES, PUBLIC, with_limit
from app.accounts.schemas import (
    AccessLogPage,
    ChildIn,
    ChildOut,
    ChildUpdate,
    ConsentIn,
    ConsentPolicyOut,
    FamilyOut,
    FamilyRegistration,
    UserOut,
)
from app.accounts.services import access_log, families, registration, staff_accounts
from app.accounts.tables import User
from app.jobs.queue import JobQueue
from app.kernel.clock import Clock
from app.kernel.errors import Forbidden
from app.kernel.i18n import current_locale
from app.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, next_cursor
from app.notify.inbox import inbox, mark_read
from app.web.ratelimit import REGISTRATION, registering
from spaces.services import staff as space_staff

log = logging.getLogger("storycorner.api")

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]
QueueDep = NamedDependency[JobQueue]

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]


async def kick_outbox(queue: QueueDep) -> None:
    """Deliver notifications soon; if the queue is down the periodic run catches up."""
    try:
        await queue.enqueue("deliver_outbox", job_id="deliver_outbox")
    except Exception:
        log.warning("could not enqueue outbox delivery; the periodic run will deliver", exc_info=True)


def family_of(actor: ActorDep) -> int:
    if actor.family_id is None:
        raise Forbidden("这个账号不属于任何家庭")
    return actor.family_id


async def user_out(user_id: FromPath[int]) -> UserOut:
    row = await User.select().where(User.id == user_id).first()
    assert row is not None
    return UserOut(
        id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        roles=row["roles"].split(),
        active=row["active"],
        family_id=row["family"],
        space_ids=sorted(await space_staff.space_ids_of(row["id"])),
    )


class AddChildIn(Struct, forbid_unknown_fields=True):
    nickname: Annotated[str, Meta(min_length=1, max_length=32)]
    birth_month: Annotated[str, Meta(pattern=r"^[0-9]{4}-[0-9]{2}$")]
    consent: ConsentIn | None = None


class NotificationOut(Struct):
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: str
    read: bool


class NotificationPage(Struct):
    items: list[NotificationOut]
    next_cursor: str | None


class AccountsController(Controller):
    path = "/api/v1"
    tags = ("accounts",)

    @get("/consent-policy", opt=PUBLIC)
    async def consent_policy(self) -> ConsentPolicyOut:
        """The current guardian-consent policy families accept at registration."""
        return ConsentPolicyOut(
            version=CURRENT_POLICY.version,
            text=CURRENT_POLICY.text,
            responsible_person=CURRENT_POLICY.responsible_person,
        )

    @post("/families", opt=with_limit(PUBLIC, REGISTRATION), status_code=201)
    async def register(
        self, data: JSONBody[FamilyRegistration], request: Request[Any, Any, Any], clock: ClockDep, queue: QueueDep
    ) -> FamilyOut:
        """Register a family: the guardian's account, children, and the guardian's consent."""
        user = await registering(request, lambda: registration.register_family(data, clock=clock))
        await kick_outbox(queue)
        return await families.get_family(user.family, clock=clock)

    @get("/users/me")
    async def me(self, actor: ActorDep) -> UserOut:
        """The logged-in user with roles and assigned spaces."""
        return await user_out(actor.user_id)

    @get("/families/me", opt=FAMILIES)
    async def my_family(self, actor: ActorDep, clock: ClockDep) -> FamilyOut:
        return await families.get_family(family_of(actor), clock=clock)

    @post("/families/me/children", opt=FAMILIES, status_code=201)
    async def add_child(self, data: JSONBody[AddChildIn], actor: ActorDep, clock: ClockDep) -> ChildOut:
        """Add a child; needs the guardian's consent on record or given in `consent`."""
        child = ChildIn(nickname=data.nickname, birth_month=data.birth_month)
        return await families.add_child(family_of(actor), child, consent=data.consent, clock=clock)

    @patch("/families/me/children/{child_id:int}", opt=FAMILIES)
    async def update_child(
        self,
        child_id: FromPath[int],
        data: JSONBody[ChildUpdate],
        actor: ActorDep,
        clock: ClockDep,
    ) -> ChildOut:
        return await families.update_child(family_of(actor), child_id, data, clock=clock)

    @delete("/families/me/children/{child_id:int}", opt=FAMILIES, status_code=204)
    async def remove_child(self, child_id: FromPath[int], actor: ActorDep) -> None:
        await families.remove_child(family_of(actor), child_id)

    @get("/families/me/export", opt=FAMILIES)
    async def export(self, actor: ActorDep) -> dict[str, Any]:
        """Everything stored about the family, as JSON (PIPL right of access)."""
        return await families.export_family(family_of(actor))

    @delete("/families/me", opt=FAMILIES, status_code=202)
    async def erase(self, actor: ActorDep, clock: ClockDep) -> Response[dict[str, str]]:
        """Erase the family's personal data; anonymised statistics stay. Logs out everywhere."""
        await families.erase_family(family_of(actor), clock=clock)
        return Response({"status": "erased"}, status_code=202)

    @delete("/families/me/consent", opt=FAMILIES, status_code=202)
    async def withdraw_consent(self, actor: ActorDep, clock: ClockDep) -> Response[dict[str, str]]:
        """Withdraw the guardian's consent: the children's data is removed, bookings to come
        that included them end (their places go to the waitlist); the adult account stays."""
        await families.withdraw_consent(family_of(actor), clock=clock)
        return Response({"status": "withdrawn"}, status_code=202)

    @post("/users/{user_id:int}/disable", opt=ADMINS, status_code=200)
    async def disable(self, user_id: FromPath[int], clock: ClockDep) -> UserOut:
        """Disable a user: every session and token of theirs ends at once (never the last
        active district admin: 409 `last_admin`)."""
        await staff_accounts.disable(user_id, clock=clock)
        return await user_out(user_id)

    @get("/audit/access", opt=ADMINS)
    async def access_log_entries(
        self,
        family_id: Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)] = None,
        user_id: Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)] = None,
        limit: Limit = DEFAULT_LIMIT,
        cursor: FromQuery[str | None] = None,
    ) -> AccessLogPage:
        """The staff access log to families' personal data, newest first: who looked, when,
        at which family, what and why; filter by family or by staff member."""
        items = await access_log.entries(
            family_id=family_id, user_id=user_id, after=decode_cursor(cursor) or 0, limit=limit
        )
        return AccessLogPage(items=items, next_cursor=next_cursor([e.id for e in items], limit))

    @get("/notifications")
    async def notifications(
        self, actor: ActorDep, limit: Limit = DEFAULT_LIMIT, cursor: FromQuery[str | None] = None
    ) -> NotificationPage:
        """The in-app inbox, newest first, in the reader's language (`Accept-Language: en`)."""
        rows = await inbox(actor.user_id, locale=current_locale.get(), before_id=decode_cursor(cursor), limit=limit)
        # The inbox's items as they are, but the moment as `isoformat()` text, as the API has always written it.
        items = [NotificationOut(**{**asdict(r), "created_at": r.created_at.isoformat()}) for r in rows]
        return NotificationPage(items=items, next_cursor=next_cursor([i.id for i in items], limit))

    @post("/notifications/read", status_code=204)
    async def read_all(self, actor: ActorDep) -> None:
        """Mark every notification read."""
        await mark_read(actor.user_id)
