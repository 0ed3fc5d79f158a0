"""Fixtures and helpers for the QR tests: decoding images with zxing-cpp, spaces with corners."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests.helpers import staff_headers
from tests.spaces.conftest import space  # noqa: F401  (a fixture: the space every test here may use)


def decode_all(image: Image.Image | bytes) -> list[Any]:
    """Every QR code zxing-cpp finds in the image (PNG bytes or a PIL image)."""
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    image.load()
    return [b for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode) if b.valid]


def decode_one(image: Image.Image | bytes) -> Any:
    """The one QR code in the image (fails when there is none or more than one)."""
    found = decode_all(image)
    assert len(found) == 1, f"expected exactly one QR code, found {[b.text for b in found]}"
    return found[0]


def token_of(url: str, base_url: str) -> str:
    prefix = f"{base_url}/q/"
    assert url.startswith(prefix), url
    token = url[len(prefix) :]
    assert token and all(c.isalnum() or c in "-_.~" for c in token), token
    return token


async def add_corner(client: httpx.AsyncClient, where: dict[str, Any], name: str = "绘本架") -> int:
    """A corner in the space `where` (a `space`-shaped dict with its admin's headers)."""
    r = await client.post(f"/api/v1/spaces/{where['id']}/corners", json={"name": name}, headers=where["admin"])
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def make_space(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    *,
    name: str = "福祥十平米阅读空间",
    capacity: int = 12,
    opens: str = "09:00",
    closes: str = "17:00",
) -> dict[str, Any]:
    body = {
        "name": name,
        "kind": "ten_square",
        "street": "交道口",
        "address": "东城区交道口街道福祥社区",
        "capacity": capacity,
        "opening_hours": [{"weekday": d, "opens": opens, "closes": closes} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return {**r.json(), "admin": admin}


@pytest.fixture
async def lib(client: httpx.AsyncClient, space: dict[str, Any]) -> dict[str, str]:  # noqa: F811
    """A librarian of `space`."""
    return await staff_headers(client, "qrlib", roles=("librarian",), spaces=(space["id"],))
