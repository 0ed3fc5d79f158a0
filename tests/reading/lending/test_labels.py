"""Copy labels carry a Code 128 barcode beside the QR code (issue 15, item 13), so the
one-dimensional USB scanners still common at desks read them: on the printed sheet (the PDF
rendered as a printer would), zxing-cpp decodes each label's Code 128 to its copy's barcode,
and the QR code beside it still decodes to that copy's `/q/` URL."""

from __future__ import annotations

import io
from typing import Any

import httpx
import zxingcpp
from PIL import Image

from qr import posters
from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock
from tests.qr.test_codes import pdf_pages_as_png


def centre(found: Any) -> tuple[float, float]:
    p = found.position
    corners = (p.top_left, p.top_right, p.bottom_left, p.bottom_right)
    return sum(c.x for c in corners) / 4, sum(c.y for c in corners) / 4


def read(page: Image.Image, fmt: Any) -> list[Any]:
    return [b for b in zxingcpp.read_barcodes(page, formats=fmt) if b.valid]


async def test_each_label_has_a_code_128_of_its_barcode_beside_its_qr_code(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    lib, a = library["librarian"], library["a"]
    r = await client.post(
        f"/api/v1/books/{library['book']['id']}/copies", json={"space_id": a, "count": 4}, headers=lib
    )
    assert r.status_code == 201, r.text
    copies = library["copies"] + r.json()["items"]
    barcodes = {c["barcode"]: c["id"] for c in copies}

    r = await client.get(f"/api/v1/spaces/{a}/labels.pdf", headers=lib)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    (png,) = pdf_pages_as_png(r.content, dpi=200)
    page = Image.open(io.BytesIO(png))
    bars = read(page, zxingcpp.BarcodeFormat.Code128)
    codes = read(page, zxingcpp.BarcodeFormat.QRCode)
    assert sorted(b.text for b in bars) == sorted(barcodes), "every copy's Code 128, each once"
    assert len(codes) == len(copies)

    # Beside each other on one label: the Code 128 right of its QR code, on the same row, and
    # both name the same copy.
    cell_w, cell_h = posters.mm(70), posters.mm(37)
    for qr in codes:
        claims = await tokens.verify(
            qr.text.removeprefix(f"{settings.base_url}/q/"), purposes=(Purpose.copy,), now=clock.now()
        )
        qx, qy = centre(qr)
        beside = [b for b in bars if 0 < centre(b)[0] - qx < cell_w and abs(centre(b)[1] - qy) < cell_h / 2]
        assert len(beside) == 1, f"no Code 128 beside the QR code at {qx:.0f},{qy:.0f}"
        assert barcodes[beside[0].text] == claims.subject


def test_a_long_barcode_still_fits_its_label_and_reads() -> None:
    """Barcodes from an imported catalogue can be up to 20 characters: narrower modules, still
    inside the label, still read."""
    label = posters.Label(title="好饿的毛毛虫", barcode="DC-2024-ABCDEFGH-001", url="http://testserver/q/x" * 3)
    sheet = posters.label_sheets([label])[0]
    (bar,) = read(sheet, zxingcpp.BarcodeFormat.Code128)
    assert bar.text == label.barcode
    assert max(c.x for c in (bar.position.top_right, bar.position.bottom_right)) < (
        (posters.A4[0] - posters.LABEL_COLUMNS * posters.mm(70)) // 2 + posters.mm(70)
    ), "the barcode runs off its label"
