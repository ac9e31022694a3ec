"""Address normalization (seed 003): known answers for countries, states, phones and whitespace."""

from __future__ import annotations

import pytest

from shipstation_desktop.domain.address_normalize import (
    country_code,
    normalize_address,
    phone_e164,
    postal_code,
    state_code,
    tidy,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("  united   states ", "US"),
        ("DEU", "DE"),
        ("Germany", "DE"),
        ("Deutschland", "DEUTSCHLAND"),  # not an English/ISO name: kept, upper-cased
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("Russia", "RU"),
        ("Côte d'Ivoire", "CI"),
        ("cote d'ivoire", "CI"),
        ("276", "DE"),
        ("", ""),
        (None, ""),
    ],
)
def test_country_code(value: str | None, expected: str) -> None:
    assert country_code(value) == expected


@pytest.mark.parametrize(
    ("state", "country", "expected"),
    [
        ("California", "US", "CA"),
        ("california", "USA", "CA"),
        ("CA", "US", "CA"),
        ("ca", "US", "CA"),
        ("N.Y.", "US", "NY"),
        ("US-TX", "US", "TX"),
        ("District of Columbia", "US", "DC"),
        ("Washington DC", "US", "DC"),
        ("Puerto Rico", "US", "PR"),
        ("Armed Forces Europe", "US", "AE"),
        ("  New   Hampshire ", "United States", "NH"),
        ("Québec", "CA", "QC"),
        ("quebec", "Canada", "QC"),
        ("Ontario", "CA", "ON"),
        ("New South Wales", "AU", "NSW"),
        ("Bavaria", "DE", "Bavaria"),  # no postal subdivision codes there: kept
        ("Atlantis", "US", "Atlantis"),  # unknown: kept as typed
        ("", "US", ""),
    ],
)
def test_state_code(state: str, country: str, expected: str) -> None:
    assert state_code(state, country) == expected


@pytest.mark.parametrize(
    ("phone", "country", "expected"),
    [
        ("(415) 555-0132", "US", "+14155550132"),
        ("415.555.2671", "USA", "+14155552671"),
        ("+44 20 7946 0958", "", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("0049 30 901820", "DE", "+4930901820"),
        ("030 901820", "Germany", "+4930901820"),
        ("+1 415 555 0132", "DE", "+14155550132"),  # an explicit + wins over the address's country
        ("12", "US", "12"),  # not a number: kept
        ("call me", "US", "call me"),
        ("", "US", ""),
    ],
)
def test_phone_e164(phone: str, country: str, expected: str) -> None:
    assert phone_e164(phone, country) == expected


def test_tidy_collapses_whitespace_and_drops_control_characters() -> None:
    assert tidy("  1355\tMarket\n\n St\u200b \x00") == "1355 Market St"
    assert tidy(None) == ""


def test_postal_code() -> None:
    assert postal_code("941031234", "US") == "94103-1234"
    assert postal_code(" 94103 ", "US") == "94103"
    assert postal_code("sw1a 1aa", "GB") == "SW1A 1AA"


def test_normalize_address() -> None:
    raw = {
        "name": "  Emily   Chen ",
        "company": "",
        "line1": "1355  Market St",
        "line2": " ",
        "city": "San  Francisco",
        "state": "california",
        "postal_code": "94103",
        "country": "United States",
        "phone": "(415) 555-0132",
        "email": " Emily@Example.com ",
    }
    assert normalize_address(raw) == {
        "name": "Emily Chen",
        "company": "",
        "line1": "1355 Market St",
        "line2": "",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
        "phone": "+14155550132",
        "email": "Emily@Example.com",
    }


def test_tidy_drops_lone_surrogates_and_non_characters() -> None:
    assert tidy("a\ud800b \ufffe\uffffc") == "ab c"
