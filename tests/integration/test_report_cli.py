"""`shipstation-desktop report carriers|health|productivity`: the JSON contract, CSV export, bad input."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.carriers.http import RequestRecord
from shipstation_desktop.cli import main
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import packing, telemetry
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.orders import add_order


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    data = json.loads(out) if out.strip().startswith(("{", "[")) else out
    return code, data, err


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two orders shipped through the pack flow today, and two recorded carrier API calls."""
    path = tmp_path_factory.mktemp("report-bench")
    bench = open_bench(path)
    try:
        for number in ("SO-1", "SO-2"):
            add_order(bench, number)
            packing.ship(bench, number, weight=Weight.of("1.2", "kg"))
        record = telemetry.api_call_recorder(bench.store, bench.clock)
        record(RequestRecord("UPS", "POST", "/api/rating/v2409/Shop", 200, 0.25))
        record(RequestRecord("UPS", "GET", "/api/track/v1/details/1Z999AA10123456784", None, 20.0, "ReadTimeout"))
    finally:
        bench.close()
    return path


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def test_report_carriers_json_contract(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = _today()
    code, data, err = run(
        capsys, "--data-dir", str(data_dir), "report", "carriers", "--from", today, "--to", today, "--json"
    )
    assert (code, err) == (0, "")
    assert (data["from"], data["to"]) == (today, today)
    (row,) = data["carriers"]
    assert {
        "carrier",
        "service",
        "shipments",
        "delivered",
        "on_time_pct",
        "avg_transit_days",
        "exception_rate_pct",
        "label_success_pct",
        "cost_per_shipment",
        "currency",
    } <= set(row)
    assert (row["carrier"], row["shipments"], row["delivered"], row["on_time_pct"]) == ("simulated", 2, 0, None)
    assert row["label_success_pct"] == 100.0 and row["exception_rate_pct"] == 0.0
    assert set(data["kpis"]) == {"tracking_lag_minutes", "label_success_pct"}
    assert data["kpis"]["label_success_pct"] == {"value": 100.0, "target": 99.5, "ok": True, "unit": "%"}
    assert data["kpis"]["tracking_lag_minutes"]["target"] == 30.0


def test_report_carriers_exports_csv(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = _today()
    target = tmp_path / "carriers.csv"
    code, text, _err = run(
        capsys, "report", "carriers", "--from", today, "--to", today, "--csv", str(target), "--data-dir", str(data_dir)
    )
    assert code == 0
    assert "simulated" in text and "label_success_pct: 100.0 (target 99.5) OK" in text
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert [(r["carrier"], r["shipments"], r["label_success_pct"]) for r in rows] == [("simulated", "2", "100.0")]


def test_report_health_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _err = run(capsys, "--data-dir", str(data_dir), "report", "health", "--json")
    assert code == 0
    (ups,) = data["carriers"]
    assert (ups["carrier"], ups["calls"], ups["failures"], ups["success_pct"]) == ("UPS", 2, 1, 50.0)
    assert {o["operation"] for o in data["operations"]} == {
        "POST /api/rating/v2409/Shop",
        "GET /api/track/v1/details/{id}",
    }
    assert data["sync"]["configured"] is False and data["sync"]["lag_minutes"] is None
    assert "pending" in data["jobs"]["by_state"]
    assert set(data["kpis"]) == {"tracking_lag_minutes", "label_success_pct"}


def test_report_productivity_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = _today()
    code, data, _err = run(
        capsys, "--data-dir", str(data_dir), "report", "productivity", "--from", today, "--to", today, "--json"
    )
    assert code == 0
    assert data["orders"] == 2
    (packer,) = data["packers"]
    assert (packer["packer"], packer["orders"]) == ("Bench 1", 2)
    assert [s["step"] for s in data["steps"]] == ["scan", "weigh", "rate", "buy", "print"]
    assert all(s["count"] == 2 for s in data["steps"])
    assert len(data["slowest"]) == 10


def test_an_empty_period_reports_no_data_not_errors(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    code, data, _err = run(
        capsys, "--data-dir", str(data_dir), "report", "carriers", "--from", old, "--to", old, "--json"
    )
    assert code == 0
    assert data["carriers"] == []
    assert data["kpis"]["label_success_pct"] == {"value": None, "target": 99.5, "ok": None, "unit": "%"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "carriers", "--from", "2026-02-30", "--to", "2026-03-01"], "'2026-02-30' is not a date"),
        (["report", "carriers", "--from", "yesterday", "--to", "2026-03-01"], "YYYY-MM-DD"),
        (["report", "productivity", "--from", "2026-03-02", "--to", "2026-03-01"], "before --from"),
        (["report", "health", "--hours", "-3"], "hours must be more than 0"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "--data-dir", str(data_dir), *argv, "--json")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err


def test_an_unwritable_csv_is_one_line(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = _today()
    target = tmp_path / "missing-dir" / "out.csv"
    code, _out, err = run(
        capsys, "--data-dir", str(data_dir), "report", "carriers", "--from", today, "--to", today, "--csv", str(target)
    )
    assert code == 1
    assert err.count("\n") == 1 and "cannot write" in err
