"""Customer analytics through the services on a bench database (services/customer_analytics.py), with
numbers worked out by hand, and `customers analytics|cohorts`.

The bench's customers (today is 2026-04-21):
- R: 01-01 $40, 01-31 $60, 03-02 $50, 04-01 $50 (30 days apart), plus a returned order (02-15) and a
  cancelled one (04-10) that do not count;
- T: 02-01, 03-23 (50 days); M: 03-05, 04-02 (28 days); OLD: 2025-12-15, 2026-02-14 (61 days);
- ONE: a single $100 order on 03-12; CANC: only a cancelled order.
The bench's median gap is the median of 30, 50, 28 and 61: 40 days.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from shipstation_desktop.cli import main
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.customer_analytics import ChurnRisk
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import NotFound, UserError
from shipstation_desktop.services import customer_analytics, customer_merge
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.customer_rows import add_customer, add_order

TODAY = datetime(2026, 4, 21, tzinfo=UTC)


def _d(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[tuple[Bench, dict[str, str]]]:
    bench = open_bench(tmp_path / "bench", clock=FakeClock(TODAY))
    ids = {
        name: add_customer(bench, f"{name.lower()}@example.com", name) for name in ("R", "T", "M", "OLD", "ONE", "CANC")
    }
    orders = {
        "R": [
            (_d(2026, 1, 1), "40.00"),
            (_d(2026, 1, 31), "60.00"),
            (_d(2026, 3, 2), "50.00"),
            (_d(2026, 4, 1), "50.00"),
        ],
        "T": [(_d(2026, 2, 1), "10.00"), (_d(2026, 3, 23), "30.00")],
        "M": [(_d(2026, 3, 5), "20.00"), (_d(2026, 4, 2), "20.00")],
        "OLD": [(_d(2025, 12, 15), "70.00"), (_d(2026, 2, 14), "70.00")],
        "ONE": [(_d(2026, 3, 12), "100.00")],
    }
    n = 0
    for name, placed in orders.items():
        for at, amount in placed:
            n += 1
            add_order(bench, ids[name], f"SO-{n}", amount, at)
    add_order(bench, ids["R"], "SO-RET", "80.00", _d(2026, 2, 15), status=OrderStatus.RETURNED)
    add_order(bench, ids["R"], "SO-CAN", "500.00", _d(2026, 4, 10), status=OrderStatus.CANCELLED)
    add_order(bench, ids["CANC"], "SO-CAN2", "30.00", _d(2026, 2, 10), status=OrderStatus.CANCELLED)
    add_order(bench, None, "SO-GUEST", "15.00", _d(2026, 2, 10))  # no customer: in no cohort
    yield bench, ids
    bench.close()


def test_a_regular_customers_metrics(shop: tuple[Bench, dict[str, str]]) -> None:
    bench, ids = shop
    result = customer_analytics.customer_analytics(bench, ids["R"])
    m = result.metrics

    assert (result.customer_id, result.currency) == (ids["R"], "USD")
    assert (m.order_count, m.ltv_actual, m.aov) == (4, Decimal("200.00"), Decimal("50.00"))
    assert (m.frequency_days, m.recency_days, m.churn_risk) == (pytest.approx(30.0), 20, ChurnRisk.LOW)
    assert m.ltv_predicted == Decimal("1388.28")  # 200 + 50 x 12.175 x 1.952
    assert result.as_json() == {
        "customer_id": ids["R"],
        "currency": "USD",
        "order_count": 4,
        "ltv_actual": "200.00",
        "ltv_predicted": "1388.28",
        "aov": "50.00",
        "frequency_days": 30.0,
        "purchases_per_year": 12.18,
        "recency_days": 20,
        "churn_risk": "low",
        "churn_reason": "last order 20 days ago: 0.7x their usual 30 days between orders",
        "first_order": "2026-01-01T00:00:00+00:00",
        "last_order": "2026-04-01T00:00:00+00:00",
    }


def test_a_one_order_customer_is_judged_by_the_bench_median(shop: tuple[Bench, dict[str, str]]) -> None:
    bench, ids = shop
    assert customer_analytics.bench_interval(bench) == pytest.approx(40.0)

    m = customer_analytics.customer_metrics(bench, ids["ONE"])
    assert (m.order_count, m.recency_days, m.frequency_days, m.churn_risk) == (1, 40, None, ChurnRisk.LOW)
    assert m.churn_reason == "one order 40 days ago: 1.0x the bench's median 40 days between orders"
    assert m.ltv_predicted == Decimal("1882.42")  # 100 + 100 x (365.25 / 40) x 1.952

    # Time passes: 81 days after the order is more than twice the usual gap.
    assert isinstance(bench.clock, FakeClock)
    bench.clock.advance(timedelta(days=41).total_seconds())
    assert customer_analytics.customer_metrics(bench, ids["ONE"]).churn_risk is ChurnRisk.HIGH


def test_no_counted_orders_and_unknown_customers(shop: tuple[Bench, dict[str, str]]) -> None:
    bench, ids = shop
    m = customer_analytics.customer_metrics(bench, ids["CANC"])
    assert (m.order_count, m.ltv_actual, m.churn_risk, m.churn_reason) == (0, Decimal(0), None, "no orders yet")
    with pytest.raises(NotFound, match="no customer nope"):
        customer_analytics.customer_metrics(bench, "nope")


def test_a_merged_customers_analytics_are_the_survivors(shop: tuple[Bench, dict[str, str]]) -> None:
    bench, ids = shop
    customer_merge.merge(bench, ids["T"], ids["M"])

    result = customer_analytics.customer_analytics(bench, ids["M"])
    assert result.customer_id == ids["T"]
    # T now owns 02-01 $10, 03-05 $20, 03-23 $30, 04-02 $20: 60 days over 3 gaps.
    assert (result.metrics.order_count, result.metrics.ltv_actual) == (4, Decimal("80.00"))
    assert result.metrics.frequency_days == pytest.approx(20.0)


def test_cohort_retention_table(shop: tuple[Bench, dict[str, str]]) -> None:
    bench, _ = shop
    table = customer_analytics.cohort_table(bench, months=4)

    # January: R (the returned February order does not count); February: T (OLD started in December);
    # March: M and ONE; April: nobody new.
    assert [(r.cohort, r.size, r.active) for r in table.rows] == [
        ("2026-01", 1, [1, 0, 1, 1]),
        ("2026-02", 1, [1, 1, 0]),
        ("2026-03", 2, [2, 1]),
    ]
    assert table.rows[2].retention == [1.0, 0.5]
    assert customer_analytics.cohort_table(bench, months=1).rows == []
    with pytest.raises(UserError, match="months must be between 1 and 120"):
        customer_analytics.cohort_table(bench, months=0)


# ---------------------------------------------------------------------------------------------- CLI


def _cli(capsys: pytest.CaptureFixture[str], bench: Bench, *argv: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(bench.paths.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_analytics_and_cohorts(bench: Bench, capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI opens the bench with the real clock: orders are placed relative to now."""
    now = bench.clock.now()
    ana = add_customer(bench, "ana@example.com", "Ana")
    add_order(bench, ana, "SO-1", "30.00", now - timedelta(days=25))
    add_order(bench, ana, "SO-2", "50.00", now - timedelta(days=5))

    code, out, err = _cli(capsys, bench, "customers", "analytics", ana, "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["customer_id"], doc["order_count"], doc["ltv_actual"], doc["aov"]) == (ana, 2, "80.00", "40.00")
    assert (doc["frequency_days"], doc["recency_days"], doc["churn_risk"]) == (20.0, 5, "low")

    code, out, err = _cli(capsys, bench, "customers", "analytics", ana)
    assert code == 0 and "ltv_predicted" in out and "churn_reason" in out

    code, out, err = _cli(capsys, bench, "customers", "cohorts", "--months", "3", "--json")
    assert (code, err) == (0, "")
    expected = customer_analytics.cohort_table(bench, months=3)
    assert json.loads(out) == {
        "months": 3,
        "rows": [
            {"cohort": r.cohort, "size": r.size, "retention": r.retention, "active": r.active} for r in expected.rows
        ],
    }
    assert sum(r["size"] for r in json.loads(out)["rows"]) == 1

    code, out, err = _cli(capsys, bench, "customers", "cohorts")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["cohort", "size", "+0"]

    code, out, err = _cli(capsys, bench, "customers", "analytics", "nope")
    assert code == 1 and out == "" and err.strip().endswith("no customer nope")
    code, out, err = _cli(capsys, bench, "customers", "cohorts", "--months", "0")
    assert code == 2 and "must be 1 or more" in err
