"""How values look on screen, in the GUI language's conventions (CLDR data through Babel).

Numbers group and mark decimals as the language does (1,234.5 in English, 1.234,5 in Spanish,
1 234,5 in Russian); weights carry the language's unit abbreviations (кг, унц.); dates are the
language's numeric date with a 24-hour time, in the computer's local zone. English keeps the
bench's ISO date (2026-03-07 14:05): English benches work on both sides of the Atlantic, and
3/7/2026 means March to one and July to the other.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from babel import dates, numbers, units

from shipstation_desktop.domain.units import Money, Weight, WeightUnit, lb_oz

from . import i18n

# Display places per unit: what a shipping scale shows (whole grams, 0.1 oz, …).
_PLACES: dict[WeightUnit, int] = {WeightUnit.G: 0, WeightUnit.KG: 3, WeightUnit.OZ: 1, WeightUnit.LB: 2}
# CLDR's names for the units (babel.units), whose abbreviations each language has.
_CLDR_UNIT: dict[WeightUnit, str] = {
    WeightUnit.G: "mass-gram",
    WeightUnit.KG: "mass-kilogram",
    WeightUnit.OZ: "mass-ounce",
    WeightUnit.LB: "mass-pound",
}
_ISO_DATE = {False: "%Y-%m-%d %H:%M", True: "%Y-%m-%d %H:%M:%S"}


def _pattern(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def _round(value: Decimal | int | float, places: int) -> Decimal:
    # Half up, as the scale and the carriers round; Babel would round half to even.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: Decimal | int | float, places: int = 0) -> str:
    """A number with exactly `places` decimals, grouped: 1,234.5 (en), 1.234,5 (es), 1 234,5 (ru)."""
    return numbers.format_decimal(_round(value, places), format=_pattern(places), locale=i18n.locale())


def count(n: int) -> str:
    """A whole number of things: 1,234 (en), 1.234 (es), 1 234 (ru)."""
    return number(n)


def unit_name(unit: WeightUnit) -> str:
    """The unit's abbreviation in the GUI language ("kg", "кг", "унц.")."""
    return units.get_unit_name(_CLDR_UNIT[unit], length="short", locale=i18n.locale()) or unit.value


def _amount_of(value: Decimal | int, unit: WeightUnit, places: int) -> str:
    return units.format_unit(
        _round(value, places), _CLDR_UNIT[unit], length="short", format=_pattern(places), locale=i18n.locale()
    )


def weight(value: Weight, unit: WeightUnit) -> str:
    """US benches read pounds and ounces ("2 lb 3.4 oz"); every other unit is a plain number ("1,234 g")."""
    unit = WeightUnit(unit)
    if unit is WeightUnit.LB:
        # lb_oz floors, so a below-zero reading is split as its magnitude and signed afterwards.
        pounds, ounces = lb_oz(Weight(abs(value.value), value.unit))
        sign = numbers.get_minus_sign_symbol(i18n.locale()) if value.value < 0 else ""
        return f"{sign}{_amount_of(pounds, WeightUnit.LB, 0)} {_amount_of(ounces, WeightUnit.OZ, 1)}"
    places = _PLACES[unit]
    return _amount_of(value.to(unit).rounded(places), unit, places)


def grams(value: Decimal | None, unit: WeightUnit) -> str:
    if value is None:
        return "—"
    return weight(Weight.from_grams(value), unit)


def local_time(value: datetime | None, with_seconds: bool = False) -> str:
    """Stored times are UTC; the bench shows them in the computer's local zone."""
    if value is None:
        return ""
    local = value.astimezone()
    if i18n.language() == i18n.SOURCE_LANGUAGE:
        return local.strftime(_ISO_DATE[with_seconds])
    where = i18n.locale()
    # The language's own order and separators for day, month and year, and its way of joining a
    # date and a time; always the 24-hour clock and a four-digit year (labels and reports last years).
    day = dates.format_skeleton("yMd", local, locale=where)
    clock = dates.format_skeleton("Hms" if with_seconds else "Hm", local, locale=where)
    joined: str = where.datetime_formats["short"]
    return joined.replace("{1}", day).replace("{0}", clock)


def clock_time(value: datetime, with_seconds: bool = True) -> str:
    """Only the time of day, local, 24-hour: 14:05:09."""
    return dates.format_skeleton("Hms" if with_seconds else "Hm", value.astimezone(), locale=i18n.locale())


def money(value: Money | None) -> str:
    """The amount in the language's digits, to the currency's own decimals, then its ISO code:
    "1,234.50 USD", "1.234,50 EUR", "1 234,50 USD" (a bench may see several currencies; the code is unambiguous)."""
    if value is None:
        return ""
    places = numbers.get_currency_precision(value.currency)
    return f"{number(value.amount, places)} {value.currency}"


def title(code: str) -> str:
    """An enum value as a person reads it in English: OUT_FOR_DELIVERY -> "Out for delivery"
    (the English text of the label tables in enum_labels; translate the label, not this)."""
    return code.replace("_", " ").capitalize()
