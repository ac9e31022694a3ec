"""Carrier PDF/PNG labels made printable on ZPL printers, and the packing slip in PDF and ESC/POS."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from reportlab.pdfgen.canvas import Canvas

from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.labels import raster
from shipstation_desktop.labels.code128 import encode
from shipstation_desktop.labels.slip import SlipData, SlipLine, render_slip_pdf
from shipstation_desktop.labels.slip_escpos import render_slip_escpos, text_printable
from tests.unit.test_code128 import draw
from tests.zpl_render import render, to_grey

TRACKING = "1Z999AA10123456784"


def carrier_pdf(width_in: float, height_in: float) -> bytes:
    """A stand-in carrier label: one Code 128 at 13.3 mil near the top-left of the page."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width_in * 72, height_in * 72))
    symbol = encode(TRACKING)
    module = 72 * 4 / 300
    top = height_in * 72 - 36
    for offset, width in symbol.bars:
        canvas.rect(36 + offset * module, top - 70, width * module, 70, stroke=0, fill=1)
    canvas.drawString(36, top - 90, "CARRIER LABEL")
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


@pytest.mark.parametrize("dpi", [203, 300])
def test_a_4x6_carrier_pdf_becomes_one_graphic_at_the_printer_dpi(dpi: int) -> None:
    zpl = raster.pdf_to_zpl(carrier_pdf(4, 6), dpi)
    rendered = render(zpl)
    assert (rendered.width, rendered.length) == (4 * dpi, 6 * dpi)
    [graphic] = rendered.fields
    assert graphic.kind == "graphic" and graphic.x == 0 and graphic.y == 0
    assert [c.text for c in zxingcpp.read_barcodes(to_grey(rendered))] == [TRACKING]


def test_a_label_on_a_letter_sheet_is_cropped_not_cut_off() -> None:
    rendered = render(raster.pdf_to_zpl(carrier_pdf(8.5, 11), 203))
    [graphic] = rendered.fields
    assert graphic.width <= 812 and graphic.height <= 1218
    assert [c.text for c in zxingcpp.read_barcodes(to_grey(rendered))] == [TRACKING]


def test_a_carrier_png_is_scaled_by_its_dpi_and_placed_on_the_label() -> None:
    image = draw(encode(TRACKING), module=4, height=200).convert("RGB")  # drawn at 300 dpi
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(300, 300))
    rendered = render(raster.png_to_zpl(buf.getvalue(), 300))
    [graphic] = rendered.fields
    assert (graphic.width, graphic.height) == ((image.width + 7) // 8 * 8, image.height)
    assert [c.text for c in zxingcpp.read_barcodes(to_grey(rendered))] == [TRACKING]
    pdf = raster.png_to_pdf(buf.getvalue())
    doc = pdfium.PdfDocument(pdf)
    assert doc[0].get_size() == (288, 432)
    doc.close()


def test_unreadable_carrier_files_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be read"):
        raster.pdf_to_zpl(b"%PDF-garbage", 203)
    with pytest.raises(ValueError, match="cannot be read"):
        raster.png_to_zpl(b"\x89PNG nope", 203)


def slip(lines: int = 3, to: PostalAddress | None = None) -> SlipData:
    return SlipData(
        order_number="SO-10002",
        order_date=datetime(2026, 1, 5, tzinfo=UTC),
        ship_to=to or PostalAddress("Jane Doe", "42 Elm St", "Springfield", "62704", "US", state="IL"),
        ship_from=PostalAddress("Demo Warehouse", "500 Industrial Way", "Reno", "89502", "US", state="NV"),
        lines=tuple(
            SlipLine(f"SKU-{i}", f"Widget {i} " + "with a long descriptive name " * (i % 3), i + 1)
            for i in range(lines)
        ),
    )


def test_slip_pdf_lists_every_line_and_carries_the_order_barcode() -> None:
    pdf = render_slip_pdf(slip(40, PostalAddress("王小明", "建国路88号", "北京", "100022", "CN")))
    doc = pdfium.PdfDocument(pdf)
    try:
        assert len(doc) >= 2  # 40 lines do not fit one 4x6 page
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        image = doc[0].render(scale=300 / 72).to_pil().convert("L")
    finally:
        doc.close()
    for i in range(40):
        assert f"SKU-{i}" in text
    assert "王小明" in text and "40 lines, 820 items" in text
    assert "SO-10002" in [c.text for c in zxingcpp.read_barcodes(image)]


def test_slip_page_sizes() -> None:
    for page, size in (("letter", (612, 792)), ("a4", (595, 842))):
        doc = pdfium.PdfDocument(render_slip_pdf(slip(), page))
        assert tuple(round(v) for v in doc[0].get_size()) == size
        doc.close()
    with pytest.raises(ValueError):
        render_slip_pdf(slip(), "legal")


def test_slip_escpos_has_text_and_draws_what_has_no_code_page(capsys: pytest.CaptureFixture[str]) -> None:
    plain = render_slip_escpos(slip())
    assert plain.startswith(b"\x1b@")  # ESC @ initialises the printer
    assert b"PACKING SLIP" in plain and b"SKU-1" in plain and b"Jane Doe" in plain
    assert plain.rstrip().endswith(b"\x1dV\x00")  # full cut
    cjk = render_slip_escpos(slip(to=PostalAddress("王小明", "建国路88号", "北京", "100022", "CN")))
    assert b"\x1dv0" in cjk  # GS v 0: a raster image for the lines no code page has
    assert capsys.readouterr().out == ""  # python-escpos chatter stays off stdout
    assert text_printable("José Núñez Москва") and not text_printable("王小明")
