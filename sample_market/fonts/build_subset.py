"""Rebuild the CJK font subset that the sample-market PDFs embed.

Run once by hand (``python sample_market/fonts/build_subset.py``) on a machine with Debian's
``fonts-wqy-microhei``; the result is committed, so generating documents never depends on a
system font and PDFs are byte-identical across machines. The subset keeps GB2312 (the 6,763
hanzi of everyday Chinese and its symbols), ASCII, Latin-1, the punctuation and full-width
forms documents use, and a few name characters outside GB2312 seen in real deal names.
fontTools writes the same bytes for the same input because timestamps are not recalculated.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # subfont 0: WenQuanYi Micro Hei
TARGET = Path(__file__).with_name("wqy-microhei-gb2312.ttf")

# Characters outside GB2312 that appear in real deal and institution names (昇, 璟 in the
# CNABS export and deal list) plus common name characters of the same kind.
EXTRA_HANZI = "昇璟珺瑄祎玥昱晟煜琦琨璐瑾婧蔚赟鋆堃喆旻翀彧沣淏玮炜琰珏"

RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1 (mis-encoded text, ·, ×)
    (0x2010, 0x2044),  # dashes, quotes, ‰, ※
    (0x2070, 0x209F),  # superscripts (AA⁺sf) and subscripts
    (0x2150, 0x218F),  # Roman numerals
    (0x2190, 0x2199),  # arrows
    (0x2212, 0x2212),  # minus sign
    (0x2264, 0x2265),  # ≤ ≥
    (0x2460, 0x24FF),  # ①②…
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF01, 0xFF5E),  # full-width forms
    (0xFFE0, 0xFFE6),  # ￥ and friends
)


def gb2312_characters() -> set[str]:
    """Every character GB2312 encodes (two-byte rows A1–F7)."""
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted_characters() -> set[str]:
    chars = gb2312_characters() | set(EXTRA_HANZI)
    for start, end in RANGES:
        chars.update(chr(code) for code in range(start, end + 1))
    return chars


def build(source: Path = SOURCE, target: Path = TARGET) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=0, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM", "GPOS", "GSUB", "GDEF", "vhea", "vmtx"]
    subsetter = subset.Subsetter(options)
    cmap = font.getBestCmap()
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted_characters() if ord(c) in cmap))
    subsetter.subset(font)
    font.save(target)
    return len(font.getBestCmap())


if __name__ == "__main__":
    count = build(*(Path(a) for a in sys.argv[1:3]))
    print(f"wrote {TARGET.name}: {count} characters, {TARGET.stat().st_size:,} bytes")
