"""Print-ready posters, label sheets and cards, drawn with Pillow in the shipped font; the
labels' Code 128 barcodes encoded by python-barcode.

A4 pages are rendered at 200 dpi (1654 × 2339 px): sharp in print, small as files. A PDF is
one image page per poster or sheet, at the same resolution, so it prints at true A4.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import field

from barcode import Code128
from PIL import Image, ImageDraw

from app.kernel.values import frozen
from qr.images import font, qr_image
from qr.pdf import PdfPages

DPI = 200
A4 = (1654, 2339)  # 210 × 297 mm at 200 dpi
INK = (31, 35, 40)
ACCENT = (179, 56, 28)
MUTED = (87, 96, 106)


def mm(value: float) -> int:
    return round(value / 25.4 * DPI)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int, *, bold: bool = False, minimum: int = 24) -> int:
    """The largest font size ≤ `size` at which `text` fits in `width` pixels."""
    while size > minimum and draw.textlength(text, font=font(size, bold=bold)) > width:
        size -= 2
    return size


def _wrap(draw: ImageDraw.ImageDraw, text: str, width: int, size: int, *, lines: int, bold: bool = False) -> list[str]:
    """Break Chinese text anywhere (no spaces), at most `lines` lines, the last one ellipsised."""
    out: list[str] = []
    current = ""
    face = font(size, bold=bold)
    for ch in text:
        if draw.textlength(current + ch, font=face) <= width:
            current += ch
            continue
        out.append(current)
        current = ch
        if len(out) == lines:
            break
    if len(out) < lines and current:
        out.append(current)
    joined = "".join(out)
    if len(joined) < len(text) and out:
        last = out[-1]
        while last and draw.textlength(last + "…", font=face) > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


def _centered(
    draw: ImageDraw.ImageDraw,
    y: int,
    text: str,
    size: int,
    *,
    bold: bool = False,
    fill: tuple[int, int, int] = INK,
    width: int = A4[0],
) -> int:
    face = font(size, bold=bold)
    room = width - 2 * mm(15)
    if draw.textlength(text, font=face) > room:  # too long even at the smallest size: cut it
        text = (_wrap(draw, text, room, size, lines=1, bold=bold) or [""])[0]
    x = (width - draw.textlength(text, font=face)) / 2
    draw.text((x, y), text, font=face, fill=fill)
    return y + int(size * 1.35)


DEFAULT_PROGRAMME = "东城区家庭亲子阅读"  # the top band when the caller names no programme


@frozen
class Poster:
    space_name: str
    corner_name: str
    url: str
    programme: str = DEFAULT_PROGRAMME
    headline: str = "微信扫一扫 签到"
    steps: tuple[str, ...] = (
        "打开微信，点右上角“＋”，选“扫一扫”",
        "对准上方二维码，打开签到页面",
        "登录家庭账号，选择到场的孩子，点“签到”",
    )
    english: str = "Scan with WeChat (or your phone camera) to check in at this reading corner."


def poster_image(poster: Poster) -> Image.Image:
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    width, margin = A4[0], mm(15)
    draw.rectangle((0, 0, width, mm(28)), fill=ACCENT)
    _centered(
        draw,
        mm(8),
        poster.programme,
        _fit(draw, poster.programme, width - 2 * margin, 64, bold=True),
        bold=True,
        fill=(255, 255, 255),
    )
    y = mm(38)
    y = _centered(
        draw, y, poster.space_name, _fit(draw, poster.space_name, width - 2 * margin, 96, bold=True), bold=True
    )
    y = _centered(draw, y, poster.corner_name, _fit(draw, poster.corner_name, width - 2 * margin, 64), fill=MUTED)
    code = qr_image(poster.url, correction="Q", size=mm(110))
    page.paste(code, ((width - code.width) // 2, y + mm(4)))
    y += code.height + mm(8)
    y = _centered(
        draw,
        y,
        poster.headline,
        _fit(draw, poster.headline, width - 2 * margin, 150, bold=True),
        bold=True,
        fill=ACCENT,
    )
    step_size = 48
    for number, step in enumerate(poster.steps, start=1):
        text = f"{number}. {step}"
        y = _centered(draw, y, text, _fit(draw, text, width - 2 * margin, step_size), fill=INK)
    y += mm(4)
    y = _centered(draw, y, poster.english, _fit(draw, poster.english, width - 2 * margin, 34), fill=MUTED)
    _centered(draw, A4[1] - mm(18), poster.url, _fit(draw, poster.url, width - 2 * margin, 36), fill=MUTED)
    return page


@frozen
class Label:
    title: str
    barcode: str
    url: str
    space_name: str = ""


LABEL_COLUMNS, LABEL_ROWS = 3, 8
BAR_MODULE = 2  # px at 200 dpi: 0.25 mm (10 mil), what desk scanners read best
BAR_QUIET = 10  # light modules either side, as Code 128 asks


def code128_image(data: str, *, width: int, height: int) -> Image.Image:
    """A Code 128 barcode of `data` (python-barcode encodes it: code sets, check symbol) drawn
    in whole pixels per module, its quiet zone included, as wide as fits `width` (2 px a module,
    narrower only for a long barcode)."""
    pattern = Code128(data).build()[0]
    module = max(1, min(BAR_MODULE, width // (len(pattern) + 2 * BAR_QUIET)))
    image = Image.new("RGB", ((len(pattern) + 2 * BAR_QUIET) * module, height), "white")
    draw = ImageDraw.Draw(image)
    for index, bit in enumerate(pattern):
        if bit == "1":
            left = (BAR_QUIET + index) * module
            draw.rectangle((left, 0, left + module - 1, height - 1), fill="black")
    return image


def _label(page: Image.Image, draw: ImageDraw.ImageDraw, label: Label, x: int, y: int, size: tuple[int, int]) -> None:
    """One label: the QR code (for phones) left; the title, a Code 128 barcode (for desk
    scanners), the barcode in digits and the home space right."""
    cell_w, cell_h = size
    code = qr_image(label.url, correction="M", size=mm(26))
    page.paste(code, (x + mm(1.5), y + (cell_h - code.height) // 2))
    text_x = x + mm(1.5) + code.width + mm(0.5)
    text_w = x + cell_w - mm(1.5) - text_x
    ty = y + mm(3)
    for line in _wrap(draw, label.title, text_w, 28, lines=2, bold=True):
        draw.text((text_x, ty), line, font=font(28, bold=True), fill=INK)
        ty += 36
    bars = code128_image(label.barcode, width=text_w, height=mm(8))
    page.paste(bars, (text_x, y + mm(13)))
    draw.text((text_x + mm(1.2), y + mm(21.5)), label.barcode, font=font(26), fill=INK)
    if label.space_name:
        small = _wrap(draw, label.space_name, text_w, 20, lines=1)
        draw.text((text_x + mm(1.2), y + mm(26.5)), small[0] if small else "", font=font(20), fill=MUTED)


def label_sheets(labels: Sequence[Label]) -> list[Image.Image]:
    """A4 sheets of 3 × 8 labels (70 × 37 mm, the common sticker sheet): a QR code, the title,
    a Code 128 barcode and the number."""
    sheets = []
    cell_w, cell_h = mm(70), mm(37)
    top = (A4[1] - LABEL_ROWS * cell_h) // 2
    left = (A4[0] - LABEL_COLUMNS * cell_w) // 2
    per_sheet = LABEL_COLUMNS * LABEL_ROWS
    for start in range(0, max(len(labels), 1), per_sheet):
        page = Image.new("RGB", A4, "white")
        draw = ImageDraw.Draw(page)
        for index, label in enumerate(labels[start : start + per_sheet]):
            row, col = divmod(index, LABEL_COLUMNS)
            _label(page, draw, label, left + col * cell_w, top + row * cell_h, (cell_w, cell_h))
        sheets.append(page)
    return sheets


@frozen
class Card:
    """A wallet-sized card (85.6 × 54 mm) with a QR code: the family card, a certificate stub."""

    title: str
    subtitle: str
    url: str
    lines: tuple[str, ...] = field(default_factory=tuple)


def card_image(card: Card) -> Image.Image:
    size = (mm(85.6) * 2, mm(54) * 2)  # twice the print size: crisp on a phone screen too
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, size[0], 90), fill=ACCENT)
    title_size = _fit(draw, card.title, size[0] - 80, 52, bold=True)
    for line in _wrap(draw, card.title, size[0] - 80, title_size, lines=1, bold=True):
        draw.text((40, 18), line, font=font(title_size, bold=True), fill=(255, 255, 255))
    code = qr_image(card.url, correction="M", size=size[1] - 150)
    code_x = size[0] - code.width - 30
    page.paste(code, (code_x, 110))
    # The text keeps left of the code and its quiet zone: wrapped, and cut with "…" when it
    # would run past the card (long nicknames must never cover the code).
    text_w = code_x - 40 - 10
    y = 130
    for line in _wrap(draw, card.subtitle, text_w, 48, lines=1, bold=True):
        draw.text((40, y), line, font=font(48, bold=True), fill=INK)
    y += 70
    line_height, bottom = 50, size[1] - 30
    for entry in card.lines:
        room = (bottom - y - 36) // line_height + 1
        if room <= 0:
            break
        for line in _wrap(draw, entry, text_w, 36, lines=room):
            draw.text((40, y), line, font=font(36), fill=MUTED)
            y += line_height
        y += 20
    return page


def to_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(DPI, DPI))
    return out.getvalue()


def to_pdf(pages: Iterable[Image.Image]) -> bytes:
    """Pages drawn at DPI as one PDF; a generator of pages keeps one in memory at a time."""
    out = io.BytesIO()
    pdf = PdfPages(out, dpi=DPI)
    for page in pages:
        pdf.add_page(page)
    pdf.close()
    return out.getvalue()
