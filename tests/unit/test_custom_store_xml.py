"""The Custom Store XML writer on its own: CDATA splitting, characters XML cannot carry, numbers and
dates re-rendered from parsed values, and a streamed document that parses back to the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import defusedxml.ElementTree

from shipstation_desktop.hub.xml_export import (
    ExportOrder,
    cdata,
    clean_text,
    document,
    money,
    number,
    order_xml,
    ss_date,
)


def test_clean_text_removes_what_xml_1_0_forbids_only() -> None:
    assert clean_text("a\x00b\x01\x08\x0b\x0c\x1fc\ud800\udfff\ufffe\uffffd") == "abcd"
    kept = "tab\tnl\ncr\r é 📦 \u202e \u05e9 \x7f\x85"
    assert clean_text(kept) == kept
    assert clean_text(None) == ""


def test_cdata_splits_its_terminator() -> None:
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    root = defusedxml.ElementTree.fromstring(f"<x>{cdata('x]]>]]>y</x><z>')}</x>")
    assert root.text == "x]]>]]>y</x><z>"


def test_numbers_and_dates_are_re_rendered() -> None:
    assert money("59.8") == "59.80"
    assert money("<b>") == "0.00"
    assert money("NaN") == "0.00"
    assert number("500.000") == "500"
    assert number("1E+3") == "1000"
    assert number("2<script>") == "0"
    assert ss_date("2024-03-05T21:07:00+02:00") == "03/05/2024 19:07"
    assert ss_date(datetime(2024, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5)))) == "01/01/2025 04:59"
    assert ss_date("yesterday") == ""


def test_streamed_document_parses_back() -> None:
    order = ExportOrder(
        order={
            "id": "o-1",
            "order_number": "A&B]]>1",
            "status": "confirmed",
            "order_date": "2024-03-04T09:30:00+00:00",
            "total_amount": "10",
            "ship_to": {"name": "Zoë", "country": "Germany", "state": "Bayern", "phone": "030 901820"},
            "tax_amount": "1.9",
        },
        modified=datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
        customer=None,
        lines=[{"sku": " SKU-1 ", "name": "<i>", "quantity": 3, "unit_price": "2.5", "unit_weight_grams": "100.0"}],
        locations={"SKU-1": "B-7"},
    )
    chunks = list(document(2, [order_xml(order)] * 300))
    assert len(chunks) > 1  # written in pieces, not one buffer
    root = defusedxml.ElementTree.fromstring(b"".join(chunks))
    assert root.get("pages") == "2"
    assert len(root.findall("Order")) == 300
    first = root.find("Order")
    assert first is not None
    assert first.findtext("OrderNumber") == "A&B]]>1"
    assert first.findtext("TaxAmount") == "1.90"
    assert first.find("ShippingAmount") is None  # not carried by the order: not invented
    assert first.findtext("Customer/ShipTo/Country") == "DE"
    assert first.findtext("Customer/ShipTo/Phone") == "+4930901820"
    assert [
        first.findtext(f"Items/Item/{k}") for k in ("SKU", "Name", "Weight", "Quantity", "UnitPrice", "Location")
    ] == [
        "SKU-1",
        "<i>",
        "100",
        "3",
        "2.50",
        "B-7",
    ]
