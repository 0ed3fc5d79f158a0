"""Every generated QR code decodes with zxing-cpp to exactly `<base_url>/q/<token>`, and that
token verifies to the right purpose and subject: the corner PNG and SVG, the poster PNG and
PDF, a label sheet, a booking's code, the family card and the live screen. Error correction
is M on screens and labels, Q on posters; every code keeps its four-module quiet zone."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import httpx
import pypdfium2
import pytest
import resvg_py
from PIL import Image

from app.accounts.tables import Guardian
from qr import posters
from qr.errors import InvalidToken
from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock, next_phone, register_family
from tests.qr.conftest import add_corner, decode_all, decode_one, token_of
from tests.spaces.conftest import make_slot
from tests.web.forms import log_in, register_in_browser

ALL_PURPOSES = tuple(Purpose)


async def assert_token(token: str, purpose: Purpose, subject: int, now: datetime) -> None:
    """The token verifies as `purpose` for `subject`, and as nothing else."""
    claims = await tokens.verify(token, purposes=(purpose,), now=now)
    assert (claims.purpose, claims.subject) == (purpose, subject)
    others = tuple(p for p in ALL_PURPOSES if p is not purpose)
    with pytest.raises(InvalidToken):
        await tokens.verify(token, purposes=others, now=now)


def assert_quiet_zone(image: Image.Image | bytes, code: Any, modules: int = 4) -> None:
    """At least `modules` light modules all around the decoded code. The module size comes
    from the top-left finder pattern (7 modules wide) on the code's top row."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    grey = image.convert("L")
    corners = [code.position.top_left, code.position.top_right, code.position.bottom_left, code.position.bottom_right]
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    row = [grey.getpixel((x, top + 1)) < 128 for x in range(left, right + 1)]
    start = row.index(True)
    run = next((i for i, dark in enumerate(row[start:]) if not dark), len(row) - start)
    module = run / 7
    reach = int(modules * module) - 2  # a pixel or two of slack for the detected corners
    # zxing reports the outer corners; right and bottom are one past the last code pixel.
    outer = (left - reach, top - reach, right + reach - 1, bottom + reach - 1)
    assert outer[0] >= 0 and outer[1] >= 0 and outer[2] < grey.width and outer[3] < grey.height, "no room for it"
    ring = [
        grey.crop((outer[0], outer[1], outer[2] + 1, top - 1)),  # above
        grey.crop((outer[0], bottom + 1, outer[2] + 1, outer[3] + 1)),  # below
        grey.crop((outer[0], outer[1], left - 1, outer[3] + 1)),  # left
        grey.crop((right + 1, outer[1], outer[2] + 1, outer[3] + 1)),  # right
    ]
    assert all(part.getextrema()[0] >= 128 for part in ring), f"something dark in the quiet zone of {code.text}"


def pdf_pages_as_png(pdf: bytes, dpi: int = 150) -> list[bytes]:
    """Render each PDF page (as a printer would) to PNG bytes."""
    document = pypdfium2.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            width_pt, height_pt = page.get_size()
            assert abs(width_pt - 595.3) < 2 and abs(height_pt - 841.9) < 2, "not an A4 page"
            bitmap = page.render(scale=dpi / 72)
            out = io.BytesIO()
            bitmap.to_pil().save(out, format="PNG")
            pages.append(out.getvalue())
    finally:
        document.close()
    return pages


