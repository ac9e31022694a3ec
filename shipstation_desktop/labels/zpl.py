"""The bench's own label in ZPL II, rendered for the printer's dpi (203 or 300)."""

from __future__ import annotations

import re

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

SUPPORTED_DPI = (203, 300)

# Font 0 has no metrics we can query; this is a slightly generous average advance per character
# height, so estimated lines err towards shrinking rather than running off the label.
_CHAR_WIDTH_PER_HEIGHT = 0.62
_QUIET_MODULES = 10  # Code 128 needs 10 blank modules each side
_TARGET_MODULE_IN = 0.0135  # ~13.5 mil bars scan well on thermal labels
_ELLIPSIS = "..."  # ASCII: font 0 may lack "…"
_DIGIT_RUNS = re.compile(r"\d+|\D+")
# ^FH turns _XX into the byte 0xXX; escaping the indicator itself keeps user "_" literal.
_FH_ESCAPES = str.maketrans({"_": "_5F", "^": "_5E", "~": "_7E"})


def render_zpl(data: LabelData, dpi: int = 203) -> bytes:
    """The label as one ^XA…^XZ format, UTF-8 (^CI28)."""
    if dpi not in SUPPORTED_DPI:
        raise ValueError(f"dpi must be one of {SUPPORTED_DPI}, got {dpi}")
    width, height = _dots(LABEL_WIDTH_IN, dpi), _dots(LABEL_HEIGHT_IN, dpi)
    cmds = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^LH0,0"]
    cmds.extend(_element(e, dpi) for e in layout(data))
    cmds.append("^XZ")
    return ("\n".join(cmds) + "\n").encode("utf-8")


def fit_text(text: str, height: int, min_height: int, width: int) -> tuple[str, int]:
    """Shrink the font height (dots) until the line fits `width`; truncate if still too long."""
    h = height
    while h > min_height and _text_width(text, h) > width:
        h -= 1
    if _text_width(text, h) <= width:
        return text, h
    keep = max(0, int(width / (h * _CHAR_WIDTH_PER_HEIGHT)) - len(_ELLIPSIS))
    return text[:keep].rstrip() + _ELLIPSIS, h


def code128_modules(data: str) -> int:
    """An upper bound of the symbol width in modules, as a Code 128 auto-mode encoder packs it.

    Runs of 4+ digits go to subset C (two digits per symbol, one switch in and one out, an odd
    digit left in B); every other character is one symbol. Start and check are 11 modules each,
    stop is 13.
    """
    symbols = 0
    for run in _DIGIT_RUNS.findall(data):
        if run.isdigit() and len(run) >= 4:
            symbols += len(run) // 2 + len(run) % 2 + 2
        else:
            symbols += len(run)
    return 11 * (symbols + 2) + 13


def escape_field(text: str) -> str:
    """Field data safe for ^FH: ^ and ~ would otherwise start a ZPL command mid-text."""
    return text.translate(_FH_ESCAPES)


def _element(e: Element, dpi: int) -> str:
    if isinstance(e, Text):
        return _text(e, dpi)
    if isinstance(e, Box):
        w, h = max(1, _dots(e.width, dpi)), max(1, _dots(e.height, dpi))
        return f"^FO{_dots(e.x, dpi)},{_dots(e.y, dpi)}^GB{w},{h},{min(w, h)}^FS"
    return _barcode(e, dpi)


def _text(e: Text, dpi: int) -> str:
    text, h = fit_text(e.text, _dots(e.size, dpi), _dots(e.min_size, dpi), _dots(e.width, dpi))
    reverse = "^FR" if e.reverse else ""
    # Font 0 has no bold variant; it is already a heavy face, so `bold` needs nothing here.
    return f"^FO{_dots(e.x, dpi)},{_dots(e.y, dpi)}^A0N,{h},{h}{reverse}^FH_^FD{escape_field(text)}^FS"


def _barcode(e: Barcode, dpi: int) -> str:
    region = _dots(e.width, dpi)
    modules = code128_modules(e.data)
    module = max(1, round(dpi * _TARGET_MODULE_IN))
    while module > 1 and (modules + 2 * _QUIET_MODULES) * module > region:
        module -= 1
    if (modules + 2 * _QUIET_MODULES) * module > region:
        raise ValueError(f"tracking number {e.data!r} is too long for a barcode on this label")
    x = _dots(e.x, dpi) + (region - modules * module) // 2
    bar_height = _dots(e.bar_height, dpi)
    # ^BC: interpretation line below (Y), not above (N), no UCC check digit, automatic subsets (A).
    return f"^FO{x},{_dots(e.y, dpi)}^BY{module},3,{bar_height}^BCN,{bar_height},Y,N,N,A^FD{e.data}^FS"


def _dots(inches: float, dpi: int) -> int:
    return round(inches * dpi)


def _text_width(text: str, height: int) -> float:
    return len(text) * height * _CHAR_WIDTH_PER_HEIGHT
