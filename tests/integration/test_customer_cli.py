"""`customers show|add|update|delete|restore|status|note|timeline|address` through the real CLI entry point:
JSON contracts, one stderr line per refused field with exit 1, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shipstation_desktop.cli import PROG, main


def run_cli(capsys: pytest.CaptureFixture[str], data_dir: Path, *argv: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(data_dir), *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and code == 0 else out), err


def test_customer_life_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "bench"
    code, jane, err = run_cli(
        capsys,
        d,
        "customers",
        "add",
        "--email",
        "Jane@Example.com",
        "--name",
        "Jane Doe",
        "--phone",
        "415 555 0132",
        "--status",
        "vip",
        "--source",
        "etsy",
        "--tag",
        "gift",
        "--tag",
        "wholesale",
        "--custom",
        "shoe=38",
        "--date-of-birth",
        "1990-04-21",
        "--json",
    )
    assert (code, err) == (0, "")
    assert {k: jane[k] for k in ("email", "name", "phone", "status", "source", "tags", "custom_fields")} == {
        "email": "Jane@Example.com",
        "name": "Jane Doe",
        "phone": "+14155550132",
        "status": "vip",
        "source": "etsy",
        "tags": ["gift", "wholesale"],
        "custom_fields": {"shoe": "38"},
    }
    assert jane["date_of_birth"] == "1990-04-21" and jane["version"] == 1
    cid = jane["id"]

    code, updated, _ = run_cli(
        capsys, d, "customers", "update", cid, "--gender", "f", "--add-tag", "repeat", "--remove-tag", "gift",
        "--custom", "shoe=", "--expected-version", "1", "--json",
    )  # fmt: skip
    assert code == 0
    assert (updated["gender"], updated["tags"], updated["custom_fields"], updated["version"]) == (
        "f",
        ["wholesale", "repeat"],
        {},
        2,
    )

    code, blocked, _ = run_cli(capsys, d, "customers", "status", cid, "BLOCKED", "--reason", "chargeback", "--json")
    assert (code, blocked["status"]) == (0, "blocked")
    code, note, _ = run_cli(capsys, d, "customers", "note", cid, "Call before delivery", "--pin", "--json")
    assert code == 0 and note["pinned"] and note["body"] == "Call before delivery"

    code, address, _ = run_cli(
        capsys, d, "customers", "address", "add", cid, "--line1", "1355 Market St", "--city", "San Francisco",
        "--state", "california", "--postal-code", "94103", "--country", "United States", "--type", "both",
        "--default", "--json",
    )  # fmt: skip
    assert code == 0
    assert (address["country"], address["state"], address["type"], address["is_default"]) == ("US", "CA", "both", True)
    assert address["name"] == "Jane Doe"  # the recipient defaults to the customer
    assert address["validation_status"] == "valid"  # the simulated carrier validates addresses

    code, override, _ = run_cli(
        capsys, d, "customers", "address", "override", address["id"], "--reason", "gate code 42", "--json"
    )
    assert code == 0 and (override["validation_status"], override["override_reason"]) == ("overridden", "gate code 42")

    code, shown, _ = run_cli(capsys, d, "customers", "show", cid, "--json")
    assert code == 0
    assert shown["status"] == "blocked" and [a["id"] for a in shown["addresses"]] == [address["id"]]
    assert [n["body"] for n in shown["notes"]] == ["Call before delivery"]
    assert set(shown) >= {"external_id", "date_of_birth", "gender", "custom_fields", "average_order_value"}

    code, timeline, _ = run_cli(capsys, d, "customers", "timeline", cid, "--json")
    assert code == 0
    assert [(e["kind"], e["title"]) for e in timeline] == [
        ("note", "Pinned note by packer"),
        ("status", "Status VIP → BLOCKED"),
    ]
    code, text, _ = run_cli(capsys, d, "customers", "timeline", cid)
    assert code == 0 and "Status VIP → BLOCKED" in text and "chargeback" in text

    code, _, _ = run_cli(capsys, d, "customers", "delete", cid)
    assert code == 0
    code, _, err = run_cli(capsys, d, "customers", "show", cid, "--json")
    assert code == 1 and err == f"{PROG}: No customer with id {cid}.\n"
    code, restored, _ = run_cli(capsys, d, "customers", "restore", cid, "--json")
    assert code == 0 and restored["deleted_at"] is None


def test_refused_fields_print_one_line_each_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path / "bench"
    code, jane, _ = run_cli(capsys, d, "customers", "add", "--email", "jane@example.com", "--name", "Jane", "--json")
    assert code == 0

    code, out, err = run_cli(
        capsys, d, "customers", "add", "--email", "JANE@example.com", "--name", "Other", "--phone", "12",
        "--status", "gold", "--json",
    )  # fmt: skip
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["email", "phone", "status"]
    assert all(line.startswith(f"{PROG}: ") for line in lines)
    assert f"Jane (id {jane['id']})" in lines[0]
    assert "Traceback" not in err

    code, _, err = run_cli(
        capsys, d, "customers", "address", "add", jane["id"], "--line1", "1 Main St", "--city", "Berlin",
        "--postal-code", "1234", "--country", "Atlantis", "--phone", "123",
    )  # fmt: skip
    assert code == 1
    assert err.splitlines() == [
        f"{PROG}: country: 'ATLANTIS' is not a country (use its ISO code, like US or DE, or its name)"
    ]
    code, _, err = run_cli(
        capsys, d, "customers", "address", "add", jane["id"], "--line1", "1 Main St", "--city", "Berlin",
        "--postal-code", "1234", "--country", "DE", "--phone", "123",
    )  # fmt: skip
    assert code == 1
    assert err.splitlines() == [
        f"{PROG}: postal_code: '1234' is not a DE postal code (5 digits)",
        f"{PROG}: phone: '123' is not a valid phone number for DE",
    ]

    code, _, err = run_cli(capsys, d, "customers", "status", jane["id"], "BLOCKED", "--reason", " ")
    assert code == 1 and err.startswith(f"{PROG}: reason: say why") and err.count("\n") == 1
    code, _, err = run_cli(capsys, d, "customers", "update", jane["id"], "--name", "J", "--expected-version", "7")
    assert code == 1 and "changed meanwhile" in err and err.count("\n") == 1
    code, _, err = run_cli(capsys, d, "customers", "note", "no-such-id", "hello")
    assert code == 1 and err == f"{PROG}: No customer with id no-such-id.\n"
