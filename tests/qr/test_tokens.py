"""Signed QR tokens under attack: a property-based test mutates valid tokens in every way a
forger, a sloppy scanner or a re-encoding proxy could (flip, insert, delete, replace,
truncate, extend, change case, re-encode with padding or standard base64, keep the bytes
but change the unused bits, change a byte, re-sign with a wrong key...) and none is ever
accepted, by `qr.tokens.decode` nor by `qr.services.tokens.verify`. Wrong purpose, expired,
retired and unknown keys are refused; rotation works; and every refusal is the same one."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from qr.errors import InvalidToken, TokenRevoked
from qr.services import tokens
from qr.tokens import MAC_BYTES, TOKEN_VERSION, Keyring, Purpose, TokenClaims, _mac, _varint, decode, encode
from tests.helpers import FrozenClock, register_family
from tests.qr.conftest import add_corner

SECRET = os.environ["SECRET_KEY"]
KEYRING = Keyring.derived(SECRET)
OTHER_SECRET = Keyring.derived(SECRET + "-not-ours")
URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# What may sneak into a token: its alphabet, the other base64 alphabet, padding, URL and
# whitespace characters, look-alikes and non-ASCII.
NOISE = URLSAFE + "+/=.~%&?#: \t\n\r\x00" + "０Ｏｌé中–"
CANONICAL_DETAIL = InvalidToken().detail
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def raw_of(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def signed(keyring: Keyring, body: bytes) -> str:
    """A token of this exact body, signed with the keyring's signing key."""
    return b64(body + _mac(keyring.keys[keyring.signing_key_id], body))


def assert_refused(keyring: Keyring, token: str) -> InvalidToken:
    with pytest.raises(InvalidToken) as refused:
        decode(keyring, token)
    assert_same_refusal(refused.value)
    return refused.value


def assert_same_refusal(exc: Exception) -> None:
    """Every refusal is the same one: class, code, message, no extra members."""
    assert type(exc) is InvalidToken
    assert exc.code == "invalid_token" and exc.detail == CANONICAL_DETAIL and exc.extra == InvalidToken().extra


# A valid token: any purpose, subject, subject version and optional expiry.
expiries = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=2**32).map(lambda s: datetime.fromtimestamp(s, UTC)),
)
claims_strategy = st.builds(
    lambda purpose, subject, version, expires: (purpose, subject, version, expires),
    st.sampled_from(Purpose),
    st.integers(min_value=0, max_value=2**40),
    st.integers(min_value=1, max_value=2**20),
    expiries,
)