async def test_corner_png_and_svg(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    corner_id = await add_corner(client, space)
    r = await client.get(f"/api/v1/spaces/{space['id']}/corners/{corner_id}/qr.png", headers=space["admin"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    png = Image.open(io.BytesIO(r.content))
    found = decode_one(png)
    assert found.ec_level == "M"
    token = token_of(found.text, settings.base_url)
    assert len(found.text) < 80, "the URL must stay short (a small code, scannable from a metre away)"
    assert_quiet_zone(png, found)
    await assert_token(token, Purpose.corner, corner_id, clock.now())

    r = await client.get(f"/api/v1/spaces/{space['id']}/corners/{corner_id}/qr.svg", headers=space["admin"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    svg = r.text
    # The SVG is sized in millimetres (print); resvg needs a DPI to turn them into pixels.
    rendered = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg, dpi=96, width=600))))
    corner_pixel = rendered.convert("RGBA").getpixel((0, 0))
    assert corner_pixel == (255, 255, 255, 255), "the SVG has its own white background"
    found = decode_one(rendered)
    assert found.ec_level == "M"
    assert_quiet_zone(rendered, found)
    assert found.text == f"{settings.base_url}/q/{token}", "both images carry the corner's current token"


async def test_poster_png_and_pdf(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    corners = [await add_corner(client, space, name) for name in ("绘本架", "亲子共读区")]
    r = await client.get(f"/api/v1/spaces/{space['id']}/poster.png", headers=space["admin"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    poster = Image.open(io.BytesIO(r.content))
    assert poster.size == (1654, 2339)  # A4 at 200 dpi
    found = decode_one(poster)
    assert found.ec_level == "Q"
    assert_quiet_zone(poster, found)
    await assert_token(token_of(found.text, settings.base_url), Purpose.corner, corners[0], clock.now())

    r = await client.get(
        f"/api/v1/spaces/{space['id']}/poster.png", params={"corner_id": corners[1]}, headers=space["admin"]
    )
    found = decode_one(r.content)
    await assert_token(token_of(found.text, settings.base_url), Purpose.corner, corners[1], clock.now())

    r = await client.get(f"/api/v1/spaces/{space['id']}/poster.pdf", headers=space["admin"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pages = pdf_pages_as_png(r.content)
    assert len(pages) == 2, "one page per corner"
    for page, corner_id in zip(pages, corners, strict=True):
        found = decode_one(page)
        assert found.ec_level == "Q"
        assert_quiet_zone(page, found)
        await assert_token(token_of(found.text, settings.base_url), Purpose.corner, corner_id, clock.now())


async def test_label_sheet(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, settings: Any) -> None:
    r = await client.post(
        "/api/v1/books",
        json={"isbn": "9787535264619", "title": "好饿的毛毛虫", "authors": "艾瑞·卡尔", "age_band": "0-3"},
        headers=space["admin"],
    )
    assert r.status_code == 201, r.text
    book = r.json()
    r = await client.post(
        f"/api/v1/books/{book['id']}/copies", json={"space_id": space["id"], "count": 26}, headers=space["admin"]
    )
    assert r.status_code == 201, r.text
    copies = r.json()["items"]
    r = await client.get(f"/api/v1/spaces/{space['id']}/labels.pdf", headers=space["admin"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pages = [Image.open(io.BytesIO(png)) for png in pdf_pages_as_png(r.content, dpi=200)]
    assert len(pages) == 2, "3 × 8 labels a sheet: 26 copies need two"
    found = [b for page in pages for b in decode_all(page)]
    assert len(found) == len(copies)
    assert {b.ec_level for b in found} == {"M"}
    first = decode_all(pages[0])
    assert len(first) == 24
    for b in first:
        assert_quiet_zone(pages[0], b)
    subjects = []
    for b in found:
        claims = await tokens.verify(token_of(b.text, settings.base_url), purposes=(Purpose.copy,), now=clock.now())
        subjects.append(claims.subject)
    assert sorted(subjects) == sorted(c["id"] for c in copies), "every copy's label, each exactly once"

    some = [c["id"] for c in copies[:2]]
    r = await client.get(
        f"/api/v1/spaces/{space['id']}/labels.pdf",
        params={"copy_ids": ",".join(map(str, some))},
        headers=space["admin"],
    )
    (page,) = pdf_pages_as_png(r.content, dpi=200)
    texts = [b.text for b in decode_all(page)]
    got = [
        (await tokens.verify(token_of(t, settings.base_url), purposes=(Purpose.copy,), now=clock.now())).subject
        for t in texts
    ]
    assert sorted(got) == sorted(some)


async def test_booking_code_only_for_its_family(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    fam = await register_family(client)
    slot = await make_slot(client, space, clock)
    child = fam["family"]["children"][0]["id"]
    r = await client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": [child]}, headers=fam["headers"])
    assert r.status_code == 201, r.text
    booking = r.json()
    r = await client.get(f"/api/v1/bookings/{booking['id']}/qr.png", headers=fam["headers"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    found = decode_one(image)
    assert found.ec_level == "M"
    assert_quiet_zone(image, found)
    await assert_token(token_of(found.text, settings.base_url), Purpose.booking, booking["id"], clock.now())
    # The code carries no personal data: nothing but the opaque token after /q/.
    assert fam["phone"] not in found.text and str(booking["id"]) not in found.text.split("/q/")[0]

    other = await register_family(client)
    r = await client.get(f"/api/v1/bookings/{booking['id']}/qr.png", headers=other["headers"])
    assert r.status_code == 404 and r.json()["code"] == "booking_not_found"


async def test_family_card_in_a_browser_session(client: httpx.AsyncClient, clock: FrozenClock, settings: Any) -> None:
    phone = next_phone()
    r = await register_in_browser(client, phone)
    assert r.status_code in (302, 303), r.text
    r = await client.get("/family/card.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    card = Image.open(io.BytesIO(r.content))
    found = decode_one(card)
    assert found.ec_level == "M"
    assert_quiet_zone(card, found)
    token = token_of(found.text, settings.base_url)
    row = await Guardian.select(Guardian.family).where(Guardian.phone == phone).first()
    assert row is not None
    await assert_token(token, Purpose.family, row["family"], clock.now())


async def test_live_screen_code(
    client: httpx.AsyncClient, space: dict[str, Any], lib: Any, clock: FrozenClock, settings: Any
) -> None:
    corner_id = await add_corner(client, space)
    r = await log_in(client, "qrlib", "staff-pass-1")
    assert r.status_code in (302, 303), r.text
    r = await client.get(f"/staff/live/{corner_id}")
    assert r.status_code == 200, r.text
    match = re.search(r"<svg.*?</svg>", r.text, re.S)
    assert match, "the live screen shows an inline SVG code"
    rendered = resvg_py.svg_to_bytes(svg_string=match.group(0), dpi=96, width=600)
    found = decode_one(bytes(rendered))
    assert found.ec_level == "M"
    claims = await tokens.verify(token_of(found.text, settings.base_url), purposes=(Purpose.live,), now=clock.now())
    assert claims.subject == corner_id and claims.expires_at is not None


def test_long_texts_never_touch_a_code() -> None:
    """The longest names the API accepts are wrapped or cut, never drawn over a code or its
    quiet zone (a card lists every child's nickname beside its code)."""
    url = "http://testserver/q/AQEBAQEArbEyeXqJAv-4Q7kUTmhWf8Ab"
    card = posters.card_image(
        posters.Card(
            title="故事角家庭借阅卡",
            subtitle="欧阳" + "慧" * 30,
            url=url,
            lines=("、".join(["名字很长的小宝贝"] * 8), "第二行" * 20),
        )
    )
    found = decode_one(card)
    assert found.text == url
    assert_quiet_zone(card, found)

    poster = posters.poster_image(posters.Poster(space_name="长" * 100, corner_name="角" * 50, url=url))
    found = decode_one(poster)
    assert found.text == url and found.ec_level == "Q"
    assert_quiet_zone(poster, found)
    # Cut with "…" rather than run off the page: the 10 mm side margins stay blank.
    below_band = posters.mm(28) + 2
    for x0 in (0, posters.A4[0] - posters.mm(10)):
        margin = poster.convert("L").crop((x0, below_band, x0 + posters.mm(10), posters.A4[1]))
        assert margin.getextrema()[0] >= 250, "text runs off the poster"

    sheet = posters.label_sheets(
        [posters.Label(title="书" * 200, barcode="SC12345678", url=url, space_name="空" * 100)] * 3
    )[0]
    codes = decode_all(sheet)
    assert len(codes) == 3 and {c.text for c in codes} == {url}
    for c in codes:
        assert_quiet_zone(sheet, c)
