"""Carrier invoices: import a billing CSV, reconcile each line with its shipment, flag the differences.

One import is one transaction: the invoice rows, the billed cost written on each matched shipment (a
synced change, so the outbox carries it to the center) and the supervisor exceptions for adjustments
are committed together or not at all. Re-importing the same file (same SHA-256) changes nothing.
Rules live in domain/costs.py; file reading in services/invoice_csv.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shipstation_desktop.domain import costs
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit
from shipstation_desktop.persistence import cost_tables as ct
from shipstation_desktop.persistence import tables as t

from . import invoice_csv
from .bench import Bench
from .invoice_csv import Layout, RowError
from .shipments import EXCEPTION_SEVERITY

_IN_CHUNK = 500  # SQLite's bound-parameter limit is far above this; keeps statements small
_LISTED_UNMATCHED = 10


@dataclass(frozen=True, slots=True)
class ImportResult:
    invoice_numbers: tuple[str, ...]
    invoice_ids: tuple[str, ...]
    lines: int
    matched: int
    adjusted: int
    unmatched: int
    duplicates: int
    skipped: int  # lines an earlier file of the same invoice already brought in
    errors: tuple[RowError, ...]
    already_imported: bool

    def as_json(self) -> dict[str, object]:
        return {
            "invoice": ", ".join(self.invoice_numbers),
            "invoice_ids": list(self.invoice_ids),
            "lines": self.lines,
            "matched": self.matched,
            "adjusted": self.adjusted,
            "unmatched": self.unmatched,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "errors": [{"row": e.row, "error": e.error} for e in self.errors],
            "already_imported": self.already_imported,
        }


@dataclass(frozen=True, slots=True)
class InvoiceLineView:
    row_number: int
    tracking_number: str
    reference: str
    service: str
    total: Money
    outcome: costs.Outcome
    difference: Decimal | None
    reasons: str
    shipment_id: str | None
    order_number: str
    surcharges: tuple[costs.Surcharge, ...]


@dataclass(frozen=True, slots=True)
class InvoiceView:
    id: str
    carrier: str
    invoice_number: str
    invoice_date: str | None
    total: Money
    source_file: str
    imported_at: str
    line_count: int
    matched: int
    adjusted: int
    unmatched: int
    duplicates: int
    lines: tuple[InvoiceLineView, ...] = field(default=())


def layout_for(fmt: str, mapping: dict[str, str] | None = None) -> Layout:
    if fmt == "lso":
        if mapping:
            raise UserError("--map and --mapping go with --format generic; the LSO format has fixed columns.")
        return invoice_csv.LSO
    if fmt == "generic":
        if not mapping:
            raise UserError("--format generic needs a column mapping: --map field=Column or --mapping FILE.json.")
        return invoice_csv.generic_layout(mapping)
    raise UserError(f"Unknown invoice format {fmt!r} (lso or generic).")


def import_invoice(
    bench: Bench, path: Path, *, carrier: str, layout: Layout, invoice_number: str | None = None
) -> ImportResult:
    code = carrier.strip().lower()
    if not code:
        raise UserError("Name the carrier that sent the invoice (--carrier).")
    source = invoice_csv.inspect(path)
    with bench.store.session() as s:
        earlier = list(s.scalars(select(ct.CarrierInvoice).where(ct.CarrierInvoice.file_sha256 == source.sha256)))
        if earlier:
            return _already(earlier)

    groups: dict[str, list[costs.InvoiceLine]] = {}
    errors: list[RowError] = []
    for item in invoice_csv.read_lines(source, layout, invoice_number=invoice_number or path.stem):
        if isinstance(item, RowError):
            errors.append(item)
        else:
            groups.setdefault(item.invoice_number, []).append(item)

    now = bench.clock.now()
    counts = {o: 0 for o in costs.Outcome}
    skipped = 0
    numbers: list[str] = []
    ids: list[str] = []
    with bench.store.session() as s:
        billed_here: set[str] = set()
        for number, lines in groups.items():
            fresh, already = _not_yet_imported(s, code, number, lines)
            skipped += already
            if not fresh:
                continue
            invoice = ct.CarrierInvoice(
                carrier=code,
                invoice_number=number,
                invoice_date=next((ln.invoice_date for ln in fresh if ln.invoice_date), None),
                currency=fresh[0].total.currency,
                total=sum((ln.total.amount for ln in fresh), Decimal(0)),
                source_file=str(path.resolve())[:500],
                file_sha256=source.sha256,
                imported_at=now,
            )
            s.add(invoice)
            s.flush()
            per_invoice = _reconcile_invoice(bench, s, invoice, fresh, billed_here)
            for outcome, n in per_invoice.items():
                counts[outcome] += n
            invoice.line_count = len(fresh)
            invoice.matched_count = per_invoice[costs.Outcome.MATCHED]
            invoice.adjusted_count = per_invoice[costs.Outcome.ADJUSTED]
            invoice.unmatched_count = per_invoice[costs.Outcome.UNMATCHED]
            invoice.duplicate_count = per_invoice[costs.Outcome.DUPLICATE]
            numbers.append(number)
            ids.append(invoice.id)
    if ids:
        for what in ("invoices", "shipments", "exceptions"):
            bench.changed(what)
    return ImportResult(
        invoice_numbers=tuple(numbers),
        invoice_ids=tuple(ids),
        lines=sum(counts.values()),
        matched=counts[costs.Outcome.MATCHED],
        adjusted=counts[costs.Outcome.ADJUSTED],
        unmatched=counts[costs.Outcome.UNMATCHED],
        duplicates=counts[costs.Outcome.DUPLICATE],
        skipped=skipped,
        errors=tuple(errors),
        already_imported=False,
    )


def _already(rows: Sequence[ct.CarrierInvoice]) -> ImportResult:
    return ImportResult(
        invoice_numbers=tuple(r.invoice_number for r in rows),
        invoice_ids=tuple(r.id for r in rows),
        lines=sum(r.line_count for r in rows),
        matched=sum(r.matched_count for r in rows),
        adjusted=sum(r.adjusted_count for r in rows),
        unmatched=sum(r.unmatched_count for r in rows),
        duplicates=sum(r.duplicate_count for r in rows),
        skipped=0,
        errors=(),
        already_imported=True,
    )


def _not_yet_imported(
    s: Session, carrier: str, number: str, lines: list[costs.InvoiceLine]
) -> tuple[list[costs.InvoiceLine], int]:
    """A corrected file of an invoice imported before brings only its new lines: the rows that failed
    the first time. Lines already imported (same parcel, same total) are not billed twice."""
    known = {
        (tracking or f"ref:{reference}", total)
        for tracking, reference, total in s.execute(
            select(ct.CarrierInvoiceLine.tracking_number, ct.CarrierInvoiceLine.reference, ct.CarrierInvoiceLine.total)
            .join(ct.CarrierInvoice, ct.CarrierInvoice.id == ct.CarrierInvoiceLine.invoice_id)
            .where(ct.CarrierInvoice.carrier == carrier, ct.CarrierInvoice.invoice_number == number)
        )
    }
    if not known:
        return lines, 0
    fresh = [ln for ln in lines if (ln.key, ln.total.amount) not in known]
    return fresh, len(lines) - len(fresh)


def _reconcile_invoice(
    bench: Bench, s: Session, invoice: ct.CarrierInvoice, lines: list[costs.InvoiceLine], billed_here: set[str]
) -> dict[costs.Outcome, int]:
    by_tracking = _shipments_by_tracking(s, [ln.tracking_number for ln in lines if ln.tracking_number])
    unresolved = [ln.reference for ln in lines if ln.tracking_number not in by_tracking and ln.reference]
    by_reference = _shipments_by_reference(s, unresolved, invoice.carrier)
    counts = {o: 0 for o in costs.Outcome}
    unmatched: list[costs.InvoiceLine] = []
    now = bench.clock.now()
    for line in lines:
        row = by_tracking.get(line.tracking_number) or by_reference.get(line.reference.upper())
        shipped = _shipped(row) if row is not None else None
        rec = costs.reconcile(line, shipped, seen_in_file=row is not None and row.id in billed_here)
        counts[rec.outcome] += 1
        s.add(
            ct.CarrierInvoiceLine(
                invoice_id=invoice.id,
                row_number=line.row_number,
                tracking_number=line.tracking_number,
                reference=line.reference,
                service=line.service,
                billed_weight_grams=line.weight.grams if line.weight else None,
                dim_weight_grams=line.dim_weight.grams if line.dim_weight else None,
                billed_dims=costs.format_dims(line.dimensions) if line.dimensions else "",
                base_charge=line.base_charge,
                surcharges=[
                    {"code": x.code, "description": x.description, "amount": str(x.amount)} for x in line.surcharges
                ],
                total=line.total.amount,
                matched_shipment_id=row.id if row is not None else None,
                outcome=rec.outcome.value,
                difference=rec.difference,
                reasons=rec.reasons(),
            )
        )
        if row is None:
            unmatched.append(line)
            continue
        billed_here.add(row.id)
        if line.total.currency == row.currency:
            previous = row.billed_cost if rec.outcome is costs.Outcome.DUPLICATE else None
            row.billed_cost = (previous or Decimal(0)) + line.total.amount
            row.billed_at = now
        if rec.needs_supervisor:
            s.add(
                t.ShipmentException(
                    shipment_id=row.id,
                    order_id=row.order_id,
                    type=ExceptionType.COST_ADJUSTMENT.value,
                    severity=rec.severity.value,
                    description=f"{row.tracking_number}: {rec.describe()} ({invoice.carrier} invoice "
                    f"{invoice.invoice_number}, row {line.row_number})",
                )
            )
    if unmatched:
        s.add(_unmatched_exception(invoice, unmatched))
    return counts


def _unmatched_exception(invoice: ct.CarrierInvoice, lines: list[costs.InvoiceLine]) -> t.ShipmentException:
    """One exception per invoice, not per line: a week of another bench's parcels must not flood the queue."""
    total = sum((ln.total.amount for ln in lines), Decimal(0))
    listed = ", ".join(f"{ln.row_number} ({ln.tracking_number or ln.reference})" for ln in lines[:_LISTED_UNMATCHED])
    more = f" and {len(lines) - _LISTED_UNMATCHED} more" if len(lines) > _LISTED_UNMATCHED else ""
    count = f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
    return t.ShipmentException(
        type=ExceptionType.UNMATCHED_INVOICE_LINE.value,
        severity=EXCEPTION_SEVERITY[ExceptionType.UNMATCHED_INVOICE_LINE].value,
        description=f"{count} of {invoice.carrier} invoice {invoice.invoice_number} "
        f"({Money(total, invoice.currency)}) {'match' if len(lines) != 1 else 'matches'} no shipment on this "
        f"bench: rows {listed}{more}",
    )


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    unique = sorted(set(values))
    for i in range(0, len(unique), _IN_CHUNK):
        yield unique[i : i + _IN_CHUNK]


