"""Customer analytics as pure rules: lifetime value, order value, purchase frequency, recency, churn
risk and cohort retention (seed 001 "Customer Analytics"). The services read orders into the small
records below; every rule lives here so known answers can check it. docs/customer-analytics.md
explains the same model for people who read the numbers.

Orders that count: every order except CANCELLED and RETURNED ones (`COUNTED`), which brought no
money in (a returned order is refunded).

With n counted orders of amounts a_i, the first at t_first and the last at t_last, at time `now`:

- actual LTV = sum(a_i); AOV = actual LTV / n (cents, half up).
- frequency (days) = (t_last - t_first) / (n - 1), the mean gap between orders; None when n < 2.
  purchases per year = 365.25 / max(frequency, 1 day).
- recency (days) = whole days from t_last to now.
- churn risk compares the time since the last order with the gap the customer usually leaves
  (`expected`): their own frequency with n >= 2; with one order, the bench-wide median of the
  customers' frequencies, or 90 days when no customer has two orders yet. ratio = days since the
  last order / expected: ratio > 2 is HIGH, ratio > 1.25 MEDIUM, otherwise LOW. No orders: no risk
  (None) and nothing predicted.
- predicted LTV (3-year horizon) = actual LTV + AOV x rate x (r + r^2 + r^3), where rate is the
  purchases per year (365.25 / expected for a one-order customer) and r the chance of still
  buying a year later, by churn risk: LOW 0.8, MEDIUM 0.5, HIGH 0.2. Year y's purchases are
  expected only if the customer is still around (probability r^y).

Cohorts: a customer's cohort is the UTC month of their first counted order; a cohort's retention at
offset k is the share of its customers with a counted order in the k-th month after that (offset 0
is always 1.0). A row's list stops at the current month: later months have not happened yet.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from .customer_rules import NOT_PURCHASES
from .enums import OrderStatus
from .errors import UserError

# Orders that brought money in; cancelled and returned (refunded) ones did not. One rule with the
# customer's stored totals, so LTV actual always equals total spent.
EXCLUDED = NOT_PURCHASES
COUNTED = frozenset(OrderStatus) - EXCLUDED

DAYS_PER_YEAR = 365.25
MIN_INTERVAL_DAYS = 1.0  # two orders the same day are one shopping trip, not 365 a year
DEFAULT_INTERVAL_DAYS = 90.0  # a one-order customer on a bench where nobody has ordered twice yet
HIGH_RATIO = 2.0
MEDIUM_RATIO = 1.25
HORIZON_YEARS = 3


class ChurnRisk(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


# The chance a customer still buys a year later, by churn risk (the predicted-LTV model above).
RETENTION: Mapping[ChurnRisk, Decimal] = MappingProxyType(
    {ChurnRisk.LOW: Decimal("0.8"), ChurnRisk.MEDIUM: Decimal("0.5"), ChurnRisk.HIGH: Decimal("0.2")}
)
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Purchase:
    """One counted order: when and how much."""

    at: datetime
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CustomerMetrics:
    ltv_actual: Decimal
    ltv_predicted: Decimal
    aov: Decimal
    frequency_days: float | None  # mean days between orders; None with fewer than 2 orders
    purchases_per_year: float | None  # None with fewer than 2 orders
    recency_days: int | None  # whole days since the last order; None without orders
    churn_risk: ChurnRisk | None  # None without orders
    churn_reason: str
    order_count: int
    first_order: datetime | None = None
    last_order: datetime | None = None


@dataclass(frozen=True, slots=True)
class CohortRow:
    cohort: str  # "YYYY-MM"
    size: int
    retention: list[float]  # share of the cohort ordering at month offset 0, 1, … up to the current month
    active: list[int]  # the same as customer counts


@dataclass(frozen=True, slots=True)
class CohortTable:
    months: int
    rows: list[CohortRow]  # oldest cohort first; months without a new customer are left out


def is_counted(status: OrderStatus | str) -> bool:
    """Whether an order in this status counts toward a customer's value."""
    return OrderStatus(status) in COUNTED


def _days(seconds: float) -> float:
    return seconds / 86400


def frequency_days(purchases: Sequence[Purchase]) -> float | None:
    """Mean days between consecutive orders: (last - first) / (n - 1); None with fewer than two."""
    if len(purchases) < 2:
        return None
    times = sorted(p.at for p in purchases)
    return _days((times[-1] - times[0]).total_seconds()) / (len(times) - 1)


def median_interval(intervals: Iterable[float]) -> float | None:
    """The bench-wide usual gap between orders: the median of the customers' own frequencies."""
    values = [v for v in intervals if v is not None]
    return statistics.median(values) if values else None


