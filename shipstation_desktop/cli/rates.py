"""`rates --shipment FILE [--rule R] [--within-days N] [--json]`: rate shopping without the GUI.

The same path as the pack view (services/rate_shopping.py): every enabled carrier is asked, a carrier
that fails lands in "errors" and never hides the others, and the bench's rules preselect one rate with a
reason. The file format is in docs/rates.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.enums import RateRule
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rate_rules import RateContext
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit

COMMANDS = {"rates"}
_ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "state", "postal_code", "country", "phone", "email")
_CENT = Decimal("0.01")


class ShipmentFileError(ValueError):
    """One line naming the field that is missing or wrong."""


@dataclass(frozen=True, slots=True)
class RatesFile:
    ship_from: PostalAddress | None  # None: the bench's ship-from address
    ship_to: PostalAddress
    package: Package
    context: RateContext
    carriers: tuple[str, ...] | None = None
    rule: RateRule | None = None
    within_days: int | None = None
    reference: str = ""


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("rates", help="quote a shipment file with every enabled carrier; the bench's rules preselect")
    p.add_argument("--shipment", required=True, metavar="FILE", help="shipment JSON (format: docs/rates.md)")
    p.add_argument("--rule", choices=[r.value for r in RateRule], help="instead of the bench's rule")
    p.add_argument("--within-days", type=int, metavar="N", help="N for cheapest_within_days")
    p.add_argument("--json", action="store_true")


# ------------------------------------------------------------------------------------ parsing


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShipmentFileError(f"{where} must be an object")
    return value


def _text(doc: dict[str, Any], key: str, where: str) -> str:
    value = doc.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ShipmentFileError(f"{where}.{key} must be a string")
    return value.strip()


def _number(value: Any, where: str, *, positive: bool = True) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ShipmentFileError(f"{where} must be a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ShipmentFileError(f"{where} must be a number, got {value!r}") from None
    if not number.is_finite() or (number <= 0 if positive else number < 0):
        raise ShipmentFileError(f"{where} must be {'more than 0' if positive else '0 or more'}, got {value!r}")
    return number


def _address(value: Any, where: str) -> PostalAddress:
    doc = _object(value, where)
    fields = {k: _text(doc, k, where) for k in _ADDRESS_FIELDS}
    country = fields["country"].upper()
    if not country:
        raise ShipmentFileError(f"{where}.country is missing (ISO 3166 alpha-2, e.g. US)")
    if len(country) != 2 or not country.isalpha() or not country.isascii():
        raise ShipmentFileError(f"{where}.country must be a two-letter ISO code such as US or DE, got {country!r}")
    fields["country"] = country
    return PostalAddress(**fields)


def _money(value: Any, where: str) -> Money:
    doc = _object(value, where)
    amount = _number(doc.get("amount"), f"{where}.amount", positive=False) if "amount" in doc else None
    if amount is None:
        raise ShipmentFileError(f"{where}.amount is missing")
    currency = doc.get("currency", "USD")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise ShipmentFileError(f"{where}.currency must be an ISO 4217 code such as USD, got {currency!r}")
    return Money(amount, currency.upper())


def _package(value: Any) -> Package:
    doc = _object(value, "package")
    if "weight" not in doc:
        raise ShipmentFileError('package.weight is missing, e.g. {"value": 2.5, "unit": "lb"}')
    weight_doc = _object(doc["weight"], "package.weight")
    unit = str(weight_doc.get("unit", "")).lower()
    if unit not in {u.value for u in WeightUnit}:
        raise ShipmentFileError(f"package.weight.unit must be one of g, kg, lb, oz, got {weight_doc.get('unit')!r}")
    weight = Weight(_number(weight_doc.get("value"), "package.weight.value"), WeightUnit(unit))
    dimensions = None
    if doc.get("dimensions") is not None:
        dims = _object(doc["dimensions"], "package.dimensions")
        dim_unit = str(dims.get("unit", "cm")).lower()
        if dim_unit not in {u.value for u in LengthUnit}:
            raise ShipmentFileError(f"package.dimensions.unit must be one of mm, cm, in, got {dims.get('unit')!r}")
        sides = [_number(dims.get(k), f"package.dimensions.{k}") for k in ("length", "width", "height")]
        dimensions = Dimensions(sides[0], sides[1], sides[2], LengthUnit(dim_unit))
    declared = _money(doc["declared_value"], "package.declared_value") if doc.get("declared_value") else None
    insurance = _money(doc["insurance"], "package.insurance") if doc.get("insurance") else None
    return Package(weight, dimensions, declared, insurance)


def parse_rates_file(doc: Any) -> RatesFile:
    """The shipment file as domain objects; raises ShipmentFileError naming the first bad field."""
    top = _object(doc, "the file")
    if "ship_to" not in top:
        raise ShipmentFileError("ship_to is missing")
    ship_to = _address(top["ship_to"], "ship_to")
    ship_from = _address(top["ship_from"], "ship_from") if top.get("ship_from") is not None else None
    if "package" not in top:
        raise ShipmentFileError("package is missing")
    package = _package(top["package"])
    carriers: tuple[str, ...] | None = None
    if top.get("carriers") is not None:
        listed = top["carriers"]
        if not isinstance(listed, list) or not all(isinstance(c, str) and c.strip() for c in listed):
            raise ShipmentFileError('carriers must be a list of carrier codes, e.g. ["ups", "simulated"]')
        carriers = tuple(c.strip().lower() for c in listed)
    rule = None
    if top.get("rule") is not None:
        allowed = [r.value for r in RateRule]
        if top["rule"] not in allowed:
            raise ShipmentFileError(f"rule must be one of {', '.join(allowed)}, got {top['rule']!r}")
        rule = RateRule(top["rule"])
    within_days = None
    if top.get("within_days") is not None:
        if isinstance(top["within_days"], bool) or not isinstance(top["within_days"], int) or top["within_days"] < 0:
            raise ShipmentFileError("within_days must be a whole number of days, 0 or more")
        within_days = top["within_days"]
    customer = _object(top.get("customer") or {}, "customer")
    context = RateContext(
        ship_to=ship_to,
        customer_email=_text(customer, "email", "customer") or ship_to.email,
        customer_external_id=_text(customer, "external_id", "customer"),
        customer_name=_text(customer, "name", "customer") or ship_to.name,
    )
    reference = _text(top, "reference", "the file")
    return RatesFile(ship_from, ship_to, package, context, carriers, rule, within_days, reference)


def load_rates_file(path: str) -> RatesFile:
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as e:
        raise UserError(f"{path}: cannot read it ({e.strerror or e})") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: not valid JSON ({e})") from e
    try:
        return parse_rates_file(doc)
    except ShipmentFileError as e:
        raise UserError(f"{path}: {e}") from e


# ------------------------------------------------------------------------------------- output


def _grams(weight: Weight | None) -> int | float | None:
    if weight is None:
        return None
    grams = weight.grams.quantize(Decimal("0.001"))
    return int(grams) if grams == grams.to_integral_value() else float(grams)


def rate_json(rate: Any) -> dict[str, Any]:
    return {
        "carrier": rate.carrier,
        "service": rate.service,
        "service_name": rate.service_name,
        "amount": str(rate.amount.amount.quantize(_CENT)),
        "currency": rate.amount.currency,
        "transit_days": rate.transit_days,
        "billable_weight_grams": _grams(rate.billable_weight),
        "dimensional_weight_grams": _grams(rate.dimensional_weight),
        "insurance": str(rate.insurance_cost.amount.quantize(_CENT)) if rate.insurance_cost else None,
        "estimated_delivery": rate.estimated_delivery.isoformat() if rate.estimated_delivery else None,
        "rate_id": rate.rate_id,
    }


def _text_table(found: Any) -> str:
    rows = [
        (
            "*" if rate == found.selected else " ",
            rate.carrier,
            rate.service,
            f"{rate.amount.amount.quantize(_CENT)} {rate.amount.currency}",
            "1 day" if rate.transit_days == 1 else f"{rate.transit_days} days",
            f"{_grams(rate.billable_weight)} g",
        )
        for rate in found.rates
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"selected: {found.reason}" if found.selected else f"nothing selected: {found.reason}")
    lines += [f"error: {f.carrier}: {f.error}" for f in found.failures]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.domain.rates import RateRequest
    from shipstation_desktop.services import bootstrap, rate_shopping
    from shipstation_desktop.services.packing import ship_from

    parsed = load_rates_file(args.shipment)
    if args.within_days is not None and args.within_days < 0:
        raise UserError("--within-days must be 0 or more")
    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        origin = parsed.ship_from or ship_from(bench)
        request = RateRequest(origin, parsed.ship_to, parsed.package, parsed.reference)
        rule = RateRule(args.rule) if args.rule else parsed.rule
        within = args.within_days if args.within_days is not None else parsed.within_days
        policy = rate_shopping.policy_for(bench.settings, rule, within)
        found = rate_shopping.shop(bench, request, parsed.context, carriers=parsed.carriers, policy=policy)
    finally:
        bench.close()
    data = {
        "rates": [rate_json(r) for r in found.rates],
        "selected": rate_json(found.selected) if found.selected else None,
        "reason": found.reason,
        "errors": [{"carrier": f.carrier, "error": f.error} for f in found.failures],
    }
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(_text_table(found) + "\n")
    if found.rates:
        return 0
    if found.failures:
        problem = "; ".join(f"{f.carrier}: {f.error}" for f in found.failures)
    elif found.excluded:
        problem = f"all {found.excluded} rates offered are excluded in this bench's settings"
    else:
        problem = "no carrier is enabled on this bench"
    print(f"shipstation-desktop: no rates: {problem}", file=sys.stderr)
    return 1
