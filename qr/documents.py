"""Certificates (A4 landscape) and shareable summary images (1080 × 1920, for WeChat),
drawn in the shipped font with a QR code."""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw

from app.kernel.values import frozen
from qr.images import font, qr_image
from qr.posters import ACCENT, INK, MUTED, mm

A4_LANDSCAPE = (2339, 1654)  # 297 × 210 mm at 200 dpi
GOLD = (176, 132, 42)


def _center(
    draw: ImageDraw.ImageDraw,
    width: int,
    y: int,
    text: str,
    size: int,
    *,
    bold: bool = False,
    fill: tuple[int, int, int] = INK,
) -> None:
    face = font(size, bold=bold)
    draw.text(((width - draw.textlength(text, font=face)) / 2, y), text, font=face, fill=fill)


@frozen
class CertificateDoc:
    title: str  # 家庭领读人证书
    holder: str
    body: str  # 在东城区家庭亲子阅读项目中担任…
    level: str
    issued_on: str
    serial: str
    issuer: str
    url: str
    revoked: bool = False


def certificate_image(doc: CertificateDoc) -> Image.Image:
    width, height = A4_LANDSCAPE
    page = Image.new("RGB", A4_LANDSCAPE, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((mm(8), mm(8), width - mm(8), height - mm(8)), outline=GOLD, width=12)
    draw.rectangle((mm(12), mm(12), width - mm(12), height - mm(12)), outline=ACCENT, width=4)
    _center(draw, width, mm(28), doc.title, 130, bold=True, fill=ACCENT)
    _center(draw, width, mm(62), doc.holder, 110, bold=True)
    _center(draw, width, mm(92), doc.body, 52)
    _center(draw, width, mm(110), doc.level, 72, bold=True, fill=GOLD)
    draw.text((mm(30), height - mm(52)), doc.issuer, font=font(46), fill=INK)
    draw.text((mm(30), height - mm(40)), doc.issued_on, font=font(40), fill=MUTED)
    draw.text((mm(30), height - mm(30)), f"证书编号 {doc.serial}", font=font(36), fill=MUTED)
    code = qr_image(doc.url, correction="Q", size=mm(40))
    page.paste(code, (width - code.width - mm(26), height - code.height - mm(24)))
    draw.text((width - mm(80), height - mm(21)), "扫码验证 Scan to verify", font=font(30), fill=MUTED)
    if doc.revoked:
        draw.text((mm(90), mm(120)), "已撤销 REVOKED", font=font(200, bold=True), fill=(207, 34, 46))
    return page


@frozen
class SummaryDoc:
    headline: str  # 今年共读 N 本绘本
    lines: tuple[str, ...]
    url: str
    footer: str


SUMMARY_SIZE = (1080, 1920)
SUMMARY_TITLE = "故事角 · 亲子共读"


def _glyph(char: str, bold: bool) -> bytes:
    image = Image.new("L", (72, 72))
    ImageDraw.Draw(image).text((4, 0), char, font=font(48, bold=bold), fill=255)
    return image.tobytes()


@cache
def _notdef_mask(bold: bool) -> bytes:
    # A private-use character is never in the subset: what the font draws for a missing glyph.
    return _glyph("\U000f0000", bold)


@cache
def has_glyph(char: str, *, bold: bool = False) -> bool:
    """Whether the shipped font (a GB 2312 subset) draws `char` rather than its empty box."""
    if char.isspace():
        return True
    return _glyph(char, bold) != _notdef_mask(bold)


def drawable(text: str, *, bold: bool = False) -> bool:
    """Whether every character of `text` has a glyph in the shipped font. Names typed by
    families may use characters outside GB 2312 (喆, emoji): those would print as boxes."""
    return all(has_glyph(ch, bold=bold) for ch in text)


def summary_texts(doc: SummaryDoc) -> list[str]:
    """Every string the summary image draws, in order (lines the font cannot draw are left out)."""
    return [SUMMARY_TITLE, doc.headline, *(line for line in doc.lines if drawable(line)), doc.footer]


def summary_image(doc: SummaryDoc) -> Image.Image:
    width, height = SUMMARY_SIZE
    page = Image.new("RGB", (width, height), (255, 250, 243))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 260), fill=ACCENT)
    _center(draw, width, 90, SUMMARY_TITLE, 72, bold=True, fill=(255, 255, 255))
    _center(draw, width, 420, doc.headline, 96, bold=True, fill=ACCENT)
    y = 620
    for line in doc.lines:
        if not drawable(line):
            continue
        _center(draw, width, y, line, 52)
        y += 90
    code = qr_image(doc.url, correction="M", size=360)
    page.paste(code, ((width - code.width) // 2, height - code.height - 260))
    _center(draw, width, height - 220, doc.footer, 40, fill=MUTED)
    return page
