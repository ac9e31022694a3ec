"""Carrier cost reconciliation: what the invoice billed against what the bench was quoted.

Pure rules, no I/O. A line is MATCHED when the billed total equals the quote within TOLERANCE;
otherwise it is ADJUSTED with the reasons the line itself gives (weight or dimension corrected by the
carrier, surcharges beyond the expected fuel surcharge, a voided label billed) or, when it gives none,
a plain PRICE_DIFFERENCE. A second charge for one tracking number is a DUPLICATE; a line naming no
known shipment is UNMATCHED. Severity grows with the money at stake (SEVERITY_STEPS, as data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

from .enums import ExceptionSeverity
from .units import MM_PER, Dimensions, Money, Weight

# Cents: invoices round per line, quotes per rate; anything within a cent is the same price.
TOLERANCE = Decimal("0.01")
# Sides within this are "the same box" (carrier tape measures round to the next whole cm or inch).
DIMENSION_TOLERANCE_MM = Decimal(10)
# Surcharges a quote already contains; any other billed surcharge is news to the supervisor.
EXPECTED_SURCHARGES = frozenset({"FUEL"})
# (more than this many currency units, severity), checked top down; a credit (negative) is LOW.
SEVERITY_STEPS: tuple[tuple[Decimal, ExceptionSeverity], ...] = (
    (Decimal(50), ExceptionSeverity.CRITICAL),
    (Decimal(10), ExceptionSeverity.HIGH),
    (Decimal(0), ExceptionSeverity.MEDIUM),
)


class Outcome(StrEnum):
    MATCHED = "matched"
    ADJUSTED = "adjusted"
    UNMATCHED = "unmatched"
    DUPLICATE = "duplicate"


class AdjustmentKind(StrEnum):
    WEIGHT_CORRECTION = "WEIGHT_CORRECTION"
    DIMENSION_CORRECTION = "DIMENSION_CORRECTION"
    SURCHARGE = "SURCHARGE"
    PRICE_DIFFERENCE = "PRICE_DIFFERENCE"
    VOIDED_LABEL_BILLED = "VOIDED_LABEL_BILLED"
    DUPLICATE_BILLING = "DUPLICATE_BILLING"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"


@dataclass(frozen=True, slots=True)
class Surcharge:
    code: str  # upper-case, e.g. FUEL, RESIDENTIAL, ADDRESS_CORRECTION
    description: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One billed parcel as a carrier invoice states it (any carrier, any CSV layout)."""

    row_number: int
    invoice_number: str
    total: Money
    tracking_number: str = ""
    reference: str = ""
    service: str = ""
    invoice_date: str | None = None  # ISO date
    weight: Weight | None = None  # the carrier's scale
    dim_weight: Weight | None = None
    dimensions: Dimensions | None = None
    base_charge: Decimal | None = None
    surcharges: tuple[Surcharge, ...] = ()

    @property
    def key(self) -> str:
        return self.tracking_number or f"ref:{self.reference}"


@dataclass(frozen=True, slots=True)
class Shipped:
    """What the bench knows about the parcel the line bills."""

    tracking_number: str
    quoted: Money
    weight: Weight
    dimensions: Dimensions | None = None
    cancelled: bool = False
    already_billed: Money | None = None  # from an earlier invoice


@dataclass(frozen=True, slots=True)
class Adjustment:
    kind: AdjustmentKind
    detail: str


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcome: Outcome
    billed: Money
    quoted: Money | None = None
    difference: Decimal | None = None  # billed - quoted (the whole charge for a void label or a duplicate)
    adjustments: tuple[Adjustment, ...] = field(default=())

    @property
    def needs_supervisor(self) -> bool:
        return self.outcome in (Outcome.ADJUSTED, Outcome.DUPLICATE)

    @property
    def severity(self) -> ExceptionSeverity:
        return severity_for(self.difference)

    def reasons(self) -> str:
        return "; ".join(a.detail for a in self.adjustments)

    def describe(self) -> str:
        """ "billed 12.40 USD, quoted 9.95 USD (+2.45): weight corrected 2.0 kg → 3.5 kg" """
        head = f"billed {self.billed}"
        if self.quoted is not None:
            head += f", quoted {self.quoted}"
        if self.difference is not None:
            head += f" ({signed(self.difference)})"
        reasons = self.reasons()
        return f"{head}: {reasons}" if reasons else head


def signed(amount: Decimal) -> str:
    q = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"+{q}" if q > 0 else str(q)


def severity_for(difference: Decimal | None) -> ExceptionSeverity:
    if difference is None:
        return ExceptionSeverity.MEDIUM
    for above, severity in SEVERITY_STEPS:
        if difference > above:
            return severity
    return ExceptionSeverity.LOW


def normalize_tracking(text: str) -> str:
    """Upper case without spaces, dashes or the apostrophe spreadsheets put before long numbers."""
    return "".join(ch for ch in text.strip().lstrip("'").upper() if ch.isalnum())