def _swap_case(token: str, i: int) -> str:
    return token[:i] + token[i].swapcase() + token[i + 1 :]


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, str]:
    """(original, mutant, what was done); the mutant always differs from the original."""
    purpose, subject, version, expires = draw(claims_strategy)
    token = encode(KEYRING, purpose, subject, version, expires)
    raw = raw_of(token)
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    n = len(token)
    index = st.integers(min_value=0, max_value=n - 1)
    noise = st.text(alphabet=NOISE, min_size=1, max_size=4)

    def replace() -> str:
        i = draw(index)
        return token[:i] + draw(st.sampled_from(NOISE).filter(lambda c: c != token[i])) + token[i + 1 :]

    def insert() -> str:
        i = draw(st.integers(min_value=0, max_value=n))
        return token[:i] + draw(noise) + token[i:]

    def delete() -> str:
        i = draw(index)
        return token[:i] + token[i + draw(st.integers(min_value=1, max_value=4)) :]

    def truncate() -> str:
        return token[: draw(st.integers(min_value=0, max_value=n - 1))]

    def extend() -> str:
        return token + draw(noise)

    def prepend() -> str:
        return draw(noise) + token

    def swap_two() -> str:
        i, j = draw(index), draw(index)
        assume(token[i] != token[j])
        chars = list(token)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    def change_case() -> str:
        letters = [i for i, c in enumerate(token) if c.isalpha()]
        return _swap_case(token, draw(st.sampled_from(letters)))

    def whole_case() -> str:
        return draw(st.sampled_from([token.upper(), token.lower(), token.swapcase()]))

    def padded() -> str:
        return token + "=" * draw(st.integers(min_value=1, max_value=3))

    def reencoded_padded() -> str:
        return base64.urlsafe_b64encode(raw).decode()

    def standard_base64() -> str:
        return draw(st.sampled_from([base64.b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip("=")]))

    def unused_bits() -> str:
        # The same bytes under a lenient decoder: only the unused low bits of the last character differ.
        spare = {2: 4, 3: 2}.get(n % 4, 0)
        assume(spare)
        last = URLSAFE.index(token[-1])
        return token[:-1] + URLSAFE[last ^ draw(st.integers(min_value=1, max_value=2**spare - 1))]

    def flip_bit() -> str:
        j = draw(st.integers(min_value=0, max_value=len(raw) - 1))
        return b64(raw[:j] + bytes([raw[j] ^ (1 << draw(st.integers(0, 7)))]) + raw[j + 1 :])

    def header_byte() -> str:
        # Another token version, key id or purpose, without re-signing.
        j = draw(st.integers(min_value=0, max_value=2))
        value = draw(st.integers(min_value=0, max_value=255).filter(lambda v: v != raw[j]))
        return b64(raw[:j] + bytes([value]) + raw[j + 1 :])

    def other_purpose_resigned_wrong_key() -> str:
        other = draw(st.sampled_from([p for p in Purpose if p is not purpose]))
        return signed(OTHER_SECRET, bytes([TOKEN_VERSION, 1, int(other)]) + body[3:])

    def other_subject_resigned_wrong_key() -> str:
        new_subject = draw(st.integers(min_value=0, max_value=2**40))
        rest = _varint(version) + _varint(new_subject) + _varint(int(expires.timestamp()) if expires else 0)
        return signed(OTHER_SECRET, body[:3] + rest)

    def same_claims_wrong_key() -> str:
        return encode(OTHER_SECRET, purpose, subject, version, expires)

    def mac_shortened() -> str:
        return b64(body + mac[: draw(st.integers(min_value=0, max_value=MAC_BYTES - 1))])

    def mac_lengthened() -> str:
        return b64(raw + draw(st.binary(min_size=1, max_size=8)))

    def body_extended() -> str:
        # A byte slipped between body and MAC: the MAC no longer covers what is parsed.
        return b64(body + draw(st.binary(min_size=1, max_size=3)) + mac)

    def random_bytes() -> str:
        return b64(draw(st.binary(min_size=len(raw) - 2, max_size=len(raw) + 2)))

    def doubled() -> str:
        return token + token

    def percent_encoded() -> str:
        i = draw(index)
        return token[:i] + f"%{ord(token[i]):02X}" + token[i + 1 :]

    ops: dict[str, Callable[[], str]] = {
        f.__name__: f
        for f in (
            replace,
            insert,
            delete,
            truncate,
            extend,
            prepend,
            swap_two,
            change_case,
            whole_case,
            padded,
            reencoded_padded,
            standard_base64,
            unused_bits,
            flip_bit,
            header_byte,
            other_purpose_resigned_wrong_key,
            other_subject_resigned_wrong_key,
            same_claims_wrong_key,
            mac_shortened,
            mac_lengthened,
            body_extended,
            random_bytes,
            doubled,
            percent_encoded,
        )
    }
    name = draw(st.sampled_from(sorted(ops)))
    mutant = ops[name]()
    assume(mutant != token)
    return token, mutant, name


@PROPERTY_SETTINGS
@given(case=mutations())
def test_decode_accepts_only_the_original(case: tuple[str, str, str]) -> None:
    token, mutant, _what = case
    original = decode(KEYRING, token)
    assert isinstance(original, TokenClaims)
    assert_refused(KEYRING, mutant)


@PROPERTY_SETTINGS
@given(case=mutations())
async def test_verify_accepts_no_mutation(app: Any, clock: FrozenClock, case: tuple[str, str, str]) -> None:
    """The service (what every endpoint calls) refuses them too, whatever purpose it expects."""
    _token, mutant, _what = case
    with pytest.raises(InvalidToken) as refused:
        await tokens.verify(mutant, purposes=tuple(Purpose), now=clock.now())
    assert_same_refusal(refused.value)


@PROPERTY_SETTINGS
@given(claims=claims_strategy)
def test_round_trip_is_short_and_url_safe(claims: tuple[Purpose, int, int, datetime | None]) -> None:
    purpose, subject, version, expires = claims
    token = encode(KEYRING, purpose, subject, version, expires)
    assert set(token) <= set(URLSAFE) and len(token) <= 50
    got = decode(KEYRING, token)
    assert (got.purpose, got.subject, got.version, got.expires_at, got.key_id) == (
        purpose,
        subject,
        version,
        expires,
        1,
    )


