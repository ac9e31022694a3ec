"""Known answers for the customer analytics rules (domain/customer_analytics.py), computed by hand.

The standard customer: four orders 30 days apart — 2026-01-01 $40, 01-31 $60, 03-02 $50, 04-01 $50.
Total $200, AOV $50, frequency 30 days, 365.25 / 30 = 12.175 purchases a year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shipstation_desktop.domain import customer_analytics as ca
from shipstation_desktop.domain.customer_analytics import ChurnRisk, Purchase
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import UserError


def _at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


LAST = _at(2026, 4, 1)
REGULAR = [
    Purchase(_at(2026, 1, 1), Decimal("40.00")),
    Purchase(_at(2026, 1, 31), Decimal("60.00")),
    Purchase(_at(2026, 3, 2), Decimal("50.00")),
    Purchase(LAST, Decimal("50.00")),
]


def test_a_regular_customer_twenty_days_after_their_last_order() -> None:
    m = ca.customer_metrics(REGULAR, LAST + timedelta(days=20))

    assert m.order_count == 4
    assert m.ltv_actual == Decimal("200.00")
    assert m.aov == Decimal("50.00")
    assert m.frequency_days == pytest.approx(30.0)
    assert m.purchases_per_year == pytest.approx(12.175)
    assert m.recency_days == 20
    assert m.churn_risk is ChurnRisk.LOW
    assert m.churn_reason == "last order 20 days ago: 0.7x their usual 30 days between orders"
    # 200 + 50 x 12.175 x (0.8 + 0.64 + 0.512) = 200 + 1188.284
    assert m.ltv_predicted == Decimal("1388.28")
    assert (m.first_order, m.last_order) == (_at(2026, 1, 1), LAST)


@pytest.mark.parametrize(
    ("days", "risk", "predicted"),
    [
        (37, ChurnRisk.LOW, "1388.28"),  # 1.23x
        (38, ChurnRisk.MEDIUM, "732.66"),  # 1.27x: 200 + 608.75 x (0.5 + 0.25 + 0.125)
        (60, ChurnRisk.MEDIUM, "732.66"),  # exactly 2x is not more than 2x
        (61, ChurnRisk.HIGH, "350.97"),  # 200 + 608.75 x (0.2 + 0.04 + 0.008) = 200 + 150.97
    ],
)
def test_churn_risk_is_the_time_since_the_last_order_against_the_usual_gap(
    days: int, risk: ChurnRisk, predicted: str
) -> None:
    m = ca.customer_metrics(REGULAR, LAST + timedelta(days=days))
    assert (m.recency_days, m.churn_risk, m.ltv_predicted) == (days, risk, Decimal(predicted))


def test_a_one_order_customer_is_measured_against_the_bench_median() -> None:
    one = [Purchase(_at(2026, 1, 10), Decimal("80.00"))]

    m = ca.customer_metrics(one, _at(2026, 3, 1), bench_interval=30.0)  # 50 days later: 1.67x
    assert (m.frequency_days, m.purchases_per_year) == (None, None)
    assert m.churn_risk is ChurnRisk.MEDIUM
    assert m.churn_reason == "one order 50 days ago: 1.7x the bench's median 30 days between orders"
    assert m.ltv_predicted == Decimal("932.25")  # 80 + 80 x 12.175 x 0.875

    # No customer has ordered twice yet: the default 90 days (365.25 / 90 = 4.0583… a year).
    m = ca.customer_metrics(one, _at(2026, 3, 1))
    assert m.churn_risk is ChurnRisk.LOW
    assert m.churn_reason == "one order 50 days ago: 0.6x the default 90 days between orders"
    assert m.ltv_predicted == Decimal("713.75")  # 80 + 80 x 4.058333 x 1.952 = 80 + 324.667 x 1.952 = 80 + 633.749


def test_no_orders_means_no_value_and_no_risk() -> None:
    m = ca.customer_metrics([], _at(2026, 3, 1), bench_interval=30.0)
    assert (m.order_count, m.ltv_actual, m.ltv_predicted, m.aov) == (0, 0, 0, 0)
    assert (m.frequency_days, m.purchases_per_year, m.recency_days, m.churn_risk) == (None, None, None, None)
    assert m.churn_reason == "no orders yet"


def test_aov_is_rounded_to_cents_and_same_day_orders_count_as_one_day_apart() -> None:
    t = _at(2026, 2, 1)
    m = ca.customer_metrics(
        [Purchase(t, Decimal("33.33")), Purchase(t, Decimal("33.33")), Purchase(t, Decimal("33.34"))],
        t + timedelta(hours=12),
    )
    assert m.aov == Decimal("33.33")
    assert m.frequency_days == 0.0
    assert m.purchases_per_year == pytest.approx(365.25)
    assert (m.recency_days, m.churn_risk) == (0, ChurnRisk.LOW)


def test_cancelled_and_returned_orders_do_not_count() -> None:
    assert not ca.is_counted(OrderStatus.CANCELLED)
    assert not ca.is_counted("returned")
    assert ca.is_counted(OrderStatus.PENDING) and ca.is_counted("delivered")
    assert frozenset(OrderStatus) == ca.COUNTED | ca.EXCLUDED


def test_the_bench_median_interval() -> None:
    assert ca.median_interval([10.0, 30.0, 20.0, 40.0]) == 25.0
    assert ca.median_interval([]) is None


def test_cohort_retention_by_first_order_month() -> None:
    orders = [
        ("A", _at(2025, 12, 20)),  # first ordered before the window: no cohort shown
        ("A", _at(2026, 1, 5)),
        ("B", _at(2026, 1, 3)),
        ("B", _at(2026, 2, 10)),
        ("C", _at(2026, 1, 20)),
        ("D", _at(2026, 1, 31)),
        ("D", _at(2026, 3, 1)),
        ("E", _at(2026, 2, 1)),
        ("E", _at(2026, 2, 20)),
        ("E", _at(2026, 3, 5)),
        ("F", _at(2026, 2, 14)),
        ("G", _at(2026, 3, 10)),
        ("H", _at(2026, 4, 1)),  # after today: not an order yet
    ]
    table = ca.cohort_table(orders, today=date(2026, 3, 15), months=3)

    assert table.months == 3
    assert [(r.cohort, r.size, r.active) for r in table.rows] == [
        ("2026-01", 3, [3, 1, 1]),
        ("2026-02", 2, [2, 1]),
        ("2026-03", 1, [1]),
    ]
    assert table.rows[0].retention == pytest.approx([1.0, 1 / 3, 1 / 3])
    assert table.rows[1].retention == [1.0, 0.5]
    assert table.rows[2].retention == [1.0]


def test_cohorts_skip_empty_months_and_refuse_a_zero_window() -> None:
    table = ca.cohort_table([("A", _at(2026, 1, 3)), ("A", _at(2026, 3, 3))], today=date(2026, 3, 31), months=12)
    assert [(r.cohort, r.active) for r in table.rows] == [("2026-01", [1, 0, 1])]
    assert ca.cohort_table([], today=date(2026, 3, 31)).rows == []
    with pytest.raises(UserError):
        ca.cohort_table([], today=date(2026, 3, 31), months=0)
