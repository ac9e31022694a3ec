"""The bench's own label as a 4x6 in (288x432 pt) PDF, for office printers and the preview.

Text uses the bundled Unicode fonts (labels/fonts.py), embedded as subsets: DejaVu Sans for Latin,
Greek and Cyrillic, Droid Sans Fallback for CJK, chosen per character. Bars are drawn from
labels/code128.py with a module that is a whole number of dots at the target printer's dpi, so a
thermal or laser printer reproduces every bar at the same width.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from shipstation_desktop.labels import fit, fonts
from shipstation_desktop.labels.layout import (
    LABEL_HEIGHT_IN,
    LABEL_WIDTH_IN,
    Barcode,
    Block,
    Box,
    Element,
    Text,
    layout,
)
from shipstation_desktop.labels.model import LabelData
from shipstation_desktop.labels.zpl import barcode_module

PT_PER_IN = 72.0
PAGE_WIDTH = LABEL_WIDTH_IN * PT_PER_IN  # 288
PAGE_HEIGHT = LABEL_HEIGHT_IN * PT_PER_IN  # 432
DEFAULT_DPI = 300  # whole dots at 300 and 600 dpi: office lasers and 300 dpi thermals

_BASELINE = 0.8  # baseline sits this far down a line of `size` height (cap top near the line top)
_SHRINK_STEP = 0.5
_ELLIPSIS = "…"  # in WinAnsi (Helvetica) and in DejaVu
_FAKE_BOLD_STROKE = 0.035  # outline width (em) that makes a regular CJK face read as bold

# (regular, bold) file names, tried in every directory below. Bundled fonts win over system ones.
_FONT_FILES = [
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    ("Arial.ttf", "Arial Bold.ttf"),
    ("arial.ttf", "arialbd.ttf"),
]
_FONT_DIRS = [
    fonts.FONT_DIR,
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/liberation"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts/Supplemental"),
    Path("C:/Windows/Fonts"),
]
_CJK_FILES = [fonts.CJK, Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")]
_REGULAR, _BOLD, _CJK = "ShipLabelSans", "ShipLabelSans-Bold", "ShipLabelCJK"


@dataclass(frozen=True, slots=True)
class PdfFonts:
    regular: str
    bold: str
    glyphs: frozenset[int] | None  # code points the TTF can draw; None = Helvetica (cp1252)
    cjk: str | None = None  # the fallback face for what `regular` lacks
    cjk_glyphs: frozenset[int] = frozenset()


_fonts: PdfFonts | None = None
_fonts_lock = threading.Lock()  # reportlab's font registry is global; register once


def render_pdf(data: LabelData, dpi: int = DEFAULT_DPI) -> bytes:
    """One 4x6 in page. Byte-identical for identical input (fixed dates and document id)."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi}")
    fonts_ = label_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    canvas.setTitle(f"Label {data.tracking_number}")
    canvas.setCreator("ShipStation Desktop")
    for element in layout(data):
        _draw(canvas, element, fonts_, dpi)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _draw(canvas: Canvas, e: Element, f: PdfFonts, dpi: int) -> None:
    if isinstance(e, Box):
        canvas.setFillColorRGB(0, 0, 0)
        canvas.rect(_pt(e.x), _top(e.y + e.height), _pt(e.width), _pt(e.height), stroke=0, fill=1)
    elif isinstance(e, Text):
        _draw_text(canvas, e, f)
    elif isinstance(e, Block):
        _draw_block(canvas, e, f)
    else:
        _draw_barcode(canvas, e, f, dpi)


def _draw_text(canvas: Canvas, e: Text, f: PdfFonts) -> None:
    measure = measurer(f)
    text, size = fit.fit_line(
        drawable(e.text, f),
        measure,
        _pt(e.size),
        _pt(e.min_size),
        _pt(e.width),
        bold=e.bold,
        step=_SHRINK_STEP,
        ellipsis=_ELLIPSIS,
    )
    x = _pt(e.x)
    if e.centre:
        x += max(0.0, (_pt(e.width) - measure(text, size, e.bold)) / 2)
    colour = (1.0, 1.0, 1.0) if e.reverse else (0.0, 0.0, 0.0)
    draw_runs(canvas, x, _top(e.y) - size * _BASELINE, text, size, e.bold, f, colour)


def _draw_block(canvas: Canvas, e: Block, f: PdfFonts) -> None:
    lines = [fit.Line(drawable(text, f), e.bold_first and i == 0) for i, text in enumerate(e.lines)]
    rows, size = fit.fit_block(
        lines,
        measurer(f),
        _pt(e.size),
        _pt(e.min_size),
        _pt(e.width),
        _pt(e.height),
        step=_SHRINK_STEP,
        ellipsis=_ELLIPSIS,
    )
    for i, row in enumerate(rows):
        y = _top(e.y) - i * size * fit.LEADING - size * _BASELINE
        draw_runs(canvas, _pt(e.x), y, row.text, size, row.bold, f, (0.0, 0.0, 0.0))