def test_only_one_spelling_of_a_signed_body() -> None:
    """Even with the right key, a body with a non-minimal varint, trailing bytes or an unknown
    purpose or token version is refused: one token, one spelling, one meaning."""
    header = bytes([TOKEN_VERSION, 1, int(Purpose.corner)])
    assert decode(KEYRING, signed(KEYRING, header + b"\x01\x05\x00")).subject == 5
    for body in (
        header + b"\x01\x85\x00\x00",  # subject 5 spelled with a needless continuation byte
        header + b"\x81\x00\x05\x00",  # version 1 likewise
        header + b"\x01\x05\x00\x00",  # a trailing byte
        header + b"\x01\x05",  # no expiry
        bytes([TOKEN_VERSION, 1, 0]) + b"\x01\x05\x00",  # purpose 0
        bytes([TOKEN_VERSION, 1, 99]) + b"\x01\x05\x00",  # purpose 99
        bytes([TOKEN_VERSION + 1, 1, 1]) + b"\x01\x05\x00",  # a future token version
        header + b"\x01" + b"\xff" * 10 + b"\x01\x00",  # a varint longer than 64 bits
        header + b"\x01\x05" + _varint(2**40),  # an expiry in the year 36812
        header + b"\x01\x05" + _varint(2**63),  # an expiry no clock can hold
    ):
        assert_refused(KEYRING, signed(KEYRING, body))
    for junk in ("", "=", "A", "AAAA", "x" * 30, "x" * 97, "ä" * 38, "AQEB" * 24):
        assert_refused(KEYRING, junk)


async def test_wrong_purpose_expired_and_never_issued(app: Any, clock: FrozenClock) -> None:
    now = clock.now()
    for purpose in Purpose:
        token = await tokens.issue(purpose, 7, now=now)
        assert (await tokens.verify(token, purposes=(purpose,), now=now)).subject == 7
        with pytest.raises(InvalidToken) as refused:
            await tokens.verify(token, purposes=tuple(p for p in Purpose if p is not purpose), now=now)
        assert_same_refusal(refused.value)

    expiring = await tokens.issue(Purpose.live, 7, now=now, expires_at=now + timedelta(seconds=30))
    assert await tokens.verify(expiring, purposes=(Purpose.live,), now=now + timedelta(seconds=29))
    for later in (timedelta(seconds=30), timedelta(seconds=31), timedelta(days=400)):
        with pytest.raises(InvalidToken) as refused:
            await tokens.verify(expiring, purposes=(Purpose.live,), now=now + later)
        assert_same_refusal(refused.value)

    # A genuine MAC on a version that was never issued (a leaked key) is invalid, not "revoked".
    future = encode(tokens.keyring(), Purpose.corner, 7, 5)
    with pytest.raises(InvalidToken) as refused:
        await tokens.verify(future, purposes=(Purpose.corner,), now=now)
    assert_same_refusal(refused.value)


async def test_revoked_is_the_one_other_answer(app: Any, clock: FrozenClock) -> None:
    now = clock.now()
    old = await tokens.issue(Purpose.corner, 11, now=now)
    assert await tokens.revoke(Purpose.corner, 11, now=now) == 2
    new = await tokens.issue(Purpose.corner, 11, now=now)
    assert new != old
    assert (await tokens.verify(new, purposes=(Purpose.corner,), now=now)).version == 2
    with pytest.raises(TokenRevoked) as revoked:
        await tokens.verify(old, purposes=(Purpose.corner,), now=now)
    assert revoked.value.code == "token_revoked"
    # Revoking one subject leaves the others (and other purposes of the same id) alone.
    other = await tokens.issue(Purpose.booking, 11, now=now)
    assert await tokens.verify(other, purposes=(Purpose.booking,), now=now)