def _shipments_by_tracking(s: Session, numbers: Iterable[str]) -> dict[str, t.Shipment]:
    found: dict[str, t.Shipment] = {}
    for chunk in _chunks(numbers):
        rows = s.scalars(
            select(t.Shipment).where(t.Shipment.tracking_number.in_(chunk), t.Shipment.deleted_at.is_(None))
        )
        found.update({r.tracking_number: r for r in rows})
    return found


def _shipments_by_reference(s: Session, references: Iterable[str], carrier: str) -> dict[str, t.Shipment]:
    """Order number -> the shipment the carrier most likely billed: its own, live, newest."""
    found: dict[str, t.Shipment] = {}
    for chunk in _chunks(r.upper() for r in references):
        rows = s.execute(
            select(t.Shipment, func.upper(t.Order.order_number))
            .join(t.Order, t.Order.id == t.Shipment.order_id)
            .where(func.upper(t.Order.order_number).in_(chunk), t.Shipment.deleted_at.is_(None))
        ).all()
        ranked = sorted(
            rows,
            key=lambda r: (
                r[0].carrier == carrier,
                r[0].status != ShipmentStatus.CANCELLED.value and r[0].superseded_by is None,
                r[0].created_at,
            ),
        )
        found.update({number: row for row, number in ranked})  # the best ranked comes last and wins
    return found


