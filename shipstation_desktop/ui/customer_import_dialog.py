"""Import customers from a CSV file (native or Shopify layout) with a progress bar and Cancel; the
refused rows come back as a table (spreadsheet row number, message) that can be copied.

services/customer_csv.import_customers does the work on the writer thread; a cancelled import keeps
the batches it already committed, and says so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.services import customer_csv
from shipstation_desktop.services.bench import Bench

from . import style
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpContext, OpHandle, OpRunner, Progress

FORMATS: tuple[tuple[str, str | None], ...] = (
    (N_("Detect from the columns"), None),
    (N_("Native (this app's export)"), "native"),
    (N_("Shopify customer export"), "shopify"),
)


def count_rows(path: Path) -> int:
    """Data rows, roughly (a quoted cell with a line break counts twice): enough for a progress bar."""
    with path.open("rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return max(0, lines - 1)


def summary(result: customer_csv.ImportResult) -> str:
    text = _("Imported {imported}, updated {updated}, unchanged {skipped}.").format(
        imported=result.imported, updated=result.updated, skipped=result.skipped
    )
    if result.errors:
        text += " " + ngettext("{n} row refused.", "{n} rows refused.", len(result.errors)).format(n=len(result.errors))
    if result.cancelled:
        text += " " + _("Cancelled after row {row}; the rows before it were kept.").format(row=result.last_row)
    return text


class CustomerImportDialog(QDialog):
    imported = Signal(object)  # customer_csv.ImportResult

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerImportDialog")
        self.setWindowTitle(_("Import customers"))
        self.resize(640, 460)
        self.bench = bench
        self.runner = runner
        self.handle: OpHandle | None = None
        self.outcome: customer_csv.ImportResult | None = None

        layout = QVBoxLayout(self)
        form = QFormLayout()
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText(_("A .csv file"))
        self.browse_button = QPushButton(_("Browse…"))
        self.browse_button.clicked.connect(self.browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        form.addRow(_("File:"), file_row)
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("importFormat")
        for name, code in FORMATS:
            self.format_combo.addItem(_(name), code)
        form.addRow(_("Format:"), self.format_combo)
        layout.addLayout(form)

        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status_label = QLabel(_("Choose a file, then Import."))
        self.status_label.setObjectName("importStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.errors_table = QTableWidget(0, 2)
        self.errors_table.setObjectName("importErrors")
        self.errors_table.setHorizontalHeaderLabels([_("Row"), _("Problem")])
        self.errors_table.verticalHeader().hide()
        self.errors_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.errors_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.errors_table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.errors_table, 1)

        buttons = QHBoxLayout()
        self.copy_button = QPushButton(_("Copy errors"))
        self.copy_button.setObjectName("copyImportErrors")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_errors)
        self.import_button = QPushButton(_("Import"))
        self.import_button.setObjectName("startImport")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton(_("Close"))
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

    @Slot()
    def browse(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, _("Import customers"), self.path_edit.text(), _("CSV files (*.csv);;All files (*)")
        )
        if chosen:
            self.path_edit.setText(chosen)

    @property
    def running(self) -> bool:
        return self.handle is not None and not self.handle.finished

    def start(self, path: Path | None = None) -> None:
        if self.running:
            return
        if path is not None:
            self.path_edit.setText(str(path))
        text = self.path_edit.text().strip()
        if not text:
            self._say(_("Choose a file to import first."), style.BAD)
            return
        target = Path(text)
        fmt = self.format_combo.currentData()
        bench = self.bench

        def work(ctx: OpContext) -> customer_csv.ImportResult:
            total = count_rows(target) if target.is_file() else 0
            ctx.progress(_("Importing…"), 0, total)
            return customer_csv.import_customers(
                bench,
                target,
                fmt=fmt,
                progress=lambda done: ctx.progress(_("Importing…"), min(done, total), total),
                cancelled=lambda: ctx.cancelled,
            )

        self.outcome = None
        self.errors_table.setRowCount(0)
        self.copy_button.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first count arrives
        self._say(_("Importing {name}…").format(name=target.name), style.MUTED)
        self._set_running(True)
        self.handle = self.runner.run(
            Op(
                work,
                label=_("Importing customers…"),
                writes=True,
                on_progress=self._progress,
                on_success=self._done,
                on_failure=self._failed,
                on_cancelled=lambda: self._say(_("Import cancelled."), style.WARN),
                on_done=lambda: self._set_running(False),
            )
        )

    def _set_running(self, running: bool) -> None:
        self.import_button.setEnabled(not running)
        self.browse_button.setEnabled(not running)
        self.path_edit.setEnabled(not running)
        self.format_combo.setEnabled(not running)
        self.cancel_button.setText(_("Cancel") if running else _("Close"))

    def _progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done or 0)
            self.status_label.setText(
                _("{done} of about {total} rows read").format(done=progress.done or 0, total=progress.total)
            )

    def _done(self, result: customer_csv.ImportResult) -> None:
        self.outcome = result
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self._say(summary(result), style.WARN if result.errors or result.cancelled else style.GOOD)
        self.errors_table.setRowCount(len(result.errors))
        for r, error in enumerate(result.errors):
            self.errors_table.setItem(r, 0, QTableWidgetItem(str(error.row)))
            self.errors_table.setItem(r, 1, QTableWidgetItem(error.error))
        self.copy_button.setEnabled(bool(result.errors))
        self.imported.emit(result)

    def _failed(self, failure: Failure) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self._say(failure.message, style.BAD)

    def _say(self, text: str, colour: str) -> None:
        self.status_label.setText(text)
        style.set_text_color(self.status_label, colour)

    def errors_text(self) -> str:
        """Tab-separated, with a header: pastes into a spreadsheet as two columns."""
        lines = [f"{_('Row')}\t{_('Problem')}"]
        if self.outcome is not None:
            lines += [f"{e.row}\t{e.error}" for e in self.outcome.errors]
        return "\n".join(lines)

    @Slot()
    def copy_errors(self) -> None:
        QGuiApplication.clipboard().setText(self.errors_text())
        self._say(_("Errors copied to the clipboard."), style.MUTED)

    @Slot()
    def _cancel_or_close(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()
            self._say(_("Cancelling…"), style.WARN)
        else:
            self.reject()

    def reject(self) -> None:
        if self.running and self.handle is not None:
            self.handle.cancel()  # Esc while importing: stop it, keep what was committed
        super().reject()
