"""`Idempotency-Key` on state-changing API requests (API.md, Conventions): the same key from
the same user returns the first response again instead of acting twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from app.accounts.tables import ApiToken, Child, Family, User
from app.kernel.tables import IdempotencyRecord, OutboxMessage
from tests.app.conftest import expect_problem
from tests.helpers import bearer, create_staff, family_body, login, register_family

FAMILIES = "/api/v1/families"
CHILDREN = "/api/v1/families/me/children"


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def test_same_key_registers_a_family_once(client: httpx.AsyncClient) -> None:
    body = family_body()
    first = await client.post(FAMILIES, json=body, headers=key("reg-1"))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    second = await client.post(FAMILIES, json=body, headers=key("reg-1"))
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    assert second.headers["content-type"] == first.headers["content-type"]

    # Acted once: one family, one account, one welcome message.
    assert await Family.count() == 1
    assert await User.count() == 1
    assert await Child.count() == len(body["children"])
    assert await OutboxMessage.count() == 1

    # Without a key the same request acts (and is refused: the phone is taken now).
    expect_problem(await client.post(FAMILIES, json=body), 409, "phone_taken")


async def test_same_key_with_another_request_is_refused(client: httpx.AsyncClient) -> None:
    body = family_body()
    assert (await client.post(FAMILIES, json=body, headers=key("reg-2"))).status_code == 201

    other = family_body()
    r = await client.post(FAMILIES, json=other, headers=key("reg-2"))
    expect_problem(r, 422, "idempotency_key_reused")
    assert "idempotent-replayed" not in r.headers
    # Another path with the same key is another request too.
    r = await client.post("/api/v1/staff", json=body, headers=key("reg-2"))
    expect_problem(r, 422, "idempotency_key_reused")

    assert await Family.count() == 1
    assert await User.count().where(User.login == other["phone"]) == 0
    # The refused body with a fresh key acts normally.
    assert (await client.post(FAMILIES, json=other, headers=key("reg-3"))).status_code == 201
    assert await Family.count() == 2


async def test_keys_of_different_users_are_independent(client: httpx.AsyncClient) -> None:
    a = await register_family(client, children=0)
    b = await register_family(client, children=0)
    child_a = {"nickname": "甲", "birth_month": "2022-01"}
    child_b = {"nickname": "乙", "birth_month": "2021-06"}

    ra = await client.post(CHILDREN, json=child_a, headers={**a["headers"], **key("same-key")})
    rb = await client.post(CHILDREN, json=child_b, headers={**b["headers"], **key("same-key")})
    assert ra.status_code == 201, ra.text
    assert rb.status_code == 201, rb.text
    assert "idempotent-replayed" not in rb.headers
    assert ra.json()["id"] != rb.json()["id"]

    # Each user's repeat replays their own first response.
    again_a = await client.post(CHILDREN, json=child_a, headers={**a["headers"], **key("same-key")})
    assert again_a.headers["idempotent-replayed"] == "true"
    assert again_a.json() == ra.json()
    # Another token of the same user is the same user.
    other_token = await login(client, b["phone"], b["password"])
    again_b = await client.post(CHILDREN, json=child_b, headers={**bearer(other_token), **key("same-key")})
    assert again_b.headers["idempotent-replayed"] == "true"
    assert again_b.json() == rb.json()

    for fam, nickname in ((a, "甲"), (b, "乙")):
        r = await client.get("/api/v1/families/me", headers=fam["headers"])
        assert [c["nickname"] for c in r.json()["children"]] == [nickname]

    # An anonymous caller using the same key is someone else again.
    r = await client.post(FAMILIES, json=family_body(), headers=key("same-key"))
    assert r.status_code == 201, r.text
    assert "idempotent-replayed" not in r.headers


async def test_token_creation_is_never_stored(client: httpx.AsyncClient) -> None:
    await create_staff("lib.wang", roles=("librarian",))
    credentials = {"login": "lib.wang", "password": "staff-pass-1"}
    first = await client.post("/api/v1/auth/tokens", json=credentials, headers=key("login-1"))
    second = await client.post("/api/v1/auth/tokens", json=credentials, headers=key("login-1"))
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["token"] != second.json()["token"]
    assert await ApiToken.count() == 2
    # The secret is nowhere in the idempotency table.
    assert await IdempotencyRecord.count() == 0
    for token in (first.json()["token"], second.json()["token"]):
        assert (await client.get("/api/v1/users/me", headers=bearer(token))).status_code == 200


async def test_a_client_error_is_replayed_too(client: httpx.AsyncClient) -> None:
    owner = await register_family(client)
    body = family_body(owner["phone"])
    first = await client.post(FAMILIES, json=body, headers=key("taken-1"))
    expect_problem(first, 409, "phone_taken")

    # The phone becomes free; the same key still answers what it answered first.
    assert (await client.delete("/api/v1/families/me", headers=owner["headers"])).status_code == 202
    again = await client.post(FAMILIES, json=body, headers=key("taken-1"))
    assert again.status_code == 409
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.content == first.content
    assert await User.count().where(User.login == owner["phone"]) == 0

    # A new key acts on the current state.
    assert (await client.post(FAMILIES, json=body, headers=key("taken-2"))).status_code == 201


async def test_a_validation_error_is_replayed(client: httpx.AsyncClient) -> None:
    body = family_body(consent=False)
    first = await client.post(FAMILIES, json=body, headers=key("no-consent"))
    expect_problem(first, 400, "consent_required")
    again = await client.post(FAMILIES, json=body, headers=key("no-consent"))
    assert again.status_code == 400
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_simultaneous_requests_with_one_key_act_once(client: httpx.AsyncClient) -> None:
    body = family_body()
    responses = await asyncio.gather(*(client.post(FAMILIES, json=body, headers=key("race-1")) for _ in range(4)))
    assert await Family.count() == 1
    fresh = [r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(fresh) == 1, [(r.status_code, r.text) for r in responses]
    for r in responses:
        if r is fresh[0]:
            continue
        if r.status_code == 409:
            expect_problem(r, 409, "idempotency_in_progress")
            assert int(r.headers["retry-after"]) >= 1
        else:
            assert r.status_code == 201
            assert r.headers["idempotent-replayed"] == "true"
            assert r.content == fresh[0].content


async def age_records(**delta: float) -> None:
    """Move every stored idempotency record back in time."""
    for row in await IdempotencyRecord.select(IdempotencyRecord.id, IdempotencyRecord.created_at):
        await IdempotencyRecord.update({IdempotencyRecord.created_at: row["created_at"] - timedelta(**delta)}).where(
            IdempotencyRecord.id == row["id"]
        )


async def test_a_key_is_kept_for_24_hours(client: httpx.AsyncClient) -> None:
    fam = await register_family(client, children=0)
    child = {"nickname": "小宝", "birth_month": "2022-01"}
    headers = {**fam["headers"], **key("daily")}
    assert (await client.post(CHILDREN, json=child, headers=headers)).status_code == 201
    await age_records(hours=23)
    r = await client.post(CHILDREN, json=child, headers=headers)
    assert r.headers["idempotent-replayed"] == "true"
    assert await Child.count() == 1

    # After 24 hours the key is forgotten: the request acts again.
    await age_records(hours=2)
    r = await client.post(CHILDREN, json=child, headers=headers)
    assert r.status_code == 201
    assert "idempotent-replayed" not in r.headers
    assert await Child.count() == 2


async def test_key_length_is_checked(client: httpx.AsyncClient) -> None:
    r = await client.post(FAMILIES, json=family_body(), headers=key("k" * 256))
    expect_problem(r, 400, "invalid_input")
    assert await Family.count() == 0
    r = await client.post(FAMILIES, json=family_body(), headers=key("k" * 255))
    assert r.status_code == 201, r.text


async def test_reads_are_not_stored(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/consent-policy", headers=key("read-1"))
    assert r.status_code == 200
    assert "idempotent-replayed" not in r.headers
    assert await IdempotencyRecord.count() == 0
