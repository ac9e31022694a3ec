from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pytest

from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.labels import LabelData, pdf, render_label, render_zpl
from shipstation_desktop.labels.code128 import encode
from shipstation_desktop.labels.model import weight_text
from shipstation_desktop.labels.pdf import render_pdf
from shipstation_desktop.labels.zpl import measure as zpl_measure

TRACKING = "1Z999AA10123456784"
FIELD = re.compile(rb"\^FD(.*?)\^FS", re.S)
LONG = "1234 North Longstreet Avenue, Building C, Suite 5678, Attention Receiving Dock " * 3


def label(**changes: object) -> LabelData:
    data = LabelData(
        carrier="UPS",
        service="Ground",
        tracking_number=TRACKING,
        reference="ORD-1001",
        weight=Weight.of("2.5", WeightUnit.LB),
        ship_from=PostalAddress("Acme Warehouse", "1 Main St", "Austin", "78701", "US", state="TX"),
        ship_to=PostalAddress("Jane Doe", "42 Elm St", "Springfield", "62704", "US", state="IL"),
        date=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        tracking_url=f"https://www.ups.com/track?tracknum={TRACKING}",
    )
    return replace(data, **changes)  # type: ignore[arg-type]


# -- ZPL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("dpi", "width", "length"), [(203, 812, 1218), (300, 1200, 1800)])
def test_zpl_page_size_matches_dpi(dpi: int, width: int, length: int) -> None:
    zpl = render_zpl(label(), dpi)
    assert zpl.startswith(b"^XA")
    assert zpl.rstrip().endswith(b"^XZ")
    assert b"^CI28" in zpl
    assert f"^PW{width}".encode() in zpl
    assert f"^LL{length}".encode() in zpl


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_barcode_carries_the_tracking_number_inside_the_label(dpi: int) -> None:
    zpl = render_zpl(label(), dpi).decode()
    m = re.search(r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^BCN,(\d+),N,N,N,N\^FD([^^]*)\^FS", zpl)
    assert m is not None
    x, y, module, _, height, data = m.groups()
    symbol = encode(TRACKING)
    assert data == symbol.zpl_data == ">:1Z999AA1>50123456784"
    width = symbol.modules * int(module)
    quiet = 10 * int(module)
    assert int(x) - quiet >= 0
    assert int(x) + width + quiet <= 4 * dpi
    assert int(y) + int(height) < 6 * dpi
    assert int(module) >= 3  # >= 10 mil at both resolutions


def test_zpl_escapes_carets_and_tildes_in_user_text() -> None:
    sender = PostalAddress("Bob ^XZ ~JA_x", "1 Main St", "Austin", "78701", "US")
    zpl = render_zpl(label(ship_from=sender))
    fields = FIELD.findall(zpl)
    assert all(b"^" not in f and b"~" not in f for f in fields)
    assert b"^FH_^FDBob _5EXZ _7EJA_5Fx^FS" in zpl
    assert zpl.count(b"^XA") == 1
    assert zpl.count(b"^XZ") == 1


def test_zpl_keeps_font0_text_as_utf8_and_draws_the_rest() -> None:
    to = PostalAddress("Zoë Łukasz", "Straße 5", "Kraków", "30-001", "PL")
    zpl = render_zpl(label(ship_to=to))
    for text in ("Straße 5", "Kraków 30-001"):
        assert text.encode("utf-8") in zpl  # font 0 draws these: UTF-8 under ^CI28
    assert "Łukasz".encode() not in zpl  # Ł is not in font 0: that line goes as a graphic
    assert zpl.count(b"^GFA,") == 1


def test_zpl_shrinks_then_truncates_overlong_lines() -> None:
    to = PostalAddress("Jane Doe", LONG * 4, "Springfield", "62704", "US")
    zpl = render_zpl(label(ship_to=to)).decode()
    m = re.search(r"\^FO(\d+),\d+\^A0N,(\d+),\d+\^FH_\^FD(1234 North[^^]*)\^FS", zpl)
    assert m is not None
    x, h, text = int(m.group(1)), int(m.group(2)), m.group(3)
    assert text.endswith("...")
    assert h < 41  # shrunk from the 0.2 in recipient font
    assert x + zpl_measure(text, h, False) <= 812 - 30


def test_zpl_wraps_a_long_line_when_there_is_room() -> None:
    street = "1234 North Longstreet Avenue Building C Suite 5678"
    zpl = render_zpl(label(ship_to=PostalAddress("Jane Doe", street, "Springfield", "62704", "US"))).decode()
    fields = re.findall(r"\^FD([^^]*)\^FS", zpl)
    assert not any(f.endswith("...") for f in fields)
    assert "".join(f for f in fields if f.split()[0] in street.split()).replace(" ", "") == street.replace(" ", "")


def test_zpl_rejects_unknown_dpi() -> None:
    with pytest.raises(ValueError):
        render_zpl(label(), 600)


def test_tracking_numbers_that_cannot_be_barcoded_are_refused() -> None:
    for bad in ("", "ABC^XZ", "ABC~", "ABC>;", "ÄBC"):
        with pytest.raises(ValueError):
            label(tracking_number=bad)


def test_code128_width() -> None:
    assert encode("ABC").modules == 11 * 5 + 13  # start, 3 data, check + stop
    assert encode("1234").modules == 11 * 4 + 13  # start C, two pairs, check + stop


def test_weight_text() -> None:
    assert weight_text(Weight.of("2.5", WeightUnit.LB)) == "2 lb 8.0 oz"
    assert weight_text(Weight.of("1.2345", WeightUnit.KG)) == "1.23 kg"
    assert weight_text(Weight.of(250, WeightUnit.G)) == "250 g"


# -- PDF ------------------------------------------------------------------------------------------


def pdf_text_and_boxes(pdf: bytes) -> tuple[str, list[tuple[float, float, float, float]], tuple[float, float]]:
    doc = pdfium.PdfDocument(pdf)
    try:
        assert len(doc) == 1
        page = doc[0]
        size = page.get_size()
        textpage = page.get_textpage()
        n = textpage.count_chars()
        text = textpage.get_text_range()
        boxes = [textpage.get_charbox(i) for i in range(n)]
        textpage.close()
        page.close()
    finally:
        doc.close()
    return text, boxes, size


def test_pdf_is_one_4x6_page() -> None:
    pdf = render_pdf(label())
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/MediaBox \[\s*0 0 288 432\s*\]", pdf)
    text, _, size = pdf_text_and_boxes(pdf)
    assert size == (288, 432)
    for part in (TRACKING, "UPS GROUND", "REF: ORD-1001", "Jane Doe", "2026-01-05", "2 lb 8.0 oz"):
        assert part in text


def test_pdf_is_deterministic() -> None:
    assert render_pdf(label()) == render_pdf(label())
    assert render_pdf(label()) != render_pdf(label(reference="ORD-1002"))


def test_pdf_overlong_address_stays_on_the_page() -> None:
    to = PostalAddress(LONG, LONG, LONG, "62704", "US", company=LONG)
    pdf = render_pdf(label(ship_to=to, ship_from=to, carrier=LONG, reference=LONG))
    text, boxes, _ = pdf_text_and_boxes(pdf)
    assert "…" in text
    for left, bottom, right, top in boxes:
        assert left >= 0 and right <= 288 and bottom >= 0 and top <= 432


def test_pdf_non_ascii_names_render() -> None:
    to = PostalAddress("Zoë Łukasz", "Straße 5", "Kraków", "30-001", "PL")
    text, _, _ = pdf_text_and_boxes(render_pdf(label(ship_to=to)))
    # With a TrueType font found (DejaVu on this machine) the text survives; Helvetica would fold it.
    assert "Zoë" in text
    assert ("Łukasz" in text) or ("?ukasz" in text)


def test_pdf_without_a_truetype_font_falls_back_to_helvetica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_fonts", pdf.PdfFonts("Helvetica", "Helvetica-Bold", None))
    to = PostalAddress("Zoë Łukasz 中文", "Straße 5", "Győr", "9021", "HU")
    out = render_pdf(label(ship_to=to))
    assert b"/Helvetica" in out
    text, _, _ = pdf_text_and_boxes(out)
    # cp1252 keeps ë and ß; ő (not in cp1252) loses its accent; what is left becomes "?".
    assert "Zoë ?ukasz ??" in text
    assert "Straße 5" in text
    assert "Gyor" in text


def test_pdf_non_ascii_scripts_survive_in_the_text_layer() -> None:
    for name, city in (
        ("José Núñez", "Málaga"),
        ("Ștefan Țăranu", "Brașov"),
        ("Иван Петров", "Москва"),
        ("王小明", "北京市"),
    ):
        to = PostalAddress(name, "1 Main St", city, "10000", "DE")
        text, _, _ = pdf_text_and_boxes(render_pdf(label(ship_to=to)))
        assert name in text and city in text  # not folded to "?" or stripped of accents


def test_render_label_dispatches_on_format() -> None:
    assert render_label(label(), LabelFormat.ZPL, 300) == render_zpl(label(), 300)
    assert render_label(label(), LabelFormat.PDF).startswith(b"%PDF")
