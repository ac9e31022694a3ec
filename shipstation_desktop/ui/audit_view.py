"""The audit log viewer (admins): who did what where, and who saw customers' personal data.

Filters are the service's (services/audit_viewer.py: user, action, target id, since a day); reading
the log is itself written to the log. The rows shown can be saved as CSV, with the columns of
`audit list --json`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain.audit import AuditAction, AuditRecord
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services import audit_viewer, users
from shipstation_desktop.services.bench import Bench

from . import style
from .formatting import local_time
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel

LIMIT = 1000  # newest entries shown; narrow the filters for older ones
CSV_COLUMNS = ("time", "user", "bench", "action", "target_type", "target", "details")

ACTION_LABELS: dict[str, str] = {
    AuditAction.PII_VIEW: N_("Customer data viewed"),
    AuditAction.PII_LIST: N_("Customer data listed"),
    AuditAction.PII_EXPORT: N_("Customer data exported"),
    AuditAction.CUSTOMER_ERASE: N_("Customer erased"),
    AuditAction.CUSTOMER_MERGE: N_("Customers merged"),
    AuditAction.CUSTOMER_STATUS: N_("Customer status changed"),
    AuditAction.CUSTOMER_DELETE: N_("Customer deleted"),
    AuditAction.CUSTOMER_RESTORE: N_("Customer restored"),
    AuditAction.CUSTOMER_IMPORT: N_("Customers imported"),
    AuditAction.PII_KEY_ROTATE: N_("Personal data key rotated"),
    AuditAction.ADDRESS_OVERRIDE: N_("Address check overridden"),
    AuditAction.LABEL_VOID: N_("Label voided"),
    AuditAction.EXCEPTION_RESOLVE: N_("Exception resolved"),
    AuditAction.SETTINGS_CHANGE: N_("Settings changed"),
    AuditAction.USER_ADD: N_("User added"),
    AuditAction.USER_CHANGE: N_("User changed"),
    AuditAction.USER_LOCKED: N_("User locked out"),
    AuditAction.LOGIN: N_("Logged in"),
    AuditAction.LOGIN_FAILED: N_("Log-in refused"),
    AuditAction.LOGOUT: N_("Logged out"),
    AuditAction.AUDIT_VIEW: N_("Audit log read"),
    AuditAction.PERMISSION_DENIED: N_("Permission denied"),
}


def action_label(action: str) -> str:
    """An action in the GUI's language, with its code: "Label voided (label.void)"."""
    label = ACTION_LABELS.get(action)
    return f"{_(label)} ({action})" if label else action


def details_text(record: AuditRecord) -> str:
    return json.dumps(record.details, ensure_ascii=False, sort_keys=True, default=str) if record.details else ""


def target_text(record: AuditRecord) -> str:
    return " ".join(part for part in (record.target_type, record.target_id) if part)


COLUMNS: list[Column[AuditRecord]] = [
    Column(N_("Time"), lambda r: local_time(r.at, with_seconds=True)),
    Column(N_("User"), lambda r: r.user),
    Column(N_("Bench"), lambda r: r.bench_name),
    Column(
        N_("Action"),
        lambda r: action_label(r.action),
        foreground=lambda r: (
            style.BAD
            if r.action in (AuditAction.PERMISSION_DENIED, AuditAction.LOGIN_FAILED, AuditAction.USER_LOCKED)
            else None
        ),
    ),
    Column(N_("Target"), target_text),
    Column(N_("Details"), details_text, tooltip=details_text),
]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    user: str | None = None
    action: str | None = None
    target_id: str | None = None
    since: datetime | None = None


def write_csv(rows: list[AuditRecord], path: Path) -> int:
    """The rows as CSV (UTF-8 with a BOM, so spreadsheets read the names right); returns the count."""
    try:
        return _write_csv(rows, path)
    except OSError as e:
        raise UserError(_("Cannot write {path}: {error}").format(path=path, error=e.strerror or e)) from e


def _write_csv(rows: list[AuditRecord], path: Path) -> int:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow(
                [
                    r.at.astimezone(UTC).isoformat(),
                    r.user,
                    r.bench_name,
                    r.action,
                    r.target_type,
                    r.target_id,
                    json.dumps(r.details, ensure_ascii=False, sort_keys=True, default=str),
                ]
            )
    return len(rows)


