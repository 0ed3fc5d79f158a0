"""A family's rights over its data, on its own pages (PIPL Art. 44-47): see everything kept
about it (a readable page and a JSON download), withdraw consent for the children's data,
and erase the family. The same services answer the API (app/web/api_accounts.py)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES
from app.accounts.services import families
from app.kernel.web import ActorDep, ClockDep, Pages, download, see_other
from app.web.login_pages import session_cookie
from app.web.sessions import SESSION_COOKIE, store_key

# The export's sections, as the page titles them.
SECTIONS = {
    "family": "家庭",
    "accounts": "账号",
    "guardians": "监护人",
    "children": "孩子",
    "consents": "同意记录",
    "notifications": "消息",
    "staff_access": "工作人员查看本家庭信息的记录",
    "spaces": "预约、签到和日历",
    "lending": "借阅和预约借书",
    "programme": "亲子阅读和家庭领读人",
}


class MyDataController(Pages):
    path = "/family"

    @get("/data", opt=FAMILIES)
    async def data_page(self, actor: ActorDep) -> Template:
        """Everything kept about the family, readable: one section per kind of record."""
        assert actor.family_id is not None
        data = await families.export_family(actor.family_id)
        return Template("my_data.html", context={"actor": actor, "data": data, "sections": SECTIONS})

    @get("/export", opt=FAMILIES)
    async def export(self, actor: ActorDep) -> Response[bytes]:
        """The family's data as a JSON download (PIPL right of access), for the browser session."""
        assert actor.family_id is not None
        data = await families.export_family(actor.family_id)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        response = download(body, "storycorner-family.json", "application/json")
        response.headers["Cache-Control"] = "no-store"
        return response

    @post("/consent/withdraw", opt=FAMILIES)
    async def withdraw(self, actor: ActorDep, clock: ClockDep) -> Redirect:
        """The children's data goes; the account stays (a child may be added later with consent)."""
        assert actor.family_id is not None
        await families.withdraw_consent(actor.family_id, clock=clock)
        return see_other("/family?note=consent_withdrawn")

    @post("/erase", opt=FAMILIES)
    async def erase(self, request: Request[Any, Any, Any], actor: ActorDep, clock: ClockDep) -> Redirect:
        """Erase the family: logged out everywhere, only anonymous figures stay."""
        assert actor.family_id is not None
        await families.erase_family(actor.family_id, clock=clock)
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await request.app.state.session_store.delete(store_key(cookie))
        return Redirect(
            path="/?note=erased", status_code=303, cookies=[session_cookie("", request.app.state, max_age=0)]
        )
