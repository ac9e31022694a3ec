"""What an erasure writes, and how the center tells an erasure from an edit (domain/privacy.py)."""

from __future__ import annotations

from typing import Any

from shipstation_desktop.domain import privacy
from shipstation_desktop.sync import rules

CID = "01a20a96-e4a3-700f-b5ed-f4e65dce7dbe"
SHIP_TO = {
    "name": "Ana Ruiz",
    "company": "Ruiz SL",
    "line1": "Calle Mayor 1",
    "line2": "2B",
    "city": "Madrid",
    "state": "M",
    "postal_code": "28013",
    "country": "ES",
    "phone": "+34600000000",
    "email": "ana@example.com",
    "residential": True,
}


def test_erased_values_are_recognizable_and_unique_per_record() -> None:
    assert privacy.short_id(CID) == "5dce7dbe"
    assert privacy.erased_name(CID) == "Erased customer 5dce7dbe"
    assert privacy.erased_email(CID) == f"erased-{CID}@invalid"
    assert privacy.is_erased_email(privacy.erased_email(CID))
    assert not privacy.is_erased_email("erased-but-real@example.com")
    assert privacy.is_erased_customer({"erased_at": "2026-01-01T00:00:00+00:00"})
    assert not privacy.is_erased_customer({}) and not privacy.is_erased_customer(None)


def test_an_address_keeps_only_what_statistics_need() -> None:
    out = privacy.anonymized_address(SHIP_TO, "Erased customer 5dce7dbe")
    assert out == {
        "name": "Erased customer 5dce7dbe",
        "company": "",
        "line1": "",
        "line2": "",
        "city": "Madrid",
        "state": "M",
        "postal_code": "28013",
        "country": "ES",
        "phone": "",
        "email": "",
        "residential": True,
    }
    assert privacy.is_address_erasure(SHIP_TO, out)
    assert privacy.is_address_erasure(out, out)  # erasing again changes nothing
    assert not privacy.is_address_erasure(SHIP_TO, {**out, "city": "Paris"})  # a redirect is no erasure
    assert not privacy.is_address_erasure(SHIP_TO, {**out, "name": "Someone Else"})
    assert not privacy.is_address_erasure(SHIP_TO, {**out, "line1": "Rue de Rivoli 9"})


def test_erased_values_per_table() -> None:
    row: dict[str, Any] = {
        "name": "Ana Ruiz",
        "email": "Ana@Example.com",
        "email_normalized": "ana@example.com",
        "phone": "+34600000000",
        "date_of_birth": "1980-01-01",
        "gender": "female",
        "external_id": "SHOP-1",
        "custom_fields": {"notes": "x"},
    }
    values = privacy.erased_values("customers", CID, CID, row, "2026-01-01T00:00:00+00:00")
    assert values == {
        "name": "Erased customer 5dce7dbe",
        "email": f"erased-{CID}@invalid",
        "email_normalized": f"erased-{CID}@invalid",
        "phone": "",
        "date_of_birth": None,
        "gender": "",
        "external_id": "",
        "custom_fields": {"erased_at": "2026-01-01T00:00:00+00:00"},
    }
    assert privacy.erased_values("customer_notes", "n1", CID, {"body": "hello"}, "") == {"body": "[erased]"}
    assert privacy.erased_values("customer_communications", "c1", CID, {"subject": "", "body": "x"}, "") == {
        "subject": "",
        "body": "[erased]",
    }


def test_the_center_accepts_an_erasure_and_refuses_anything_else() -> None:
    current = {"name": "Ana Ruiz", "email": "ana@example.com", "phone": "+34600000000", "status": "ACTIVE"}
    erased = {"name": privacy.erased_name(CID), "email": privacy.erased_email(CID), "phone": "", "status": "INACTIVE"}
    assert privacy.is_erasure("customers", current, erased, ["name", "email", "phone", "status", "updated_at"])
    renamed = {**erased, "name": "Ana García"}
    assert not privacy.is_erasure("customers", current, renamed, ["name", "email", "phone"])
    assert not privacy.is_erasure("customers", current, {**erased, "tags": ["x"]}, ["name", "tags"])
    assert not privacy.is_erasure("customers", current, erased, ["status", "updated_at"])  # nothing personal
    assert not privacy.is_erasure("orders", {"status": "SHIPPED"}, {"status": "DELIVERED"}, ["status"])
    assert not privacy.is_erasure("tracking_events", {}, {"description": ""}, ["description"])
    note = {"body": "call her"}
    assert privacy.is_erasure("customer_notes", note, {"body": "[erased]"}, ["body"])
    assert not privacy.is_erasure("customer_notes", note, {"body": "rewritten"}, ["body"])


def test_a_bought_labels_address_may_only_be_erased() -> None:
    shipment = {"label_created_at": "2026-01-01T00:00:00+00:00", "to_address": SHIP_TO, "carrier": "ups"}
    erased = {**shipment, "to_address": privacy.anonymized_address(SHIP_TO, privacy.erased_name(CID))}
    assert rules.frozen_changes(shipment, erased, ["to_address"]) == []
    moved = {**shipment, "to_address": {**SHIP_TO, "line1": "Elsewhere 5"}}
    assert rules.frozen_changes(shipment, moved, ["to_address"]) == ["to_address"]
    both = {**erased, "carrier": "fedex"}
    assert rules.frozen_changes(shipment, both, ["to_address", "carrier"]) == ["carrier"]