class AuditView(QDialog):
    refreshed = Signal(int)  # rows shown
    exported = Signal(str)  # the CSV file written

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditView")
        self.setWindowTitle(_("Audit log"))
        self.resize(1150, 620)
        self.bench = bench
        self.runner = runner

        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("auditUser")
        self.user_combo.setEditable(True)  # deactivated users and names typed at a failed log-in too
        self.user_combo.addItem("")
        self.user_combo.addItems(users.login_names(bench))
        line = self.user_combo.lineEdit()
        if line is not None:
            line.setPlaceholderText(_("All users"))
            line.returnPressed.connect(self.refresh)
        self.action_combo = QComboBox()
        self.action_combo.setObjectName("auditAction")
        self.action_combo.addItem(_("All actions"), "")
        for action in AuditAction:
            self.action_combo.addItem(action_label(action.value), action.value)
        self.target_edit = QLineEdit()
        self.target_edit.setObjectName("auditTarget")
        self.target_edit.setPlaceholderText(_("Target id (exact)"))
        self.target_edit.returnPressed.connect(self.refresh)
        self.since_check = QCheckBox(_("Since"))
        self.since_check.setObjectName("auditSinceOn")
        self.since_edit = QDateEdit(QDate.currentDate().addDays(-7))
        self.since_edit.setObjectName("auditSince")
        self.since_edit.setCalendarPopup(True)
        self.since_edit.setEnabled(False)
        self.since_check.toggled.connect(self.since_edit.setEnabled)
        self.search_button = QPushButton(_("Show"))
        self.search_button.setObjectName("auditSearch")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.refresh)
        for label, widget in (
            (_("User"), self.user_combo),
            (_("Action"), self.action_combo),
            (_("Target"), self.target_edit),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget, 1)
        filters.addWidget(self.since_check)
        filters.addWidget(self.since_edit)
        filters.addWidget(self.search_button)
        layout.addLayout(filters)

        self.model: RecordTableModel[AuditRecord] = RecordTableModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)  # one line per entry; the details' tooltip has all of it
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("auditCount")
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.setObjectName("auditExport")
        self.export_button.clicked.connect(self.choose_export)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.refresh()

    def filters(self) -> AuditFilter:
        since = None
        if self.since_check.isChecked():
            day = self.since_edit.date()
            since = datetime(day.year(), day.month(), day.day()).astimezone()  # the bench's local midnight
        return AuditFilter(
            user=self.user_combo.currentText().strip() or None,
            action=str(self.action_combo.currentData() or "") or None,
            target_id=self.target_edit.text().strip() or None,
            since=since,
        )

    @Slot()
    def refresh(self) -> None:
        f = self.filters()
        self.search_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: audit_viewer.view(
                    self.bench, user=f.user, action=f.action, target_id=f.target_id, since=f.since, limit=LIMIT
                ),
                label=_("Reading the audit log…"),
                writes=True,  # reading it is audited
                on_success=self._fill,
                on_failure=self._failed,
                on_done=lambda: self.search_button.setEnabled(True),
            )
        )

    def _fill(self, rows: list[AuditRecord]) -> None:
        self.model.set_rows(rows)
        text = ngettext("{count} entry", "{count} entries", len(rows)).format(count=len(rows))
        if len(rows) >= LIMIT:
            text += " " + _("(the newest; narrow the filters to see older ones)")
        self.count_label.setText(text)
        style.set_text_color(self.count_label, style.MUTED)
        self.export_button.setEnabled(bool(rows))
        self.refreshed.emit(len(rows))

    def _failed(self, failure: Failure) -> None:
        self.model.set_rows([])
        self.count_label.setText(failure.message)
        style.set_text_color(self.count_label, style.BAD)
        self.export_button.setEnabled(False)

    @Slot()
    def choose_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Export the audit log"), str(Path.home() / "audit-log.csv"), _("CSV files (*.csv)")
        )
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        rows = self.model.rows()
        self.runner.run(
            Op(
                lambda _ctx: write_csv(rows, path),
                label=_("Exporting…"),
                on_success=lambda count: self._exported(path, count),
                on_failure=self._failed_export,
            )
        )

    def _exported(self, path: Path, count: int) -> None:
        self.count_label.setText(
            ngettext("{count} entry saved to {path}", "{count} entries saved to {path}", count).format(
                count=count, path=path
            )
        )
        style.set_text_color(self.count_label, style.GOOD)
        self.exported.emit(str(path))

    def _failed_export(self, failure: Failure) -> None:
        self.count_label.setText(failure.message)
        style.set_text_color(self.count_label, style.BAD)


def open_audit_view(bench: Bench, runner: OpRunner, parent: QWidget) -> AuditView:
    existing = parent.findChild(AuditView, "auditView")
    if existing is not None and existing.isVisible():
        existing.raise_()
        return existing
    if existing is not None:
        existing.deleteLater()
    view = AuditView(bench, runner, parent)
    view.open()
    return view
