"""The customer's own fields as a form (seed 001's Customer: e-mail, name, phone, date of birth,
gender, status, source, external id, tags, custom fields), with an error line under each field.

It only turns widgets into a domain CustomerDraft and back; checking and saving are the services'.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.customer_rules import CustomerDraft
from shipstation_desktop.domain.enums import CustomerSource, CustomerStatus

from . import customer_labels as labels
from .i18n import _
from .inline_errors import InlineErrors

ORIGINAL_ROLE = Qt.ItemDataRole.UserRole + 2


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class CustomFieldsTable(QWidget):
    """Key/value rows. A value that was not text (a number, a list) stays as it was unless edited."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("customFields")
        self.table.setHorizontalHeaderLabels([_("Key"), _("Value")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(90)
        self.table.setMaximumHeight(130)
        self.table.itemChanged.connect(lambda _item: self.edited.emit())
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.add_button = QPushButton(_("Add field"))
        self.add_button.setObjectName("addCustomField")
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button = QPushButton(_("Remove field"))
        self.remove_button.setObjectName("removeCustomField")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)

    def set_fields(self, fields: dict[str, Any]) -> None:
        self.table.blockSignals(True)
        try:
            self.table.setRowCount(0)
            for key, value in fields.items():
                self.add_row(key, value)
        finally:
            self.table.blockSignals(False)

    def add_row(self, key: str = "", value: Any = "") -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self.table.setItem(r, 0, QTableWidgetItem(key))
        item = QTableWidgetItem(_shown(value))
        item.setData(ORIGINAL_ROLE, json.dumps(value))  # JSON text: Qt keeps it whatever the type
        self.table.setItem(r, 1, item)
        key_item = self.table.item(r, 0)
        if not key and key_item is not None:
            self.table.setCurrentCell(r, 0)
            self.table.editItem(key_item)
        self.edited.emit()

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for r in rows:
            self.table.removeRow(r)
        if rows:
            self.edited.emit()

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for r in range(self.table.rowCount()):
            key_item, value_item = self.table.item(r, 0), self.table.item(r, 1)
            key = key_item.text().strip() if key_item is not None else ""
            text = value_item.text() if value_item is not None else ""
            if not key and not text.strip():
                continue  # an empty row left behind
            original_json = value_item.data(ORIGINAL_ROLE) if value_item is not None else None
            original = json.loads(original_json) if isinstance(original_json, str) else None
            out[key] = original if original is not None and _shown(original) == text else text
        return out

    def set_read_only(self, read_only: bool) -> None:
        triggers = (
            QAbstractItemView.EditTrigger.NoEditTriggers
            if read_only
            else QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setEditTriggers(triggers)
        self.add_button.setEnabled(not read_only)
        self.remove_button.setEnabled(not read_only)


class CustomerForm(QWidget):
    edited = Signal()  # any field changed by the person

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors = InlineErrors()
        outer = QVBoxLayout(self)
        outer.addWidget(self.errors.general)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)
        outer.addStretch(1)

        self.email_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText("+14155550132")
        self.dob_edit = QLineEdit()
        self.dob_edit.setPlaceholderText(_("YYYY-MM-DD"))
        self.gender_edit = QLineEdit()
        self.status_combo = QComboBox()
        for status in CustomerStatus:
            self.status_combo.addItem(labels.status(status), status.value)
        self.source_combo = QComboBox()
        for source in CustomerSource:
            self.source_combo.addItem(labels.source(source), source.value)
        self.external_id_edit = QLineEdit()
        self.tags_edit = QLineEdit()
        self.tags_edit.setPlaceholderText(_("vip, wholesale"))
        self.custom_fields = CustomFieldsTable()
        fields: list[tuple[str, str, QWidget]] = [
            ("email", _("E-mail:"), self.email_edit),
            ("name", _("Name:"), self.name_edit),
            ("phone", _("Phone:"), self.phone_edit),
            ("date_of_birth", _("Date of birth:"), self.dob_edit),
            ("gender", _("Gender:"), self.gender_edit),
            ("status", _("Status:"), self.status_combo),
            ("source", _("Source:"), self.source_combo),
            ("external_id", _("External id:"), self.external_id_edit),
            ("tags", _("Tags:"), self.tags_edit),
            ("custom_fields", _("Custom fields:"), self.custom_fields),
        ]
        for name, title, widget in fields:
            widget.setObjectName(f"field_{name}")
            self.errors.add_row(form, title, name, widget)
        for edit in (
            self.email_edit,
            self.name_edit,
            self.phone_edit,
            self.dob_edit,
            self.gender_edit,
            self.external_id_edit,
            self.tags_edit,
        ):
            edit.textEdited.connect(lambda _text: self.edited.emit())
        self.status_combo.activated.connect(lambda _i: self.edited.emit())
        self.source_combo.activated.connect(lambda _i: self.edited.emit())
        self.custom_fields.edited.connect(self.edited)

    def set_customer(self, c: dm.Customer | None) -> None:
        """Fills the form (None: an empty one for a new customer)."""
        self.errors.clear()
        self.email_edit.setText(c.email if c else "")
        self.name_edit.setText(c.name if c else "")
        self.phone_edit.setText(c.phone if c else "")
        self.dob_edit.setText(c.date_of_birth.isoformat() if c and c.date_of_birth else "")
        self.gender_edit.setText(c.gender if c else "")
        status = c.status if c else CustomerStatus.ACTIVE
        self.status_combo.setCurrentIndex(self.status_combo.findData(status.value))
        source = c.source if c else CustomerSource.MANUAL
        self.source_combo.setCurrentIndex(self.source_combo.findData(source.value))
        self.external_id_edit.setText(c.external_id if c else "")
        self.tags_edit.setText(", ".join(c.tags) if c else "")
        self.custom_fields.set_fields(dict(c.custom_fields) if c else {})

    def status(self) -> CustomerStatus:
        return CustomerStatus(self.status_combo.currentData())

    def draft(self) -> CustomerDraft:
        return CustomerDraft(
            email=self.email_edit.text(),
            name=self.name_edit.text(),
            phone=self.phone_edit.text(),
            date_of_birth=self.dob_edit.text().strip() or None,
            gender=self.gender_edit.text(),
            status=self.status(),
            source=CustomerSource(self.source_combo.currentData()),
            external_id=self.external_id_edit.text(),
            tags=tuple(t.strip() for t in self.tags_edit.text().replace(";", ",").split(",") if t.strip()),
            custom_fields=self.custom_fields.fields(),
        )

    def set_read_only(self, read_only: bool) -> None:
        for edit in (
            self.email_edit,
            self.name_edit,
            self.phone_edit,
            self.dob_edit,
            self.gender_edit,
            self.external_id_edit,
            self.tags_edit,
        ):
            edit.setReadOnly(read_only)
        self.status_combo.setEnabled(not read_only)
        self.source_combo.setEnabled(not read_only)
        self.custom_fields.set_read_only(read_only)
