"""Rebuild the shipped font subset (run by hand; the result is committed).

    apt-get install fonts-noto-cjk && pip install fonttools
    python -m qr.fonts.make_subset

Takes face 2 (Simplified Chinese) of Noto Sans CJK Regular and Bold and keeps every
character of GB 2312 plus ASCII and common punctuation: what posters, labels and
certificates print. Licence: SIL Open Font License 1.1 (OFL.txt beside this file).
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto")
HERE = Path(__file__).resolve().parent
SC_FACE = 2
EXTRA = "·–—‘’“”…※○●□■△▲◆★☆→←↑↓①②③④⑤⑥⑦⑧⑨⑩＋－×÷≤≥°℃￥、。，：；！？（）《》【】「」『』〔〕﹏"


def gb2312_characters() -> str:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars.update(EXTRA)
    return "".join(sorted(chars))


def build(source: str, target: str) -> None:
    font = TTCollection(SOURCE / source).fonts[SC_FACE]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=gb2312_characters())
    subsetter.subset(font)
    font.save(HERE / target)


if __name__ == "__main__":
    build("NotoSansCJK-Regular.ttc", "NotoSansSC-Regular-GB2312.otf")
    build("NotoSansCJK-Bold.ttc", "NotoSansSC-Bold-GB2312.otf")
