"""QR images: PNG and SVG (with a white background), four-module quiet zone.

Error correction M for screens and labels; Q on posters, which get scuffed and photographed
at an angle.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Literal

import qrcode
import qrcode.constants
from PIL import Image, ImageFont
from qrcode.image.svg import SvgPathFillImage

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = FONTS / "NotoSansSC-Regular-GB2312.otf"
BOLD = FONTS / "NotoSansSC-Bold-GB2312.otf"

Correction = Literal["L", "M", "Q", "H"]
_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
QUIET_ZONE = 4


def _code(data: str, correction: Correction) -> qrcode.QRCode:  # type: ignore[type-arg]
    code = qrcode.QRCode(error_correction=_LEVELS[correction], border=QUIET_ZONE, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_image(data: str, *, correction: Correction = "M", size: int | None = None) -> Image.Image:
    """A black-on-white QR image; `size` scales it (nearest neighbour keeps modules crisp)."""
    made = _code(data, correction).make_image(fill_color="black", back_color="white")
    image: Image.Image = made.get_image().convert("L")
    if size is not None:
        modules = image.width // 10
        scale = max(1, size // modules)
        image = image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    return image


def png(data: str, *, correction: Correction = "M", size: int | None = None) -> bytes:
    out = io.BytesIO()
    qr_image(data, correction=correction, size=size).save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg(data: str, *, correction: Correction = "M") -> bytes:
    out = io.BytesIO()
    _code(data, correction).make_image(image_factory=SvgPathFillImage).save(out)
    return out.getvalue()


@cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The shipped font (never a system font)."""
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size)
