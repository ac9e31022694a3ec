"""Reading carrier invoice CSV files: encoding, separator, column layouts, one parsed line per row.

Files are streamed (a first pass hashes them and checks the encoding in 64 KiB chunks, a second pass
parses row by row); nothing reads a whole file into memory.

LSO layout (`--format lso`). Seed 004's Invoice model (invoiceNumber, currency, total, dueDate and the
shipments it bills) has no published file format, so this is the per-parcel export this app defines
for it. Headers match ignoring case, spaces and punctuation, so "Invoice Number" and "invoiceNumber"
are the same column. * = required.

    Invoice Number*        the carrier's invoice number (every row repeats it)
    Invoice Date           2026-11-20 or 11/20/2026
    Due Date               ignored (the seed's dueDate)
    Currency               ISO 4217 code, USD when absent
    Tracking Number*       the airbill; a row without one is matched by its Reference
    Reference              the shipper's reference: the order number
    Service                e.g. PRIORITY BASIC, GROUND
    Weight (kg)            the carrier's scale weight; "Weight (lb)" is read in pounds
    Dim Weight (kg)        dimensional weight (L×W×H / 5000 cm³/kg); "(lb)" also accepted
    Length (cm), Width (cm), Height (cm)   as the carrier measured; "(in)" also accepted
    Base Charge*           transportation charge before surcharges
    Fuel Surcharge         expected (quotes include it)
    Residential Surcharge
    Other Surcharges       any other fee, described by
    Other Surcharge Description   e.g. "Address correction"
    Total*                 Base Charge + every surcharge (a row where it is not is refused)

Generic layout (`--format generic`): any carrier's billing export (UPS, FedEx, DHL …) with a mapping
from this app's fields to the file's column headers, given as `--map field=Column` or a JSON file
({"tracking_number": "Tracking Number", "surcharge:RESIDENTIAL": "Residential Surcharge", …}).
Fields: invoice_number, invoice_date, currency, tracking_number, reference, service, weight,
dim_weight, length, width, height, base_charge, total and any number of surcharge:CODE columns.
Values, not columns: weight_unit (kg|lb|oz|g), dimension_unit (cm|in|mm), default_currency.
Units otherwise come from the header ("Weight (lb)") or the cell ("3.5 lb"), else kg and cm.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from shipstation_desktop.domain.costs import InvoiceLine, Surcharge, normalize_tracking
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit

# Encoding and separator sniffing is shared with the other CSV imports (services/csv_sniff.py).
from .csv_sniff import CsvFile, header_key
from .csv_sniff import inspect as inspect

FIELDS = (
    "invoice_number",
    "invoice_date",
    "currency",
    "tracking_number",
    "reference",
    "service",
    "weight",
    "dim_weight",
    "length",
    "width",
    "height",
    "base_charge",
    "total",
)
VALUE_KEYS = ("weight_unit", "dimension_unit", "default_currency")
SURCHARGE_PREFIX = "surcharge:"
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")
# Spreadsheets turn long numeric tracking numbers into 1.23457E+11, losing digits for good.
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?E\+?\d+$", re.IGNORECASE)
_UNIT_IN_CELL = re.compile(r"^\s*([-+]?[\d.,]+)\s*([a-zA-Z]+)\s*$")
_WEIGHT_SUFFIX = (("lbs", WeightUnit.LB), ("lb", WeightUnit.LB), ("kg", WeightUnit.KG), ("oz", WeightUnit.OZ))
_LENGTH_SUFFIX = (("cm", LengthUnit.CM), ("mm", LengthUnit.MM), ("in", LengthUnit.IN), ("inches", LengthUnit.IN))


@dataclass(frozen=True, slots=True)
class Layout:
    """Which column holds which field; the candidates of a field are tried in order."""

    name: str
    columns: Mapping[str, tuple[str, ...]]
    surcharges: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # code -> (header, description)
    weight_unit: WeightUnit | None = None
    dimension_unit: LengthUnit | None = None
    default_currency: str = "USD"
    required: tuple[tuple[str, ...], ...] = ()  # each: at least one of these fields
    strict_total: bool = False  # refuse rows whose total is not base + surcharges
    other_surcharge: tuple[str, str] | None = None  # (amount header, description header)
    labels: Mapping[str, str] = field(default_factory=dict)  # field -> the column as the mapping wrote it


def _with_units(stem: str, units: tuple[str, ...]) -> tuple[str, ...]:
    return (*(stem + u for u in units), stem)


LSO = Layout(
    name="lso",
    columns={
        "invoice_number": ("invoicenumber", "invoiceno"),
        "invoice_date": ("invoicedate",),
        "currency": ("currency",),
        "tracking_number": ("trackingnumber", "airbillnumber", "airbill"),
        "reference": ("reference", "shipperreference"),
        "service": ("service", "servicetype"),
        "weight": _with_units("weight", ("kg", "lb", "lbs")),
        "dim_weight": (*_with_units("dimweight", ("kg", "lb", "lbs")), *_with_units("dimensionalweight", ("kg", "lb"))),
        "length": _with_units("length", ("cm", "in")),
        "width": _with_units("width", ("cm", "in")),
        "height": _with_units("height", ("cm", "in")),
        "base_charge": ("basecharge",),
        "total": ("total", "totalcharge"),
    },
    surcharges={
        "FUEL": ("fuelsurcharge", "Fuel surcharge"),
        "RESIDENTIAL": ("residentialsurcharge", "Residential surcharge"),
    },
    required=(("invoice_number",), ("tracking_number",), ("base_charge",), ("total",)),
    labels={
        "invoice_number": "Invoice Number",
        "tracking_number": "Tracking Number",
        "base_charge": "Base Charge",
        "total": "Total",
    },
    strict_total=True,
    other_surcharge=("othersurcharges", "othersurchargedescription"),
)


def generic_layout(mapping: Mapping[str, str]) -> Layout:
    """A layout from `field=Column` pairs; unknown fields are refused by name."""
    columns: dict[str, tuple[str, ...]] = {}
    surcharges: dict[str, tuple[str, str]] = {}
    values: dict[str, str] = {}
    labels: dict[str, str] = {}
    for raw_key, column in mapping.items():
        key = raw_key.strip().lower()
        if not column.strip():
            raise UserError(f"The mapping gives no column for {raw_key!r}.")
        if key in VALUE_KEYS:
            values[key] = column.strip()
        elif key.startswith(SURCHARGE_PREFIX) and key[len(SURCHARGE_PREFIX) :].strip():
            code = re.sub(r"[^A-Z0-9]+", "_", key[len(SURCHARGE_PREFIX) :].upper()).strip("_")
            surcharges[code] = (header_key(column), column.strip())
        elif key in FIELDS:
            columns[key] = (header_key(column),)
            labels[key] = column.strip()
        else:
            known = ", ".join((*FIELDS, *VALUE_KEYS, "surcharge:CODE"))
            raise UserError(f"{raw_key!r} is not a field this import knows (fields: {known}).")
    if "tracking_number" not in columns and "reference" not in columns:
        raise UserError("The mapping must name the tracking_number column (or the reference column).")
    if "total" not in columns and "base_charge" not in columns:
        raise UserError("The mapping must name the total column (or the base_charge column).")
    try:
        weight_unit = WeightUnit(values["weight_unit"].lower()) if "weight_unit" in values else None
        dimension_unit = LengthUnit(values["dimension_unit"].lower()) if "dimension_unit" in values else None
    except ValueError as exc:
        raise UserError(f"Unknown unit in the mapping: {exc}.") from None
    currency = values.get("default_currency", "USD").upper()
    _check_currency(currency)
    return Layout(
        name="generic",
        columns=columns,
        surcharges=surcharges,
        weight_unit=weight_unit,
        dimension_unit=dimension_unit,
        default_currency=currency,
        labels=labels,
    )


def parse_map_options(pairs: list[str]) -> dict[str, str]:
    """`--map field=Column` options (the column may contain '=' and spaces)."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        key, sep, column = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--map {pair!r} is not field=Column (e.g. --map tracking_number='Tracking Number').")
        mapping[key.strip()] = column
    return mapping


