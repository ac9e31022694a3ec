"""The customer dialogs: import (progress, row errors, cancel), export, duplicates and merge, the
privacy actions (GDPR export, erase with confirmation), what a packer sees, and cohort retention."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.domain.roles import Account, Role
from shipstation_desktop.services import access, audit, customers, users
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.customer_cohorts import heat
from shipstation_desktop.ui.main_window import MainWindow
from tests.fakes.customer_rows import add_customer

from .customer_helpers import TIMEOUT_MS, customers_view, find_customer, open_detail
from .helpers import wait_idle

pytestmark = pytest.mark.gui

DATA = Path(__file__).parents[1] / "data" / "customers"


# ================================================================================ import / export


def test_import_native_csv_with_progress(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    progress: list[int] = []
    dialog.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(dialog.imported, timeout=TIMEOUT_MS) as done:
        dialog.start(DATA / "native.csv")
    result = done.args[0]
    assert (result.imported, result.updated, result.errors) == (3, 0, [])
    assert dialog.progress.value() == dialog.progress.maximum() and progress
    assert dialog.status_label.text() == "Imported 3, updated 0, unchanged 0."
    assert dialog.errors_table.rowCount() == 0 and not dialog.copy_button.isEnabled()
    assert find_customer(bench, "zoe muller").name == "Zoë Müller"
    qtbot.waitUntil(lambda: view.count_label.text() == "53 customers", timeout=TIMEOUT_MS)


def test_import_shows_row_errors_to_copy(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "email,name,phone,status\n"
        "good.one@example.com,Good One,,ACTIVE\n"
        "not-an-email,Bad Email,,ACTIVE\n"
        "third@example.com,Bad Status,,SOMETIMES\n",
        encoding="utf-8",
    )
    view = customers_view(window, qtbot)
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("native"))
    with qtbot.waitSignal(dialog.imported, timeout=TIMEOUT_MS):
        dialog.start(bad)
    assert dialog.status_label.text() == "Imported 1, updated 0, unchanged 0. 2 rows refused."
    rows = [(dialog.errors_table.item(r, 0).text(), dialog.errors_table.item(r, 1).text()) for r in range(2)]
    assert [r for r, _message in rows] == ["3", "4"]
    assert "not-an-email" in rows[0][1]
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "Row\tProblem" and copied[1].startswith("3\t")


def test_import_of_an_unreadable_file_says_why(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    view = customers_view(window, qtbot)
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    dialog.start(tmp_path / "missing.csv")
    qtbot.waitUntil(lambda: not dialog.running, timeout=TIMEOUT_MS)
    assert "missing.csv" in dialog.status_label.text()
    assert dialog.import_button.isEnabled()


def test_import_can_be_cancelled(window: MainWindow, bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    rows = 20_000
    big.write_text(
        "email,name\n" + "".join(f"bulk{i}@example.com,Bulk Person {i}\n" for i in range(rows)), encoding="utf-8"
    )
    view = customers_view(window, qtbot)
    dialog = view.open_import()
    qtbot.addWidget(dialog)

    def cancel_once_started(value: int) -> None:
        if value > 0 and dialog.running:
            dialog.cancel_button.click()

    dialog.progress.valueChanged.connect(cancel_once_started)
    dialog.start(big)
    assert dialog.cancel_button.text() == "Cancel"
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    assert dialog.outcome is not None and dialog.outcome.cancelled
    assert "Cancelled after row" in dialog.status_label.text()
    kept = dialog.outcome.imported
    assert 0 < kept < rows
    assert dialog.cancel_button.text() == "Close"


def test_export_writes_the_file_with_progress(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    view = customers_view(window, qtbot)
    dialog = view.open_export()
    qtbot.addWidget(dialog)
    target = tmp_path / "out.csv"
    with qtbot.waitSignal(dialog.exported, timeout=TIMEOUT_MS) as done:
        dialog.start(target)
    assert done.args == [target, 50]
    assert dialog.status_label.text() == f"50 customers exported to {target}."
    assert dialog.progress.value() == dialog.progress.maximum()
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 51


# ================================================================================ merge


def test_merge_dialog_merges_two_customers_field_by_field(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    kept = add_customer(bench, "dora.dup@example.com", "Dora Dup", phone="+14155550199", tags=["gift"])
    gone = add_customer(bench, "d.dup@example.org", "Dorothea Duplicate", phone="+14155550199", tags=["repeat"])
    view = customers_view(window, qtbot)
    view.duplicates_button.click()
    dialog = view.merge_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: bool(dialog.candidates), timeout=TIMEOUT_MS)
    row = next(i for i, c in enumerate(dialog.candidates) if {x.id for x in c.customers} == {kept, gone})
    dialog.group_list.setCurrentRow(row)
    dialog.survivor_combo.setCurrentIndex(dialog.survivor_combo.findData(kept))
    dialog.merged_combo.setCurrentIndex(dialog.merged_combo.findData(gone))
    keep_name, take_name = dialog.radios["name"]
    assert keep_name.text() == "Dora Dup" and take_name.text() == "Dorothea Duplicate"
    assert keep_name.isChecked()  # preset: the survivor's own value
    take_name.setChecked(True)
    with qtbot.waitSignal(dialog.merged, timeout=TIMEOUT_MS) as done:
        dialog.merge_button.click()
    survivor = done.args[0]
    assert survivor.id == kept and survivor.name == "Dorothea Duplicate"
    assert survivor.email == "dora.dup@example.com"
    assert set(survivor.tags) == {"gift", "repeat"}
    with pytest.raises(Exception, match="No customer"):
        customers.get_customer(bench, gone)
    qtbot.waitUntil(lambda: "was merged into" in dialog.message.text(), timeout=TIMEOUT_MS)
    assert all(gone not in {x.id for x in c.customers} for c in dialog.candidates)


# ================================================================================ privacy


def test_gdpr_export_from_the_detail(window: MainWindow, bench: Bench, qtbot: QtBot, tmp_path: Path) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    assert detail.act_export.isEnabled()
    assert detail.export_personal_data(tmp_path / "gdpr")
    qtbot.waitUntil(lambda: "files written" in detail.message.text(), timeout=TIMEOUT_MS)
    assert (tmp_path / "gdpr" / f"customer-{customer.id}.json").is_file()


def test_erase_requires_confirmation_and_a_reason(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    customer = find_customer(bench, "mueller")
    customers_view(window, qtbot)
    detail = open_detail(window, qtbot, customer.id)
    dialog = detail.ask_erase()
    assert dialog is not None and dialog.isVisible()
    assert not dialog.erase_button.isEnabled()
    qtbot.keyClicks(dialog.reason_edit, "customer asked by e-mail")
    qtbot.keyClicks(dialog.confirm_edit, "erase")  # not the word, not the name
    assert not dialog.erase_button.isEnabled()
    dialog.accept()  # Enter with the button disabled does nothing
    assert dialog.isVisible()
    dialog.confirm_edit.setText(customer.name)
    assert dialog.erase_button.isEnabled()
    dialog.erase_button.click()
    qtbot.waitUntil(lambda: detail.message.text() == "Personal data erased.", timeout=TIMEOUT_MS)
    wait_idle(qtbot, window)
    erased = customers.get_customer(bench, customer.id)
    assert erased.name.startswith("Erased customer") and erased.status is CustomerStatus.INACTIVE
    assert audit.entries(bench, action="customer.erase", target_id=customer.id)
    qtbot.waitUntil(lambda: detail.name_label.text().startswith("Erased customer"), timeout=TIMEOUT_MS)


def test_a_packer_sees_masked_data_and_no_erase(window: MainWindow, bench: Bench, qtbot: QtBot) -> None:
    user_id = users.add_user(bench, "paco", Role.PACKER, "Pack-3rs-Never-Sleep!")
    access.sign_in(bench, Account(user_id, "paco", Role.PACKER))
    customer = find_customer(bench, "mueller")
    view = customers_view(window, qtbot)
    view.refresh()
    qtbot.waitUntil(lambda: not view.new_button.isEnabled() and "***" in view.model.rows()[0].email)
    assert "supervisor" in view.new_button.toolTip()
    assert not view.import_button.isEnabled() and "admin" in view.import_button.toolTip()
    detail = open_detail(window, qtbot, customer.id)
    assert "***" in detail.form.email_edit.text() and detail.form.email_edit.text() != customer.email
    assert detail.form.email_edit.isReadOnly() and not detail.save_button.isEnabled()
    assert detail.notice.isVisible() and "masked" in detail.notice.text()
    assert not detail.act_erase.isEnabled() and detail.act_erase.toolTip() == "Only an admin may do this."
    assert detail.ask_erase() is None
    assert not detail.tabs.isTabEnabled(detail.tabs.indexOf(detail.notes))
    assert not audit.entries(bench, action="pii.view", target_id=customer.id)  # masked: nothing seen


# ================================================================================ cohorts


def test_cohort_retention_table_and_sizes(window: MainWindow, qtbot: QtBot) -> None:
    view = customers_view(window, qtbot)
    panel = view.cohorts
    view.sections.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.table_data is not None, timeout=TIMEOUT_MS)
    data = panel.table_data
    assert data is not None and data.rows
    assert panel.table.rowCount() == len(data.rows)
    first = data.rows[0]
    assert panel.table.item(0, 0).text() == first.cohort
    assert panel.table.item(0, 1).text() == str(first.size)
    assert panel.table.item(0, 2).text() == "100 %"  # month 0: every customer of the cohort ordered
    assert panel.table.item(0, 2).background().color() == heat(1.0)[0]
    assert [b.label for b in panel.chart.bars] == [r.cohort for r in data.rows]
    panel.months_combo.setCurrentIndex(panel.months_combo.findData(6))
    qtbot.waitUntil(lambda: panel.table_data is not None and panel.table_data.months == 6, timeout=TIMEOUT_MS)
