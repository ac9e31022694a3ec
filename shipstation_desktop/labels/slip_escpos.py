"""The packing slip as ESC/POS bytes for a receipt printer, built with python-escpos.

The commands are collected by python-escpos's Dummy printer, so rendering needs no printer and the
bytes can be queued, logged and re-sent like any other print job. Text in the printer's code pages
goes as text (python-escpos picks the code page per character); a line the printer has no code
page for (Chinese, Romanian ș, …) is drawn with the bundled fonts and sent as a raster image.
"""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

from shipstation_desktop.labels.layout import clean
from shipstation_desktop.labels.model import date_text
from shipstation_desktop.labels.slip import SlipData

if TYPE_CHECKING:
    from escpos.printer import Dummy
    from PIL.Image import Image

DEFAULT_COLUMNS = 42  # font A on 80 mm paper (Epson TM-T88 and most clones)
DEFAULT_DOTS = 512  # printable width of 80 mm paper at 180-203 dpi
# The code pages every common receipt printer has: a character outside all of them is drawn instead.
_CODE_PAGES = ("cp437", "cp850", "cp852", "cp858", "cp866", "cp1252")


def text_printable(text: str) -> bool:
    """Whether every character has a code page on an ordinary receipt printer."""
    return all(any(_encodes(char, page) for page in _CODE_PAGES) for char in text)


def _encodes(char: str, page: str) -> bool:
    try:
        char.encode(page)
    except UnicodeEncodeError:
        return False
    return True


def render_slip_escpos(
    slip: SlipData, *, columns: int = DEFAULT_COLUMNS, dots: int = DEFAULT_DOTS, cut: bool = True
) -> bytes:
    # python-escpos print()s remarks ("Using hardware barcode renderer"); keep them off our stdout,
    # where the CLI's JSON goes.
    with contextlib.redirect_stdout(io.StringIO()):
        return _render(slip, columns, dots, cut)


def _render(slip: SlipData, columns: int, dots: int, cut: bool) -> bytes:
    from escpos.printer import Dummy

    p = Dummy()
    p.hw("INIT")
    p.set(align="center", bold=True, double_height=True, double_width=True)
    _line(p, "PACKING SLIP", columns // 2, dots)
    p.set_with_default(align="center")
    p.barcode(_barcode_data(slip.order_number), "CODE128", height=60, width=2, pos="BELOW", function_type="B")
    p.set_with_default()
    _line(p, f"Order {slip.order_number}   {date_text(slip.order_date)}", columns, dots)
    p.textln("-" * columns)
    p.set(bold=True)
    _line(p, "Ship to:", columns, dots)
    p.set_with_default()
    for line in slip.ship_to.lines():
        _line(p, line, columns, dots)
    if slip.tracking_number:
        _line(p, f"{slip.service} {slip.tracking_number}".strip(), columns, dots)
    p.textln("-" * columns)
    p.set(bold=True)
    _line(p, f"{'QTY':>4}  ITEM", columns, dots)
    p.set_with_default()
    for item in slip.lines:
        name = clean(f"{item.name} ({item.sku})" if item.sku else item.name)
        rows = _wrap(name, columns - 6)
        _line(p, f"{item.quantity:>4}  {rows[0]}", columns, dots)
        for row in rows[1:]:
            _line(p, f"      {row}", columns, dots)
    p.textln("-" * columns)
    count = len(slip.lines)
    _line(p, f"{count} line{'s' if count != 1 else ''}, {slip.total_quantity} items", columns, dots)
    if slip.note:
        for row in _wrap(clean(slip.note), columns):
            _line(p, row, columns, dots)
    if cut:
        p.cut()
    return bytes(p.output)


def _barcode_data(order_number: str) -> str:
    """CODE128 in ESC/POS needs its code set prefix; {B is printable ASCII."""
    return "{B" + "".join(c for c in order_number if " " <= c <= "~" and c != "{")


def _line(p: Dummy, text: str, columns: int, dots: int) -> None:
    text = clean(text)
    if text_printable(text):
        p.textln(text[:columns])
    else:
        p.image(_text_image(text, dots), center=False)


def _text_image(text: str, dots: int) -> Image:
    from PIL import Image, ImageOps

    from shipstation_desktop.labels import fit
    from shipstation_desktop.labels.zpl_graphics import text_bitmap, text_width

    def measure(t: str, size: float, bold: bool) -> float:
        return text_width(t, round(size), bold=bold)

    fitted, size = fit.fit_line(text, measure, 28, 18, dots, bold=False, step=1, ellipsis="…")
    ink = text_bitmap(fitted, round(size), bold=False)
    # python-escpos prints dark pixels: paper white, ink black.
    canvas = Image.new("L", (min(dots, ink.width), ink.height), 255)
    canvas.paste(ImageOps.invert(ink.convert("L")), (0, 0))
    return canvas


def _wrap(text: str, width: int) -> list[str]:
    words = text.split()
    rows: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:
            if current:
                rows.append(current)
                current = ""
            rows.append(word[:width])
            word = word[width:]
        if current and len(current) + 1 + len(word) > width:
            rows.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not rows:
        rows.append(current)
    return rows
