"""A corner's poster (issue 15, item 15): its band names the kind of space (the Wangfujing
reading base is not headed "十平米阅读"), and its steps point at the code where it is, above
them. The band is compared pixel for pixel with one drawn with the expected words."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image, ImageChops

from qr import posters
from qr.posters import mm
from tests.helpers import FrozenClock
from tests.qr.conftest import add_corner, decode_one


def band(image: Image.Image) -> Image.Image:
    return image.convert("RGB").crop((0, 0, image.width, mm(28)))


def drawn_band(programme: str) -> Image.Image:
    return band(
        posters.poster_image(posters.Poster(space_name="x", corner_name="y", url="http://t/q/x", programme=programme))
    )


async def poster_of(client: httpx.AsyncClient, space_id: int, admin: dict[str, str]) -> Image.Image:
    r = await client.get(f"/api/v1/spaces/{space_id}/poster.png", headers=admin)
    assert r.status_code == 200, r.text
    return Image.open(io.BytesIO(r.content))


async def test_the_band_names_the_kind_of_space_and_the_steps_look_up(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    body = {
        "name": "王府井新华书店家庭亲子阅读体验基地",
        "kind": "reading_base",
        "street": "东华门",
        "address": "东城区王府井大街 218 号",
        "capacity": 60,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "20:00"} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    base = {**r.json(), "admin": space["admin"]}
    await add_corner(client, base, "绘本长廊")
    await add_corner(client, space, "绘本架")

    base_band = band(await poster_of(client, base["id"], space["admin"]))
    small_band = band(await poster_of(client, space["id"], space["admin"]))
    assert not ImageChops.difference(base_band, drawn_band("东城区家庭亲子阅读体验基地")).getbbox()
    assert not ImageChops.difference(small_band, drawn_band("东城区家庭亲子阅读 · 十平米阅读")).getbbox()
    assert ImageChops.difference(base_band, small_band).getbbox(), "the two kinds are headed differently"

    poster = await poster_of(client, base["id"], space["admin"])
    found = decode_one(poster)
    bottom = max(found.position.bottom_left.y, found.position.bottom_right.y)
    below = poster.convert("L").crop((0, bottom + mm(10), poster.width, poster.height - mm(25)))
    assert below.getextrema()[0] < 100, "the headline and the steps are printed below the code"
    assert "对准上方二维码" in posters.Poster(space_name="", corner_name="", url="").steps[1]
