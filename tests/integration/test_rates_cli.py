"""`shipstation-desktop rates --shipment FILE --json`: the JSON contract on a demo bench."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.cli import main

RATE_KEYS = {
    "carrier",
    "service",
    "service_name",
    "amount",
    "currency",
    "transit_days",
    "billable_weight_grams",
    "dimensional_weight_grams",
    "insurance",
    "estimated_delivery",
    "rate_id",
}
SHIPMENT: dict[str, Any] = {
    "ship_to": {
        "name": "Ana Silva",
        "line1": "1 Congress Ave",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "country": "US",
        "email": "ana@example.com",
    },
    "package": {
        "weight": {"value": 2.5, "unit": "lb"},
        "dimensions": {"length": 30, "width": 20, "height": 10, "unit": "cm"},
        "insurance": {"amount": "250.00", "currency": "USD"},
    },
}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rates-demo")
    assert main(["--data-dir", str(path), "demo", "seed", "--json"]) == 0
    return path


def rates(capsys: pytest.CaptureFixture[str], data_dir: Path, shipment: Any, *extra: str) -> tuple[int, Any, str]:
    file = data_dir / "shipment.json"
    file.write_text(shipment if isinstance(shipment, str) else json.dumps(shipment), "utf-8")
    capsys.readouterr()
    code = main(["--data-dir", str(data_dir), "rates", "--shipment", str(file), "--json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_rates_json_shape(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = rates(capsys, demo_dir, {**SHIPMENT, "carriers": ["simulated", "ups"]})
    assert code == 0, err
    assert set(data) == {"rates", "selected", "reason", "errors"}
    assert [r["service"] for r in data["rates"]] == ["GROUND", "EXPRESS", "OVERNIGHT"]
    for r in data["rates"]:
        assert set(r) == RATE_KEYS
        assert r["carrier"] == "simulated" and r["currency"] == "USD"
        assert isinstance(r["amount"], str) and len(r["amount"].split(".")[1]) == 2
        # 2.5 lb = 1134 g actual; 30x20x10 cm / 5000 = 1.2 kg -> 1.5 kg in 500 g steps.
        assert r["billable_weight_grams"] == 1500 and r["dimensional_weight_grams"] == 1500
        # 250 USD insured: 1.15 per started 100 above the first 100, inside the simulated quote.
        assert r["insurance"] == "2.30"
        assert r["rate_id"].startswith("sim_")
    assert data["selected"] == data["rates"][0]  # the bench's rule: cheapest
    assert data["reason"] == "cheapest rate"
    assert data["errors"] == [{"carrier": "ups", "error": "not set up or not enabled on this bench"}]


def test_rule_from_the_file_and_the_flag(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = rates(capsys, demo_dir, {**SHIPMENT, "rule": "cheapest_within_days", "within_days": 3})
    assert code == 0
    assert (data["selected"]["service"], data["reason"]) == ("EXPRESS", "cheapest within 3 days")
    code, data, _ = rates(capsys, demo_dir, {**SHIPMENT, "rule": "cheapest_within_days", "within_days": 0})
    assert (data["selected"]["service"], data["reason"]) == ("OVERNIGHT", "fastest: nothing arrives within 0 days")
    code, data, _ = rates(capsys, demo_dir, {**SHIPMENT, "rule": "cheapest"}, "--rule", "fastest")
    assert (data["selected"]["service"], data["reason"]) == ("OVERNIGHT", "fastest rate")


def test_bench_settings_prefer_and_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = {
        "preferred_carriers": [{"carrier": "simulated", "service": "EXPRESS", "customer": "ANA@example.com"}],
        "excluded_services": ["simulated/OVERNIGHT"],
    }
    (tmp_path / "settings.json").write_text(json.dumps(settings), "utf-8")
    code, data, err = rates(capsys, tmp_path, SHIPMENT)
    assert code == 0, err
    assert [r["service"] for r in data["rates"]] == ["GROUND", "EXPRESS"]
    assert data["selected"]["service"] == "EXPRESS"
    assert data["reason"] == "preferred service simulated/EXPRESS for customer Ana Silva"


def test_international_needs_a_declared_value(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    abroad = {**SHIPMENT, "ship_to": {**SHIPMENT["ship_to"], "country": "DE", "postal_code": "10117", "state": ""}}
    code, data, err = rates(capsys, demo_dir, abroad)
    assert code == 1 and data is None
    assert "declared value is required for international shipments (US → DE)" in err and err.count("\n") == 1
    valued = {**abroad, "package": {**SHIPMENT["package"], "declared_value": {"amount": "80.00"}}}
    code, data, err = rates(capsys, demo_dir, valued)
    assert code == 0, err
    assert {r["service"] for r in data["rates"]} == {"GROUND", "EXPRESS"}  # no overnight abroad


def test_no_carrier_answers(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = rates(capsys, demo_dir, {**SHIPMENT, "carriers": ["ups"]})
    assert code == 1
    assert data == {
        "rates": [],
        "selected": None,
        "reason": "no rates",
        "errors": [{"carrier": "ups", "error": "not set up or not enabled on this bench"}],
    }
    assert err.count("\n") == 1 and "no rates: ups" in err
    heavy = {**SHIPMENT, "package": {"weight": {"value": 90, "unit": "kg"}}}
    code, data, err = rates(capsys, demo_dir, heavy)
    assert code == 1 and data["errors"][0]["carrier"] == "simulated" and "limit" in data["errors"][0]["error"]


@pytest.mark.parametrize(
    ("shipment", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "the file must be an object"),
        ({"package": SHIPMENT["package"]}, "ship_to is missing"),
        ({**SHIPMENT, "ship_to": {"city": "Austin"}}, "ship_to.country is missing"),
        ({**SHIPMENT, "ship_to": {"country": "USA"}}, "ship_to.country must be a two-letter ISO code"),
        ({**SHIPMENT, "ship_to": {"country": "US", "city": 5}}, "ship_to.city must be a string"),
        ({"ship_to": SHIPMENT["ship_to"]}, "package is missing"),
        ({**SHIPMENT, "package": {}}, "package.weight is missing"),
        ({**SHIPMENT, "package": {"weight": {"value": 2, "unit": "stone"}}}, "package.weight.unit must be one of"),
        ({**SHIPMENT, "package": {"weight": {"value": -1, "unit": "kg"}}}, "package.weight.value must be more than 0"),
        (
            {**SHIPMENT, "package": {"weight": {"value": 1, "unit": "kg"}, "dimensions": {"length": 3, "width": 2}}},
            "package.dimensions.height must be a number",
        ),
        (
            {**SHIPMENT, "package": {"weight": {"value": 1, "unit": "kg"}, "insurance": {"amount": "x"}}},
            "package.insurance.amount must be a number",
        ),
        (
            {
                **SHIPMENT,
                "package": {
                    "weight": {"value": 1, "unit": "kg"},
                    "declared_value": {"amount": 5, "currency": "dollars"},
                },
            },
            "package.declared_value.currency must be an ISO 4217 code",
        ),
        ({**SHIPMENT, "rule": "cheapest_please"}, "rule must be one of cheapest, fastest, cheapest_within_days"),
        ({**SHIPMENT, "carriers": "ups"}, "carriers must be a list of carrier codes"),
    ],
)
def test_bad_files_are_one_line_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shipment: Any, message: str
) -> None:
    code, data, err = rates(capsys, tmp_path, shipment)
    assert code == 1 and data is None
    assert message in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(tmp_path), "rates", "--shipment", str(tmp_path / "nope.json"), "--json"])
    _, err = capsys.readouterr()
    assert code == 1 and err.strip().endswith("nope.json: no such file") and err.count("\n") == 1


def test_text_output_marks_the_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "s.json"
    file.write_text(json.dumps(SHIPMENT), "utf-8")
    assert main(["--data-dir", str(tmp_path), "rates", "--shipment", str(file)]) == 0
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("*") and "GROUND" in lines[0] and "1500 g" in lines[0]
    assert lines[-1] == "selected: cheapest rate"
