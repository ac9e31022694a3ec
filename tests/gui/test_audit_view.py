"""The audit log viewer (issue 11): admins see who did what, filter by user, action, target and day,
and save the rows as CSV; anyone else is refused, in the menu and by the service."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.audit import AuditAction
from shipstation_desktop.domain.roles import LoginFailed
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.services import access, audit, packing, users
from shipstation_desktop.services import shipments as shipment_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.audit_view import CSV_COLUMNS, AuditView
from shipstation_desktop.ui.main_window import MainWindow

from .helpers import READY_ORDER, wait_idle
from .user_helpers import SUPERVISOR_PW, TIMEOUT_MS, OpenWindow, staff, window_opener

pytestmark = pytest.mark.gui


@pytest.fixture
def open_window(bench: Bench, qtbot: QtBot) -> Iterator[OpenWindow]:
    yield from window_opener(bench, qtbot)


@pytest.fixture
def voided(bench: Bench) -> str:
    """sam voids a label, pat mistypes a password; returns the voided shipment's id."""
    staff(bench)
    users.log_in(bench, "sam", SUPERVISOR_PW)
    shipment = packing.ship(bench, READY_ORDER, weight=Weight.of(640, "g")).shipment
    shipment_service.void(bench, shipment.id, "wrong box")
    access.log_out(bench)
    with pytest.raises(LoginFailed):
        users.authenticate(bench, "pat", "Nope12345")
    return shipment.id


def _open(w: MainWindow, qtbot: QtBot) -> AuditView:
    w.session.act_audit.trigger()
    view = w.findChild(AuditView, "auditView")
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=TIMEOUT_MS)
    wait_idle(qtbot, w)
    return view


def _show(view: AuditView, qtbot: QtBot) -> int:
    with qtbot.waitSignal(view.refreshed, timeout=TIMEOUT_MS) as shown:
        view.search_button.click()
    count = shown.args[0]
    assert isinstance(count, int)
    return count


def test_admin_sees_the_log_and_filters_it(voided: str, open_window: OpenWindow, qtbot: QtBot) -> None:
    w = open_window("ana")
    view = _open(w, qtbot)
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(view.model.columnCount())]
    assert headers == ["Time", "User", "Bench", "Action", "Target", "Details"]
    everything = view.model.rowCount()
    actions = {r.action for r in view.model.rows()}
    assert {AuditAction.LABEL_VOID, AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.USER_ADD} <= actions

    view.user_combo.setEditText("pat")
    assert 0 < _show(view, qtbot) < everything
    assert {r.user for r in view.model.rows()} == {"pat"}
    failed = next(r for r in view.model.rows() if r.action == AuditAction.LOGIN_FAILED)
    assert failed.details["reason"] == "wrong_secret"

    view.user_combo.setEditText("")
    view.action_combo.setCurrentIndex(view.action_combo.findData(AuditAction.LABEL_VOID.value))
    assert _show(view, qtbot) == 1
    row = view.model.rows()[0]
    assert (row.user, row.target_id) == ("sam", voided)
    assert view.model.index(0, 3).data() == "Label voided (label.void)"
    assert view.model.index(0, 4).data() == f"shipment {voided}"
    assert json.loads(view.model.index(0, 5).data())["reason"] == "wrong box"

    view.action_combo.setCurrentIndex(0)
    view.target_edit.setText(voided)
    assert _show(view, qtbot) == 1

    view.target_edit.clear()
    view.since_check.setChecked(True)
    view.since_edit.setDate(QDate.currentDate().addDays(1))
    assert _show(view, qtbot) == 0
    assert view.count_label.text() == "0 entries"
    view.since_edit.setDate(QDate.currentDate())
    assert _show(view, qtbot) > 0


def test_reading_the_log_is_itself_audited(voided: str, open_window: OpenWindow, bench: Bench, qtbot: QtBot) -> None:
    w = open_window("ana")
    view = _open(w, qtbot)
    view.user_combo.setEditText("sam")
    _show(view, qtbot)
    reads = audit.entries(bench, action=AuditAction.AUDIT_VIEW.value, user="ana")
    assert len(reads) == 2
    assert reads[0].details["filters"] == {"user": "sam"}


def test_export_writes_the_rows_shown_as_csv(
    voided: str, open_window: OpenWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    w = open_window("ana")
    view = _open(w, qtbot)
    view.action_combo.setCurrentIndex(view.action_combo.findData(AuditAction.LABEL_VOID.value))
    _show(view, qtbot)
    target = tmp_path / "audit.csv"
    with qtbot.waitSignal(view.exported, timeout=TIMEOUT_MS):
        view.export(target)
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [(r["user"], r["action"], r["target"]) for r in rows] == [("sam", "label.void", voided)]
    assert json.loads(rows[0]["details"])["reason"] == "wrong box"
    assert view.count_label.text() == f"1 entry saved to {target}"


@pytest.mark.parametrize("name", ["sam", "pat"])
def test_only_admins_read_the_log(name: str, voided: str, open_window: OpenWindow, bench: Bench, qtbot: QtBot) -> None:
    w = open_window(name)
    assert not w.session.act_audit.isEnabled()
    assert w.session.act_audit.toolTip() == "Only admins may see the audit log"
    # Even opened some other way, the service says no and the viewer shows that one line.
    view = AuditView(bench, w.runner, w)
    qtbot.waitUntil(lambda: view.count_label.text().startswith("permission denied"), timeout=TIMEOUT_MS)
    role = "supervisor" if name == "sam" else "packer"
    assert view.count_label.text() == f"permission denied: {role} {name} may not see the audit log"
    assert view.model.rowCount() == 0 and not view.export_button.isEnabled()
    view.close()
