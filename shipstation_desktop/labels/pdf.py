"""The bench's own label as a 4x6 in (288x432 pt) PDF, for office printers and the preview."""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from shipstation_desktop.labels.layout import (
    LABEL_HEIGHT_IN,
    LABEL_WIDTH_IN,
    Barcode,
    Box,
    Element,
    Text,
    layout,
)
from shipstation_desktop.labels.model import LabelData

PT_PER_IN = 72.0
PAGE_WIDTH = LABEL_WIDTH_IN * PT_PER_IN  # 288
PAGE_HEIGHT = LABEL_HEIGHT_IN * PT_PER_IN  # 432

_BASELINE = 0.8  # baseline sits this far down a line of `size` height (cap top near the line top)
_SHRINK_STEP = 0.5
_QUIET_MODULES = 10
_BAR_WIDTHS_PT = [1.0 - 0.05 * i for i in range(11)]  # 13.9 mil down to 6.9 mil

_FONT_DIR = Path(__file__).resolve().parent.parent / "resources" / "fonts"
# (regular, bold) file names, tried in every directory below. Bundled fonts win over system ones.
_FONT_FILES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
]
_FONT_DIRS = [
    _FONT_DIR,
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts/Supplemental"),
    Path("C:/Windows/Fonts"),
]
_REGULAR, _BOLD = "ShipLabelSans", "ShipLabelSans-Bold"


@dataclass(frozen=True, slots=True)
class _Fonts:
    regular: str
    bold: str
    glyphs: frozenset[int] | None  # code points the TTF can draw; None = Helvetica (cp1252)


_fonts: _Fonts | None = None
_fonts_lock = threading.Lock()  # reportlab's font registry is global; register once


def render_pdf(data: LabelData) -> bytes:
    """One 4x6 in page. Byte-identical for identical input (fixed dates and document id)."""
    fonts = _label_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    canvas.setTitle(f"Label {data.tracking_number}")
    canvas.setCreator("ShipStation Desktop")
    for element in layout(data):
        _draw(canvas, element, fonts)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _draw(canvas: Canvas, e: Element, fonts: _Fonts) -> None:
    if isinstance(e, Box):
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(_pt(e.x), _top(e.y + e.height), _pt(e.width), _pt(e.height), stroke=0, fill=1)
    elif isinstance(e, Text):
        font = fonts.bold if e.bold else fonts.regular
        text, size = fit_text(_drawable(e.text, fonts), font, _pt(e.size), _pt(e.min_size), _pt(e.width))
        canvas.setFont(font, size)
        canvas.setFillColorRGB(*((1, 1, 1) if e.reverse else (0, 0, 0)))
        canvas.drawString(_pt(e.x), _top(e.y) - size * _BASELINE, text)
        canvas.setFillColorRGB(0, 0, 0)
    else:
        _draw_barcode(canvas, e, fonts)


def _draw_barcode(canvas: Canvas, e: Barcode, fonts: _Fonts) -> None:
    region = _pt(e.width)
    bar_height = _pt(e.bar_height)
    for bar_width in _BAR_WIDTHS_PT:
        quiet = _QUIET_MODULES * bar_width
        symbol = Code128(e.data, barWidth=bar_width, barHeight=bar_height, humanReadable=0, lquiet=quiet, rquiet=quiet)
        if symbol.width <= region:  # .width includes both quiet zones
            break
    else:
        raise ValueError(f"tracking number {e.data!r} is too long for a barcode on this label")
    x = _pt(e.x) + (region - symbol.width) / 2
    y = _top(e.y + e.bar_height)
    symbol.drawOn(canvas, x, y)
    size = _pt(e.text_size)
    canvas.setFont(fonts.regular, size)
    canvas.drawCentredString(x + symbol.width / 2, y - size * 1.1, e.data)


def fit_text(text: str, font: str, size: float, min_size: float, width: float) -> tuple[str, float]:
    """Shrink the font size (pt) until `text` fits `width`; truncate with an ellipsis if still too long."""
    while size > min_size and pdfmetrics.stringWidth(text, font, size) > width:
        size = max(min_size, size - _SHRINK_STEP)
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text, size
    # "…" is in WinAnsi (Helvetica) and in every TTF we look for.
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def _drawable(text: str, fonts: _Fonts) -> str:
    """Replace what the font cannot draw: accents are dropped first, then '?' as a last resort."""
    return "".join(c if _can_draw(c, fonts) else _fallback(c, fonts) for c in text)


def _fallback(char: str, fonts: _Fonts) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(_can_draw(c, fonts) for c in base) else "?"


def _can_draw(char: str, fonts: _Fonts) -> bool:
    if fonts.glyphs is not None:
        return ord(char) in fonts.glyphs
    try:
        char.encode("cp1252")  # Helvetica's WinAnsi encoding in reportlab
    except UnicodeEncodeError:
        return False
    return True


def _label_fonts() -> _Fonts:
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = _register_fonts()
        return _fonts


def _register_fonts() -> _Fonts:
    for directory in _FONT_DIRS:
        for regular_name, bold_name in _FONT_FILES:
            regular = directory / regular_name
            if not regular.is_file():
                continue
            try:
                face = TTFont(_REGULAR, str(regular))
                bold_path = directory / bold_name
                bold = TTFont(_BOLD, str(bold_path)) if bold_path.is_file() else None
            except (TTFError, OSError):  # unreadable or not really a TrueType font: try the next
                continue
            pdfmetrics.registerFont(face)
            glyphs = set(face.face.charToGlyph)
            if bold is not None:
                pdfmetrics.registerFont(bold)
                glyphs &= set(bold.face.charToGlyph)  # a character must render in either weight
            return _Fonts(_REGULAR, _BOLD if bold else _REGULAR, frozenset(glyphs))
    return _Fonts("Helvetica", "Helvetica-Bold", None)


def _pt(inches: float) -> float:
    return inches * PT_PER_IN


def _top(inches_from_top: float) -> float:
    """PDF y (from the bottom) of a point `inches_from_top` below the top edge."""
    return PAGE_HEIGHT - _pt(inches_from_top)
