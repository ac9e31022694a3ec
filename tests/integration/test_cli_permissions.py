"""The CLI once a bench has users (issue 11): `--user NAME` + SSD_PASSWORD, each role's allowed and
refused commands ("permission denied: …", exit 1, audited), masked customers for packers, lock-out,
`users add` and `audit list` contracts. A bench without users keeps working as before (test_cli.py)."""

from __future__ import annotations

import argparse
import io
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import keyring
import pytest

from shipstation_desktop.cli import PROG, build_parser, main
from shipstation_desktop.cli.permissions import COMMAND_PERMISSIONS
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.domain.audit import AuditAction, AuditRecord
from shipstation_desktop.domain.clock import SystemClock
from shipstation_desktop.domain.enums import ExceptionType
from shipstation_desktop.domain.roles import PERMISSION_TEXT, Permission
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.services import audit, exception_queue, packing
from shipstation_desktop.services import exceptions as exc_service
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bootstrap import open_bench
from tests.fakes.keyring_backend import MemoryKeyring
from tests.fakes.orders import add_order

SECRETS = {"ana": "Admin1234", "sam": "Super1234", "pat": "2580"}  # pat logs in with the PIN
ROLES = {"ana": "admin", "sam": "supervisor", "pat": "packer"}
_KEYRING = MemoryKeyring()  # one for the module: the shared bench's PII key lives in it


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Overrides the conftest's: every test here opens the bench made once for the module."""
    previous = keyring.get_keyring()
    keyring.set_keyring(_KEYRING)
    yield _KEYRING
    keyring.set_keyring(previous)


def _main(mp: pytest.MonkeyPatch, argv: list[str], secret: str | None, stdin: str | None) -> int:
    if secret is None:
        mp.delenv("SSD_PASSWORD", raising=False)
    else:
        mp.setenv("SSD_PASSWORD", secret)
    if stdin is not None:
        mp.setattr("sys.stdin", io.StringIO(stdin))
    return main(argv)


def cli(
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    user: str | None,
    *argv: str,
    secret: str | None = None,
    stdin: str | None = None,
) -> tuple[int, Any, str]:
    args = ["--data-dir", str(data_dir), *(["--user", user] if user else []), *argv]
    with pytest.MonkeyPatch.context() as mp:
        code = _main(mp, args, secret if secret is not None else SECRETS.get(user or ""), stdin)
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in argv else out), err


def _entries(data_dir: Path, action: AuditAction, **filters: str) -> list[AuditRecord]:
    bench = open_bench(data_dir, reconcile=False)
    try:
        return audit.entries(bench, action=action.value, **filters)
    finally:
        bench.close()


