"""How a family account wants its notices, and where they can reach it (for delivery)."""

from __future__ import annotations

import json
from typing import Any

from piccolo.query.mixins import OnConflictAction

from app.accounts.tables import Guardian, NoticePreference, User, WeChatBinding
from app.kernel.clock import Clock
from app.kernel.values import frozen

LOCALES = ("zh-CN", "en")


@frozen
class Preferences:
    sms: bool = True
    wechat: bool = True
    opt_outs: frozenset[str] = frozenset()
    locale: str = "zh-CN"


@frozen
class Recipient:
    """Where a notice can reach a user, and how the user wants it."""

    user_id: int
    phone: str | None
    openid: str | None
    preferences: Preferences


def _opt_outs(raw: Any) -> frozenset[str]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    return frozenset(str(v) for v in value or [])


async def preferences(user_id: int) -> Preferences:
    row = await NoticePreference.select().where(NoticePreference.user == user_id).first()
    if row is None:
        return Preferences()
    return Preferences(sms=row["sms"], wechat=row["wechat"], opt_outs=_opt_outs(row["opt_outs"]), locale=row["locale"])


async def update(
    user_id: int,
    *,
    clock: Clock,
    sms: bool | None = None,
    wechat: bool | None = None,
    opt_outs: list[str] | None = None,
    locale: str | None = None,
) -> Preferences:
    """Change what is given, keep the rest (one upsert: two changes at once both land)."""
    current = await preferences(user_id)
    values = {
        "sms": current.sms if sms is None else sms,
        "wechat": current.wechat if wechat is None else wechat,
        "opt_outs": sorted(current.opt_outs if opt_outs is None else set(opt_outs)),
        "locale": current.locale if locale not in LOCALES else locale,
    }
    await NoticePreference.insert(
        NoticePreference(user=user_id, updated_at=clock.now(), **values)  # type: ignore[arg-type]
    ).on_conflict(
        target=NoticePreference.user,
        action=OnConflictAction.do_update,
        values=[
            NoticePreference.sms,
            NoticePreference.wechat,
            NoticePreference.opt_outs,
            NoticePreference.locale,
            NoticePreference.updated_at,
        ],
    )
    return await preferences(user_id)


async def remember_locale(user_id: int, locale: str, *, clock: Clock) -> None:
    """The language the family uses the site in: its notices are written in it."""
    if locale in LOCALES and (await preferences(user_id)).locale != locale:
        await update(user_id, locale=locale, clock=clock)


async def recipient(user_id: int) -> Recipient | None:
    """None when the account is gone or disabled (nothing goes out to it)."""
    user = await User.select(User.login, User.roles, User.active).where(User.id == user_id).first()
    if user is None or not user["active"]:
        return None
    guardian = await Guardian.select(Guardian.phone).where(Guardian.user == user_id).first()
    phone = guardian["phone"] if guardian and guardian["phone"] else None
    binding = await WeChatBinding.select(WeChatBinding.openid).where(WeChatBinding.user == user_id).first()
    return Recipient(
        user_id=user_id,
        phone=phone,
        openid=binding["openid"] if binding else None,
        preferences=await preferences(user_id),
    )


def masked(phone: str | None) -> str | None:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) == 11 else phone