async def test_key_rotation_and_retirement(app: Any, clock: FrozenClock) -> None:
    now = clock.now()
    configured = tokens.keyring()
    only_1 = Keyring.derived(SECRET, key_ids=(1,), signing_key_id=1)
    both_sign_1 = Keyring.derived(SECRET, key_ids=(1, 2), signing_key_id=1)
    both_sign_2 = Keyring.derived(SECRET, key_ids=(1, 2), signing_key_id=2)
    retired_1 = Keyring.derived(SECRET, key_ids=(1, 2), signing_key_id=2, retired=frozenset({1}))
    key_3 = Keyring.derived(SECRET, key_ids=(3,), signing_key_id=3)
    by_1 = encode(only_1, Purpose.corner, 21, 1)
    by_2 = encode(both_sign_2, Purpose.corner, 21, 1)
    by_3 = encode(key_3, Purpose.corner, 21, 1)
    assert decode(both_sign_1, by_1).key_id == 1 and decode(both_sign_2, by_2).key_id == 2
    try:
        # Rotation: key 1 still signs, but a code already signed by key 2 verifies...
        tokens.configure(both_sign_1)
        assert (await tokens.verify(by_2, purposes=(Purpose.corner,), now=now)).key_id == 2
        assert (await tokens.verify(by_1, purposes=(Purpose.corner,), now=now)).key_id == 1
        assert decode(both_sign_1, await tokens.issue(Purpose.corner, 21, now=now)).key_id == 1
        # ...and the other way round once key 2 signs.
        tokens.configure(both_sign_2)
        assert (await tokens.verify(by_1, purposes=(Purpose.corner,), now=now)).key_id == 1
        assert decode(both_sign_2, await tokens.issue(Purpose.corner, 21, now=now)).key_id == 2
        # Retired: key 1 no longer verifies; unknown key ids never did.
        tokens.configure(retired_1)
        assert (await tokens.verify(by_2, purposes=(Purpose.corner,), now=now)).key_id == 2
        refusals = []
        for bad in (by_1, by_3):
            with pytest.raises(InvalidToken) as refused:
                await tokens.verify(bad, purposes=(Purpose.corner,), now=now)
            refusals.append(refused.value)
        tokens.configure(only_1)
        with pytest.raises(InvalidToken) as refused:
            await tokens.verify(by_2, purposes=(Purpose.corner,), now=now)  # key 2 not configured
        refusals.append(refused.value)
    finally:
        tokens.configure(configured)
    for exc in refusals:
        assert_same_refusal(exc)


def test_retiring_a_key_is_a_setting() -> None:
    """What the app builds from QR_KEY_IDS / QR_SIGNING_KEY_ID / QR_RETIRED_KEY_IDS."""
    from app.settings import SettingsError, load_settings

    env = {**os.environ, "QR_KEY_IDS": "1,2", "QR_RETIRED_KEY_IDS": "1"}
    s = load_settings(env)
    assert s.qr_signing_key_id == 2 and s.qr_retired_key_ids == frozenset({1})
    ring = Keyring.derived(
        s.secret_key, key_ids=s.qr_key_ids, signing_key_id=s.qr_signing_key_id, retired=s.qr_retired_key_ids
    )
    assert_refused(ring, encode(KEYRING, Purpose.corner, 1, 1))
    assert decode(ring, encode(ring, Purpose.corner, 1, 1)).key_id == 2
    with pytest.raises(SettingsError):
        load_settings({**env, "QR_SIGNING_KEY_ID": "1"})  # a retired key never signs


async def test_refusals_over_http_reveal_nothing(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """Forged, truncated, re-encoded, wrong-purpose, expired, retired-key and someone else's
    booking code: the API answers each with byte-identical problem details, and `/q/` shows
    the same page for all."""
    now = clock.now()
    corner = await tokens.issue(Purpose.corner, await add_corner(client, space), now=now)
    fam = await register_family(client)
    bad = {
        "forged": encode(OTHER_SECRET, Purpose.corner, 1, 1),
        "truncated": corner[:-3],
        "padded": corner + "==",
        "standard_base64": base64.b64encode(raw_of(corner)).decode(),
        "wrong_purpose": await tokens.issue(Purpose.copy, 1, now=now),
        "booking_of_someone": await tokens.issue(Purpose.booking, 1, now=now),
        "expired": await tokens.issue(Purpose.live, 1, now=now, expires_at=now - timedelta(seconds=1)),
        "unknown_key": encode(Keyring.derived(SECRET, key_ids=(9,), signing_key_id=9), Purpose.corner, 1, 1),
        "garbage": "not-a-token",
    }
    answers = set()
    pages = set()
    for name, token in bad.items():
        r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": name}, headers=fam["headers"])
        assert r.status_code == 400, (name, r.text)
        answers.add(r.content)
        if name in ("wrong_purpose", "booking_of_someone"):
            continue  # genuine codes of another purpose: /q/ opens their own pages
        page = await client.get(f"/q/{token}")
        assert page.status_code == 400 and "二维码无效" in page.text, name
        pages.add(page.text)
    assert len(answers) == 1, answers
    assert len(pages) == 1
