"""Our labels scan: a real decoder (zxing-cpp) reads every barcode back from the rendered page.

PDF labels are rasterized by pdfium (pypdfium2) at a printer's resolution; ZPL labels by the tiny
interpreter in tests/zpl_render.py. Each barcode must decode to the tracking number (USPS: the IMpb
with AI 420 + ZIP, then the tracking number) and lie on the label with its quiet zones.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.labels import LabelData
from shipstation_desktop.labels.code128 import QUIET_MODULES
from shipstation_desktop.labels.pdf import render_pdf
from shipstation_desktop.labels.zpl import render_zpl
from tests.zpl_render import render, to_grey

UPS = "1Z999AA10123456784"
USPS = "9400111899223197428490"
LONG = "1234 North Longstreet Avenue, Building C, Suite 5678, Attention Receiving Dock " * 3

ADDRESSES = {
    "english": PostalAddress("Jane Doe", "42 Elm St", "Springfield", "62704", "US", state="IL"),
    "spanish": PostalAddress("José Núñez Peña", "Calle de Alcalá 42, 3º izq.", "Málaga", "29001", "ES"),
    "romanian": PostalAddress("Ștefan Țăranu", "Strada Mihai Eminescu 7", "Brașov", "500001", "RO"),
    "cyrillic": PostalAddress("Иван Петров", "ул. Ленина, д. 5, кв. 12", "Москва", "101000", "RU"),
    "chinese": PostalAddress("王小明", "北京市朝阳区建国路88号SOHO现代城", "北京", "100022", "CN"),
    "overlong": PostalAddress(LONG, LONG, LONG, "62704", "US", state="IL", company=LONG),
}


def label(**changes: object) -> LabelData:
    data = LabelData(
        carrier="UPS",
        service="Ground",
        tracking_number=UPS,
        reference="ORD-1001",
        weight=Weight.of("2.5", WeightUnit.LB),
        ship_from=PostalAddress("Acme Warehouse", "1 Main St", "Austin", "78701", "US", state="TX"),
        ship_to=ADDRESSES["english"],
        date=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def usps(**changes: object) -> LabelData:
    to = PostalAddress("Jane Doe", "42 Elm St", "Springfield", "62704-1234", "US", state="IL")
    fields: dict[str, object] = {"carrier": "USPS", "service": "Priority Mail", "tracking_number": USPS, "ship_to": to}
    return label(**(fields | changes))


def rasterize_pdf(pdf: bytes, dpi: int) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        doc.close()
    return image


def decode(image: Image.Image, text_mode: zxingcpp.TextMode = zxingcpp.TextMode.Plain) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=text_mode)


def assert_inside(code: zxingcpp.Barcode, width: int, height: int, quiet: int) -> None:
    p = code.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    assert min(xs) - quiet >= 0 and max(xs) + quiet <= width, (xs, width, quiet)
    assert min(ys) >= 0 and max(ys) <= height


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("script", list(ADDRESSES))
def test_pdf_tracking_barcode_decodes_to_the_tracking_number(dpi: int, script: str) -> None:
    pdf = render_pdf(label(ship_to=ADDRESSES[script]), dpi)
    image = rasterize_pdf(pdf, dpi)
    assert abs(image.width - 4 * dpi) <= 1 and abs(image.height - 6 * dpi) <= 1  # pdfium rounds up
    codes = decode(image)
    assert [c.text for c in codes] == [UPS]
    assert_inside(codes[0], image.width, image.height, quiet=QUIET_MODULES * 3)


@pytest.mark.parametrize("dpi", [203, 300])
def test_pdf_usps_label_carries_the_impb_and_the_tracking_barcode(dpi: int) -> None:
    image = rasterize_pdf(render_pdf(usps(), dpi), dpi)
    codes = {c.symbology_identifier: c for c in decode(image)}
    assert set(codes) == {"]C1", "]C0"}  # GS1-128 (FNC1 first) and plain Code 128
    assert codes["]C1"].text == f"420627041234\x1d{USPS}"  # AI 420 + ZIP+4, FNC1, tracking number
    hri = decode(image, zxingcpp.TextMode.HRI)
    assert any(c.text.startswith("(420)627041234") for c in hri)
    assert codes["]C0"].text == USPS
    for code in codes.values():
        assert_inside(code, image.width, image.height, quiet=QUIET_MODULES * 3)


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("script", list(ADDRESSES))
def test_zpl_barcodes_decode_and_every_field_is_on_the_label(dpi: int, script: str) -> None:
    rendered = render(render_zpl(label(ship_to=ADDRESSES[script]), dpi))
    assert (rendered.width, rendered.length) == (4 * dpi, 6 * dpi)
    for f in rendered.fields:
        assert f.x >= 0 and f.y >= 0, f
        assert f.x + f.width <= rendered.width and f.y + f.height <= rendered.length, f
    [bar] = [f for f in rendered.fields if f.kind == "barcode"]
    assert bar.x - QUIET_MODULES * bar.module >= 0 and bar.x + bar.width + QUIET_MODULES * bar.module <= rendered.width
    assert [c.text for c in decode(to_grey(rendered))] == [UPS]


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_usps_impb_decodes(dpi: int) -> None:
    rendered = render(render_zpl(usps(), dpi))
    codes = {c.symbology_identifier: c.text for c in decode(to_grey(rendered))}
    assert codes == {"]C1": f"420627041234\x1d{USPS}", "]C0": USPS}


def test_non_latin_zpl_lines_are_graphics_that_stay_inside_their_box() -> None:
    rendered = render(render_zpl(label(ship_to=ADDRESSES["chinese"]), 203))
    graphics = [f for f in rendered.fields if f.kind == "graphic"]
    assert len(graphics) >= 2  # name and street are drawn; the ASCII postal code line is text
    for g in graphics:
        assert g.x + g.width <= 61 + round(3.55 * 203)


def test_usps_needs_a_usps_tracking_number_and_a_zip() -> None:
    with pytest.raises(ValueError, match="not a USPS tracking number"):
        usps(tracking_number=UPS)
    bad_zip = PostalAddress("Jane", "1 St", "Town", "ABCDE", "US", state="IL")
    with pytest.raises(ValueError, match="not a US ZIP"):
        label(carrier="USPS", tracking_number=USPS, ship_to=bad_zip)
    abroad = PostalAddress("Jane", "1 St", "Toronto", "M5V 2T6", "CA", state="ON")
    assert label(carrier="USPS", tracking_number=USPS, ship_to=abroad).impb() is None
