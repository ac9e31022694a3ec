"""Bitmaps for ZPL: ^GF graphic fields in compressed ASCII hex, and text drawn with our own fonts.

^GFA with Zebra's ASCII compression (ZPL II guide, "Alternative Data Compression Scheme"): each dot
row is hex, runs of one hex digit become a repeat count (G..Y = 1..19, g..z = 20..400), "," ends a
row with white, ":" repeats the previous row. Every ZPL printer reads it (Z64 needs newer firmware),
and ^, ~ never appear in it, so a graphic can never end the format by accident.

Text that the printer's resident font 0 cannot draw (Cyrillic, Chinese, Romanian ș ț, …) is drawn
here with the bundled Unicode fonts and sent as a graphic: it prints on any Zebra, with no font
download to the printer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from shipstation_desktop.labels import fonts

if TYPE_CHECKING:
    from PIL.Image import Image

_RUN = re.compile(r"([0-9A-F])\1{2,}")  # a pair costs as much as its repeat code: runs of 3+ only
_TRAILING_ZEROS = re.compile(r"0+$")
# The rendered glyph box (ascent + descent) is ~1.16 em in DejaVu; scaling the em by this keeps a
# drawn line the same height as a font 0 line of the same ^A height.
_EM_PER_CELL = 0.86


@lru_cache(maxsize=2048)
def repeat_code(count: int) -> str:
    """Zebra's repeat prefix for `count` (>= 1) copies of the next hex digit."""
    out = []
    while count >= 400:
        out.append("z")
        count -= 400
    if count >= 20:
        out.append(chr(ord("g") + count // 20 - 1))
        count %= 20
    if count:
        out.append(chr(ord("G") + count - 1))
    return "".join(out)


def _compress_row(hex_row: str) -> str:
    body = _TRAILING_ZEROS.sub("", hex_row)
    if len(body) % 2:
        body += "0"  # "," fills whole bytes: finish the half byte first
    tail = "," if len(body) < len(hex_row) else ""
    return _RUN.sub(_encode_run, body) + tail


def _encode_run(match: re.Match[str]) -> str:
    return repeat_code(len(match.group(0))) + match.group(1)


def graphic_field(image: Image) -> str:
    """^GFA… for a 1-bit image whose set bits (1) are the dots to print."""
    if image.mode != "1":
        raise ValueError("a graphic field needs a 1-bit image")
    width, height = image.size
    per_row = (width + 7) // 8
    raw = image.tobytes()  # rows packed MSB first, each padded to a whole byte
    rows = []
    previous = None
    for y in range(height):
        row = raw[y * per_row : (y + 1) * per_row]
        if row == previous:
            rows.append(":")
        else:
            rows.append(_compress_row(row.hex().upper()))
            previous = row
    total = per_row * height
    return f"^GFA,{total},{total},{per_row},{''.join(rows)}"


@lru_cache(maxsize=8192)
def text_width(text: str, height: int, *, bold: bool) -> float:
    """Width in dots of `text` drawn `height` dots tall with the bundled fonts (cached: fitting asks
    for the same line at many sizes)."""
    em = max(1, round(height * _EM_PER_CELL))
    return sum(fonts.pillow_font(run.face, em).getlength(run.text) for run in fonts.runs(text, bold=bold))


def text_bitmap(text: str, height: int, *, bold: bool) -> Image:
    """`text` as a 1-bit image `height` dots tall (set bits = ink), cropped to its width."""
    from PIL import Image, ImageDraw

    em = max(1, round(height * _EM_PER_CELL))
    width = max(1, int(text_width(text, height, bold=bold) + 2))
    image = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(image)
    x = 0.0
    for run in fonts.runs(text, bold=bold):
        font = fonts.pillow_font(run.face, em)
        ascent, _ = font.getmetrics()
        # Line the baseline up with font 0's: ~80 % down the cell.
        draw.text(
            (x, round(height * 0.8) - ascent), run.text, font=font, fill=1, stroke_width=1 if run.fake_bold else 0
        )
        x += font.getlength(run.text)
    return image
