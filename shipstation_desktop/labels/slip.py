"""The packing slip: what is in the box, for the customer and for the packer's own check.

It carries the order number as a Code 128 barcode, so scanning the slip at the bench opens the
order. `render_slip_pdf` flows the order lines over as many pages as they need (4x6 in by default,
letter or A4 for office printers); labels/slip_escpos.py prints the same slip on a receipt printer.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from shipstation_desktop.domain.models import Order, PostalAddress
from shipstation_desktop.labels import code128, fit
from shipstation_desktop.labels.layout import clean
from shipstation_desktop.labels.model import date_text

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

    from shipstation_desktop.labels.pdf import PdfFonts

PAGE_SIZES_PT = {"4x6": (288.0, 432.0), "letter": (612.0, 792.0), "a4": (595.28, 841.89)}


@dataclass(frozen=True, slots=True)
class SlipLine:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class SlipData:
    order_number: str
    order_date: datetime
    ship_to: PostalAddress
    ship_from: PostalAddress
    lines: tuple[SlipLine, ...] = field(default=())
    tracking_number: str = ""
    service: str = ""  # "Simulated Carrier Ground", shown when the label is already bought
    note: str = ""

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @classmethod
    def from_order(
        cls, order: Order, ship_from: PostalAddress, tracking_number: str = "", service: str = ""
    ) -> SlipData:
        return cls(
            order_number=order.order_number,
            order_date=order.created_at,
            ship_to=order.ship_to,
            ship_from=ship_from,
            lines=tuple(SlipLine(line.sku, line.name, line.quantity) for line in order.lines),
            tracking_number=tracking_number,
            service=service,
        )


def render_slip_pdf(slip: SlipData, page: str = "4x6") -> bytes:
    """The slip as a PDF; deterministic for identical input."""
    from reportlab.pdfgen.canvas import Canvas

    from shipstation_desktop.labels import pdf as label_pdf

    if page not in PAGE_SIZES_PT:
        raise ValueError(f"page must be one of {', '.join(PAGE_SIZES_PT)}, got {page!r}")
    width, height = PAGE_SIZES_PT[page]
    fonts_ = label_pdf.label_fonts()
    measure = label_pdf.measurer(fonts_)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(f"Packing slip {slip.order_number}")
    canvas.setCreator("ShipStation Desktop")
    writer = _Writer(canvas, width, height, fonts_, measure, slip)
    writer.header()
    writer.items()
    writer.finish()
    canvas.save()
    return buf.getvalue()


class _Writer:
    """Draws top to bottom, starting a new page (with a short header) when the next row won't fit."""

    def __init__(self, canvas: Canvas, width: float, height: float, f: PdfFonts, measure: fit.Measure, slip: SlipData):
        self.c = canvas
        self.w, self.h = width, height
        self.f = f
        self.measure = measure
        self.slip = slip
        self.margin = 14.0 if width < 400 else 40.0
        self.scale = 1.0 if width < 400 else 1.4  # bigger type on a full sheet
        self.y = height - self.margin
        self.page = 1

    # -- primitives --------------------------------------------------------------------------------

    def text(self, x: float, text: str, size: float, width: float, *, bold: bool = False) -> None:
        from shipstation_desktop.labels import pdf as label_pdf

        f = self.f
        line, s = fit.fit_line(
            label_pdf.drawable(clean(text), f), self.measure, size, size * 0.7, width, bold=bold, step=0.5, ellipsis="…"
        )
        label_pdf.draw_runs(self.c, x, self.y - s * 0.8, line, s, bold, f, (0.0, 0.0, 0.0))

    def wrapped(self, x: float, text: str, size: float, width: float, *, bold: bool = False) -> int:
        """Draws `text` wrapped into `width`; returns the rows used (the caller moves `y`)."""
        from shipstation_desktop.labels import pdf as label_pdf

        f = self.f
        rows = fit.wrap_rows(label_pdf.drawable(clean(text), f), self.measure, size, width, 3, bold=bold, ellipsis="…")
        for i, row in enumerate(rows):
            label_pdf.draw_runs(
                self.c, x, self.y - i * size * fit.LEADING - size * 0.8, row, size, bold, f, (0.0, 0.0, 0.0)
            )
        return len(rows)

    def rule(self, thickness: float = 0.8) -> None:
        self.c.rect(self.margin, self.y - thickness, self.w - 2 * self.margin, thickness, stroke=0, fill=1)
        self.y -= thickness + 4

    # -- sections ----------------------------------------------------------------------------------

    def header(self) -> None:
        s, m, slip = self.scale, self.margin, self.slip
        inner = self.w - 2 * m
        self.text(m, "PACKING SLIP", 14 * s, inner * 0.55, bold=True)
        self.text(m + inner * 0.55, f"Order {slip.order_number}", 10 * s, inner * 0.45, bold=True)
        self.y -= 18 * s
        self.text(m + inner * 0.55, f"Ordered {date_text(slip.order_date)}", 8 * s, inner * 0.45)
        self.y -= 12 * s
        self._barcode(slip.order_number, 30 * s)
        self.rule()
        top = self.y
        half = inner / 2 - 4
        self.text(m, "SHIP TO", 7 * s, half, bold=True)
        self.y -= 9 * s
        for i, line in enumerate(slip.ship_to.lines()):
            self.text(m, line, 8.5 * s, half, bold=i == 0)
            self.y -= 10.5 * s
        left_bottom = self.y
        self.y = top
        self.text(m + half + 8, "FROM", 7 * s, half, bold=True)
        self.y -= 9 * s
        for line in slip.ship_from.lines():
            self.text(m + half + 8, line, 7.5 * s, half)
            self.y -= 9.5 * s
        if slip.tracking_number:
            self.text(m + half + 8, f"{slip.service} {slip.tracking_number}".strip(), 7.5 * s, half, bold=True)
            self.y -= 9.5 * s
        self.y = min(self.y, left_bottom) - 2
        self.rule()
        self._columns()

    def _columns(self) -> None:
        s, m = self.scale, self.margin
        inner = self.w - 2 * m
        self.text(m, "QTY", 7 * s, 24 * s, bold=True)
        self.text(m + 28 * s, "SKU", 7 * s, inner * 0.3, bold=True)
        self.text(m + 28 * s + inner * 0.3, "ITEM", 7 * s, inner * 0.6, bold=True)
        self.y -= 10 * s

    def items(self) -> None:
        s, m = self.scale, self.margin
        inner = self.w - 2 * m
        name_x = m + 28 * s + inner * 0.3
        name_w = self.w - m - name_x
        row_h = 8.5 * s * fit.LEADING
        for line in self.slip.lines:
            if self.y - 3 * row_h < self.margin + 16 * s:
                self._new_page()
            self.text(m, str(line.quantity), 8.5 * s, 24 * s, bold=True)
            self.text(m + 28 * s, line.sku, 8 * s, inner * 0.3 - 4)
            rows = self.wrapped(name_x, line.name, 8.5 * s, name_w)
            self.y -= rows * row_h + 2

    def finish(self) -> None:
        s, m = self.scale, self.margin
        self.y -= 2
        self.rule(0.5)
        count = len(self.slip.lines)
        items = self.slip.total_quantity
        total = f"{count} line{'s' if count != 1 else ''}, {items} item{'s' if items != 1 else ''}"
        self.text(m, total, 8 * s, self.w - 2 * m, bold=True)
        self.y -= 11 * s
        if self.slip.note:
            self.wrapped(m, self.slip.note, 8 * s, self.w - 2 * m)
        self._footer()
        self.c.showPage()

    def _new_page(self) -> None:
        self._footer()
        self.c.showPage()
        self.page += 1
        self.y = self.h - self.margin
        self.text(
            self.margin,
            f"Order {self.slip.order_number} (continued)",
            9 * self.scale,
            self.w - 2 * self.margin,
            bold=True,
        )
        self.y -= 14 * self.scale
        self._columns()

    def _footer(self) -> None:
        keep = self.y
        self.y = self.margin + 8 * self.scale
        self.text(self.margin, f"Page {self.page}", 6.5 * self.scale, self.w - 2 * self.margin)
        self.y = keep

    def _barcode(self, data: str, bar_height: float) -> None:
        try:
            symbol = code128.encode(data)
        except ValueError:
            return  # an order number a barcode cannot carry: the printed number still identifies it
        inner = self.w - 2 * self.margin
        module = min(1.0, inner / (symbol.modules + 2 * code128.QUIET_MODULES))
        x0 = self.margin + code128.QUIET_MODULES * module
        bottom = self.y - bar_height
        for offset, width in symbol.bars:
            self.c.rect(x0 + offset * module, bottom, width * module, bar_height, stroke=0, fill=1)
        self.y = bottom - 6