def _draw_barcode(canvas: Canvas, e: Barcode, f: PdfFonts, dpi: int) -> None:
    symbol = e.symbol
    region_dots = round(e.width * dpi)
    module_dots = barcode_module(symbol.modules, region_dots, dpi, e.target_module_in)
    module = module_dots * PT_PER_IN / dpi
    left_dots = (region_dots - symbol.modules * module_dots) // 2
    x0 = _pt(e.x) + left_dots * PT_PER_IN / dpi
    bottom = _top(e.y + e.bar_height)
    height = _pt(e.bar_height)
    canvas.setFillColorRGB(0, 0, 0)
    for offset, width in symbol.bars:
        canvas.rect(x0 + offset * module, bottom, width * module, height, stroke=0, fill=1)
    if e.caption:
        _draw_text(canvas, e.caption_line(), f)


def draw_runs(
    canvas: Canvas, x: float, y: float, text: str, size: float, bold: bool, f: PdfFonts, rgb: tuple[float, float, float]
) -> None:
    obj = canvas.beginText(x, y)
    obj.setFillColorRGB(*rgb)
    obj.setStrokeColorRGB(*rgb)
    for run, font, fake_bold in _runs(text, bold, f):
        obj.setFont(font, size)
        if fake_bold:
            obj.setTextRenderMode(2)  # fill + stroke: a heavier outline stands in for the missing bold
            canvas.setLineWidth(size * _FAKE_BOLD_STROKE)
        obj.textOut(run)
        if fake_bold:
            obj.setTextRenderMode(0)
    canvas.drawText(obj)


def _runs(text: str, bold: bool, f: PdfFonts) -> list[tuple[str, str, bool]]:
    primary = f.bold if bold else f.regular
    out: list[tuple[str, str, bool]] = []
    for char in text:
        use_cjk = f.cjk is not None and not _in_primary(char, f) and ord(char) in f.cjk_glyphs
        font, fake = (f.cjk, bold) if use_cjk and f.cjk is not None else (primary, False)
        if out and out[-1][1] == font:
            out[-1] = (out[-1][0] + char, font, fake)
        else:
            out.append((char, font, fake))
    return out


def measurer(f: PdfFonts) -> fit.Measure:
    def measure(text: str, size: float, bold: bool) -> float:
        return float(sum(pdfmetrics.stringWidth(run, font, size) for run, font, _ in _runs(text, bold, f)))

    return measure


def fit_text(text: str, font: str, size: float, min_size: float, width: float) -> tuple[str, float]:
    """Shrink the font size (pt) until `text` fits `width`; truncate with an ellipsis if still too long."""

    def measure(t: str, s: float, _bold: bool) -> float:
        return float(pdfmetrics.stringWidth(t, font, s))

    return fit.fit_line(text, measure, size, min_size, width, bold=False, step=_SHRINK_STEP, ellipsis=_ELLIPSIS)


def drawable(text: str, f: PdfFonts) -> str:
    """Replace what no font can draw: accents are dropped first, then '?' as a last resort."""
    return "".join(c if _can_draw(c, f) else _fallback(c, f) for c in text)


def _fallback(char: str, f: PdfFonts) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(_can_draw(c, f) for c in base) else "?"


def _in_primary(char: str, f: PdfFonts) -> bool:
    if f.glyphs is not None:
        return ord(char) in f.glyphs
    try:
        char.encode("cp1252")  # Helvetica's WinAnsi encoding in reportlab
    except UnicodeEncodeError:
        return False
    return True


def _can_draw(char: str, f: PdfFonts) -> bool:
    return _in_primary(char, f) or (f.cjk is not None and ord(char) in f.cjk_glyphs)


def label_fonts() -> PdfFonts:
    global _fonts
    with _fonts_lock:
        if _fonts is None:
            _fonts = _register_fonts()
        return _fonts


def _register_fonts() -> PdfFonts:
    main = _register_main()
    for path in _CJK_FILES:
        if not path.is_file():
            continue
        try:
            face = TTFont(_CJK, str(path))
        except (TTFError, OSError):
            continue
        pdfmetrics.registerFont(face)
        return PdfFonts(main.regular, main.bold, main.glyphs, _CJK, frozenset(face.face.charToGlyph))
    return main


def _register_main() -> PdfFonts:
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
            return PdfFonts(_REGULAR, _BOLD if bold else _REGULAR, frozenset(glyphs))
    return PdfFonts("Helvetica", "Helvetica-Bold", None)


def _pt(inches: float) -> float:
    return inches * PT_PER_IN


def _top(inches_from_top: float) -> float:
    """PDF y (from the bottom) of a point `inches_from_top` below the top edge."""
    return PAGE_HEIGHT - _pt(inches_from_top)
