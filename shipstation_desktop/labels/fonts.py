"""The Unicode fonts shipped in resources/fonts (licences beside them) and what each can draw.

DejaVu Sans covers Latin (every European language, Romanian ș/ț included), Greek and Cyrillic;
Droid Sans Fallback covers Chinese, Japanese and Korean. A character goes to the first face that
has it, so Latin text keeps DejaVu's look and CJK still prints. Nothing here touches the system's
fonts: the label looks the same on every bench.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
CJK = FONT_DIR / "DroidSansFallbackFull.ttf"

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Run:
    text: str
    face: Path  # the font file to draw it with
    fake_bold: bool  # bold asked for, but the face has no bold weight: embolden when drawing


@lru_cache(maxsize=8)
def coverage(path: Path) -> frozenset[int]:
    """Code points the TrueType file maps to a glyph (parsed once per process)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    with _lock:
        return frozenset(TTFontFile(str(path)).charToGlyph)


@lru_cache(maxsize=4096)
def runs(text: str, *, bold: bool) -> tuple[Run, ...]:
    """`text` split into runs by the face that draws them; unknown characters stay with DejaVu."""
    latin = coverage(BOLD if bold else REGULAR)
    out: list[Run] = []
    for char in text:
        if ord(char) in latin or char.isspace() or ord(char) not in coverage(CJK):
            face, fake = (BOLD if bold else REGULAR), False
        else:
            face, fake = CJK, bold
        if out and out[-1].face == face:
            out[-1] = Run(out[-1].text + char, face, fake)
        else:
            out.append(Run(char, face, fake))
    return tuple(out)


@lru_cache(maxsize=64)
def pillow_font(path: Path, pixels: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(path), pixels)
