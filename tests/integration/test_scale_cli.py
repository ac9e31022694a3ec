"""`shipstation-desktop scale …`: the exact JSON contracts and one-line failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.cli import main
from shipstation_desktop.devices.scales.script import parse_script
from shipstation_desktop.devices.scales.simulator import Simulator
from shipstation_desktop.domain.units import WeightUnit


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_decode_hid_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(capsys, "scale", "decode-hid", "03040bff2c01", "--json")
    assert code == 0
    assert data == {"status": "stable", "value": 30, "unit": "oz", "grams": 850.48569375}


@pytest.mark.parametrize(
    ("report", "status", "value", "unit"),
    [
        ("030103000000", "fault", 0, "kg"),
        ("030202000000", "zero", 0, "g"),
        ("03030cfe7d00", "motion", 1.25, "lb"),
        ("030502000500", "under_zero", 5, "g"),
        ("0306030010ff", "over_weight", 65296, "kg"),
        ("03070b000000", "needs_calibration", 0, "oz"),
        ("03080b000000", "needs_rezero", 0, "oz"),
    ],
)
def test_decode_hid_statuses(
    capsys: pytest.CaptureFixture[str], report: str, status: str, value: float, unit: str
) -> None:
    code, data, _ = run(capsys, "scale", "decode-hid", report, "--json")
    assert code == 0
    assert (data["status"], data["value"], data["unit"]) == (status, value, unit)
    assert set(data) == {"status", "value", "unit", "grams"}


@pytest.mark.parametrize(("report", "message"), [("nothex", "is not a report in hex"), ("0304", "has 6 bytes")])
def test_decode_hid_garbage_is_one_line(capsys: pytest.CaptureFixture[str], report: str, message: str) -> None:
    code, out, err = run(capsys, "scale", "decode-hid", report, "--json")
    assert code == 1 and out == ""
    assert err.startswith("shipstation-desktop: ") and message in err and err.count("\n") == 1


def test_read_contract_over_tcp(capsys: pytest.CaptureFixture[str]) -> None:
    with Simulator("sics", parse_script("motion:1.25kg/0.3, 1.25kg"), WeightUnit.KG) as sim:
        port = sim.start_tcp()
        code, data, err = run(capsys, "scale", "read", "--protocol", "sics", "--port", port, "--json")
    assert code == 0, err
    assert data == {"value": 1.25, "unit": "kg", "grams": 1250, "stable": True}


def test_read_toledo_in_pounds(capsys: pytest.CaptureFixture[str]) -> None:
    with Simulator("toledo", parse_script("2lb"), WeightUnit.LB) as sim:
        port = sim.start_tcp()
        code, data, err = run(
            capsys, "scale", "read", "--protocol", "toledo", "--port", port, "--baud", "9600", "--json"
        )
    assert code == 0, err
    assert data == {"value": 2, "unit": "lb", "grams": 907.18474, "stable": True}


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("motion:1kg", r"^shipstation-desktop: scale not stable within 1 s\n$"),
        ("over", r"^shipstation-desktop: the parcel is over the scale's capacity\n$"),
        ("silent", r"^shipstation-desktop: .* did not answer within 1 s\n$"),
        ("1kg/0.3, unplug", r"^shipstation-desktop: .*(disconnected|cannot open).*\n$"),
    ],
)
def test_read_failures_are_one_line(capsys: pytest.CaptureFixture[str], script: str, message: str) -> None:
    with Simulator("nci", parse_script(script), WeightUnit.KG) as sim:
        port = sim.start_tcp()
        code, out, err = run(capsys, "scale", "read", "--protocol", "nci", "--port", port, "--timeout", "1")
    assert code == 1 and out == ""
    assert re.match(message, err), err


def test_read_with_nothing_listening(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scale", "read", "--protocol", "cas", "--port", "socket://127.0.0.1:9", "--json")
    assert code == 1 and err.startswith("shipstation-desktop: cannot open socket://127.0.0.1:9")
    assert err.count("\n") == 1


def test_read_needs_a_port_for_serial_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scale", "read", "--protocol", "sics", "--json")
    assert code == 2 and "--port is required" in err


def test_read_the_scripted_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(
        capsys, "scale", "read", "--protocol", "sim", "--port", "motion:680g/0.2, 680g", "--unit", "g", "--json"
    )
    assert code == 0 and data == {"value": 680, "unit": "g", "grams": 680, "stable": True}


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, data, _ = run(capsys, "scale", "list", "--json")
    assert code == 0
    assert set(data) == {"serial", "hid", "hid_problem"}
    assert all(set(p) == {"port", "description", "hwid"} for p in data["serial"])
    code, text, _ = run(capsys, "scale", "list")
    assert "Serial ports:" in text and "USB (HID) scales:" in text


def cli(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "shipstation_desktop", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


@pytest.mark.slow
@pytest.mark.parametrize("where", ["--pty", "--listen"])
def test_simulate_command_then_read_it(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["--pty", "--link", str(tmp_path / "scale")] if where == "--pty" else ["--listen", "socket://127.0.0.1:0"]
    proc = cli("scale", "simulate", "--protocol", "cas", "--script", "motion:2kg/0.2, 2kg", "--unit", "kg", *extra)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "cas scale simulator on <address>"
        port = line.rsplit(" ", 1)[-1].strip()
        assert line.startswith("cas scale simulator on ") and port
        code, data, err = run(capsys, "scale", "read", "--protocol", "cas", "--port", port, "--json")
        assert code == 0, err
        assert data == {"value": 2, "unit": "kg", "grams": 2000, "stable": True}
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert not (tmp_path / "scale").exists()  # the pty link goes with the simulator


def test_simulate_rejects_a_bad_listen_address(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scale", "simulate", "--protocol", "sics", "--listen", "tcp://x")
    assert code == 1 and "is not socket://HOST:PORT" in err
    code, _, err = run(capsys, "scale", "simulate", "--protocol", "sics", "--pty", "--script", "wobble")
    assert code == 1 and "unknown kind" in err
