"""Numbers, weights, money and dates on screen follow the GUI language (CLDR data through Babel),
and the GUI language machinery itself: catalogs, plural rules, choosing a language. No Qt here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shipstation_desktop.domain.units import Money, Weight, WeightUnit
from shipstation_desktop.ui import formatting as fmt
from shipstation_desktop.ui import i18n

NBSP = "\N{NO-BREAK SPACE}"  # CLDR's group separator for Russian


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234.5"), ("es", "1.234,5"), ("ru", f"1{NBSP}234,5"), ("zh", "1,234.5"), ("ro", "1.234,5")],
)
def test_numbers_group_and_mark_decimals_as_the_language_does(language: str, expected: str) -> None:
    i18n.set_language(language)
    assert fmt.number(Decimal("1234.5"), 1) == expected


def test_numbers_round_half_up_to_the_places_asked_for() -> None:
    assert fmt.number(Decimal("2.25"), 1) == "2.3"  # Babel alone would round half to even: 2.2
    assert fmt.number(Decimal("0.5")) == "1"
    assert fmt.count(1234567) == "1,234,567"
    i18n.set_language("es")
    assert fmt.count(1234567) == "1.234.567"


@pytest.mark.parametrize(
    ("language", "pounds", "grams", "kilograms", "ounces"),
    [
        ("en", "2 lb 3.0 oz", "1,234 g", "1.234 kg", "3.5 oz"),
        ("es", "2 lb 3,0 oz", "1.234 g", "1,234 kg", "3,5 oz"),
        ("ru", "2 фнт 3,0 унц.", f"1{NBSP}234 г", "1,234 кг", "3,5 унц."),
        ("zh", "2 lb 3.0 oz", "1,234 g", "1.234 kg", "3.5 oz"),
    ],
)
def test_weights_use_the_languages_numbers_and_unit_names(
    language: str, pounds: str, grams: str, kilograms: str, ounces: str
) -> None:
    i18n.set_language(language)
    assert fmt.weight(Weight.of("993", "g"), WeightUnit.LB) == pounds  # 993 g = 2 lb 3.03 oz
    assert fmt.weight(Weight.of("1234.4", "g"), WeightUnit.G) == grams
    assert fmt.weight(Weight.of("1234.4", "g"), WeightUnit.KG) == kilograms
    assert fmt.weight(Weight.of("100", "g"), WeightUnit.OZ) == ounces  # 3.527 oz


def test_english_weights_read_as_the_bench_always_showed_them() -> None:
    """What Weight.display and the old lb/oz split printed, for the values the bench shows."""
    assert fmt.weight(Weight.of("640", "g"), WeightUnit.G) == Weight.of("640", "g").display(WeightUnit.G, 0)
    assert fmt.weight(Weight.of("0.64", "kg"), WeightUnit.KG) == "0.640 kg"
    assert fmt.weight(Weight.of("-5", "g"), WeightUnit.LB) == "-0 lb 0.2 oz"
    assert fmt.grams(None, WeightUnit.G) == "—"
    assert fmt.unit_name(WeightUnit.KG) == "kg"
    i18n.set_language("ru")
    assert fmt.unit_name(WeightUnit.KG) == "кг"


@pytest.mark.parametrize(
    ("language", "usd", "yen"),
    [
        ("en", "1,234.50 USD", "1,235 JPY"),
        ("es", "1.234,50 USD", "1.235 JPY"),
        ("ru", f"1{NBSP}234,50 USD", f"1{NBSP}235 JPY"),
        ("zh", "1,234.50 USD", "1,235 JPY"),
    ],
)
def test_money_has_the_currencys_decimals_and_its_code(language: str, usd: str, yen: str) -> None:
    i18n.set_language(language)
    assert fmt.money(Money(Decimal("1234.5"), "USD")) == usd
    assert fmt.money(Money(Decimal("1234.5"), "JPY")) == yen  # the yen has no minor unit
    assert fmt.money(None) == ""


def test_english_money_below_a_thousand_reads_as_before() -> None:
    assert fmt.money(Money(Decimal("12.3"), "USD")) == str(Money(Decimal("12.3"), "USD")) == "12.30 USD"


@pytest.mark.parametrize(
    ("language", "minutes", "seconds"),
    [
        ("en", "2026-03-07 14:05", "2026-03-07 14:05:09"),
        ("es", "7/3/2026, 14:05", "7/3/2026, 14:05:09"),
        ("ro", "07.03.2026, 14:05", "07.03.2026, 14:05:09"),
        ("ru", "07.03.2026, 14:05", "07.03.2026, 14:05:09"),
        ("zh", "2026/3/7 14:05", "2026/3/7 14:05:09"),
    ],
)
def test_dates_are_the_languages_numeric_date_and_a_24_hour_time(language: str, minutes: str, seconds: str) -> None:
    i18n.set_language(language)
    local = datetime(2026, 3, 7, 14, 5, 9).astimezone()  # this computer's zone: shown as it is
    assert fmt.local_time(local) == minutes
    assert fmt.local_time(local, with_seconds=True) == seconds
    assert fmt.local_time(local.astimezone(UTC)) == minutes  # stored UTC comes back to local time
    assert fmt.clock_time(local) == "14:05:09"
    assert fmt.local_time(None) == ""


def test_russian_and_romanian_plurals_take_the_form_the_number_needs() -> None:
    i18n.set_language("ru")
    days = [i18n.ngettext("{count} day", "{count} days", n).format(count=n) for n in (1, 2, 5, 11, 21, 22)]
    assert days == ["1 день", "2 дня", "5 дней", "11 дней", "21 день", "22 дня"]
    i18n.set_language("ro")
    days = [i18n.ngettext("{count} day", "{count} days", n).format(count=n) for n in (1, 2, 19, 20, 101)]
    assert days == ["1 zi", "2 zile", "19 zile", "20 de zile", "101 zile"]
    i18n.set_language("zh")
    assert i18n.ngettext("{count} day", "{count} days", 1) == i18n.ngettext("{count} day", "{count} days", 7)
    i18n.set_language("en")
    assert i18n.ngettext("{count} day", "{count} days", 1) == "{count} day"


def test_languages_are_chosen_by_code_or_locale_name() -> None:
    assert [i18n.normalize_language(c) for c in ("ES", "es_MX", "ro-RO", "zh_CN.UTF-8", "ru")] == [
        "es",
        "es",
        "ro",
        "zh",
        "ru",
    ]
    with pytest.raises(ValueError, match="choose one of: en, es, ro, ru, zh"):
        i18n.normalize_language("fr")
    assert i18n.first_supported(["fr_FR", "de", "ro_RO.UTF-8", "es"]) == "ro"
    assert i18n.first_supported(["fr", "C"]) is None
    environ = {"LANGUAGE": "fr:ru", "LANG": "es_ES.UTF-8", "LC_ALL": "C.UTF-8"}
    assert i18n.environment_languages(environ) == ["fr", "ru", "es_ES.UTF-8"]
    assert i18n.first_supported(i18n.environment_languages(environ)) == "ru"


def test_an_empty_string_is_not_the_catalog_header() -> None:
    i18n.set_language("es")
    assert i18n._("") == ""
    assert i18n._("Pack") == "Empaquetar"
    assert i18n.language() == "es" and i18n.locale().language == "es"
