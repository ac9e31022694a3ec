"""Inline validation messages: a small red line under each form field, filled from a FieldErrors'
`errors` (field -> message), so a refused save never needs a modal box. Messages for fields the
form does not show go to one general line."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QFormLayout, QLabel, QLayout, QVBoxLayout, QWidget

from . import customer_labels as labels
from . import style


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"error_{name}")
    label.setWordWrap(True)
    label.setStyleSheet(f"QLabel {{ color: {style.BAD}; font-size: small; }}")
    label.hide()
    return label


class InlineErrors:
    def __init__(self, general: QLabel | None = None) -> None:
        self.labels: dict[str, QLabel] = {}
        self.general = general if general is not None else _error_label("general")
        self.general.setObjectName("error_general")
        self.general.setStyleSheet(f"QLabel {{ color: {style.BAD}; }}")
        self.general.setWordWrap(True)
        self.general.hide()
        self.widgets: dict[str, QWidget] = {}

    def add_row(self, form: QFormLayout, title: str, name: str, field: QWidget | QLayout) -> QLabel:
        """A form row whose field has its error line right under it."""
        box = QVBoxLayout()
        box.setSpacing(1)
        if isinstance(field, QWidget):
            box.addWidget(field)
            self.widgets[name] = field
        else:
            box.addLayout(field)
        label = _error_label(name)
        box.addWidget(label)
        self.labels[name] = label
        form.addRow(title, box)
        return label

    def show(self, errors: Mapping[str, str]) -> None:
        """Shows `errors` (replacing earlier ones) and focuses the first field in error."""
        self.clear()
        general: list[str] = []
        first: QWidget | None = None
        for name, message in errors.items():
            label = self.labels.get(name)
            if label is None:
                general.append(f"{labels.field(name)}: {message}")
                continue
            label.setText(message)
            label.show()
            if first is None:
                first = self.widgets.get(name)
        if general:
            self.general.setText("\n".join(general))
            self.general.show()
        if first is not None:
            first.setFocus()

    def clear(self) -> None:
        for label in self.labels.values():
            label.clear()
            label.hide()
        self.general.clear()
        self.general.hide()

    def text(self, name: str) -> str:
        """The message shown for a field ("" when none), e.g. for tests."""
        label = self.labels.get(name)
        return label.text() if label is not None else ""

    def say(self, message: str) -> None:
        self.general.setText(message)
        self.general.show()