def load_mapping_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UserError(f"Cannot read the mapping file {path}: {exc.strerror or exc}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"The mapping file {path} is not valid JSON: {exc}.") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise UserError(f"The mapping file {path} must be one JSON object of field -> column name.")
    return data


# ----------------------------------------------------------------------------------------- the file


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the spreadsheet row: header = 1
    error: str


@dataclass(frozen=True, slots=True)
class _Columns:
    """A layout resolved against one file's header: field -> (column index, unit from the header)."""

    index: dict[str, int]
    header_unit: dict[str, str]
    surcharges: dict[str, tuple[int, str]]
    other: tuple[int, int | None] | None
    decimal_comma: bool


def _resolve(layout: Layout, header: list[str], path: Path, decimal_comma: bool) -> _Columns:
    keys = [header_key(h) for h in header]
    position = {k: i for i, k in reversed(list(enumerate(keys))) if k}  # first occurrence wins
    index: dict[str, int] = {}
    header_unit: dict[str, str] = {}
    for name, candidates in layout.columns.items():
        for candidate in candidates:
            if candidate in position:
                index[name] = position[candidate]
                header_unit[name] = _unit_suffix(name, candidate)
                break
    surcharges = {code: (position[col], desc) for code, (col, desc) in layout.surcharges.items() if col in position}
    other = None
    if layout.other_surcharge and layout.other_surcharge[0] in position:
        other = (position[layout.other_surcharge[0]], position.get(layout.other_surcharge[1]))
    if layout.required:
        missing = [
            " or ".join(repr(layout.labels.get(f, f)) for f in group)
            for group in layout.required
            if not any(f in index for f in group)
        ]
    else:  # a mapping names its columns: each must be there
        missing = [f"{f} ({layout.labels.get(f, f)!r})" for f in layout.columns if f not in index]
        missing += [
            f"surcharge:{code} ({desc!r})" for code, (col, desc) in layout.surcharges.items() if col not in position
        ]
    if missing:
        shown = ", ".join(repr(h) for h in header[:30])
        raise UserError(
            f"{path.name} has no column for {', '.join(missing)} ({layout.name} format); its columns are: {shown}."
        )
    return _Columns(index, header_unit, surcharges, other, decimal_comma)


def _unit_suffix(name: str, header: str) -> str:
    table: tuple[tuple[str, WeightUnit | LengthUnit], ...]
    if name in ("weight", "dim_weight"):
        table = _WEIGHT_SUFFIX
    elif name in ("length", "width", "height"):
        table = _LENGTH_SUFFIX
    else:
        return ""
    for suffix, unit in table:
        if header.endswith(suffix) and len(header) > len(suffix):
            return unit.value
    return ""


def read_lines(
    source: CsvFile, layout: Layout, *, invoice_number: str | None = None
) -> Iterator[InvoiceLine | RowError]:
    """Parsed lines and row errors in file order; a bad row is reported, never half read."""
    with source.path.open(encoding=source.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=source.delimiter)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise UserError(f"{source.path.name}: the header row is not valid CSV ({exc}).") from None
        if header is None:
            raise UserError(f"{source.path} is empty.")
        columns = _resolve(layout, header, source.path, decimal_comma=source.delimiter == ";")
        row_number = 1
        while True:
            row_number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RowError(row_number, f"not valid CSV: {exc}")
                continue
            if not any(c.strip() for c in cells):
                continue  # blank lines between sections
            try:
                yield _parse_row(row_number, cells, columns, layout, invoice_number)
            except _BadRow as exc:
                yield RowError(row_number, str(exc))


class _BadRow(Exception):
    pass


def _parse_row(row: int, cells: list[str], cols: _Columns, layout: Layout, default_invoice: str | None) -> InvoiceLine:
    def cell(name: str) -> str:
        i = cols.index.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    dc = cols.decimal_comma
    invoice = cell("invoice_number") or (default_invoice or "")
    if not invoice:
        raise _BadRow("no invoice number")
    tracking_text = cell("tracking_number").lstrip("'")
    if tracking_text and _SCIENTIFIC.match(tracking_text):
        raise _BadRow(
            f"tracking number {tracking_text} was turned into a number by a spreadsheet; export that column as text"
        )
    tracking = normalize_tracking(tracking_text)
    reference = cell("reference")
    if not tracking and not reference:
        raise _BadRow("no tracking number and no reference")
    currency = (cell("currency") or layout.default_currency).upper()
    try:
        _check_currency(currency)
    except UserError as exc:
        raise _BadRow(str(exc)) from None

    surcharges: list[Surcharge] = []
    for code, (i, desc) in cols.surcharges.items():
        amount = _amount(cells[i] if i < len(cells) else "", desc, dc)
        if amount is not None and amount != 0:
            surcharges.append(Surcharge(code, desc, amount))
    if cols.other is not None:
        amount_i, desc_i = cols.other
        amount = _amount(cells[amount_i] if amount_i < len(cells) else "", "other surcharges", dc)
        if amount is not None and amount != 0:
            desc = cells[desc_i].strip() if desc_i is not None and desc_i < len(cells) else ""
            code = re.sub(r"[^A-Z0-9]+", "_", desc.upper()).strip("_") or "OTHER"
            surcharges.append(Surcharge(code, desc or "Other surcharges", amount))

    base = _amount(cell("base_charge"), "base charge", dc)
    total = _amount(cell("total"), "total", dc)
    extras = sum((s.amount for s in surcharges), Decimal(0))
    if total is None:
        if base is None:
            raise _BadRow("no total charge")
        total = base + extras
    elif layout.strict_total and base is not None and abs(base + extras - total) > Decimal("0.005"):
        raise _BadRow(f"total {total} is not base charge {base} + surcharges {extras}")

    return InvoiceLine(
        row_number=row,
        invoice_number=invoice[:64],
        total=Money(total, currency),
        tracking_number=tracking[:64],
        reference=reference[:64],
        service=cell("service")[:64],
        invoice_date=_date(cell("invoice_date")),
        weight=_weight(cell("weight"), "weight", _wunit(layout, cols, "weight"), dc),
        dim_weight=_weight(cell("dim_weight"), "dimensional weight", _wunit(layout, cols, "dim_weight"), dc),
        dimensions=_dimensions(cell("length"), cell("width"), cell("height"), _lunit(layout, cols), dc),
        base_charge=base,
        surcharges=tuple(surcharges),
    )


def _wunit(layout: Layout, cols: _Columns, name: str) -> WeightUnit:
    if layout.weight_unit is not None:
        return layout.weight_unit
    from_header = cols.header_unit.get(name, "")
    return WeightUnit(from_header) if from_header else WeightUnit.KG


def _lunit(layout: Layout, cols: _Columns) -> LengthUnit:
    if layout.dimension_unit is not None:
        return layout.dimension_unit
    from_header = cols.header_unit.get("length", "")
    return LengthUnit(from_header) if from_header else LengthUnit.CM


def _check_currency(code: str) -> None:
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise UserError(f"currency {code!r} is not an ISO 4217 code like USD")


def parse_amount(text: str, decimal_comma: bool = False) -> Decimal | None:
    """'$1,234.50', '1.234,50', '12,40', '(2.00)', '-2.00 USD' -> Decimal; '' -> None; else ValueError."""
    s = text.strip()
    if not s:
        return None
    negative = s.startswith("(") and s.endswith(")")
    s = s.strip("()").strip()
    s = re.sub(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$", "", s)  # a currency code either side
    s = s.replace("$", "").replace("€", "").replace("£", "").replace("\u00a0", "").replace(" ", "")
    if s.endswith("-"):  # some ledgers put the sign last
        s = "-" + s[:-1]
    if "," in s and "." in s:
        # Both: the one that comes last is the decimal separator.
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif "," in s:
        # Semicolon files come from decimal-comma locales; elsewhere "1,234" groups thousands.
        frac = s.rpartition(",")[2]
        decimal = s.count(",") == 1 and (decimal_comma or len(frac) != 3)
        s = s.replace(",", ".") if decimal else s.replace(",", "")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return -value if negative else value


def _amount(text: str, what: str, dc: bool) -> Decimal | None:
    try:
        return parse_amount(text, dc)
    except ValueError:
        raise _BadRow(f"{what} {text.strip()!r} is not an amount") from None


def _weight(text: str, what: str, unit: WeightUnit, dc: bool) -> Weight | None:
    m = _UNIT_IN_CELL.match(text)
    if m:
        try:
            unit = WeightUnit(m.group(2).lower().removesuffix("s"))
        except ValueError:
            raise _BadRow(f"{what} {text!r} has an unknown unit (kg, lb, oz or g)") from None
        text = m.group(1)
    value = _amount(text, what, dc)
    if value is None:
        return None
    if value < 0:
        raise _BadRow(f"{what} {text!r} is negative")
    return Weight(value, unit)


def _dimensions(length: str, width: str, height: str, unit: LengthUnit, dc: bool) -> Dimensions | None:
    values: list[Decimal] = []
    for name, text in (("length", length), ("width", width), ("height", height)):
        m = _UNIT_IN_CELL.match(text)
        if m:
            try:
                unit = LengthUnit(m.group(2).lower())
            except ValueError:
                raise _BadRow(f"{name} {text!r} has an unknown unit (cm, in or mm)") from None
            text = m.group(1)
        value = _amount(text, name, dc)
        if value is None:
            return None  # a box is all three sides or none
        if value <= 0:
            raise _BadRow(f"{name} {text!r} is not a length")
        values.append(value)
    return Dimensions(values[0], values[1], values[2], unit)


def _date(text: str) -> str | None:
    if not text:
        return None
    candidate = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(candidate, fmt).date().isoformat()
        except ValueError:
            continue
    raise _BadRow(f"invoice date {text!r} is not a date like 2026-11-20 or 11/20/2026")