def reconcile(line: InvoiceLine, shipped: Shipped | None, *, seen_in_file: bool = False) -> Reconciliation:
    """How one invoice line compares with the shipment it bills (None: no shipment found)."""
    billed = line.total
    if shipped is None:
        return Reconciliation(Outcome.UNMATCHED, billed)
    quoted = shipped.quoted
    if seen_in_file or shipped.already_billed is not None:
        where = "earlier in this invoice" if seen_in_file else f"already billed {shipped.already_billed}"
        return Reconciliation(
            Outcome.DUPLICATE,
            billed,
            quoted,
            billed.amount,
            (Adjustment(AdjustmentKind.DUPLICATE_BILLING, f"billed again ({where})"),),
        )
    if shipped.cancelled:
        return Reconciliation(
            Outcome.ADJUSTED,
            billed,
            quoted,
            billed.amount,
            (Adjustment(AdjustmentKind.VOIDED_LABEL_BILLED, "the label was voided, yet the carrier billed it"),),
        )
    if billed.currency != quoted.currency:
        return Reconciliation(
            Outcome.ADJUSTED,
            billed,
            quoted,
            None,
            (
                Adjustment(
                    AdjustmentKind.CURRENCY_MISMATCH, f"billed in {billed.currency}, quoted in {quoted.currency}"
                ),
            ),
        )
    difference = billed.amount - quoted.amount
    if abs(difference) <= TOLERANCE:
        return Reconciliation(Outcome.MATCHED, billed, quoted, difference)
    found = explain(line, shipped)
    if not found:
        found = [Adjustment(AdjustmentKind.PRICE_DIFFERENCE, "price differs from the quote")]
    return Reconciliation(Outcome.ADJUSTED, billed, quoted, difference, tuple(found))


def explain(line: InvoiceLine, shipped: Shipped) -> list[Adjustment]:
    """The reasons a line gives for costing more (or less) than the quote."""
    found: list[Adjustment] = []
    if line.weight is not None and weight_corrected(shipped.weight, line.weight):
        unit = line.weight.unit
        found.append(
            Adjustment(
                AdjustmentKind.WEIGHT_CORRECTION,
                f"weight corrected {shipped.weight.display(unit, 1)} → {line.weight.display(unit, 1)}",
            )
        )
    dims = dimension_change(shipped.dimensions, line.dimensions)
    if dims:
        if line.dim_weight is not None:
            dims += f" (dimensional weight {line.dim_weight.display(places=1)})"
        found.append(Adjustment(AdjustmentKind.DIMENSION_CORRECTION, dims))
    extra = [s for s in line.surcharges if s.code not in EXPECTED_SURCHARGES and s.amount != 0]
    if extra:
        listed = ", ".join(f"{s.description or s.code} {signed(s.amount)}" for s in extra)
        found.append(Adjustment(AdjustmentKind.SURCHARGE, f"surcharges {listed}"))
    return found


def weight_corrected(shipped: Weight, billed: Weight) -> bool:
    """Carriers round the weight up to a whole unit; only more than that is a correction."""
    allowed = shipped.to(billed.unit).value.to_integral_value(rounding=ROUND_CEILING)
    return billed.value > allowed


def dimension_change(shipped: Dimensions | None, billed: Dimensions | None) -> str:
    if billed is None:
        return ""
    billed_text = format_dims(billed)
    if shipped is None:
        return f"billed dimensions {billed_text} (none recorded at packing)"
    ours = sorted(shipped.mm())
    theirs = sorted(billed.mm())
    if all(abs(a - b) <= DIMENSION_TOLERANCE_MM for a, b in zip(ours, theirs, strict=True)):
        return ""
    length, width, height = (v / MM_PER[billed.unit] for v in shipped.mm())
    as_billed = Dimensions(length, width, height, billed.unit)
    return f"dimensions corrected {format_dims(as_billed)} → {billed_text}"


def format_dims(d: Dimensions) -> str:
    def num(v: Decimal) -> str:
        q = v.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return str(q.to_integral_value()) if q == q.to_integral_value() else str(q)

    return f"{num(d.length)}×{num(d.width)}×{num(d.height)} {d.unit.value}"


@dataclass(frozen=True, slots=True)
class CostSummary:
    """Quote against bill for one shipment, as the shipment detail shows it."""

    quoted: Money
    billed: Money | None

    @property
    def difference(self) -> Decimal | None:
        if self.billed is None or self.billed.currency != self.quoted.currency:
            return None
        return self.billed.amount - self.quoted.amount

    def describe(self) -> str:
        if self.billed is None:
            return "not billed yet"
        diff = self.difference
        if diff is None or abs(diff) <= TOLERANCE:
            return str(self.billed)
        return f"{self.billed} ({signed(diff)} against the quote)"
