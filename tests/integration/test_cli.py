"""The CLI contract: JSON shapes, one-line errors, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.cli import main
from shipstation_desktop.persistence.db import SCHEMA_HEAD

ADDRESS_KEYS = {"name", "line1", "line2", "city", "postal_code", "country", "phone"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    data = json.loads(out) if "--json" in argv and code == 0 else out
    return code, data, err


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    assert main(["--data-dir", str(path), "demo", "seed", "--json"]) == 0
    return path


def test_demo_seed_makes_a_realistic_bench(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, orders, _ = run(capsys, "--data-dir", str(demo_dir), "orders", "list", "--json")
    assert code == 0
    assert len(orders) >= 200
    ready = [o for o in orders if o["status"] in ("confirmed", "processing")]
    assert len(ready) >= 100
    assert {o["status"] for o in orders} >= {"pending", "shipped", "delivered", "cancelled"}
    countries = {o["ship_to"]["country"] for o in orders}
    assert len(countries) >= 5
    assert any(not o["ship_to"]["name"].isascii() for o in orders)
    for o in orders:
        assert o["ship_to"].keys() >= ADDRESS_KEYS
        assert o["order_number"]
    code, customers, _ = run(capsys, "--data-dir", str(demo_dir), "customers", "list", "--json")
    assert 45 <= len(customers) <= 60 and {"id", "email", "name", "addresses"} <= customers[0].keys()
    code, page, _ = run(capsys, "--data-dir", str(demo_dir), "customers", "list", "--page-size", "20", "--json")
    assert page["total"] == len(customers) and len(page["items"]) == 20 and page["has_more"] is True
    code, exceptions, _ = run(capsys, "--data-dir", str(demo_dir), "exceptions", "list", "--json")
    assert exceptions and {"id", "type", "severity", "description"} <= exceptions[0].keys()
    code, again, _ = run(capsys, "--data-dir", str(demo_dir), "demo", "seed", "--json")
    assert again["skipped"] is True


def test_list_filters(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, some, _ = run(
        capsys, "--data-dir", str(demo_dir), "orders", "list", "--status", "pending", "--limit", "3", "--json"
    )
    assert len(some) == 3 and all(o["status"] == "pending" for o in some)
    _, shipments, _ = run(capsys, "--data-dir", str(demo_dir), "shipments", "list", "--json")
    assert shipments and {"tracking_number", "order_number", "carrier", "status"} <= shipments[0].keys()


def test_ship_prints_the_shipment(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, ready, _ = run(capsys, "--data-dir", str(demo_dir), "orders", "list", "--status", "confirmed", "--json")
    number = next(o["order_number"] for o in ready if o["customer_name"] and o["expected_weight_grams"])
    code, shipment, err = run(capsys, "--data-dir", str(demo_dir), "ship", number, "--json")
    assert code == 0, err
    assert shipment["order_number"] == number
    assert shipment["status"] == "label_created"
    assert shipment["carrier"] == "simulated"
    assert shipment["tracking_number"].startswith("1Z")
    assert shipment["printed"] is True and Path(shipment["label_path"]).exists()
    assert shipment["weight_check"]["ok"] is True
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "ship", number, "--json")
    assert code == 1 and "already shipped" in err and err.count("\n") == 1
    code, listed, _ = run(capsys, "--data-dir", str(demo_dir), "shipments", "list", "--search", number, "--json")
    assert [s["tracking_number"] for s in listed] == [shipment["tracking_number"]]
    code, voided, _ = run(
        capsys, "--data-dir", str(demo_dir), "shipments", "void", shipment["tracking_number"], "--json"
    )
    assert voided["status"] == "cancelled"
    code, again, err = run(
        capsys, "--data-dir", str(demo_dir), "ship", number, "--weight", "3.1lb", "--service", "express", "--json"
    )
    assert code == 0, err
    assert again["service"] == "EXPRESS" and again["weight"]["unit"] == "lb"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ship", "NOPE-404", "--json"], "No order 'NOPE-404'"),
        (["ship", "X", "--weight", "heavy"], "is not a weight"),
        (["orders", "list", "--status", "lost"], "is not one of"),
        (["orders", "list", "--limit", "-1"], "must be 0 or more"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code = main(["--data-dir", str(tmp_path), *argv])
    out, err = capsys.readouterr()
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert out == ""


def test_a_corrupt_database_is_named_not_recreated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "bench.sqlite3"
    db.write_bytes(b"\x00garbage" * 1000)
    code = main(["--data-dir", str(tmp_path), "orders", "list", "--json"])
    _, err = capsys.readouterr()
    assert code == 1 and str(db) in err and err.count("\n") == 1
    assert db.read_bytes().startswith(b"\x00garbage")


def test_data_dir_may_follow_the_command(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, orders, _ = run(capsys, "orders", "list", "--limit", "2", "--json", "--data-dir", str(demo_dir))
    assert code == 0 and len(orders) == 2


def test_db_upgrade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    out, _ = capsys.readouterr()
    assert f"at schema {SCHEMA_HEAD} (was None)" in out
    assert main(["--data-dir", str(tmp_path), "db", "upgrade"]) == 0
    assert "(was" not in capsys.readouterr().out


def test_diagnostics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "diagnostics"]) == 0
    out = capsys.readouterr().out
    assert "Database:" in out and "Keyring:" in out and str(tmp_path) in out


def test_entry_points_run_as_a_newcomer_would(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPSTATION_DESKTOP_HOME": str(tmp_path)}
    help_text = subprocess.run(
        [sys.executable, "-m", "shipstation_desktop", "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    for command in ("gui", "db", "demo", "orders", "ship", "shipments", "exceptions", "customers"):
        assert command in help_text
    bad = subprocess.run(
        [sys.executable, "-m", "shipstation_desktop", "ship", "NOPE"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
