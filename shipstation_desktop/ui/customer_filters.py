"""The customers list's filter bar: status, source, tag, amount spent and last-order dates.

It only builds a services/customer_list.CustomerFilter; the list runs it. Dates are the bench's
local days, turned into aware UTC bounds (a whole day each side) because stored times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QLocale, Signal, Slot
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from shipstation_desktop.domain.enums import CustomerSource, CustomerStatus
from shipstation_desktop.services.customer_list import CustomerFilter

from . import customer_labels as labels
from .i18n import _

DEFAULT_RANGE_DAYS = 90


def day_start(day: date) -> datetime:
    """The first instant of a local day, as an aware time."""
    return datetime.combine(day, time.min).astimezone()


def day_end(day: date) -> datetime:
    return datetime.combine(day, time.max).astimezone()


def _amount(edit: QLineEdit) -> Decimal | None:
    text = edit.text().strip().replace(",", ".")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class CustomerFilterBar(QWidget):
    changed = Signal()  # a choice moved: the list goes back to page 1
    text_changed = Signal()  # a typed field moved: the list waits for the typing to pause

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("statusFilter")
        self.status_combo.addItem(_("All statuses"), None)
        for status in CustomerStatus:
            self.status_combo.addItem(labels.status(status), status.value)
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("sourceFilter")
        self.source_combo.addItem(_("All sources"), None)
        for source in CustomerSource:
            self.source_combo.addItem(labels.source(source), source.value)
        self.tag_edit = QLineEdit()
        self.tag_edit.setObjectName("tagFilter")
        self.tag_edit.setPlaceholderText(_("Tag"))
        self.tag_edit.setMaximumWidth(120)
        validator = QDoubleValidator(0.0, 1e12, 2, self)
        validator.setLocale(QLocale.c())  # a point for decimals whatever the GUI language
        self.spent_min = QLineEdit()
        self.spent_max = QLineEdit()
        for edit, name, hint in (
            (self.spent_min, "spentMin", _("at least")),
            (self.spent_max, "spentMax", _("at most")),
        ):
            edit.setObjectName(name)
            edit.setPlaceholderText(hint)
            edit.setValidator(validator)
            edit.setMaximumWidth(80)
        self.last_order_check = QCheckBox(_("Last order"))
        self.last_order_check.setObjectName("lastOrderFilter")
        self.last_from = QDateEdit()
        self.last_to = QDateEdit()
        today = QDate.currentDate()
        for date_edit, name, value in (
            (self.last_from, "lastOrderFrom", today.addDays(-DEFAULT_RANGE_DAYS)),
            (self.last_to, "lastOrderTo", today),
        ):
            date_edit.setObjectName(name)
            date_edit.setCalendarPopup(True)
            date_edit.setDisplayFormat("yyyy-MM-dd")
            date_edit.setDate(value)
            date_edit.setEnabled(False)
        self.clear_button = QPushButton(_("Clear filters"))
        self.clear_button.setObjectName("clearFilters")

        row.addWidget(self.status_combo)
        row.addWidget(self.source_combo)
        row.addWidget(self.tag_edit)
        row.addWidget(QLabel(_("Spent")))
        row.addWidget(self.spent_min)
        row.addWidget(QLabel("–"))
        row.addWidget(self.spent_max)
        row.addWidget(self.last_order_check)
        row.addWidget(self.last_from)
        row.addWidget(QLabel("–"))
        row.addWidget(self.last_to)
        row.addWidget(self.clear_button)
        row.addStretch(1)

        self.status_combo.currentIndexChanged.connect(self.changed)
        self.source_combo.currentIndexChanged.connect(self.changed)
        self.tag_edit.textChanged.connect(self.text_changed)
        self.spent_min.textChanged.connect(self.text_changed)
        self.spent_max.textChanged.connect(self.text_changed)
        self.last_order_check.toggled.connect(self._toggle_dates)
        self.last_from.dateChanged.connect(self._dates_changed)
        self.last_to.dateChanged.connect(self._dates_changed)
        self.clear_button.clicked.connect(self.clear)

    @Slot(bool)
    def _toggle_dates(self, on: bool) -> None:
        self.last_from.setEnabled(on)
        self.last_to.setEnabled(on)
        self.changed.emit()

    @Slot()
    def _dates_changed(self) -> None:
        if self.last_order_check.isChecked():
            self.changed.emit()

    @Slot()
    def clear(self) -> None:
        widgets = (self.status_combo, self.source_combo, self.tag_edit, self.spent_min, self.spent_max)
        for w in (*widgets, self.last_order_check):
            w.blockSignals(True)
        try:
            self.status_combo.setCurrentIndex(0)
            self.source_combo.setCurrentIndex(0)
            self.tag_edit.clear()
            self.spent_min.clear()
            self.spent_max.clear()
            self.last_order_check.setChecked(False)
            self.last_from.setEnabled(False)
            self.last_to.setEnabled(False)
        finally:
            for w in (*widgets, self.last_order_check):
                w.blockSignals(False)
        self.changed.emit()

    def set_last_order_range(self, first: date, last: date) -> None:
        self.last_from.setDate(QDate(first.year, first.month, first.day))
        self.last_to.setDate(QDate(last.year, last.month, last.day))
        self.last_order_check.setChecked(True)

    def filter(self, query: str = "") -> CustomerFilter:
        status = self.status_combo.currentData()
        source = self.source_combo.currentData()
        first: date | None = None
        last: date | None = None
        if self.last_order_check.isChecked():
            first = self.last_from.date().toPython()  # type: ignore[assignment]
            last = self.last_to.date().toPython()  # type: ignore[assignment]
        return CustomerFilter(
            status=CustomerStatus(status) if status else None,
            source=CustomerSource(source) if source else None,
            tag=self.tag_edit.text().strip(),
            spent_min=_amount(self.spent_min),
            spent_max=_amount(self.spent_max),
            last_order_from=day_start(first) if first is not None else None,
            last_order_to=day_end(last) if last is not None else None,
            query=query,
        )