def _shipped(row: t.Shipment) -> costs.Shipped:
    dims = None
    if row.length_mm is not None and row.width_mm is not None and row.height_mm is not None:
        dims = Dimensions(row.length_mm, row.width_mm, row.height_mm, LengthUnit.MM)
    return costs.Shipped(
        tracking_number=row.tracking_number,
        quoted=Money(row.shipping_cost, row.currency),
        weight=Weight(row.weight_value, WeightUnit(row.weight_unit)),
        dimensions=dims,
        cancelled=row.status == ShipmentStatus.CANCELLED.value,
        already_billed=Money(row.billed_cost, row.currency) if row.billed_cost is not None else None,
    )


# ---------------------------------------------------------------------------------------------- queries


def list_invoices(bench: Bench, limit: int | None = None) -> list[InvoiceView]:
    with bench.store.session() as s:
        q = select(ct.CarrierInvoice).order_by(ct.CarrierInvoice.imported_at.desc(), ct.CarrierInvoice.id.desc())
        if limit is not None:
            q = q.limit(limit)
        return [_view(r) for r in s.scalars(q)]


def get_invoice(bench: Bench, key: str) -> InvoiceView:
    """By id, or by invoice number (the newest import of it)."""
    with bench.store.session() as s:
        row = s.scalar(
            select(ct.CarrierInvoice)
            .where(or_(ct.CarrierInvoice.id == key.strip(), ct.CarrierInvoice.invoice_number == key.strip()))
            .order_by(ct.CarrierInvoice.imported_at.desc())
            .limit(1)
        )
        if row is None:
            raise NotFound(f"No imported invoice {key!r} on this bench.")
        numbers: dict[str, str] = {
            shipment_id: number
            for shipment_id, number in s.execute(
                select(t.Shipment.id, t.Order.order_number)
                .join(t.Order, t.Order.id == t.Shipment.order_id)
                .join(ct.CarrierInvoiceLine, ct.CarrierInvoiceLine.matched_shipment_id == t.Shipment.id)
                .where(ct.CarrierInvoiceLine.invoice_id == row.id)
            )
        }
        lines = tuple(
            InvoiceLineView(
                row_number=ln.row_number,
                tracking_number=ln.tracking_number,
                reference=ln.reference,
                service=ln.service,
                total=Money(ln.total, row.currency),
                outcome=costs.Outcome(ln.outcome),
                difference=ln.difference,
                reasons=ln.reasons,
                shipment_id=ln.matched_shipment_id,
                order_number=numbers.get(ln.matched_shipment_id or "", ""),
                surcharges=tuple(
                    costs.Surcharge(x["code"], x["description"], Decimal(x["amount"])) for x in ln.surcharges
                ),
            )
            for ln in row.lines
        )
        return _view(row, lines)


def _view(row: ct.CarrierInvoice, lines: tuple[InvoiceLineView, ...] = ()) -> InvoiceView:
    return InvoiceView(
        id=row.id,
        carrier=row.carrier,
        invoice_number=row.invoice_number,
        invoice_date=row.invoice_date,
        total=Money(row.total, row.currency),
        source_file=row.source_file,
        imported_at=row.imported_at.isoformat(),
        line_count=row.line_count,
        matched=row.matched_count,
        adjusted=row.adjusted_count,
        unmatched=row.unmatched_count,
        duplicates=row.duplicate_count,
        lines=lines,
    )


def cost_summary(bench: Bench, shipment_id: str) -> costs.CostSummary:
    """Quote against bill for one shipment (the shipment detail's "Billed" line)."""
    with bench.store.session() as s:
        row = s.get(t.Shipment, shipment_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(f"No shipment {shipment_id!r} on this bench.")
        billed = Money(row.billed_cost, row.currency) if row.billed_cost is not None else None
        return costs.CostSummary(Money(row.shipping_cost, row.currency), billed)
