"""Analytics queries: carrier performance, integration health and packer productivity for a period.

The rows are read here and handed to the pure rules in domain/analytics.py. Shipments and tracking
events reach every bench through sync, so carrier performance is the whole warehouse's; label
purchases and API calls are this bench's own (each bench buys and calls the carriers itself).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from shipstation_desktop.domain import analytics as da
from shipstation_desktop.domain.enums import LabelPurchaseState, ShipmentStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.analytics_tables import ApiCall, PackStep
from shipstation_desktop.sync.jobs import JobQueue
from shipstation_desktop.sync.syncer import read_status

from .bench import Bench

BENCH_EVENT_CODES = ("LABEL_CREATED",)  # written by the bench at purchase, not reported by a carrier


@dataclass(frozen=True, slots=True)
class CarrierReport:
    period: da.Period
    rows: list[da.CarrierPerformance]
    kpis: dict[str, da.Kpi]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.period.first.isoformat(),
            "to": self.period.last.isoformat(),
            "carriers": [r.as_json() for r in self.rows],
            "kpis": {k: v.as_json() for k, v in self.kpis.items()},
        }


@dataclass(frozen=True, slots=True)
class SyncHealth:
    configured: bool
    last_sync: datetime | None
    lag_minutes: float | None  # now - last successful sync
    pending: int  # outbox rows not yet at the center
    last_error: str

    def as_json(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "last_sync": self.last_sync.isoformat() if self.last_sync else None,
            "lag_minutes": self.lag_minutes,
            "pending": self.pending,
            "last_error": self.last_error,
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    since: datetime
    carriers: list[da.ApiHealth]
    operations: list[da.ApiHealth]
    sync: SyncHealth
    jobs: dict[str, Any]
    kpis: dict[str, da.Kpi]

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "carriers": [h.as_json() for h in self.carriers],
            "operations": [h.as_json() for h in self.operations],
            "sync": self.sync.as_json(),
            "jobs": self.jobs,
            "kpis": {k: v.as_json() for k, v in self.kpis.items()},
        }


def _picked_up_at(history: list[dict[str, Any]]) -> datetime | None:
    for entry in history:
        if entry.get("status") in da.PICKUP_STATUSES and entry.get("at"):
            try:
                return datetime.fromisoformat(str(entry["at"]))
            except ValueError:
                continue
    return None


def shipment_facts(bench: Bench, period: da.Period) -> list[da.ShipmentFacts]:
    """Shipments whose label was bought in the period (superseded duplicates and deleted rows left out)."""
    when = func.coalesce(t.Shipment.label_created_at, t.Shipment.created_at)
    with bench.store.session() as s:
        rows = list(
            s.scalars(
                select(t.Shipment).where(
                    when >= period.start,
                    when < period.end,
                    t.Shipment.deleted_at.is_(None),
                    t.Shipment.superseded_by.is_(None),
                )
            )
        )
        ids = [r.id for r in rows]
        flagged = set(
            s.scalars(
                select(t.ShipmentException.shipment_id).where(
                    t.ShipmentException.shipment_id.in_(ids),
                    t.ShipmentException.type.in_([x.value for x in da.CARRIER_EXCEPTIONS]),
                    t.ShipmentException.deleted_at.is_(None),
                )
            )
        )
        flagged |= set(
            s.scalars(
                select(t.TrackingEvent.shipment_id).where(
                    t.TrackingEvent.shipment_id.in_(ids), t.TrackingEvent.exception_type.is_not(None)
                )
            )
        )
        return [
            da.ShipmentFacts(
                carrier=r.carrier,
                service=r.service,
                status=ShipmentStatus(r.status),
                label_created_at=r.label_created_at,
                promised_delivery=r.promised_delivery,
                actual_delivery=r.actual_delivery,
                picked_up_at=_picked_up_at(r.status_history or []),
                carrier_exception=r.id in flagged,
                quoted_cost=r.shipping_cost,
                billed_cost=r.billed_cost,
                currency=r.currency,
            )
            for r in rows
        ]


def purchase_facts(bench: Bench, period: da.Period) -> list[da.PurchaseFacts]:
    """This bench's label purchases, named by the service their shipment carries when one exists
    (a carrier may answer with its own name for the service the rate asked for)."""
    service = func.coalesce(t.Shipment.service, t.LabelPurchase.service)
    with bench.store.session() as s:
        rows = s.execute(
            select(t.LabelPurchase.carrier, service, t.LabelPurchase.state)
            .outerjoin(t.Shipment, t.Shipment.tracking_number == t.LabelPurchase.tracking_number)
            .where(t.LabelPurchase.created_at >= period.start, t.LabelPurchase.created_at < period.end)
        ).all()
    return [da.PurchaseFacts(carrier, svc, LabelPurchaseState(state)) for carrier, svc, state in rows]


def tracking_lag_pairs(bench: Bench, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(carrier event time, stored time) for the carrier events stored in [start, end)."""
    with bench.store.session() as s:
        return [
            (happened, stored)
            for happened, stored in s.execute(
                select(t.TrackingEvent.timestamp, t.TrackingEvent.created_at).where(
                    t.TrackingEvent.created_at >= start,
                    t.TrackingEvent.created_at < end,
                    t.TrackingEvent.carrier_code.not_in(BENCH_EVENT_CODES),
                    t.TrackingEvent.deleted_at.is_(None),
                )
            )
        ]


