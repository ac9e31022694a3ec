"""The label's layout, once, in inches from the top-left corner; ZPL and PDF only draw it.

Keeping positions here (not in each renderer) is what makes the ZPL and PDF labels carry the
same blocks in the same places. Renderers do the fitting (shrink, then truncate) themselves,
because only they know how wide their fonts really are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipstation_desktop.labels.model import LabelData, date_text, weight_text

LABEL_WIDTH_IN = 4.0
LABEL_HEIGHT_IN = 6.0
MARGIN_IN = 0.15
CONTENT_WIDTH_IN = LABEL_WIDTH_IN - 2 * MARGIN_IN

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


@dataclass(frozen=True, slots=True)
class Box:
    """A filled black rectangle; rules are thin boxes."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Barcode:
    """Code 128 centred in [x, x + width], quiet zones included; readable text under the bars."""

    x: float
    y: float
    width: float
    bar_height: float
    data: str
    text_size: float


Element = Text | Box | Barcode


def clean(text: str) -> str:
    """One printable line: control characters (e.g. a pasted newline) become spaces."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def layout(data: LabelData) -> list[Element]:
    m, w = MARGIN_IN, CONTENT_WIDTH_IN
    out: list[Element] = []

    # Header: sender on the left, date and weight on the right.
    out.append(Text(m, 0.12, 2.35, 0.09, "FROM:", bold=True))
    for i, line in enumerate(_lines(data.ship_from.lines())):
        out.append(Text(m, 0.26 + i * 0.13, 2.35, 0.11, line, min_size=0.07))
    out.append(Text(2.65, 0.12, 1.2, 0.11, date_text(data.date)))
    out.append(Text(2.65, 0.30, 1.2, 0.16, weight_text(data.weight), bold=True))
    out.append(Box(m, 1.08, w, 0.02))

    # Recipient: the biggest text on the label, as sorters read it first.
    out.append(Text(m, 1.16, 1.5, 0.11, "SHIP TO:", bold=True))
    for i, line in enumerate(_lines(data.ship_to.lines())):
        out.append(Text(0.3, 1.34 + i * 0.24, 3.55, 0.2, line, min_size=0.1, bold=i == 0))
    out.append(Box(m, 2.85, w, 0.02))

    # Service banner, white on black.
    out.append(Box(m, 2.95, w, 0.5))
    banner = clean(f"{data.carrier} {data.service}").upper()
    out.append(Text(m + 0.1, 3.05, w - 0.2, 0.3, banner, min_size=0.12, bold=True, reverse=True))

    # Tracking barcode.
    out.append(Text(m, 3.55, 2.0, 0.11, "TRACKING #", bold=True))
    out.append(Barcode(m, 3.75, w, 1.0, data.tracking_number, text_size=0.14))
    out.append(Box(m, 5.1, w, 0.02))

    # Footer: order reference and where to track.
    out.append(Text(m, 5.2, w, 0.18, f"REF: {clean(data.reference)}", bold=True))
    if data.tracking_url:
        out.append(Text(m, 5.5, w, 0.1, clean(data.tracking_url), min_size=0.06))
    return out


def _lines(lines: list[str]) -> list[str]:
    return [c for c in (clean(line) for line in lines) if c]
