"""The bench's own label in ZPL II, rendered for the printer's dpi (203 or 300).

Text the resident font 0 can draw goes as UTF-8 text (^CI28, ^FH escapes); any other line is drawn
with the bundled Unicode fonts and sent as a ^GF graphic (labels/zpl_graphics.py), so Cyrillic and
Chinese addresses print on a stock printer. Barcodes go to ^BC in "no mode" with explicit subset
codes from labels/code128.py, so the symbol width is known to the dot and the quiet zones are kept
on the label.
"""

from __future__ import annotations

from functools import lru_cache

from shipstation_desktop.labels import fit
from shipstation_desktop.labels.code128 import QUIET_MODULES
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
from shipstation_desktop.labels.zpl_graphics import graphic_field, text_bitmap, text_width

SUPPORTED_DPI = (203, 300)
# A ^FX comment naming the bench as the label's author: a stored label carrying it can be rendered
# again from the shipment (another dpi, PDF for the preview); a carrier's label never is.
OWN_MARK = "^FXShipStation Desktop label"

_ELLIPSIS = "..."  # ASCII: always in font 0
# ^FH turns _XX into the byte 0xXX; escaping the indicator itself keeps user "_" literal.
_FH_ESCAPES = str.maketrans({"_": "_5F", "^": "_5E", "~": "_7E"})
# Font 0 (CG Triumvirate Bold Condensed) has no metrics to query. Advance widths per character
# height, from the face's proportions and rounded up, so an estimate errs towards shrinking.
_NARROW = frozenset(" !'(),-./:;I[]`fijlrt|")
_WIDE = frozenset("MWmw@%&")
_NARROW_W, _CAPITAL_W, _NORMAL_W, _WIDE_W = 0.34, 0.64, 0.56, 0.86
_MIN_MODULE_DOTS = 2


def render_zpl(data: LabelData, dpi: int = 203) -> bytes:
    """The label as one ^XA…^XZ format, UTF-8 (^CI28), exactly 4x6 in at `dpi`."""
    if dpi not in SUPPORTED_DPI:
        raise ValueError(f"dpi must be one of {SUPPORTED_DPI}, got {dpi}")
    width, height = dots(LABEL_WIDTH_IN, dpi), dots(LABEL_HEIGHT_IN, dpi)
    cmds = ["^XA", OWN_MARK, "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    for element in layout(data):
        cmds.extend(_element(element, dpi))
    cmds.append("^XZ")
    return ("\n".join(cmds) + "\n").encode("utf-8")


def font0_can_draw(text: str) -> bool:
    """Whether the resident font draws every character (its repertoire is Zebra code page 850)."""
    try:
        text.encode("cp850")
    except UnicodeEncodeError:
        return False
    return text.isprintable()


def measure(text: str, height: float, bold: bool) -> float:
    """Width in dots of `text` at character height `height` dots, in whichever way it will print."""
    units = _font0_units(text)
    if units is not None:
        return units * height
    return text_width(text, round(height), bold=bold)


@lru_cache(maxsize=8192)
def _font0_units(text: str) -> float | None:
    """Font 0 width per dot of height (it scales linearly), or None when font 0 cannot draw `text`.

    Cached: fitting measures the same line at many sizes."""
    if not font0_can_draw(text):
        return None
    return sum(_char_width(c) for c in text)


def fit_text(text: str, height: int, min_height: int, width: int) -> tuple[str, int]:
    """Shrink the font height (dots) until the line fits `width`; truncate if still too long."""
    fitted, size = fit.fit_line(text, measure, height, min_height, width, bold=False, step=1, ellipsis=_ELLIPSIS)
    return fitted, round(size)


def escape_field(text: str) -> str:
    """Field data safe for ^FH: ^ and ~ would otherwise start a ZPL command mid-text."""
    return text.translate(_FH_ESCAPES)


def _char_width(char: str) -> float:
    if char in _NARROW:
        return _NARROW_W
    if char in _WIDE:
        return _WIDE_W
    if char.isupper() or char.isdigit():
        return _CAPITAL_W
    return _NORMAL_W


def _element(e: Element, dpi: int) -> list[str]:
    if isinstance(e, Text):
        return [_text(e, dpi)]
    if isinstance(e, Block):
        return _block(e, dpi)
    if isinstance(e, Box):
        w, h = max(1, dots(e.width, dpi)), max(1, dots(e.height, dpi))
        return [f"^FO{dots(e.x, dpi)},{dots(e.y, dpi)}^GB{w},{h},{min(w, h)}^FS"]
    return _barcode(e, dpi)


def _text(e: Text, dpi: int) -> str:
    width = dots(e.width, dpi)
    text, h = fit.fit_line(
        e.text, measure, dots(e.size, dpi), dots(e.min_size, dpi), width, bold=e.bold, step=1, ellipsis=_ELLIPSIS
    )
    x = dots(e.x, dpi)
    if e.centre:
        x += max(0, round((width - measure(text, h, e.bold)) / 2))
    return _line(x, dots(e.y, dpi), round(h), text, bold=e.bold, reverse=e.reverse)


def _block(e: Block, dpi: int) -> list[str]:
    lines = [fit.Line(text, e.bold_first and i == 0) for i, text in enumerate(e.lines)]
    rows, size = fit.fit_block(
        lines,
        measure,
        dots(e.size, dpi),
        dots(e.min_size, dpi),
        dots(e.width, dpi),
        dots(e.height, dpi),
        step=1,
        ellipsis=_ELLIPSIS,
    )
    h = round(size)
    x, y = dots(e.x, dpi), dots(e.y, dpi)
    return [_line(x, y + round(i * size * fit.LEADING), h, row.text, bold=row.bold) for i, row in enumerate(rows)]


def _line(x: int, y: int, h: int, text: str, *, bold: bool, reverse: bool = False) -> str:
    rev = "^FR" if reverse else ""
    if font0_can_draw(text):
        # Font 0 has no bold variant; it is already a heavy face, so `bold` needs nothing here.
        return f"^FO{x},{y}^A0N,{h},{h}{rev}^FH_^FD{escape_field(text)}^FS"
    return f"^FO{x},{y}{rev}{graphic_field(text_bitmap(text, h, bold=bold))}^FS"


def barcode_module(modules: int, region: int, dpi: int, target_in: float) -> int:
    """The widest whole-dot module, up to the target, that fits `region` dots with quiet zones."""
    module = max(_MIN_MODULE_DOTS, round(dpi * target_in))
    while module > _MIN_MODULE_DOTS and (modules + 2 * QUIET_MODULES) * module > region:
        module -= 1
    if (modules + 2 * QUIET_MODULES) * module > region:
        raise ValueError("this barcode is too long to fit on a 4 in label")
    return module


def _barcode(e: Barcode, dpi: int) -> list[str]:
    region = dots(e.width, dpi)
    modules = e.symbol.modules
    module = barcode_module(modules, region, dpi, e.target_module_in)
    x = dots(e.x, dpi) + (region - modules * module) // 2
    y = dots(e.y, dpi)
    bar_height = dots(e.bar_height, dpi)
    # ^BC: no printer interpretation line (ours is below, in the label's font), no UCC check
    # digit, mode N: the field data carries its own start and subset codes.
    out = [f"^FO{x},{y}^BY{module},3,{bar_height}^BCN,{bar_height},N,N,N,N^FD{e.symbol.zpl_data}^FS"]
    if e.caption:
        out.append(_text(e.caption_line(), dpi))
    return out


def dots(inches: float, dpi: int) -> int:
    return round(inches * dpi)
