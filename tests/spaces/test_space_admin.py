"""Managing spaces from pages (/staff/spaces) and the corner API, for every role: district
admins create and edit any space; a space's librarians edit it and its corners; its
volunteers see it, reprint codes and print posters but change nothing; other staff, families
and visitors are refused. Posters decode to a working code; a retired corner's code stops."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
import pypdfium2

from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.qr.conftest import decode_one, token_of
from tests.spaces.test_booking_pages import Browsers, browsers, family_browser, staff_browser
from tests.web.forms import submit

__all__ = ["browsers"]  # the fixture, used by name

FORM = {
    "name": "北新桥十平米阅读空间",
    "kind": "ten_square",
    "street": "北新桥",
    "community": "九道湾社区",
    "host_name": "九道湾儿童之家",
    "address": "东城区北新桥街道九道湾中巷 5 号",
    "capacity": "15",
    "latitude": "39.9401",
    "longitude": "116.4210",
    "description": "绘本两百余册",
    "hours_1": "",
    "hours_2": "09:00-12:00, 14:00-17:00",
    "hours_3": "9:00-17:00",
    "hours_4": "",
    "hours_5": "",
    "hours_6": "09:00-12:00",
    "hours_7": "",
}


def space_id_of(r: httpx.Response) -> int:
    assert r.status_code == 303, r.text
    match = re.match(r"/staff/spaces/(\d+)\?note=space_created", r.headers["location"])
    assert match, r.headers["location"]
    return int(match.group(1))


async def test_admin_creates_edits_and_finds_a_space(client: httpx.AsyncClient, browsers: Browsers) -> None:
    admin = await staff_browser(browsers, "district1", roles=("district_admin",))
    r = await submit(admin, "/staff/spaces", FORM, page="/staff/spaces/new")
    space_id = space_id_of(r)
    space = (await client.get(f"/api/v1/spaces/{space_id}")).json()
    assert space["host_name"] == "九道湾儿童之家" and space["latitude"] == 39.9401 and space["longitude"] == 116.421
    assert [(h["weekday"], h["opens"], h["closes"]) for h in space["opening_hours"]] == [
        (2, "09:00", "12:00"),
        (2, "14:00", "17:00"),
        (3, "09:00", "17:00"),
        (6, "09:00", "12:00"),
    ]
    page = await admin.get(f"/staff/spaces/{space_id}")
    assert page.status_code == 200 and 'value="09:00-12:00, 14:00-17:00"' in page.text
    r = await submit(
        admin,
        f"/staff/spaces/{space_id}",
        {**FORM, "capacity": "20", "hours_7": "10:00-16:00", "require_live_code": "yes"},
        page=f"/staff/spaces/{space_id}",
    )
    assert r.status_code == 303 and r.headers["location"].endswith("note=space_saved")
    space = (await client.get(f"/api/v1/spaces/{space_id}")).json()
    assert space["capacity"] == 20 and space["require_live_code"] is True and len(space["opening_hours"]) == 5
    # Search and subdistrict filter.
    r = await admin.get("/staff/spaces", params={"q": "九道湾"})
    assert "北新桥十平米阅读空间" in r.text
    r = await admin.get("/staff/spaces", params={"street": "景山"})
    assert "北新桥十平米阅读空间" not in r.text and "没有找到空间" in r.text
    r = await admin.get("/staff/spaces", params={"street": "北新桥"})
    assert "北新桥十平米阅读空间" in r.text


async def test_bad_space_input_is_named_and_nothing_is_saved(client: httpx.AsyncClient, browsers: Browsers) -> None:
    admin = await staff_browser(browsers, "district1", roles=("district_admin",))
    r = await submit(admin, "/staff/spaces", {**FORM, "hours_2": "09:00-12:00, 11:00-13:00"}, page="/staff/spaces/new")
    assert r.status_code == 400 and "同一天的开放时间段不能重叠" in r.text
    r = await submit(admin, "/staff/spaces", {**FORM, "hours_2": "早上九点"}, page="/staff/spaces/new")
    assert r.status_code == 400 and 'id="hours_2" name="hours_2" value="早上九点"' in r.text
    assert 'aria-invalid="true"' in r.text
    r = await submit(admin, "/staff/spaces", {**FORM, "capacity": "0"}, page="/staff/spaces/new")
    assert r.status_code == 400 and "同时容纳人数应在 1 到 1000 之间" in r.text
    r = await submit(admin, "/staff/spaces", {**FORM, "latitude": "123"}, page="/staff/spaces/new")
    assert r.status_code == 400 and "纬度应在 -90 到 90 之间" in r.text
    assert (await client.get("/api/v1/spaces")).json()["items"] == []
    space_id = space_id_of(await submit(admin, "/staff/spaces", FORM, page="/staff/spaces/new"))
    page = f"/staff/spaces/{space_id}"
    r = await submit(admin, page, {**FORM, "name": "改了的名字", "hours_3": "17:00-09:00"}, page=page)
    assert r.status_code == 400 and "结束时间必须晚于开始时间" in r.text
    space = (await client.get(f"/api/v1/spaces/{space_id}")).json()
    assert space["name"] == FORM["name"] and len(space["opening_hours"]) == 4


async def test_corners_from_the_page_and_their_posters(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], settings: Any, clock: FrozenClock
) -> None:
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    page = f"/staff/spaces/{space['id']}"
    r = await submit(lib, f"{page}/corners", {"name": "绘本架"}, page=page)
    assert r.status_code == 303
    corner_id = (await client.get(f"/api/v1/spaces/{space['id']}")).json()["corners"][0]["id"]
    r = await submit(lib, f"{page}/corners", {"name": ""}, page=page)
    assert r.status_code == 400 and "请填写阅读角名称" in r.text
    r = await submit(lib, f"{page}/corners/{corner_id}", {"action": "rename", "name": "小书房"}, page=page)
    assert r.status_code == 303
    assert (await client.get(f"/api/v1/spaces/{space['id']}")).json()["corners"][0]["name"] == "小书房"
    # The poster of the corner, as a PNG and as a PDF, decodes to its working code.
    r = await lib.get(f"{page}/poster.png", params={"corner_id": corner_id})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert "attachment" in r.headers["content-disposition"]
    token = token_of(decode_one(r.content).text, settings.base_url)
    assert (await tokens.verify(token, purposes=(Purpose.corner,), now=clock.now())).subject == corner_id
    r = await lib.get(f"{page}/poster.pdf", params={"corner_id": corner_id})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    pdf = pypdfium2.PdfDocument(io.BytesIO(r.content))
    assert len(pdf) == 1
    assert decode_one(pdf[0].render(scale=2).to_pil()).text == f"{settings.base_url}/q/{token}"
    # Reprint: the old poster's code is revoked.
    r = await submit(lib, f"{page}/corners/{corner_id}", {"action": "reprint"}, page=page)
    assert r.status_code == 303 and r.headers["location"].endswith("corner_reprinted")
    r = await client.get(f"/q/{token}")
    assert r.status_code == 410
    # Retire: every code of it stops, it prints no poster, its name stays in the list.
    fresh = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    r = await submit(lib, f"{page}/corners/{corner_id}", {"action": "retire"}, page=page)
    assert r.status_code == 303 and r.headers["location"].endswith("corner_retired")
    assert (await client.get(f"/q/{fresh}")).status_code == 410
    r = await lib.get(f"{page}/poster.pdf")
    assert r.status_code == 404
    corners = (await client.get(f"/api/v1/spaces/{space['id']}")).json()["corners"]
    assert corners == [{"id": corner_id, "name": "小书房", "retired": True}]
    r = await lib.get(page)
    assert "已停用" in r.text


async def test_who_may_manage_which_space(client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any]) -> None:
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    corner_id = r.json()["id"]
    page = f"/staff/spaces/{space['id']}"
    volunteer = await staff_browser(browsers, "vol1", roles=("volunteer",), spaces=(space["id"],))
    other_lib = await staff_browser(browsers, "lib2", roles=("librarian",))
    family = await family_browser(browsers)
    anonymous = await browsers()
    # A volunteer of the space sees it and its posters, reprints, but edits nothing.
    r = await volunteer.get("/staff/spaces")
    assert r.status_code == 200 and space["name"] in r.text and "新建空间" not in r.text
    r = await volunteer.get(page)
    assert r.status_code == 200 and "只有区管理员和这个空间的馆员可以修改空间信息" in r.text
    assert (await volunteer.get(f"{page}/poster.png")).status_code == 200
    r = await submit(volunteer, f"{page}/corners/{corner_id}", {"action": "reprint"}, page=page)
    assert r.status_code == 303
    r = await submit(volunteer, page, {**FORM, "name": "志愿者改名"}, page=page)
    assert r.status_code == 403
    r = await submit(volunteer, f"{page}/corners", {"name": "新角"}, page=page)
    assert r.status_code == 403
    r = await submit(volunteer, f"{page}/corners/{corner_id}", {"action": "retire"}, page=page)
    assert r.status_code == 403
    assert (await volunteer.get("/staff/spaces/new")).status_code == 403
    # A librarian of another space: not this one, not in the list, no new spaces.
    r = await other_lib.get("/staff/spaces")
    assert r.status_code == 200 and space["name"] not in r.text
    assert (await other_lib.get(page)).status_code == 403
    assert (await other_lib.get(f"{page}/poster.pdf")).status_code == 403
    r = await submit(other_lib, page, FORM, page="/staff/spaces")
    assert r.status_code == 403
    r = await submit(other_lib, "/staff/spaces", FORM, page="/staff/spaces")
    assert r.status_code == 403
    # Families and visitors.
    assert (await family.get("/staff/spaces")).status_code == 403
    assert (await family.get(page)).status_code == 403
    r = await anonymous.get("/staff/spaces")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    space_now = (await client.get(f"/api/v1/spaces/{space['id']}")).json()
    assert space_now["name"] == space["name"] and [c["retired"] for c in space_now["corners"]] == [False]


async def test_corner_api_for_every_role(client: httpx.AsyncClient, space: dict[str, Any]) -> None:
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    corner = f"/api/v1/spaces/{space['id']}/corners/{r.json()['id']}"
    lib = await staff_headers(client, "lib1", roles=("librarian",), spaces=(space["id"],))
    volunteer = await staff_headers(client, "vol1", roles=("volunteer",), spaces=(space["id"],))
    other_lib = await staff_headers(client, "lib2", roles=("librarian",))
    family = (await register_family(client))["headers"]
    assert (await client.patch(corner, json={"name": "x"})).status_code == 401
    for who in (volunteer, family, other_lib):
        r = await client.patch(corner, json={"name": "x"}, headers=who)
        assert r.status_code == 403, r.text
    r = await client.patch(corner, json={"name": "小书房"}, headers=lib)
    assert r.status_code == 200 and r.json() == {"id": r.json()["id"], "name": "小书房", "retired": False}
    r = await client.patch(corner, json={"name": ""}, headers=lib)
    assert r.status_code == 400 and r.json()["code"] == "invalid_input"
    r = await client.patch(corner, json={"retired": True}, headers=space["admin"])
    assert r.status_code == 200 and r.json()["retired"] is True
    r = await client.patch(corner, json={"name": "又改"}, headers=space["admin"])
    assert r.status_code == 404 and r.json()["code"] == "corner_not_found"
    r = await client.patch(f"/api/v1/spaces/{space['id']}", json={"latitude": 39.93, "longitude": 116.41}, headers=lib)
    assert r.status_code == 200 and r.json()["latitude"] == 39.93
    r = await client.patch(f"/api/v1/spaces/{space['id']}", json={"latitude": 91}, headers=lib)
    assert r.status_code == 400
