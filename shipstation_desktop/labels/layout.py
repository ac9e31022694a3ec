"""The label's layout, once, in inches from the top-left corner; ZPL and PDF only draw it.

Keeping positions here (not in each renderer) is what makes the ZPL and PDF labels carry the
same blocks in the same places. Renderers do the fitting (shrink, wrap, truncate: labels/fit.py)
with their own font metrics, inside the boxes given here, so nothing runs off the label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipstation_desktop.labels import code128
from shipstation_desktop.labels.code128 import Symbol
from shipstation_desktop.labels.model import LabelData, date_text, weight_text

LABEL_WIDTH_IN = 4.0
LABEL_HEIGHT_IN = 6.0
MARGIN_IN = 0.15
CONTENT_WIDTH_IN = LABEL_WIDTH_IN - 2 * MARGIN_IN
# Barcodes may use more of the width than text: their quiet zones are white anyway, and they only
# have to stay on the label (the renderers check that, at the printer's dot pitch).
BARCODE_EDGE_IN = 0.05

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; `size` is the character height; `y` is the top of the line."""

    x: float
    y: float
    width: float  # the text must end within x + width
    size: float
    text: str
    min_size: float = 0.08  # shrink no further than this, truncate instead
    bold: bool = False
    reverse: bool = False  # white on a filled Box
    centre: bool = False  # centred in [x, x + width]


@dataclass(frozen=True, slots=True)
class Block:
    """Several lines in a box: shrink, then wrap long lines, never past `height`."""

    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    size: float
    min_size: float
    bold_first: bool = False


@dataclass(frozen=True, slots=True)
class Box:
    """A filled black rectangle; rules are thin boxes."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Barcode:
    """A linear symbol centred in [x, x + width] with its quiet zones; `caption` printed under it."""

    x: float
    y: float
    width: float
    bar_height: float
    symbol: Symbol
    caption: str
    text_size: float
    target_module_in: float  # the module wanted; renderers step down to fit the width at their dpi

    def caption_line(self) -> Text:
        """The human-readable line under the bars, centred on them."""
        return Text(
            self.x,
            self.y + self.bar_height + 0.03,
            self.width,
            self.text_size,
            self.caption,
            self.text_size * 0.6,
            centre=True,
        )


Element = Text | Block | Box | Barcode

# 1/60 in (16.7 mil): 5 dots at 300 dpi, 3.4 (printed as 3) at 203 dpi; comfortably above the
# 10 mil that carriers' sorters accept, with room to step down for long numbers.
TRACKING_MODULE_IN = 1 / 60


def clean(text: str) -> str:
    """One printable line: control characters (e.g. a pasted newline) become spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def layout(data: LabelData) -> list[Element]:
    m, w = MARGIN_IN, CONTENT_WIDTH_IN
    out: list[Element] = []

    # Header: sender on the left, date and weight on the right.
    out.append(Text(m, 0.12, 2.35, 0.09, "FROM:", bold=True))
    out.append(Block(m, 0.26, 2.4, 0.78, _lines(data.ship_from.lines()), 0.11, 0.07))
    out.append(Text(2.65, 0.12, 1.2, 0.11, date_text(data.date)))
    out.append(Text(2.65, 0.30, 1.2, 0.16, weight_text(data.weight), bold=True))
    out.append(Box(m, 1.08, w, 0.02))

    # Recipient: the biggest text on the label, as sorters read it first.
    out.append(Text(m, 1.16, 1.5, 0.11, "SHIP TO:", bold=True))
    out.append(Block(0.3, 1.34, 3.55, 1.44, _lines(data.ship_to.lines()), 0.2, 0.1, bold_first=True))
    out.append(Box(m, 2.85, w, 0.02))

    # Service banner, white on black.
    out.append(Box(m, 2.95, w, 0.5))
    banner = clean(f"{data.carrier} {data.service}").upper()
    out.append(Text(m + 0.1, 3.05, w - 0.2, 0.3, banner, min_size=0.12, bold=True, reverse=True))

    edge = BARCODE_EDGE_IN
    full = LABEL_WIDTH_IN - 2 * edge
    tracking = code128.encode(data.barcode_data)
    impb = data.impb()
    if impb is not None:
        # USPS: the IMpb is the barcode USPS sorts and scans; the plain Code 128 of the same number
        # follows for in-house scanners that are not set up for GS1.
        out.append(Text(m, 3.52, w, 0.11, "USPS TRACKING # ", bold=True, centre=True))
        out.append(Barcode(edge, 3.68, full, 0.75, impb, data.tracking_text, 0.14, TRACKING_MODULE_IN))
        out.append(Barcode(edge, 4.72, full, 0.42, tracking, "", 0.0, TRACKING_MODULE_IN))
        footer = 5.25
    else:
        out.append(Text(m, 3.55, 2.0, 0.11, "TRACKING #", bold=True))
        out.append(Barcode(edge, 3.75, full, 1.0, tracking, data.tracking_text, 0.14, TRACKING_MODULE_IN))
        footer = 5.1
    out.append(Box(m, footer, w, 0.02))

    # Footer: order reference and where to track.
    out.append(Text(m, footer + 0.08, w, 0.18, f"REF: {clean(data.reference)}", bold=True))
    if data.tracking_url:
        out.append(Text(m, footer + 0.36, w, 0.1, clean(data.tracking_url), min_size=0.06))
    if data.preview:
        below = footer + (0.5 if data.tracking_url else 0.36)
        out.append(Text(m, below, w, 0.13, "PREVIEW - NOT A SHIPPING LABEL", bold=True, centre=True))
    return out


def _lines(lines: list[str]) -> tuple[str, ...]:
    return tuple(c for c in (clean(line) for line in lines) if c)
