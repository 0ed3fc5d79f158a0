"""The accounts part of the JSON API (API.md, "Accounts"): registration, consent, children,
export, erasure, staff creation and the welcome notification."""

from __future__ import annotations

from typing import Any

import httpx

from app.accounts.consent import CURRENT_POLICY
from app.accounts.tables import Child, Consent, Family, Guardian, User
from tests.app.conftest import expect_problem, field_names
from tests.helpers import bearer, create_staff, family_body, login, next_phone, register_family

CONSENT = {"policy_version": CURRENT_POLICY.version, "accepted": True}


async def register(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/api/v1/families", json=body)


# --- registration -------------------------------------------------------------------------


async def test_register_family_with_two_children(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    body = family_body(phone)
    # The clock says 2026-11-28: one toddler, one school child.
    body["children"] = [
        {"nickname": " 小明 ", "birth_month": "2024-06"},
        {"nickname": "小红", "birth_month": "2020-05"},
    ]
    r = await register(client, body)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/json")
    family = r.json()
    assert set(family) == {"id", "guardians", "children"}
    assert isinstance(family["id"], int)
    assert family["guardians"] == [{"id": family["guardians"][0]["id"], "name": "王妈妈", "phone": phone}]
    children = family["children"]
    assert [c["nickname"] for c in children] == ["小明", "小红"]  # trimmed
    assert [c["birth_month"] for c in children] == ["2024-06", "2020-05"]
    assert [c["age_band"] for c in children] == ["0-3", "6-9"]
    assert all(set(c) == {"id", "nickname", "birth_month", "age_band"} for c in children)
    assert len({c["id"] for c in children}) == 2

    # What was stored: one family, a family user with only the family role, the consent.
    user = await User.select().where(User.login == phone).first()
    assert user is not None
    assert user["roles"] == "family"
    assert user["family"] == family["id"]
    assert user["password_hash"].startswith("$argon2id$")
    assert "family-pass-1" not in user["password_hash"]
    consents = await Consent.select().where(Consent.family == family["id"])
    assert [c["policy_version"] for c in consents] == [CURRENT_POLICY.version]

    # The guardian can log in and sees the same family.
    token = await login(client, phone, "family-pass-1")
    r = await client.get("/api/v1/families/me", headers=bearer(token))
    assert r.status_code == 200
    assert r.json() == family


async def test_age_bands_follow_the_clock(client: httpx.AsyncClient) -> None:
    # The clock says 2026-11-28 in Beijing.
    cases = [
        ("2026-11", "0-3"),  # born this month
        ("2023-12", "0-3"),  # 35 months
        ("2023-11", "3-6"),  # 36 months: turned three
        ("2020-12", "3-6"),
        ("2020-11", "6-9"),
        ("2017-11", "9-12"),
        ("2012-12", "9-12"),  # 13 years 11 months: still served
    ]
    body = family_body(children=0)
    body["children"] = [{"nickname": f"c{i}", "birth_month": month} for i, (month, _band) in enumerate(cases)]
    r = await register(client, body)
    assert r.status_code == 201, r.text
    got = [(c["birth_month"], c["age_band"]) for c in r.json()["children"]]
    assert got == cases


async def test_birth_month_out_of_range_is_invalid_input(client: httpx.AsyncClient) -> None:
    for birth_month in ["2026-12", "2012-11", "2020-13", "2020-00", "2020-5", "May 2020"]:
        body = family_body(children=2)
        body["children"][1]["birth_month"] = birth_month
        problem = expect_problem(await register(client, body), 400, "invalid_input")
        assert any("children[1].birth_month" in name for name in field_names(problem)), (birth_month, problem)
    assert await Family.count() == 0


async def test_phone_formats_are_normalised(client: httpx.AsyncClient) -> None:
    body = family_body("+86 139-0000-1234")
    r = await register(client, body)
    assert r.status_code == 201, r.text
    assert r.json()["guardians"][0]["phone"] == "13900001234"
    # The plain number logs in, and registering it again in another spelling is refused.
    await login(client, "13900001234", body["password"])
    expect_problem(await register(client, family_body("0086 13900001234")), 409, "phone_taken")


async def test_phone_taken(client: httpx.AsyncClient) -> None:
    phone = next_phone()
    assert (await register(client, family_body(phone))).status_code == 201
    problem = expect_problem(await register(client, family_body(phone, password="another-pass")), 409, "phone_taken")
    assert "phone_taken" not in problem["title"]  # a human title, not the code
    assert await Family.count() == 1
    # The first password still works: the second registration changed nothing.
    await login(client, phone, "family-pass-1")


async def test_children_without_consent_are_refused(client: httpx.AsyncClient) -> None:
    body = family_body(consent=False)
    assert body["children"]
    expect_problem(await register(client, body), 400, "consent_required")
    assert await Family.count() == 0
    assert await User.count() == 0


async def test_wrong_or_declined_consent_is_refused(client: httpx.AsyncClient) -> None:
    for consent in [
        {"policy_version": "2020-01", "accepted": True},
        {"policy_version": CURRENT_POLICY.version, "accepted": False},
    ]:
        body = family_body()
        body["consent"] = consent
        problem = expect_problem(await register(client, body), 400, "consent_required")
        assert problem["title"] == "登记孩子信息需要监护人同意隐私政策"
    assert await Family.count() == 0
    # Consent given without children is checked too: a stale version is never recorded.
    body = family_body(children=0)
    body["consent"] = {"policy_version": "2020-01", "accepted": True}
    expect_problem(await register(client, body), 400, "consent_required")
    assert await Consent.count() == 0


async def test_family_without_children_needs_no_consent(client: httpx.AsyncClient) -> None:
    r = await register(client, family_body(children=0, consent=False))
    assert r.status_code == 201, r.text
    assert r.json()["children"] == []
    assert await Consent.count() == 0


async def test_malformed_phone_is_invalid_input_naming_phone(client: httpx.AsyncClient) -> None:
    for phone in ["12345678901", "1390000123a", "23900001234", "139000012345", "+1 139 0000 1234"]:
        problem = expect_problem(await register(client, family_body(phone)), 400, "invalid_input")
        assert field_names(problem) == {"phone"}, (phone, problem)
    # Too short for the schema: refused before any rule runs, still naming phone.
    problem = expect_problem(await register(client, family_body("139")), 400, "invalid_input")
    assert field_names(problem) == {"phone"}, problem
    assert await User.count() == 0


async def test_short_password_is_refused(client: httpx.AsyncClient) -> None:
    problem = expect_problem(await register(client, family_body(password="short")), 400, "invalid_input")
    assert any("password" in name for name in field_names(problem)), problem
    assert await User.count() == 0


async def test_unknown_fields_are_rejected_so_a_family_cannot_make_itself_staff(client: httpx.AsyncClient) -> None:
    for extra in [{"roles": ["district_admin"]}, {"role": "district_admin"}, {"is_staff": True}, {"family_id": 1}]:
        body = {**family_body(), **extra}
        problem = expect_problem(await register(client, body), 400, "invalid_input")
        name = next(iter(extra))
        assert any(name in f["message"] for f in problem["fields"]), (extra, problem)
        # Nothing was created, so nobody can log in with that phone.
        r = await client.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        expect_problem(r, 401, "bad_credentials")
    assert await User.count() == 0
    assert await Family.count() == 0


async def test_registered_family_is_never_staff(client: httpx.AsyncClient) -> None:
    fam = await register_family(client)
    r = await client.get("/api/v1/users/me", headers=fam["headers"])
    assert r.status_code == 200
    me = r.json()
    assert me["roles"] == ["family"]
    assert me["family_id"] == fam["family"]["id"]
    assert me["space_ids"] == []
    r = await client.post(
        "/api/v1/staff",
        json={"login": "sneaky", "password": "staff-pass-1", "display_name": "x", "roles": ["district_admin"]},
        headers=fam["headers"],
    )
    expect_problem(r, 403, "forbidden")


async def test_too_many_children_in_registration(client: httpx.AsyncClient) -> None:
    body = family_body(children=0)
    body["children"] = [{"nickname": f"c{i}", "birth_month": "2020-01"} for i in range(9)]
    expect_problem(await register(client, body), 400, "invalid_input")
    assert await Child.count() == 0


# --- consent policy -----------------------------------------------------------------------


async def test_consent_policy_is_public(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/consent-policy")
    assert r.status_code == 200
    policy = r.json()
    assert policy == {
        "version": CURRENT_POLICY.version,
        "text": CURRENT_POLICY.text,
        "responsible_person": CURRENT_POLICY.responsible_person,
    }
    assert "个人信息保护法" in policy["text"]
    # The version it announces is the one registration accepts.
    body = family_body()
    body["consent"] = {"policy_version": policy["version"], "accepted": True}
    assert (await register(client, body)).status_code == 201


# --- children -----------------------------------------------------------------------------


async def test_family_endpoints_need_a_family_token(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for method, path in [
        ("GET", "/api/v1/families/me"),
        ("GET", "/api/v1/families/me/export"),
        ("DELETE", "/api/v1/families/me"),
        ("POST", "/api/v1/families/me/children"),
    ]:
        expect_problem(await client.request(method, path), 401, "not_authenticated")
        r = await client.request(method, path, headers=bearer("not-a-real-token"))
        expect_problem(r, 401, "not_authenticated")
        # Staff have no family.
        expect_problem(await client.request(method, path, headers=admin), 403, "forbidden")


async def test_add_child_with_consent_on_record(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=1)
    r = await client.post(
        "/api/v1/families/me/children", json={"nickname": "老二", "birth_month": "2025-02"}, headers=fam["headers"]
    )
    assert r.status_code == 201, r.text
    child = r.json()
    assert child["nickname"] == "老二"
    assert child["birth_month"] == "2025-02"
    assert child["age_band"] == "0-3"
    r = await client.get("/api/v1/families/me", headers=fam["headers"])
    assert [c["id"] for c in r.json()["children"]][-1] == child["id"]
    assert len(r.json()["children"]) == 2


async def test_add_child_needs_consent_when_none_on_record(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=0, consent=False)
    headers = fam["headers"]
    child = {"nickname": "小宝", "birth_month": "2022-08"}
    expect_problem(
        await client.post("/api/v1/families/me/children", json=child, headers=headers), 400, "consent_required"
    )
    wrong = {**child, "consent": {"policy_version": "1999-01", "accepted": True}}
    expect_problem(
        await client.post("/api/v1/families/me/children", json=wrong, headers=headers), 400, "consent_required"
    )
    assert await Child.count() == 0

    r = await client.post("/api/v1/families/me/children", json={**child, "consent": CONSENT}, headers=headers)
    assert r.status_code == 201, r.text
    consents = await Consent.select().where(Consent.family == fam["family"]["id"])
    assert [c["policy_version"] for c in consents] == [CURRENT_POLICY.version]
    # Now consent is on record: the next child needs none, and no second consent row appears.
    r = await client.post(
        "/api/v1/families/me/children", json={"nickname": "二宝", "birth_month": "2024-01"}, headers=headers
    )
    assert r.status_code == 201, r.text
    assert await Consent.count().where(Consent.family == fam["family"]["id"]) == 1


async def test_a_family_has_at_most_eight_children(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=0)
    for i in range(8):
        r = await client.post(
            "/api/v1/families/me/children",
            json={"nickname": f"c{i}", "birth_month": "2020-01"},
            headers=fam["headers"],
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/families/me/children", json={"nickname": "c9", "birth_month": "2020-01"}, headers=fam["headers"]
    )
    expect_problem(r, 409, "too_many_children")


async def test_update_and_remove_own_child(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=2)
    first, second = fam["family"]["children"]
    url = f"/api/v1/families/me/children/{first['id']}"
    r = await client.patch(url, json={"nickname": "大宝", "birth_month": "2023-11"}, headers=fam["headers"])
    assert r.status_code == 200, r.text
    assert r.json() == {"id": first["id"], "nickname": "大宝", "birth_month": "2023-11", "age_band": "3-6"}
    r = await client.patch(url, json={"birth_month": "2030-01"}, headers=fam["headers"])
    expect_problem(r, 400, "invalid_input")
    r = await client.delete(url, headers=fam["headers"])
    assert r.status_code == 204
    r = await client.get("/api/v1/families/me", headers=fam["headers"])
    assert [c["id"] for c in r.json()["children"]] == [second["id"]]
    expect_problem(await client.delete(url, headers=fam["headers"]), 404, "child_not_found")


async def test_another_familys_child_is_not_found(client: httpx.AsyncClient) -> None:
    mine = await register_family(client, children=1)
    theirs = await register_family(client, children=1)
    their_child = theirs["family"]["children"][0]
    url = f"/api/v1/families/me/children/{their_child['id']}"

    expect_problem(await client.patch(url, json={"nickname": "偷改"}, headers=mine["headers"]), 404, "child_not_found")
    expect_problem(await client.delete(url, headers=mine["headers"]), 404, "child_not_found")
    # Same answer as for an id that does not exist at all: nothing leaks.
    missing = await client.delete("/api/v1/families/me/children/999999", headers=mine["headers"])
    expect_problem(missing, 404, "child_not_found")

    row = await Child.select().where(Child.id == their_child["id"]).first()
    assert row is not None
    assert row["nickname"] == their_child["nickname"]
    r = await client.get("/api/v1/families/me", headers=theirs["headers"])
    assert r.json()["children"] == [their_child]


# --- export and erasure (PIPL) ------------------------------------------------------------


async def test_export_contains_the_familys_data_and_no_password_hash(client: httpx.AsyncClient, queue: Any) -> None:
    fam = await register_family(client, children=2)
    other = await register_family(client, children=1)
    await queue.drain()
    r = await client.get("/api/v1/families/me/export", headers=fam["headers"])
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["family"]["id"] == fam["family"]["id"]
    assert [a["login"] for a in data["accounts"]] == [fam["phone"]]
    assert [g["phone"] for g in data["guardians"]] == [fam["phone"]]
    assert sorted(c["nickname"] for c in data["children"]) == ["孩子1", "孩子2"]
    assert [c["policy_version"] for c in data["consents"]] == [CURRENT_POLICY.version]
    assert [n["kind"] for n in data["notifications"]] == ["welcome"]

    text = r.text
    assert "password_hash" not in text
    assert "$argon2" not in text
    assert "family-pass-1" not in text
    # Nothing of the other family.
    assert other["phone"] not in text
    assert all(c["family"] == fam["family"]["id"] for c in data["children"])


async def test_erase_family(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=2)
    family_id = fam["family"]["id"]
    second_token = await login(client, fam["phone"], fam["password"])

    r = await client.delete("/api/v1/families/me", headers=fam["headers"])
    assert r.status_code == 202, r.text
    assert r.json() == {"status": "erased"}

    # Every token of the family ends, and the old password no longer logs in.
    for headers in (fam["headers"], bearer(second_token)):
        expect_problem(await client.get("/api/v1/families/me", headers=headers), 401, "not_authenticated")
    r = await client.post("/api/v1/auth/tokens", json={"login": fam["phone"], "password": fam["password"]})
    expect_problem(r, 401, "bad_credentials")

    # Personal data is gone; anonymised rows stay for statistics.
    guardians = await Guardian.select().where(Guardian.family == family_id)
    assert guardians
    assert all(g["phone"] is None and g["name"] != "王妈妈" for g in guardians)
    children = await Child.select().where(Child.family == family_id)
    assert len(children) == 2
    assert all(not c["nickname"].startswith("孩子") for c in children)
    assert all(c["birth_month"].month == 1 for c in children)
    assert await User.count().where(User.login == fam["phone"]) == 0
    consent = await Consent.select().where(Consent.family == family_id).first()
    assert consent is not None
    assert consent["withdrawn_at"] is not None

    # The phone can register again, as a new family.
    again = await register_family(client, phone=fam["phone"], password="new-pass-123")
    assert again["family"]["id"] != family_id
    r = await client.get("/api/v1/families/me", headers=again["headers"])
    assert r.status_code == 200
    assert r.json()["id"] == again["family"]["id"]


# --- staff --------------------------------------------------------------------------------


def staff_body(**over: Any) -> dict[str, Any]:
    return {
        "login": "lib.zhang",
        "password": "staff-pass-2",
        "display_name": "张老师",
        "roles": ["librarian", "volunteer"],
        **over,
    }


async def test_admin_creates_staff(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    r = await client.post("/api/v1/staff", json=staff_body(login="Lib.Zhang"), headers=admin)
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["login"] == "lib.zhang"  # logins are lower-case
    assert user["display_name"] == "张老师"
    assert sorted(user["roles"]) == ["librarian", "volunteer"]
    assert user["active"] is True
    assert user["family_id"] is None
    assert user["space_ids"] == []
    assert "password" not in r.text
    assert "password_hash" not in r.text

    token = await login(client, "lib.zhang", "staff-pass-2")
    r = await client.get("/api/v1/users/me", headers=bearer(token))
    assert r.json()["id"] == user["id"]
    # A librarian is not a district admin: cannot create staff.
    r = await client.post("/api/v1/staff", json=staff_body(login="other"), headers=bearer(token))
    expect_problem(r, 403, "forbidden")


async def test_admin_creates_staff_serving_spaces(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    space = {
        "name": "和平里阅读空间",
        "kind": "ten_square",
        "street": "和平里",
        "address": "和平里北街 1 号",
        "capacity": 12,
        "opening_hours": [{"weekday": 6, "opens": "09:00", "closes": "17:00"}],
    }
    r = await client.post("/api/v1/spaces", json=space, headers=admin)
    assert r.status_code == 201, r.text
    space_id = r.json()["id"]
    r = await client.post("/api/v1/staff", json=staff_body(space_ids=[space_id, space_id]), headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["space_ids"] == [space_id]


async def test_staff_with_unknown_space_is_refused_and_not_created(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    r = await client.post("/api/v1/staff", json=staff_body(space_ids=[999999]), headers=admin)
    expect_problem(r, 404, "space_not_found")
    # A refused request must leave nothing behind: the same login is still free.
    assert await User.count().where(User.login == "lib.zhang") == 0
    r = await client.post("/api/v1/staff", json=staff_body(), headers=admin)
    assert r.status_code == 201, r.text


async def test_staff_creation_needs_a_district_admin(client: httpx.AsyncClient) -> None:
    expect_problem(await client.post("/api/v1/staff", json=staff_body()), 401, "not_authenticated")
    fam = await register_family(client)
    expect_problem(await client.post("/api/v1/staff", json=staff_body(), headers=fam["headers"]), 403, "forbidden")
    for roles in (("librarian",), ("volunteer",)):
        await create_staff(f"{roles[0]}.one", roles=roles)
        headers = bearer(await login(client, f"{roles[0]}.one", "staff-pass-1"))
        expect_problem(await client.post("/api/v1/staff", json=staff_body(), headers=headers), 403, "forbidden")
    assert await User.count().where(User.login == "lib.zhang") == 0


async def test_staff_roles_are_validated(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for roles in [
        ["family"],  # a valid role, but not a staff role
        ["family", "librarian"],
        ["superuser"],
        [],
        ["volunteer", "librarian", "district_admin", "volunteer"],
        "district_admin",
    ]:
        r = await client.post("/api/v1/staff", json=staff_body(roles=roles), headers=admin)
        problem = expect_problem(r, 400, "invalid_input")
        assert any("roles" in name for name in field_names(problem)), (roles, problem)
    assert await User.count() == 1  # only the admin


async def test_staff_login_is_validated(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    for bad_login in ["13900001234", "1abc", "ab", "has space", "中文名字"]:
        r = await client.post("/api/v1/staff", json=staff_body(login=bad_login), headers=admin)
        problem = expect_problem(r, 400, "invalid_input")
        assert any("login" in name for name in field_names(problem)), (bad_login, problem)
    assert await User.count() == 1  # only the admin


async def test_staff_login_taken(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await create_staff("lib.zhang", roles=("volunteer",))
    expect_problem(await client.post("/api/v1/staff", json=staff_body(), headers=admin), 409, "login_taken")


# --- notifications ------------------------------------------------------------------------


async def test_welcome_notification_after_outbox_drained(client: httpx.AsyncClient, queue: Any) -> None:
    fam = await register_family(client)
    other = await register_family(client)
    await queue.drain()
    r = await client.get("/api/v1/notifications", headers=fam["headers"])
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next_cursor"] is None
    assert len(page["items"]) == 1
    welcome = page["items"][0]
    assert welcome["kind"] == "welcome"
    assert welcome["title"]
    assert welcome["read"] is False
    assert welcome["link"] == "/family"

    # Delivered once, only to its recipient; draining again adds nothing.
    await queue.drain()
    r = await client.get("/api/v1/notifications", headers=other["headers"])
    assert [n["kind"] for n in r.json()["items"]] == ["welcome"]
    assert r.json()["items"][0]["id"] != welcome["id"]

    r = await client.post("/api/v1/notifications/read", headers=fam["headers"])
    assert r.status_code == 204
    r = await client.get("/api/v1/notifications", headers=fam["headers"])
    assert [n["read"] for n in r.json()["items"]] == [True]
    r = await client.get("/api/v1/notifications", headers=other["headers"])
    assert [n["read"] for n in r.json()["items"]] == [False]


async def test_notifications_need_a_token_and_a_valid_cursor(client: httpx.AsyncClient) -> None:
    expect_problem(await client.get("/api/v1/notifications"), 401, "not_authenticated")
    fam = await register_family(client)
    r = await client.get("/api/v1/notifications", params={"cursor": "!!not-a-cursor"}, headers=fam["headers"])
    problem = expect_problem(r, 400, "invalid_input")
    assert "cursor" in field_names(problem)
    r = await client.get("/api/v1/notifications", params={"limit": 0}, headers=fam["headers"])
    expect_problem(r, 400, "invalid_input")
