"""A family account's WeChat: bound once (after proving the account with an SMS code or the
password), then it logs the family in; unbound from "我的家庭". One WeChat, one account."""

from __future__ import annotations

from datetime import datetime

from app.accounts.errors import WeChatNotBound, WeChatTaken
from app.accounts.tables import User, WeChatBinding
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.values import frozen


@frozen
class Binding:
    user_id: int
    openid: str
    bound_at: datetime


async def bind(user_id: int, openid: str, unionid: str | None, *, clock: Clock) -> Binding:
    """Bind; a WeChat bound to another account is refused (409 wechat_taken), nothing half
    done. An account binding another WeChat replaces its old one."""
    now = clock.now()
    try:
        async with write_transaction():
            holder = await WeChatBinding.select(WeChatBinding.user).where(WeChatBinding.openid == openid).first()
            if holder is not None and holder["user"] != user_id:
                raise WeChatTaken()
            if holder is None:
                await WeChatBinding.delete().where(WeChatBinding.user == user_id)
                await WeChatBinding.insert(WeChatBinding(user=user_id, openid=openid, unionid=unionid, bound_at=now))
    except Exception as exc:
        if is_unique_violation(exc):
            raise WeChatTaken() from exc  # bound elsewhere at the same moment
        raise
    binding = await binding_of(user_id)
    assert binding is not None
    return binding


async def unbind(user_id: int) -> None:
    removed = await WeChatBinding.delete().where(WeChatBinding.user == user_id).returning(WeChatBinding.id)
    if not removed:
        raise WeChatNotBound()


async def binding_of(user_id: int) -> Binding | None:
    row = (
        await WeChatBinding.select(WeChatBinding.openid, WeChatBinding.bound_at)
        .where(WeChatBinding.user == user_id)
        .first()
    )
    return Binding(user_id=user_id, openid=row["openid"], bound_at=row["bound_at"]) if row else None


async def user_for(openid: str, *, clock: Clock) -> User | None:
    """The active account bound to this WeChat (a WeChat log-in), or None."""
    bound = WeChatBinding.select(WeChatBinding.user).where(WeChatBinding.openid == openid)
    user = await User.objects().where(User.id.is_in(bound) & (User.active == True)).first()
    if user is not None:
        await User.update({User.last_login_at: clock.now()}).where(User.id == user.id)
    return user
