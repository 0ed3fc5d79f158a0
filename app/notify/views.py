"""What "我的家庭" and `GET /api/v1/families/me/channels` show about notices: each channel
(on, reachable), each kind (switched off or not), WeChat's binding, the language."""

from __future__ import annotations

from app.accounts.schemas import ChannelOut, ChannelsOut, ChannelsPatch, NoticeKindOut, WeChatOut
from app.accounts.services import preferences
from app.accounts.services import wechat as bindings
from app.kernel import notices
from app.kernel.clock import Clock
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_, gettext
from app.notify import channels


async def channels_view(user_id: int) -> ChannelsOut:
    recipient = await preferences.recipient(user_id)
    prefs = recipient.preferences if recipient else preferences.Preferences()
    phone = recipient.phone if recipient else None
    binding = await bindings.binding_of(user_id)
    configured = channels.channels()
    return ChannelsOut(
        channels=[
            ChannelOut(name="inbox", enabled=True, available=True),
            ChannelOut(
                name="sms",
                enabled=prefs.sms,
                available="sms" in configured and bool(phone),
                address=preferences.masked(phone),
            ),
            ChannelOut(name="wechat", enabled=prefs.wechat, available="wechat" in configured and binding is not None),
        ],
        kinds=[
            NoticeKindOut(
                kind=k.kind,
                label=gettext(k.label),
                urgency=k.urgency.value,
                opted_out=k.kind in prefs.opt_outs,
                optional=k.optional,
            )
            for k in notices.registered()
            if k.urgency is not notices.Urgency.LOW
        ],
        wechat=WeChatOut(
            configured=channels.wechat() is not None,
            bound=binding is not None,
            bound_at=binding.bound_at.isoformat() if binding else None,
        ),
        locale=prefs.locale,
    )


async def update_channels(user_id: int, patch: ChannelsPatch, *, clock: Clock) -> ChannelsOut:
    if patch.opt_outs is not None:
        known = {k.kind for k in notices.registered() if k.optional}
        unknown = sorted(set(patch.opt_outs) - known)
        if unknown:
            raise InvalidInput(
                N_("没有这种通知，或者这种通知不能关闭"), fields=[{"field": "opt_outs", "message": ", ".join(unknown)}]
            )
    await preferences.update(
        user_id, sms=patch.sms, wechat=patch.wechat, opt_outs=patch.opt_outs, locale=patch.locale, clock=clock
    )
    return await channels_view(user_id)
