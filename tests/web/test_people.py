"""Staff accounts from pages and the API: a district admin creates a librarian with a
one-time password shown once; the librarian must change it before anything else; spaces are
assigned and unassigned; accounts disabled and re-enabled, never the last active district
admin; every staff member changes their own password. Every other role is refused."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.helpers import bearer, login, register_family, staff_headers
from tests.spaces.conftest import space
from tests.spaces.test_booking_pages import Browsers, browsers, family_browser, staff_browser
from tests.web.forms import log_in, submit

__all__ = ["browsers", "space"]  # fixtures, used by name


def one_time_password(html: str) -> str:
    match = re.search(r'id="one-time-password">([^<]+)<', html)
    assert match, "the one-time password is not shown"
    return match.group(1)


async def test_librarian_with_a_one_time_password(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any]
) -> None:
    admin = await staff_browser(browsers, "district1", roles=("district_admin",))
    form = {"login": "wanglib", "display_name": "王馆员", "role": "librarian", "space_id": str(space["id"])}
    r = await submit(admin, "/staff/people", form, page="/staff/people")
    assert r.status_code == 201, r.text
    password = one_time_password(r.text)
    assert re.fullmatch(r"[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}", password)
    user_id = int(re.search(r'action="/staff/people/(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    page = await admin.get(f"/staff/people/{user_id}")
    assert password not in page.text and "还没有修改一次性密码" in page.text and space["name"] in page.text
    # The same login again is refused on the page.
    r = await submit(admin, "/staff/people", form, page="/staff/people")
    assert r.status_code == 409
    # The librarian logs in and must change the password first.
    lib = await browsers()
    r = await log_in(lib, "wanglib", password)
    assert r.status_code in (302, 303) and r.headers["location"] == "/staff/password"
    r = await lib.get(f"/staff/spaces/{space['id']}")
    assert r.status_code in (302, 303) and r.headers["location"] == "/staff/password"
    token = await login(client, "wanglib", password)
    r = await client.get("/api/v1/users/me", headers=bearer(token))
    assert r.status_code == 403 and r.json()["code"] == "password_change_required"
    wrong = {
        "current_password": "nope-nope-nope",
        "password": "reading-corner-2027",
        "password_again": "reading-corner-2027",
    }
    r = await submit(lib, "/staff/password", wrong, page="/staff/password")
    assert r.status_code == 400 and "当前密码不正确" in r.text
    weak = {"current_password": password, "password": "123456789012", "password_again": "123456789012"}
    r = await submit(lib, "/staff/password", weak, page="/staff/password")
    assert r.status_code == 400
    mismatch = {
        "current_password": password,
        "password": "reading-corner-2027",
        "password_again": "reading-corner-2028",
    }
    r = await submit(lib, "/staff/password", mismatch, page="/staff/password")
    assert r.status_code == 400 and "两次输入的新密码不一样" in r.text
    good = {"current_password": password, "password": "reading-corner-2027", "password_again": "reading-corner-2027"}
    r = await submit(lib, "/staff/password", good, page="/staff/password")
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    r = await lib.get(f"/staff/spaces/{space['id']}")
    assert r.status_code == 200 and "保存" in r.text
    assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200
    # The one-time password no longer works.
    r = await client.post("/api/v1/auth/tokens", json={"login": "wanglib", "password": password})
    assert r.status_code == 401


async def test_assign_unassign_disable_enable_reset_on_pages(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any]
) -> None:
    admin = await staff_browser(browsers, "district1", roles=("district_admin",))
    vol = await staff_browser(browsers, "vol1", roles=("volunteer",))
    r = await client.get("/api/v1/staff", params={"q": "vol1"}, headers=space["admin"])
    vol_id = r.json()["items"][0]["id"]
    page = f"/staff/people/{vol_id}"
    r = await submit(admin, page, {"action": "assign", "space_id": str(space["id"])}, page=page)
    assert r.status_code == 303
    assert (await vol.get(f"/staff/spaces/{space['id']}")).status_code == 200
    r = await submit(admin, page, {"action": "assign", "space_id": "999999"}, page=page)
    assert r.status_code == 404 and "没有找到空间" in r.text
    r = await submit(admin, page, {"action": "unassign", "space_id": str(space["id"])}, page=page)
    assert r.status_code == 303
    assert (await vol.get(f"/staff/spaces/{space['id']}")).status_code == 403
    r = await submit(admin, page, {"action": "disable"}, page=page)
    assert r.status_code == 303
    r = await vol.get("/staff")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    r = await submit(admin, page, {"action": "enable"}, page=page)
    assert r.status_code == 303
    r = await submit(admin, page, {"action": "reset"}, page=page)
    assert r.status_code == 200
    password = one_time_password(r.text)
    again = await browsers()
    r = await log_in(again, "vol1", password)
    assert r.headers["location"] == "/staff/password"


async def test_the_last_active_district_admin_stays(client: httpx.AsyncClient, browsers: Browsers) -> None:
    admin = await staff_browser(browsers, "district1", roles=("district_admin",))
    headers = bearer(await login(client, "district1", "staff-pass-1"))
    me = (await client.get("/api/v1/users/me", headers=headers)).json()["id"]
    r = await client.patch(f"/api/v1/staff/{me}", json={"active": False}, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    r = await client.post(f"/api/v1/users/{me}/disable", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "last_admin"
    page = f"/staff/people/{me}"
    r = await submit(admin, page, {"action": "disable"}, page=page)
    assert r.status_code == 409 and "不能停用最后一位在职的区管理员" in r.text
    second = await staff_headers(client, "district2", roles=("district_admin",))
    r = await client.patch(f"/api/v1/staff/{me}", json={"active": False}, headers=second)
    assert r.status_code == 200 and r.json()["active"] is False
    second_id = (await client.get("/api/v1/users/me", headers=second)).json()["id"]
    r = await client.patch(f"/api/v1/staff/{second_id}", json={"active": False}, headers=second)
    assert r.status_code == 409


async def test_staff_api_for_a_district_admin(client: httpx.AsyncClient, space: dict[str, Any]) -> None:
    admin = space["admin"]
    body = {"login": "zhaovol", "display_name": "赵志愿者", "roles": ["volunteer"], "space_ids": [space["id"]]}
    r = await client.post("/api/v1/staff", json=body, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["must_change_password"] is True and created["space_ids"] == [space["id"]]
    password = created["one_time_password"]
    listed = (await client.get("/api/v1/staff", headers=admin)).json()["items"]
    assert {p["login"] for p in listed} == {"spaceadmin", "zhaovol"}
    assert all("one_time_password" not in p for p in listed)
    # An unknown space leaves no account behind.
    r = await client.post("/api/v1/staff", json={**body, "login": "ghost", "space_ids": [999999]}, headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "space_not_found"
    assert (await client.get("/api/v1/staff", params={"q": "ghost"}, headers=admin)).json()["items"] == []
    user = f"/api/v1/staff/{created['id']}"
    r = await client.patch(user, json={"remove_space_ids": [space["id"]]}, headers=admin)
    assert r.status_code == 200 and r.json()["space_ids"] == []
    r = await client.patch(user, json={"add_space_ids": [999999]}, headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "space_not_found"
    r = await client.patch(user, json={"reset_password": True}, headers=admin)
    fresh = r.json()["one_time_password"]
    assert fresh and fresh != password
    r = await client.post("/api/v1/auth/tokens", json={"login": "zhaovol", "password": password})
    assert r.status_code == 401
    # Own password by the API: needed first, then everything works.
    token = bearer(await login(client, "zhaovol", fresh))
    r = await client.post(
        "/api/v1/users/me/password", json={"current_password": fresh, "new_password": "zhaovol-2027"}, headers=token
    )
    assert r.status_code == 400 and r.json()["code"] == "weak_password"
    r = await client.post(
        "/api/v1/users/me/password",
        json={"current_password": fresh, "new_password": "picture-books-2027"},
        headers=token,
    )
    assert r.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=token)).status_code == 200
    assert (await client.get("/api/v1/staff/999999", headers=admin)).status_code == 404


async def test_only_district_admins_manage_staff(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any]
) -> None:
    lib = await staff_headers(client, "lib1", roles=("librarian",), spaces=(space["id"],))
    vol = await staff_headers(client, "vol1", roles=("volunteer",), spaces=(space["id"],))
    family = (await register_family(client))["headers"]
    vol_id = (await client.get("/api/v1/users/me", headers=vol)).json()["id"]
    body = {"login": "sneaky", "display_name": "偷偷", "roles": ["district_admin"]}
    for who in (lib, vol, family):
        assert (await client.get("/api/v1/staff", headers=who)).status_code == 403
        assert (await client.post("/api/v1/staff", json=body, headers=who)).status_code == 403
        r = await client.patch(f"/api/v1/staff/{vol_id}", json={"active": False}, headers=who)
        assert r.status_code == 403
    assert (await client.get("/api/v1/staff")).status_code == 401
    assert (await client.patch(f"/api/v1/staff/{vol_id}", json={"active": False})).status_code == 401
    r = await client.post("/api/v1/users/me/password", json={"current_password": "x", "new_password": "y" * 12})
    assert r.status_code == 401
    # A family may not use the staff password page either.
    r = await client.post(
        "/api/v1/users/me/password", json={"current_password": "x", "new_password": "y" * 12}, headers=family
    )
    assert r.status_code == 403
    lib_page = await staff_browser(browsers, "lib2", roles=("librarian",))
    fam_page = await family_browser(browsers)
    for who in (lib_page, fam_page):
        assert (await who.get("/staff/people")).status_code == 403
        assert (await who.get(f"/staff/people/{vol_id}")).status_code == 403
    r = await submit(lib_page, f"/staff/people/{vol_id}", {"action": "disable"}, page="/staff/password")
    assert r.status_code == 403
    r = await (await browsers()).get("/staff/people")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    # A librarian changes their own password on the page.
    good = {
        "current_password": "staff-pass-1",
        "password": "reading-corner-2027",
        "password_again": "reading-corner-2027",
    }
    r = await submit(lib_page, "/staff/password", good, page="/staff/password")
    assert r.status_code == 303 and r.headers["location"] == "/staff/password?note=changed"
    assert (
        await client.post("/api/v1/auth/tokens", json={"login": "lib2", "password": "reading-corner-2027"})
    ).status_code == 201