def kpis(bench: Bench, start: datetime, end: datetime) -> dict[str, da.Kpi]:
    with bench.store.session() as s:
        states = [
            LabelPurchaseState(x)
            for x in s.scalars(
                select(t.LabelPurchase.state).where(
                    t.LabelPurchase.created_at >= start, t.LabelPurchase.created_at < end
                )
            )
        ]
    lag = da.tracking_lag_minutes(tracking_lag_pairs(bench, start, end))
    return da.seed_kpis(lag, da.label_success_pct(states))


def carrier_report(bench: Bench, period: da.Period) -> CarrierReport:
    rows = da.carrier_performance(shipment_facts(bench, period), purchase_facts(bench, period))
    return CarrierReport(period, rows, kpis(bench, period.start, period.end))


CSV_COLUMNS = (
    "carrier",
    "service",
    "shipments",
    "delivered",
    "on_time_pct",
    "avg_transit_days",
    "exception_rate_pct",
    "label_success_pct",
    "cost_per_shipment",
    "quoted_cost_per_shipment",
    "billed_shipments",
    "currency",
)


def carriers_csv(report: CarrierReport) -> str:
    """The carrier rows as CSV (empty cells where there is nothing to measure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        data = row.as_json()
        writer.writerow(["" if data[c] is None else data[c] for c in CSV_COLUMNS])
    return out.getvalue()


def api_calls(bench: Bench, since: datetime) -> list[da.ApiCallFacts]:
    with bench.store.session() as s:
        return [
            da.ApiCallFacts(carrier, operation, ok, float(ms))
            for carrier, operation, ok, ms in s.execute(
                select(ApiCall.carrier, ApiCall.method + " " + ApiCall.operation, ApiCall.ok, ApiCall.elapsed_ms).where(
                    ApiCall.at >= since
                )
            )
        ]


def sync_health(bench: Bench) -> SyncHealth:
    st = read_status(bench.store)
    lag = None
    if st.last_sync is not None:
        lag = round(max(0.0, (bench.clock.now() - st.last_sync).total_seconds() / 60), 1)
    return SyncHealth(bool(bench.settings.central.url.strip()), st.last_sync, lag, st.pending, st.last_error or "")


def health_report(bench: Bench, hours: float = 24.0) -> HealthReport:
    now = bench.clock.now()
    since = now - timedelta(hours=hours)
    calls = api_calls(bench, since)
    every = da.integration_health(calls, by_operation=True)
    return HealthReport(
        since=since,
        carriers=[h for h in every if not h.operation],
        operations=[h for h in every if h.operation],
        sync=sync_health(bench),
        jobs=JobQueue(bench.store).stats().as_json(),
        kpis=kpis(bench, since, now + timedelta(seconds=1)),
    )


def step_facts(bench: Bench, start: datetime, end: datetime) -> list[da.StepFacts]:
    with bench.store.session() as s:
        rows = s.scalars(
            select(PackStep).where(
                PackStep.started_at >= start, PackStep.started_at < end, PackStep.deleted_at.is_(None)
            )
        )
        return [
            da.StepFacts(
                r.session_id, r.order_number, r.packer, r.bench_name, r.step, r.started_at, r.elapsed_ms / 1000, r.ok
            )
            for r in rows
        ]


def productivity_report(bench: Bench, period: da.Period) -> da.Productivity:
    return da.productivity(step_facts(bench, period.start, period.end))


def productivity_json(period: da.Period, report: da.Productivity) -> dict[str, Any]:
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "orders": report.orders,
        "packers": [p.as_json() for p in report.packers],
        "steps": [s.as_json() for s in report.steps],
        "slowest": [
            {
                "order_number": s.order_number,
                "step": s.step,
                "packer": s.packer,
                "bench": s.bench,
                "seconds": round(s.elapsed_s, 2),
                "started_at": s.started_at.isoformat(),
                "ok": s.ok,
            }
            for s in report.slowest
        ],
    }


def write_text(path: Path, text: str) -> None:
    """Writes an export; a folder that cannot be written is a sentence, not a crash."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def money(value: Decimal | None, currency: str) -> str:
    return "—" if value is None else f"{value} {currency}".strip()


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the Analytics tab shows for one period, read in one go off the GUI thread."""

    carriers: CarrierReport
    health: HealthReport
    productivity: da.Productivity


def dashboard(bench: Bench, period: da.Period, health_hours: float = 24.0) -> Dashboard:
    return Dashboard(
        carrier_report(bench, period), health_report(bench, health_hours), productivity_report(bench, period)
    )
