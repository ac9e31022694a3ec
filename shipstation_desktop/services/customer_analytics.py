"""Customer analytics from the bench's orders: one customer's value, frequency, recency and churn
risk, and the cohort retention table (the rules: domain/customer_analytics.py).

Orders reach every bench through sync, so the numbers are the whole shop's. Only counted orders
(not cancelled, not returned) are read; amounts are summed as stored (the bench's orders share one
currency; `currency` says which, or is empty when they do not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from shipstation_desktop.domain import customer_analytics as ca
from shipstation_desktop.domain.customer_analytics import CohortRow, CohortTable, CustomerMetrics
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.persistence import tables as t

from .bench import Bench

__all__ = [
    "CohortRow",
    "CohortTable",
    "CustomerAnalytics",
    "CustomerMetrics",
    "bench_interval",
    "cohort_table",
    "customer_analytics",
    "customer_metrics",
]

_COUNTED = sorted(s.value for s in ca.COUNTED)
MAX_MONTHS = 120


@dataclass(frozen=True, slots=True)
class CustomerAnalytics:
    """A customer's metrics with what they were computed for (a merged id resolves to its survivor)."""

    customer_id: str
    currency: str
    metrics: CustomerMetrics

    def as_json(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "customer_id": self.customer_id,
            "currency": self.currency,
            "order_count": m.order_count,
            "ltv_actual": str(m.ltv_actual),
            "ltv_predicted": str(m.ltv_predicted),
            "aov": str(m.aov),
            "frequency_days": None if m.frequency_days is None else round(m.frequency_days, 1),
            "purchases_per_year": None if m.purchases_per_year is None else round(m.purchases_per_year, 2),
            "recency_days": m.recency_days,
            "churn_risk": None if m.churn_risk is None else m.churn_risk.value.lower(),
            "churn_reason": m.churn_reason,
            "first_order": None if m.first_order is None else m.first_order.isoformat(),
            "last_order": None if m.last_order is None else m.last_order.isoformat(),
        }


def _counted(*where: Any) -> Any:
    return (t.Order.deleted_at.is_(None), t.Order.status.in_(_COUNTED), *where)


def _resolve(bench: Bench, customer_id: str) -> str:
    """The customer itself, or the survivor it was merged into (followed to the end of the chain)."""
    seen: set[str] = set()
    with bench.store.session() as s:
        current = customer_id
        while True:
            merged_into = s.execute(select(t.Customer.merged_into).where(t.Customer.id == current)).first()
            if merged_into is None:
                raise NotFound(f"no customer {current}")
            if not merged_into[0] or merged_into[0] in seen:
                return current
            seen.add(current)
            current = merged_into[0]


def bench_interval(bench: Bench) -> float | None:
    """The median, over customers with two or more counted orders, of their mean days between orders."""
    span = (func.julianday(func.max(t.Order.order_date)) - func.julianday(func.min(t.Order.order_date))) / (
        func.count() - 1
    )
    q = (
        select(span)
        .where(*_counted(t.Order.customer_id.is_not(None)))
        .group_by(t.Order.customer_id)
        .having(func.count() >= 2)
    )
    with bench.store.session() as s:
        return ca.median_interval(float(v) for v in s.scalars(q) if v is not None)


def customer_analytics(bench: Bench, customer_id: str) -> CustomerAnalytics:
    """One customer's metrics (a merged customer's are its survivor's), as of the bench clock."""
    resolved = _resolve(bench, customer_id)
    with bench.store.session() as s:
        rows = s.execute(
            select(t.Order.order_date, t.Order.total_amount, t.Order.currency).where(
                *_counted(t.Order.customer_id == resolved)
            )
        ).all()
    purchases = [ca.Purchase(at=when, amount=amount) for when, amount, _ in rows]
    currencies = {currency for _, _, currency in rows}
    # The bench-wide gap is needed only for a one-order customer (their own gap does not exist).
    usual = bench_interval(bench) if len(purchases) == 1 else None
    metrics = ca.customer_metrics(purchases, bench.clock.now(), bench_interval=usual)
    return CustomerAnalytics(resolved, currencies.pop() if len(currencies) == 1 else "", metrics)


def customer_metrics(bench: Bench, customer_id: str) -> CustomerMetrics:
    return customer_analytics(bench, customer_id).metrics


def cohort_table(bench: Bench, months: int = 12) -> CohortTable:
    """Retention by first-order month for the last `months` months, the current one included."""
    if not 1 <= months <= MAX_MONTHS:
        raise UserError(f"months must be between 1 and {MAX_MONTHS}")
    today = bench.clock.now().astimezone(UTC).date()
    index = today.year * 12 + today.month - 1 - (months - 1)
    start = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
    with bench.store.session() as s:
        first = s.execute(
            select(t.Order.customer_id, func.min(t.Order.order_date))
            .where(*_counted(t.Order.customer_id.is_not(None)))
            .group_by(t.Order.customer_id)
            .having(func.min(t.Order.order_date) >= start)
        ).all()
        members = {customer_id for customer_id, _ in first if customer_id is not None}
        later = s.execute(
            select(t.Order.customer_id, t.Order.order_date).where(*_counted(t.Order.order_date >= start))
        ).all()
    # Each member's first order is among `later` (it is on or after the window's start).
    pairs = [(cid, when) for cid, when in later if cid is not None and cid in members]
    return ca.cohort_table(pairs, today=today, months=months)