def churn(recency: float, own_interval: float | None, bench_interval: float | None) -> tuple[ChurnRisk, str, float]:
    """(risk, one-line reason, the expected gap in days) for a customer whose last order was
    `recency` days ago."""
    if own_interval is not None:
        expected, lead, basis = max(own_interval, MIN_INTERVAL_DAYS), "last order", "their usual"
    elif bench_interval is not None:
        expected, lead, basis = max(bench_interval, MIN_INTERVAL_DAYS), "one order", "the bench's median"
    else:
        expected, lead, basis = DEFAULT_INTERVAL_DAYS, "one order", "the default"
    ratio = recency / expected
    risk = ChurnRisk.HIGH if ratio > HIGH_RATIO else ChurnRisk.MEDIUM if ratio > MEDIUM_RATIO else ChurnRisk.LOW
    reason = f"{lead} {recency:.0f} days ago: {ratio:.1f}x {basis} {expected:.0f} days between orders"
    return risk, reason, expected


def predicted_ltv(actual: Decimal, aov: Decimal, per_year: float, risk: ChurnRisk) -> Decimal:
    """actual + AOV x purchases per year x (r + r^2 + r^3), r = RETENTION[risk]."""
    r = RETENTION[risk]
    years = sum((r**y for y in range(1, HORIZON_YEARS + 1)), Decimal(0))
    future = aov * Decimal(str(per_year)) * years
    return (actual + future).quantize(_CENT, ROUND_HALF_UP)


def customer_metrics(
    purchases: Sequence[Purchase], now: datetime, *, bench_interval: float | None = None
) -> CustomerMetrics:
    """One customer's numbers from their counted orders (any order; see the module docstring).

    `bench_interval`: the bench's median gap between orders (days), used for one-order customers."""
    n = len(purchases)
    if n == 0:
        return CustomerMetrics(
            ltv_actual=Decimal(0),
            ltv_predicted=Decimal(0),
            aov=Decimal(0),
            frequency_days=None,
            purchases_per_year=None,
            recency_days=None,
            churn_risk=None,
            churn_reason="no orders yet",
            order_count=0,
        )
    total = sum((p.amount for p in purchases), Decimal(0))
    aov = (total / n).quantize(_CENT, ROUND_HALF_UP)
    first = min(p.at for p in purchases)
    last = max(p.at for p in purchases)
    freq = frequency_days(purchases)
    per_year = DAYS_PER_YEAR / max(freq, MIN_INTERVAL_DAYS) if freq is not None else None
    since_last = max(_days((now - last).total_seconds()), 0.0)
    risk, reason, expected = churn(since_last, freq, bench_interval)
    rate = per_year if per_year is not None else DAYS_PER_YEAR / expected
    return CustomerMetrics(
        ltv_actual=total,
        ltv_predicted=predicted_ltv(total, aov, rate, risk),
        aov=aov,
        frequency_days=freq,
        purchases_per_year=per_year,
        recency_days=int(since_last),
        churn_risk=risk,
        churn_reason=reason,
        order_count=n,
        first_order=first,
        last_order=last,
    )


def _month_index(when: date | datetime) -> int:
    return when.year * 12 + when.month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def cohort_table(orders: Iterable[tuple[str, datetime]], *, today: date, months: int = 12) -> CohortTable:
    """Cohorts of the last `months` months (the current one included) from (customer id, order time)
    pairs of counted orders. Each customer's earliest order must be among the pairs (earlier orders
    put them in an older cohort, outside the table); later orders only count inside the window."""
    if months < 1:
        raise UserError("months must be 1 or more")
    current = _month_index(today)
    start = current - months + 1
    first: dict[str, int] = {}
    active: dict[str, set[int]] = defaultdict(set)
    for customer_id, at in orders:
        month = _month_index(at)
        if month > current:
            continue  # a future-dated order is not retention yet
        active[customer_id].add(month)
        if customer_id not in first or month < first[customer_id]:
            first[customer_id] = month
    members: dict[int, list[str]] = defaultdict(list)
    for customer_id, month in first.items():
        if month >= start:
            members[month].append(customer_id)
    rows = []
    for cohort in sorted(members):
        people = members[cohort]
        counts_by_offset = [
            sum(1 for c in people if cohort + offset in active[c]) for offset in range(current - cohort + 1)
        ]
        rows.append(
            CohortRow(
                cohort=_month_label(cohort),
                size=len(people),
                retention=[count / len(people) for count in counts_by_offset],
                active=counts_by_offset,
            )
        )
    return CohortTable(months=months, rows=rows)
