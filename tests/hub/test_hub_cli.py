"""`hub serve`: start-up refusals in one line, and a real start in a subprocess answering /health."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shipstation_desktop.cli import _Parser, main
from shipstation_desktop.cli.hub import config_of

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


@pytest.fixture(autouse=True)
def no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSD_WEBHOOK_SECRET", raising=False)


def test_missing_webhook_secret_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "serve", "--central", UNREACHABLE]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "SSD_WEBHOOK_SECRET" in err and "hub/webhook_secret" in err


def test_unreachable_center_is_one_line_and_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SSD_WEBHOOK_SECRET", "s")
    assert main(["hub", "serve", "--central", UNREACHABLE]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "cannot reach the center" in err


@pytest.mark.postgres
def test_center_without_schema_is_refused(
    empty_center: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SSD_WEBHOOK_SECRET", "s")
    assert main(["hub", "serve", "--central", empty_center]) == 1
    assert "central upgrade" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [["--allow-ip", "10.0.0.0/33"], ["--rate-limit", "-1"], ["--port", "70000"]])
def test_bad_options_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "serve", "--central", UNREACHABLE, *bad]) == 2
    assert "see --help" in capsys.readouterr().err


def test_options_reach_the_hub_config() -> None:
    parser = _Parser(prog="t")
    from shipstation_desktop.cli import hub

    hub.add_commands(parser.add_subparsers(dest="command", parser_class=_Parser), _Parser)
    args = parser.parse_args(
        ["hub", "serve", "--central", UNREACHABLE, "--allow-ip", "10.1.2.3/8", "--allow-ip", "::1", "--rate-limit", "5"]
    )
    config = config_of(args)
    assert config.allow_ips == ("10.0.0.0/8", "::1/128")
    assert (config.rate_limit_per_minute, config.max_body_bytes, config.central_url) == (5, 1_000_000, UNREACHABLE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
@pytest.mark.slow
def test_serve_starts_and_answers_health(center: str, tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {"SSD_WEBHOOK_SECRET": "s", "SHIPSTATION_DESKTOP_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "shipstation_desktop", "hub", "serve", "--central", center, "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        for line in process.stderr:  # blocks until uvicorn reports it is listening (or the process ends)
            if "Uvicorn running on" in line:
                break
        else:
            pytest.fail(f"the hub exited with {process.wait()}")
        response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=30)
        assert response.status_code == 200
        assert response.json()["center"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()
