"""`pickup request` end to end: the CLI, the pickups service and the LSO adapter against the fake LSO server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.carriers.lso.fake_server import FakeLsoServer
from shipstation_desktop.cli import main
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.pickups import schedule_pickup
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.settings import paths
from shipstation_desktop.settings.model import BenchSettings, CarrierAccount
from shipstation_desktop.settings.secrets import SecretStore, secret_key


@pytest.fixture
def lso_server() -> Iterator[FakeLsoServer]:
    with FakeLsoServer() as server:
        yield server


@pytest.fixture
def data_dir(tmp_path: Path, lso_server: FakeLsoServer) -> Path:
    settings = BenchSettings(
        carriers=[CarrierAccount(code="simulated"), CarrierAccount(code="lso", base_url=lso_server.url)]
    )
    settings_model.save(paths.resolve(tmp_path).settings_file, settings)
    SecretStore().set(secret_key("lso", "api_key"), lso_server.api_key)
    return tmp_path


def in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_request_books_an_lso_pickup(
    data_dir: Path, lso_server: FakeLsoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    day = in_days(2)
    code, data, err = run(
        capsys, "--data-dir", str(data_dir), "pickup", "request", "--carrier", "lso", "--date", day,
        "--slot", "afternoon", "--packages", "4", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert data == {"confirmation": data["confirmation"], "carrier": "lso", "date": day, "slot": "afternoon"}
    booked = lso_server.pickups[data["confirmation"]]
    assert (booked["pickupDate"], booked["timeSlot"], booked["packageCount"]) == (day, "afternoon", 4)
    assert booked["address"]["city"] == "Reno" and booked["address"]["phone"] == "+17755550100"  # the ship-from
    assert date.fromisoformat(booked["pickupDate"]) == date.fromisoformat(day)


def test_text_output_and_default_slot(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "--data-dir", str(data_dir), "pickup", "request", "--carrier", "LSO", "--date", in_days(1)
    )
    assert code == 0, err
    assert out.startswith("pickup PU") and "booked with lso" in out and "(morning, 1 package)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--carrier", "lso", "--date", in_days(0)), "or later, not"),
        (("--carrier", "ups", "--date", in_days(2)), "'ups' is not set up on this bench"),
        (("--carrier", "simulated", "--date", in_days(2)), "does not take pickup requests"),
    ],
)
def test_refusals_are_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "--data-dir", str(data_dir), "pickup", "request", *argv, "--json")
    assert code == 1 and message in err and err.count("\n") == 1


def test_missing_api_key_names_it(
    data_dir: Path, lso_server: FakeLsoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    SecretStore().delete(secret_key("lso", "api_key"))
    code, _, err = run(
        capsys, "--data-dir", str(data_dir), "pickup", "request", "--carrier", "lso", "--date", in_days(2)
    )
    assert code == 1 and "no api key saved" in err
    assert lso_server.pickups == {}


def test_bad_input_from_a_shell(tmp_path: Path) -> None:
    env = {**os.environ, "SHIPSTATION_DESKTOP_HOME": str(tmp_path)}
    bad = subprocess.run(
        [sys.executable, "-m", "shipstation_desktop", "pickup", "request", "--carrier", "lso", "--date", "31/01/2026"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2 and "not a date like" in bad.stderr and "Traceback" not in bad.stderr


def test_service_builds_an_account_added_after_start(bench: Bench, lso_server: FakeLsoServer) -> None:
    assert "lso" not in bench.carriers
    bench.settings.carriers.append(CarrierAccount(code="lso", base_url=lso_server.url))
    bench.secrets.set(secret_key("lso", "api_key"), lso_server.api_key)
    day = datetime.now(UTC).date() + timedelta(days=3)
    done = schedule_pickup(bench, "lso", day, "morning", packages=2, instructions="  Gate 3  ")
    assert (done.carrier, done.date, done.time_slot, done.packages) == ("lso", day, "morning", 2)
    assert lso_server.pickups[done.confirmation]["specialInstructions"] == "Gate 3"
    with pytest.raises(UserError, match="not a pickup slot"):
        schedule_pickup(bench, "lso", day, "evening")
    with pytest.raises(UserError, match="is not set up on this bench"):
        schedule_pickup(bench, "no-such", day)
