"""Customer and customer-address rules (seed 001 fields, seed 004 address limits): normalization, field
errors, postal formats, one default per type and the order totals, as known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shipstation_desktop.domain import customer_rules as rules
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain import postal_codes
from shipstation_desktop.domain.enums import AddressType, CustomerSource, CustomerStatus, OrderStatus
from shipstation_desktop.domain.errors import FieldErrors, UserError

TODAY = date(2026, 3, 2)


def _draft(**kw: object) -> rules.CustomerDraft:
    base: dict[str, object] = {"email": "jane.doe@example.com", "name": "Jane Doe"}
    base.update(kw)
    return rules.CustomerDraft(**base)  # type: ignore[arg-type]


def _check(draft: rules.CustomerDraft, home: str = "US") -> dict[str, str]:
    return rules.validate(rules.normalize(draft, home), today=TODAY, home_country=home)


def test_a_typed_customer_is_normalized() -> None:
    draft = rules.normalize(
        _draft(
            email="  Jane.Doe@Example.COM ",
            name="  Jane   Doe ",
            phone="(415) 555-0132",
            date_of_birth="1990-04-21",
            status="vip",
            source="tiktok shop",
            tags=(" gift", "Gift", "", "wholesale "),
        ),
        "US",
    )
    assert draft.email == "Jane.Doe@Example.COM"
    assert rules.normalize_email(draft.email) == "jane.doe@example.com"
    assert draft.name == "Jane Doe"
    assert draft.phone == "+14155550132"
    assert draft.date_of_birth == date(1990, 4, 21)
    assert draft.status is CustomerStatus.VIP and draft.source is CustomerSource.TIKTOK_SHOP
    assert draft.tags == ("gift", "wholesale")
    assert _check(draft) == {}


def test_a_foreign_phone_with_its_country_code_is_kept_in_e164() -> None:
    assert rules.normalize(_draft(phone="+49 30 901820"), "US").phone == "+4930901820"
    assert _check(_draft(phone="+49 30 901820")) == {}


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"email": "not-an-email"}, "email", "not a valid e-mail"),
        ({"email": ""}, "email", "required"),
        ({"name": "  "}, "name", "required"),
        ({"name": "x" * 201}, "name", "longer than 200"),
        ({"phone": "12"}, "phone", "not a valid phone number for US"),
        ({"phone": "+1 555 01"}, "phone", "not a valid phone number"),
        ({"date_of_birth": "21/04/1990"}, "date_of_birth", "not a date like 1990-04-21"),
        ({"date_of_birth": date(2026, 3, 3)}, "date_of_birth", "in the future"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth", "before 1900"),
        ({"status": "GOLD"}, "status", "not one of ACTIVE, INACTIVE, BLOCKED, VIP"),
        ({"source": "EBAY"}, "source", "TIKTOK_SHOP"),
        ({"gender": "g" * 33}, "gender", "longer than 32"),
        ({"external_id": "e" * 121}, "external_id", "longer than 120"),
        ({"tags": ("t" * 65,)}, "tags", "longer than 64"),
        ({"tags": tuple(f"t{i}" for i in range(51))}, "tags", "50 at most"),
        ({"custom_fields": {"when": datetime(2026, 1, 1, tzinfo=UTC)}}, "custom_fields", "only text, numbers"),
        ({"custom_fields": {"": "x"}}, "custom_fields", "non-empty text"),
    ],
)
def test_each_bad_field_gets_its_own_message(kw: dict[str, object], field: str, words: str) -> None:
    errors = _check(_draft(**kw))
    assert list(errors) == [field]
    assert words in errors[field]


def test_every_bad_field_is_reported_at_once() -> None:
    errors = _check(_draft(email="nope", phone="12", status="GOLD"))
    assert set(errors) == {"email", "phone", "status"}
    error = FieldErrors(errors)
    assert isinstance(error, UserError)
    assert str(error) == f"email: {errors['email']}"
    assert error.lines() == [f"{k}: {v}" for k, v in errors.items()]


def test_a_status_change_needs_a_reason() -> None:
    assert rules.status_change_errors(CustomerStatus.ACTIVE, CustomerStatus.ACTIVE, "") == {}
    refused = rules.status_change_errors(CustomerStatus.ACTIVE, CustomerStatus.BLOCKED, " ")
    assert "ACTIVE to BLOCKED" in refused["reason"]
    assert rules.status_change_errors(CustomerStatus.ACTIVE, CustomerStatus.BLOCKED, "fraud") == {}


def test_draft_of_a_customer_leaves_it_unchanged() -> None:
    customer = dm.Customer(
        id="c1",
        email="a@example.com",
        name="A",
        status=CustomerStatus.VIP,
        source=CustomerSource.ETSY,
        phone="+14155550132",
        tags=("x",),
        date_of_birth=date(1980, 1, 2),
        custom_fields={"size": "M"},
    )
    draft = rules.CustomerDraft.of(customer)
    assert rules.normalize(draft, "US") == draft
    assert _check(draft) == {}


# ------------------------------------------------------------------------------------------- addresses


def _address(**kw: object) -> rules.AddressDraft:
    base: dict[str, object] = {
        "recipient_name": "Jane Doe",
        "line1": "1355 Market St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
    }
    base.update(kw)
    return rules.AddressDraft(**base)  # type: ignore[arg-type]


def test_an_address_is_normalized_to_iso_country_state_code_postal_format_and_e164() -> None:
    clean = rules.normalize_address(
        _address(
            country="United States of America",
            state="california",
            postal_code="941031234",
            phone="415.555.0132",
            line1=" 1355  Market St ",
            type="both",
        )
    )
    assert (clean.country, clean.state, clean.postal_code, clean.phone, clean.line1) == (
        "US",
        "CA",
        "94103-1234",
        "+14155550132",
        "1355 Market St",
    )
    assert clean.type is AddressType.BOTH
    assert rules.validate_address(clean) == {}
    canada = rules.normalize_address(_address(country="Canada", state="Québec", postal_code="h2x1y4", city="Montréal"))
    assert (canada.country, canada.state, canada.postal_code) == ("CA", "QC", "H2X 1Y4")
    assert rules.validate_address(canada) == {}


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"country": "Atlantis"}, "country", "not a country"),
        ({"country": ""}, "country", "required"),
        ({"state": ""}, "state", "required for US"),
        ({"state": "Narnia"}, "state", "not a state or province of US"),
        ({"postal_code": "9410"}, "postal_code", "not a US postal code"),
        ({"postal_code": ""}, "postal_code", "required"),
        ({"country": "DE", "state": "", "postal_code": "1234"}, "postal_code", "(5 digits)"),
        ({"country": "GB", "state": "", "postal_code": "12345"}, "postal_code", "like SW1A 1AA"),
        ({"phone": "123"}, "phone", "not a valid phone number for US"),
        ({"line1": ""}, "line1", "required"),
        ({"recipient_name": "n" * 101}, "recipient_name", "longer than 100"),
        ({"city": "c" * 51}, "city", "longer than 50"),
        ({"type": "HOME"}, "type", "SHIPPING, BILLING, BOTH"),
    ],
)
def test_each_bad_address_field_gets_its_message(kw: dict[str, object], field: str, words: str) -> None:
    errors = rules.validate_address(rules.normalize_address(_address(**kw)))
    assert list(errors) == [field]
    assert words in errors[field]


def test_a_country_without_postal_codes_takes_an_address_without_one() -> None:
    hk = rules.normalize_address(_address(country="Hong Kong", state="", postal_code="", city="Central"))
    assert hk.country == "HK" and rules.validate_address(hk) == {}


@pytest.mark.parametrize(
    ("code", "country", "normalized", "ok"),
    [
        ("k1a0b1", "CA", "K1A 0B1", True),
        ("sw1a1aa", "GB", "SW1A 1AA", True),
        ("EC1A 1BB", "GB", "EC1A 1BB", True),
        ("1012ab", "NL", "1012 AB", True),
        ("1000001", "JP", "100-0001", True),
        ("00950", "PL", "00-950", True),
        ("01310100", "BR", "01310-100", True),
        ("11122", "SE", "111 22", True),
        ("1050", "LV", "LV-1050", True),
        ("28013", "ES", "28013", True),
        ("2801", "ES", "2801", False),
        ("ABCDE", "US", "ABCDE", False),
        ("W1-42 X", "ZZ", "W1-42 X", True),  # a country without a known format: letters, digits, - and space
        ("W1@42", "ZZ", "W1@42", False),
    ],
)
def test_postal_codes_per_country(code: str, country: str, normalized: str, ok: bool) -> None:
    assert postal_codes.normalize(code, country) == normalized
    assert (postal_codes.error(normalized, country) is None) is ok


def test_every_postal_format_has_an_example_or_a_digit_count_for_its_message() -> None:
    for country in postal_codes.PATTERNS:
        message = postal_codes.error("?", country)
        assert message is not None and country in message and ("like" in message or "digits" in message)


def _addr(id: str, type: AddressType, default: bool) -> dm.Address:
    return dm.Address(id, "c1", type, default, "Jane", "1 Main St", "Springfield", "IL", "62701", "US")


def test_one_default_per_type_with_both_counting_as_shipping_and_billing() -> None:
    ship, bill, both = (
        _addr("s", AddressType.SHIPPING, True),
        _addr("b", AddressType.BILLING, True),
        _addr("x", AddressType.BOTH, False),
    )
    assert rules.covers(AddressType.BOTH) == {AddressType.SHIPPING, AddressType.BILLING}
    # A new BOTH default replaces the shipping and the billing default.
    assert sorted(rules.defaults_to_clear([ship, bill, both], both)) == ["b", "s"]
    # A new shipping default replaces a BOTH default as a whole (its flag is one), not a billing one.
    both_default = _addr("x", AddressType.BOTH, True)
    other_ship = _addr("s2", AddressType.SHIPPING, False)
    assert rules.defaults_to_clear([both_default, other_ship], other_ship) == ["x"]
    assert rules.defaults_to_clear([ship, bill], _addr("s3", AddressType.SHIPPING, False)) == ["s"]


def test_order_totals_skip_cancelled_orders_and_round_the_average() -> None:
    d = [datetime(2026, 1, day, tzinfo=UTC) for day in (5, 1, 20, 3)]
    totals = rules.order_totals(
        [
            (Decimal("10.00"), d[0], OrderStatus.SHIPPED),
            (Decimal("20.00"), d[1], "delivered"),
            (Decimal("99.99"), d[2], OrderStatus.CANCELLED),
            (Decimal("3.33"), d[3], OrderStatus.PENDING),
        ]
    )
    assert totals == rules.OrderTotals(Decimal("33.33"), 3, Decimal("11.11"), d[1], d[0])
    assert rules.order_totals([]) == rules.OrderTotals()