@pytest.fixture(scope="module")
def staffed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three orders with labels, three open exceptions, customers; then users ana, sam and pat."""
    path = tmp_path_factory.mktemp("staffed")
    previous = keyring.get_keyring()
    keyring.set_keyring(_KEYRING)
    try:
        bench = open_bench(path, scale=SimulatedScale(SystemClock(), settle_time=0.01))
        try:
            for n in range(1, 7):
                add_order(bench, f"PERM-{n}", name=f"Emily Chen {n}")
            labels = [
                packing.ship(bench, f"PERM-{n}", weight=Weight(Decimal("1.2"), WeightUnit.KG)).shipment
                for n in (1, 2, 3)
            ]
            problems = [
                exc_service.raise_exception(
                    bench, type=ExceptionType.DAMAGED_IN_TRANSIT, description=f"box {n} dented", shipment_id=s.id
                )
                for n, s in enumerate(labels)
            ]
        finally:
            bench.close()
        with pytest.MonkeyPatch.context() as mp:
            add = ["--data-dir", str(path), "users", "add"]
            assert _main(mp, [*add, "ana", "--role", "admin", "--password-stdin"], None, "Admin1234\n") == 0
            login = ["--data-dir", str(path), "--user", "ana"]
            assert (
                _main(
                    mp,
                    [*login, *add[2:], "sam", "--role", "supervisor", "--password-stdin"],
                    "Admin1234",
                    "Super1234\n",
                )
                == 0
            )
            pat = [*login, *add[2:], "pat", "--role", "packer", "--password-stdin", "--pin-stdin"]
            assert _main(mp, pat, "Admin1234", "Packer123\n2580\n") == 0
        yield {"dir": path, "labels": labels, "problems": problems}
    finally:
        keyring.set_keyring(previous)


# ------------------------------------------------------------------------------------ the table


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> Iterator[str]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield prefix.strip()
        return
    for name, child in subs[0].choices.items():
        yield from _leaves(child, f"{prefix} {name}")


def test_every_command_has_a_permission() -> None:
    leaves = set(_leaves(build_parser()))
    assert {"ship", "shipments void", "users add", "audit list", "customers search"} <= leaves
    assert sorted(leaves - set(COMMAND_PERMISSIONS)) == []
    assert COMMAND_PERMISSIONS["gui"] is None and COMMAND_PERMISSIONS["db upgrade"] is None


# ------------------------------------------------------------------------------------ log-in


def test_without_a_log_in_every_command_is_refused(staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["orders", "list", "--json"], ["tracking", "identify", "1Z999AA10123456784"]):
        code, out, err = cli(capsys, staffed["dir"], None, *argv)
        assert code == 1 and out == ""
        assert err == f"{PROG}: permission denied: log in with --user NAME (password in SSD_PASSWORD)\n"
    code, _, err = cli(capsys, staffed["dir"], "pat", "orders", "list", secret="")
    assert code == 1 and "permission denied: no password for pat: put it (or the PIN) in SSD_PASSWORD" in err


def test_the_user_option_may_follow_the_command(staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        argv = ["orders", "list", "--limit", "2", "--json", "--user", "pat", "--data-dir", str(staffed["dir"])]
        assert _main(mp, argv, "2580", None) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    [login, *_] = _entries(staffed["dir"], AuditAction.LOGIN, user="pat")
    assert login.details == {"method": "pin"}


def test_a_wrong_password_counts_down_and_five_lock_the_user(
    staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = staffed["dir"]
    code, _, err = cli(
        capsys, data_dir, "ana", "users", "add", "lou", "--role", "packer", "--password-stdin", stdin="Louise123\n"
    )
    assert code == 0, err
    for left in (4, 3, 2, 1):
        code, out, err = cli(capsys, data_dir, "lou", "orders", "list", secret="Wrong1234")
        assert code == 1 and out == ""
        assert err == f"{PROG}: wrong password for lou ({left} attempt{'s' if left > 1 else ''} left)\n"
    code, _, err = cli(capsys, data_dir, "lou", "orders", "list", secret="Wrong1234")
    assert code == 1 and re.fullmatch(rf"{PROG}: wrong password for lou; lou is locked until \d\d:\d\d\n", err)
    code, _, err = cli(capsys, data_dir, "lou", "orders", "list", secret="Louise123")
    assert code == 1 and re.fullmatch(rf"{PROG}: lou is locked until (\d\d:\d\d)\n", err)
    code, listed, _ = cli(capsys, data_dir, "ana", "users", "list", "--json")
    [lou] = [u for u in listed if u["name"] == "lou"]
    until = datetime.fromisoformat(lou["locked_until"])
    assert timedelta(minutes=14) < until - datetime.now(UTC) <= timedelta(minutes=15)
    assert err.strip().endswith(f"{until.astimezone():%H:%M}")
    assert cli(capsys, data_dir, "ana", "users", "unlock", "lou")[0] == 0
    assert cli(capsys, data_dir, "lou", "orders", "list", "--json", secret="Louise123")[0] == 0
    [locked] = _entries(data_dir, AuditAction.USER_LOCKED, user="lou")
    assert locked.details["failures"] == 5


# ------------------------------------------------------------------------------------ each role


DENIED = [
    ("pat", ["shipments", "void", "{label}"], Permission.VOID_LABELS),
    ("pat", ["exceptions", "resolve", "{problem}", "--resolution", "fixed"], Permission.RESOLVE_EXCEPTIONS),
    ("pat", ["exceptions", "assign", "{problem}", "--to", "pat"], Permission.RESOLVE_EXCEPTIONS),
    ("pat", ["orders", "status", "PERM-6", "cancelled", "--reason", "no"], Permission.CHANGE_ORDER_STATUS),
    ("pat", ["inventory", "adjust", "TS-BLK-M", "-1"], Permission.ADJUST_INVENTORY),
    ("pat", ["report", "health", "--json"], Permission.VIEW_REPORTS),
    ("pat", ["notify", "list", "--json"], Permission.VIEW_PII),
    ("pat", ["users", "list", "--json"], Permission.MANAGE_USERS),
    ("pat", ["users", "add", "eve", "--role", "admin", "--password-stdin"], Permission.MANAGE_USERS),
    ("pat", ["audit", "list", "--json"], Permission.VIEW_AUDIT),
    ("pat", ["customers", "export", "-o", "{out}"], Permission.EXPORT_DATA),
    ("pat", ["demo", "seed"], Permission.CHANGE_SETTINGS),
    ("sam", ["users", "list", "--json"], Permission.MANAGE_USERS),
    ("sam", ["users", "role", "sam", "admin"], Permission.MANAGE_USERS),
    ("sam", ["audit", "list", "--json"], Permission.VIEW_AUDIT),
    ("sam", ["customers", "export", "-o", "{out}"], Permission.EXPORT_DATA),
    ("sam", ["customers", "import", "{out}"], Permission.IMPORT_CUSTOMERS),
    ("sam", ["bench", "register", "--central", "postgresql://x/y", "--name", "B"], Permission.CHANGE_SETTINGS),
    ("sam", ["jobs", "cleanup", "--older-than", "1"], Permission.CHANGE_SETTINGS),
]


def _fill(argv: list[str], staffed: dict[str, Any], tmp_path: Path) -> list[str]:
    values = {"label": staffed["labels"][2].tracking_number, "problem": staffed["problems"][2].id}
    values["out"] = str(tmp_path / "customers.csv")
    return [a.format(**values) for a in argv]


@pytest.mark.parametrize(("user", "argv", "permission"), DENIED, ids=[f"{u}-{' '.join(a[:2])}" for u, a, _ in DENIED])
def test_refused_commands_exit_1_name_the_rule_change_nothing_and_are_audited(
    staffed: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    user: str,
    argv: list[str],
    permission: Permission,
) -> None:
    before = len(_entries(staffed["dir"], AuditAction.PERMISSION_DENIED))
    code, out, err = cli(capsys, staffed["dir"], user, *_fill(argv, staffed, tmp_path), stdin="Sneaky123\n")
    assert code == 1 and out == ""
    assert err == f"{PROG}: permission denied: {ROLES[user]} {user} may not {PERMISSION_TEXT[permission]}\n"
    denied = _entries(staffed["dir"], AuditAction.PERMISSION_DENIED)
    assert len(denied) == before + 1
    assert (denied[0].user, denied[0].target_id, denied[0].details) == (user, permission.value, {"role": ROLES[user]})
    assert not (tmp_path / "customers.csv").exists()
    bench = open_bench(staffed["dir"], reconcile=False)
    try:
        assert shipment_service.get_shipment(bench, staffed["labels"][2].id).status.value == "LABEL_CREATED"
        assert exception_queue.get(bench, staffed["problems"][2].id).resolved_at is None
    finally:
        bench.close()


def test_packers_ship_print_weigh_and_list(staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    d = staffed["dir"]
    code, shipped, err = cli(capsys, d, "pat", "ship", "PERM-4", "--weight", "1.2kg", "--json")
    assert code == 0, err
    assert shipped["status"] == "label_created"
    code, printed, err = cli(capsys, d, "pat", "shipments", "reprint", shipped["tracking_number"], "--json")
    assert code == 0 and Path(printed["location"]).exists(), err
    assert cli(capsys, d, "pat", "scale", "decode-hid", "03040bff2c01", "--json")[1]["value"] == 30
    assert cli(capsys, d, "pat", "shipments", "list", "--json")[0] == 0
    assert cli(capsys, d, "pat", "exceptions", "list", "--open", "--json")[0] == 0
    assert cli(capsys, d, "pat", "orders", "show", "PERM-4", "--json")[1]["status"] == "shipped"


def test_supervisors_void_labels_and_resolve_exceptions_and_both_are_audited(
    staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    d, label, problem = staffed["dir"], staffed["labels"][0], staffed["problems"][0]
    code, voided, err = cli(
        capsys, d, "sam", "shipments", "void", label.tracking_number, "--reason", "wrong box", "--json"
    )
    assert code == 0 and voided["status"] == "cancelled", err
    [void] = _entries(d, AuditAction.LABEL_VOID, target_id=label.id)
    assert void.user == "sam" and void.target_type == "shipment"
    assert void.details == {"tracking_number": label.tracking_number, "carrier": "simulated", "reason": "wrong box"}
    code, resolved, err = cli(
        capsys, d, "sam", "exceptions", "resolve", problem.id, "--resolution", "reboxed", "--json"
    )
    assert code == 0 and resolved["resolved_by"] == "sam", err
    [resolve] = _entries(d, AuditAction.EXCEPTION_RESOLVE, target_id=problem.id)
    assert resolve.user == "sam" and resolve.details["resolved_by"] == "sam"


def test_admins_manage_users_read_the_audit_log_and_export(
    staffed: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    d = staffed["dir"]
    code, people, _ = cli(capsys, d, "ana", "users", "list", "--json")
    assert code == 0
    assert {(u["name"], u["role"], u["has_pin"]) for u in people} >= {
        ("ana", "admin", False),
        ("sam", "supervisor", False),
        ("pat", "packer", True),
    }
    assert all("hash" not in key for u in people for key in u)
    out = tmp_path / "all.csv"
    code, exported, err = cli(capsys, d, "ana", "customers", "export", "-o", str(out), "--json")
    assert code == 0 and out.exists() and exported["exported"] >= 6, err
    [export] = _entries(d, AuditAction.PII_EXPORT, user="ana")
    assert export.details == {"count": exported["exported"], "format": "native", "file": "all.csv"}
    code, imported, err = cli(capsys, d, "ana", "customers", "import", str(out), "--json")
    assert code == 0, err
    [import_row] = _entries(d, AuditAction.CUSTOMER_IMPORT, user="ana")
    assert import_row.details == {"file": "all.csv", "format": "native", **imported, "errors": len(imported["errors"])}


def test_people_change_their_own_password_only(staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    d = staffed["dir"]
    code, _, err = cli(capsys, d, "pat", "users", "passwd", "sam", "--password-stdin", stdin="Hijack123\n")
    assert code == 1 and err == f"{PROG}: permission denied: packer pat may not manage users\n"
    code, _, err = cli(capsys, d, "pat", "users", "passwd", "pat", "--password-stdin", stdin="weak\n")
    assert code == 1 and "weak password" in err and "(min_length)" in err
    code, _, err = cli(capsys, d, "pat", "users", "passwd", "pat", "--password-stdin", stdin="Packer456\n")
    assert code == 0, err
    assert cli(capsys, d, "pat", "orders", "list", "--json", secret="Packer456")[0] == 0


# ------------------------------------------------------------------------------------ customers' PII


def test_packers_see_email_and_phone_masked_and_unmasked_views_are_audited(
    staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    d = staffed["dir"]
    code, masked, err = cli(capsys, d, "pat", "customers", "search", "PERM-5", "--json")
    assert code == 0, err
    [customer] = [c for c in masked if c["name"] == "Emily Chen 5"]
    assert customer["email"] == "p***@example.com"
    assert all(re.fullmatch(r".\*\*\*@example\.com", c["email"]) for c in masked)
    before = _entries(d, AuditAction.PII_LIST)
    assert all(r.user != "pat" for r in before)  # a masked view shows nothing to audit
    code, whole, _ = cli(capsys, d, "sam", "customers", "search", "PERM-5", "--json")
    assert [c["id"] for c in whole] == [c["id"] for c in masked]
    assert [c["email"] for c in whole if c["id"] == customer["id"]] == ["perm-5@example.com"]
    [seen] = [r for r in _entries(d, AuditAction.PII_LIST) if r not in before]
    assert seen.user == "sam" and seen.details["count"] == len(whole)
    assert seen.details["ids"] == [c["id"] for c in whole]
    assert seen.details["how"] == "cli customers search"
    code, listed, _ = cli(capsys, d, "pat", "customers", "list", "--json")
    assert listed and all(re.fullmatch(r".\*\*\*@example\.com", c["email"]) for c in listed)


# ------------------------------------------------------------------------------------ users add, audit list


def test_users_add_contract_on_a_new_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        capsys,
        tmp_path,
        None,
        "users",
        "add",
        "ana",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
        stdin="admin123\n",
    )
    assert code == 1 and "weak password" in err and "(uppercase)" in err and err.count("\n") == 1
    code, added, err = cli(
        capsys,
        tmp_path,
        None,
        "users",
        "add",
        "ana",
        "--role",
        "admin",
        "--password-stdin",
        "--json",
        stdin="Admin1234\n",
    )
    assert code == 0 and set(added) == {"user_id"} and uuid.UUID(added["user_id"]), err
    code, _, err = cli(
        capsys, tmp_path, None, "users", "add", "bob", "--role", "packer", "--password-stdin", stdin="Packer123\n"
    )
    assert code == 1 and err == f"{PROG}: permission denied: log in with --user NAME (password in SSD_PASSWORD)\n"
    code, added, _ = cli(
        capsys,
        tmp_path,
        "ana",
        "users",
        "add",
        "bob",
        "--role",
        "packer",
        "--password-stdin",
        "--json",
        stdin="Packer123\n",
    )
    assert code == 0
    [add_bob, add_ana] = _entries(tmp_path, AuditAction.USER_ADD)
    assert (add_bob.user, add_bob.target_id, add_bob.details) == ("ana", added["user_id"], {"role": "packer"})
    assert add_ana.user == "ana" and add_ana.details["first_user"] is True


def test_a_first_user_who_is_not_an_admin_gets_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        capsys, tmp_path, None, "users", "add", "pat", "--role", "packer", "--password-stdin", stdin="Packer123\n"
    )
    assert code == 0 and "warning: this bench has no admin yet" in err


def test_audit_list_shape_and_filters(staffed: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    d = staffed["dir"]
    code, rows, err = cli(capsys, d, "ana", "audit", "list", "--limit", "5", "--json")
    assert code == 0 and 0 < len(rows) <= 5, err
    for row in rows:
        assert set(row) == {"time", "user", "bench", "action", "target", "target_type", "details"}
        assert datetime.fromisoformat(row["time"]).utcoffset() == timedelta(0)
        assert row["bench"] == "Bench 1"
    times = [r["time"] for r in rows]
    assert times == sorted(times, reverse=True)
    # --user after `audit list` filters when the log-in name came first.
    with pytest.MonkeyPatch.context() as mp:
        argv = [
            "--data-dir",
            str(d),
            "--user",
            "ana",
            "audit",
            "list",
            "--user",
            "pat",
            "--action",
            "user.login",
            "--json",
        ]
        assert _main(mp, argv, "Admin1234", None) == 0
    logins = json.loads(capsys.readouterr().out)
    assert logins and {(r["user"], r["action"], r["target_type"]) for r in logins} == {("pat", "user.login", "user")}
    pat_id = logins[0]["target"]
    code, by_target, _ = cli(capsys, d, "ana", "audit", "list", "--target", pat_id, "--since", "2000-01-01", "--json")
    assert by_target and {r["target"] for r in by_target} == {pat_id}
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    assert cli(capsys, d, "ana", "audit", "list", "--since", tomorrow, "--json")[1] == []
    code, _, err = cli(capsys, d, "ana", "audit", "list", "--action", "nope")
    assert code == 2 and "'nope' is not an audit action" in err
    [last_view, *_] = _entries(d, AuditAction.AUDIT_VIEW, user="ana")
    assert last_view.details["rows"] == 0 and set(last_view.details["filters"]) == {"since"}


def test_a_bench_without_users_filters_audit_by_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, rows, err = cli(capsys, tmp_path, None, "audit", "list", "--user", "bob", "--json")
    assert (code, rows) == (0, []), err
    code, rows, _ = cli(capsys, tmp_path, None, "audit", "list", "--action", "audit.view", "--json")
    assert [r["user"] for r in rows] == ["packer"]  # the demo bench's single user read it before
