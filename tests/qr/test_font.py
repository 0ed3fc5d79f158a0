"""The shipped font (a GB 2312 subset of Noto Sans CJK SC, Regular and Bold) has a glyph for
every character printed on a poster, a label or a card for the demo data: space and corner
names, the poster's fixed texts, picture-book titles, the family card; and a rendered poster
shows no .notdef box. Never a system font."""

from __future__ import annotations

from functools import cache

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from app.seed.demo import DEMO_FAMILY, SPACES
from qr import images, posters

FONTS = sorted(images.FONTS.glob("NotoSansSC-*-GB2312.otf"))
URL = "https://storycorner.example.cn/q/AQEBAQEArbEyeXqJAv-4Q7kUTmhWf8Ab"

# Picture books a Dongcheng reading corner actually shelves (label titles).
BOOK_TITLES = [
    "猜猜我有多爱你",
    "好饿的毛毛虫",
    "大卫，不可以",
    "我爸爸",
    "母鸡萝丝去散步",
    "逃家小兔",
    "小黑鱼",
    "彩虹色的花",
    "鼠小弟的小背心",
    "爷爷一定有办法",
    "团圆",
    "安的种子",
    "一园青菜成了精",
    "荷花镇的早市",
    "西瓜船",
    "石头汤",
    "野兽国",
    "花婆婆",
    "月亮，生日快乐",
    "你看起来好像很好吃",
    "犟龟",
    "蚯蚓的日记",
    "我的连衣裙",
    "咕叽咕叽",
    "活了100万次的猫",
    "14只老鼠去春游",
    "第一次上街买东西",
    "北京：中轴线上的城市",
    "耗子大爷在家吗？",
    "驴小弟变石头",
    "小蓝和小黄",
    "菲菲生气了——非常、非常的生气",
    "《三只小猪》",
    "是谁嗯嗯在我的头上",
    "小猪佩奇·去野餐",
    "Guess How Much I Love You",
    "Brown Bear, Brown Bear, What Do You See?",
]
BARCODES = ["SC00000001", "SC12345678"]
CARD_TITLE = "故事角家庭借阅卡"  # app/web/qr_pages.py, the family card
ADDED_BY_LAYOUT = "…、. 0123456789"  # ellipsis of cut lines, the card's name separator, step numbers


def demo_posters() -> list[posters.Poster]:
    return [posters.Poster(space_name=s.name, corner_name=c, url=URL) for s, corners in SPACES for c in corners]


def printed_text() -> str:
    _phone, _password, guardian = DEMO_FAMILY
    parts: list[str] = [CARD_TITLE, guardian, "小雨", "豆豆", ADDED_BY_LAYOUT, URL, *BOOK_TITLES, *BARCODES]
    for poster in demo_posters():
        parts += [poster.space_name, poster.corner_name, poster.programme, poster.headline, poster.english]
        parts += list(poster.steps)
    parts += [s.name for s, _corners in SPACES]  # a label's small space line
    return "".join(parts)


def test_fonts_are_shipped_with_their_licence() -> None:
    assert [f.name for f in FONTS] == ["NotoSansSC-Bold-GB2312.otf", "NotoSansSC-Regular-GB2312.otf"]
    assert (images.FONTS / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    assert images.REGULAR in FONTS and images.BOLD in FONTS
    assert images.font(30).path == str(images.REGULAR) and images.font(30, bold=True).path == str(images.BOLD)


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.stem)
def test_cmap_covers_everything_printed(path: object) -> None:
    cmap = TTFont(str(path)).getBestCmap()
    text = printed_text()
    assert len(set(text)) > 200, "the sample is meaningful"
    missing = sorted({ch for ch in text if ord(ch) not in cmap and not ch.isspace()})
    assert not missing, f"{path}: no glyph for {missing}"
    # At least GB 2312: every character of its 87 rows, with ASCII.
    gb2312 = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                gb2312.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    uncovered = sorted(ch for ch in gb2312 | {chr(c) for c in range(0x21, 0x7F)} if ord(ch) not in cmap)
    assert not uncovered, f"{path}: GB 2312 not covered: {uncovered[:20]}"


@cache
def _glyph(ch: str, bold: bool) -> bytes:
    face = images.font(48, bold=bold)
    canvas = Image.new("L", (80, 80), 0)
    ImageDraw.Draw(canvas).text((10, 5), ch, font=face, fill=255)
    return canvas.tobytes()


def missing_glyphs(text: str, *, bold: bool) -> list[str]:
    """Characters Pillow draws as the font's .notdef box (what a missing glyph looks like)."""
    notdef = _glyph("\ue000", bold)  # a private-use character: never in the font
    return sorted({ch for ch in text if not ch.isspace() and _glyph(ch, bold) == notdef})


def test_rendering_detects_a_missing_glyph() -> None:
    """The detector works: a character outside GB 2312 (啰, only in GBK) renders as .notdef."""
    assert missing_glyphs("啰", bold=False) == ["啰"]
    assert missing_glyphs("读", bold=False) == []


def test_demo_posters_labels_and_card_render_every_glyph() -> None:
    text = printed_text()
    for bold in (False, True):
        assert not missing_glyphs(text, bold=bold), f"bold={bold}"
    # And the real drawing code runs over the demo data with the shipped font.
    for poster in demo_posters()[:4]:
        page = posters.poster_image(poster)
        assert page.size == posters.A4
    labels = [posters.Label(title=t, barcode=BARCODES[0], url=URL, space_name=SPACES[1][0].name) for t in BOOK_TITLES]
    assert len(posters.label_sheets(labels)) == 2
    card = posters.card_image(posters.Card(title=CARD_TITLE, subtitle=DEMO_FAMILY[2], url=URL, lines=("小雨、豆豆",)))
    assert card.size == (posters.mm(85.6) * 2, posters.mm(54) * 2)
