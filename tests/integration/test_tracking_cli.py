"""`tracking identify`, `tracking parse`, `tracking poll` and `track`: the JSON contracts and one-line errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "carriers"
STATUSES = {
    "pending",
    "label_created",
    "picked_up",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "returned_to_sender",
    "lost",
    "damaged",
    "cancelled",
}
EXCEPTIONS = {
    None,
    "delivery_failed",
    "address_issue",
    "customs_delay",
    "weather_delay",
    "damaged_in_transit",
    "lost_in_transit",
    "refused_by_recipient",
}
PARSE_CARRIERS = ("ups", "fedex", "usps", "dhl", "shipstation")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in argv else out), err


def _bodies(error: bool) -> list[tuple[str, Path]]:
    found = []
    for carrier in PARSE_CARRIERS:
        for path in sorted((DATA / carrier).glob("track_*.json")):
            if path.name.startswith("track_error") == error:
                found.append((carrier, path))
    return found


def test_identify_lists_each_number_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(
        capsys, "tracking", "identify", "1Z999AA10123456784", "9400 1112 0108 0805 4830 16", "nope", "--json"
    )
    assert code == 0
    assert data == [
        {"number": "1Z999AA10123456784", "valid": True, "carriers": ["ups"]},
        {"number": "9400111201080805483016", "valid": True, "carriers": ["usps"]},
        {"number": "NOPE", "valid": False, "carriers": []},
    ]


def test_identify_without_json_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tracking", "identify", "LSO12345678903")
    assert code == 0 and "LSO12345678903" in out and "lso" in out


def test_every_carrier_has_sample_bodies() -> None:
    carriers = {c for c, _ in _bodies(error=False)}
    assert carriers == set(PARSE_CARRIERS)
    assert {c for c, _ in _bodies(error=True)} == set(PARSE_CARRIERS)


@pytest.mark.parametrize(("carrier", "path"), _bodies(error=False), ids=lambda v: getattr(v, "name", v))
def test_parse_normalizes_every_sample(carrier: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = run(capsys, "tracking", "parse", "--carrier", carrier, str(path), "--json")
    assert code == 0, err
    assert {"tracking_number", "status", "estimated_delivery", "delivered_at", "events"} <= data.keys()
    assert data["status"] in STATUSES
    times = [datetime.fromisoformat(e["time"]) for e in data["events"]]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times, reverse=True)  # newest first
    for event in data["events"]:
        assert event["status"] in STATUSES and event["exception"] in EXCEPTIONS
        assert set(event) >= {"time", "status", "exception", "code", "description", "location"}
    if data["status"] == "delivered":
        assert data["delivered_at"] is not None


@pytest.mark.parametrize(("carrier", "path"), _bodies(error=True), ids=lambda v: getattr(v, "name", v))
def test_parse_of_an_error_body_is_one_clear_line(carrier: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "tracking", "parse", "--carrier", carrier, str(path), "--json")
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_parse_of_garbage_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x00\x01 not json {")
    for argv in (
        ("tracking", "parse", "--carrier", "ups", str(junk), "--json"),
        ("tracking", "parse", "--carrier", "fedex", str(tmp_path / "missing.json"), "--json"),
        ("tracking", "parse", "--carrier", "usps", str(tmp_path), "--json"),
    ):
        code, out, err = run(capsys, *argv)
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1, err
    code, _, err = run(capsys, "tracking", "parse", "--carrier", "acme", str(junk))
    assert code == 2 and "invalid choice" in err


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    assert main(["--data-dir", str(path), "demo", "seed", "--json"]) == 0
    return path


def test_track_asks_the_carrier_and_updates_the_shipment(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, shipments, _ = run(capsys, "--data-dir", str(demo_dir), "shipments", "list", "--json")
    assert code == 0
    live = next(s for s in shipments if s["status"] in ("label_created", "in_transit", "picked_up"))
    number = live["tracking_number"]
    code, data, err = run(capsys, "--data-dir", str(demo_dir), "track", number, "--carrier", "simulated", "--json")
    assert code == 0, err
    assert data["tracking_number"] == number and data["status"] in STATUSES
    assert data["tracking_url"].endswith(number)


def test_track_with_a_carrier_the_bench_lacks_is_one_line(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--data-dir", str(demo_dir), "track", "1Z999AA10123456784", "--carrier", "ups")
    assert code == 1 and "not set up on this bench" in err and len(err.strip().splitlines()) == 1


def test_tracking_poll_runs_one_poller_pass(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data, err = run(capsys, "--data-dir", str(demo_dir), "tracking", "poll", "--all", "--json")
    assert code == 0, err
    assert data["polled"] > 0 and data["failed"] == 0
    assert set(data) >= {"polled", "new_events", "not_found", "failed", "stopped", "next_due", "errors"}
