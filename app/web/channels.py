"""Notice channels of a family: the API (`GET`/`PATCH /api/v1/families/me/channels`, unbind
WeChat) and the form on "我的家庭" (the page itself: `app/web/pages.py`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import JSONBody
from litestar.response import Redirect

from app.accounts.roles import FAMILIES
from app.accounts.schemas import ChannelsOut, ChannelsPatch
from app.accounts.services import wechat as bindings
from app.kernel.web import ActorDep, ClockDep, Pages, see_other
from app.notify.views import channels_view, update_channels


class ChannelsController(Controller):
    path = "/api/v1/families/me"
    tags = ("accounts",)

    @get("/channels", opt=FAMILIES)
    async def channels(self, actor: ActorDep) -> ChannelsOut:
        """Notice channels (`inbox`, `sms`, `wechat`), kinds switched off, WeChat's binding."""
        return await channels_view(actor.user_id)

    @patch("/channels", opt=FAMILIES)
    async def update(self, data: JSONBody[ChannelsPatch], actor: ActorDep, clock: ClockDep) -> ChannelsOut:
        """Switch SMS or WeChat on or off, choose the kinds switched off for them (the inbox
        keeps every notice), the language notices are written in."""
        return await update_channels(actor.user_id, data, clock=clock)

    @delete("/wechat", opt=FAMILIES, status_code=204)
    async def unbind(self, actor: ActorDep) -> None:
        """Unbind the family's WeChat: it no longer logs in nor receives messages."""
        await bindings.unbind(actor.user_id)


class ChannelsPage(Pages):
    @post("/family/channels", opt=FAMILIES)
    async def save(self, request: Request[Any, Any, Any], actor: ActorDep, clock: ClockDep) -> Redirect:
        """The "消息通知" form: channels ticked are on; kinds ticked are received."""
        form = await request.form()
        view = await channels_view(actor.user_id)
        received = set(form.getall("kind", []))
        patch = ChannelsPatch(
            sms=form.get("sms") == "on",
            wechat=form.get("wechat") == "on",
            opt_outs=[k.kind for k in view.kinds if k.optional and k.kind not in received],
        )
        await update_channels(actor.user_id, patch, clock=clock)
        return see_other("/family#notices")
