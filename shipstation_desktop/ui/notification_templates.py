"""Customer notification templates: pick type (order status), channel and language, edit the
subject and body, see them rendered with sample values as you type (errors inline, naming the part
and the variable), save this bench's version or revert to the shipped text. Database work runs as ops;
the preview is pure rendering and runs on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import notifications as rules
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.notifications import Channel
from shipstation_desktop.services import notification_templates as templates
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.notification_templates import EditableTemplate, TemplateError, TemplateText

from . import enum_labels
from .i18n import LANGUAGE_NAMES, _
from .ops import Op, OpRunner


def variables_hint() -> str:
    names = ", ".join(f"{{{{ {name} }}}}" for name in rules.TEMPLATE_VARIABLES)
    return _("Variables: {names}").format(names=names)


class NotificationTemplatesDialog(QDialog):
    loaded = Signal(object)  # the EditableTemplate now in the editor
    saved = Signal(object)  # the EditableTemplate after save or revert
    preview_updated = Signal(bool, str)  # ok, the rendered text or the error message

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationTemplatesDialog")
        self.setWindowTitle(_("Customer notification templates"))
        self.resize(900, 640)
        self.bench = bench
        self.runner = runner
        self.current: EditableTemplate | None = None
        self._loading = False

        layout = QVBoxLayout(self)
        pick = QHBoxLayout()
        self.status_box = QComboBox()
        for status in rules.NOTIFYING_STATUSES:
            self.status_box.addItem(enum_labels.order_status(status).lower(), status.value)
        self.channel_box = QComboBox()
        self.channel_box.addItem(_("E-mail"), Channel.EMAIL.value)
        self.channel_box.addItem(_("SMS"), Channel.SMS.value)
        self.language_box = QComboBox()
        for code in rules.LANGUAGES:
            self.language_box.addItem(LANGUAGE_NAMES.get(code, code), code)
        self.source_label = QLabel()
        self.source_label.setObjectName("templateSource")
        for label, box in (
            (_("Type"), self.status_box),
            (_("Channel"), self.channel_box),
            (_("Language"), self.language_box),
        ):
            pick.addWidget(QLabel(label))
            pick.addWidget(box)
            box.currentIndexChanged.connect(self.load)
        pick.addStretch(1)
        pick.addWidget(self.source_label)
        layout.addLayout(pick)

        form = QFormLayout()
        self.subject_edit = QLineEdit()
        self.body_edit = QPlainTextEdit()
        self.html_edit = QPlainTextEdit()
        self.html_edit.setPlaceholderText(_("Optional HTML version of the e-mail (values are escaped)"))
        self.html_edit.setMaximumHeight(110)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        for edit in (self.body_edit, self.html_edit):
            edit.setFont(mono)
        self.subject_label = QLabel(_("Subject"))
        self.html_label = QLabel(_("HTML"))
        form.addRow(self.subject_label, self.subject_edit)
        form.addRow(_("Body"), self.body_edit)
        form.addRow(self.html_label, self.html_edit)
        hint = QLabel(variables_hint())
        hint.setWordWrap(True)
        hint.setEnabled(False)
        form.addRow("", hint)
        layout.addLayout(form, 2)

        layout.addWidget(QLabel(_("Preview (sample order)")))
        self.error_label = QLabel()
        self.error_label.setObjectName("templateError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.preview_view = QPlainTextEdit()
        self.preview_view.setObjectName("templatePreview")
        self.preview_view.setReadOnly(True)
        layout.addWidget(self.preview_view, 2)

        buttons = QHBoxLayout()
        self.save_button = QPushButton(_("Save"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton(_("Revert to shipped"))
        self.revert_button.setToolTip(_("Delete this bench's version; customers get the shipped text again"))
        self.revert_button.clicked.connect(self.revert)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.accept)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.revert_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        for edit in (self.body_edit, self.html_edit):
            edit.textChanged.connect(self.update_preview)
        self.subject_edit.textChanged.connect(self.update_preview)
        self.load()

    # ---------------------------------------------------------------------------------- selection

    def key(self) -> tuple[OrderStatus, Channel, str]:
        # Qt keeps plain strings as item data (a StrEnum comes back as str), so the enums are rebuilt here.
        status = OrderStatus(self.status_box.currentData())
        return status, Channel(self.channel_box.currentData()), str(self.language_box.currentData())

    def select(self, status: OrderStatus, channel: Channel, language: str) -> None:
        """Picks a template (tests, links from the log); loads it once."""
        self._loading = True
        try:
            self.status_box.setCurrentIndex(self.status_box.findData(status.value))
            self.channel_box.setCurrentIndex(self.channel_box.findData(channel.value))
            self.language_box.setCurrentIndex(self.language_box.findData(language))
        finally:
            self._loading = False
        self.load()

    def text(self) -> TemplateText:
        return TemplateText(self.subject_edit.text(), self.body_edit.toPlainText(), self.html_edit.toPlainText())

    @Slot()
    def load(self) -> None:
        if self._loading:
            return
        status, channel, language = self.key()
        self._set_busy(True)
        self.runner.run(
            Op(
                lambda _ctx: templates.get_template(self.bench, status, channel, language),
                label=_("Loading template…"),
                on_success=self._show,
                on_done=lambda: self._set_busy(False),
            )
        )

    def _show(self, template: EditableTemplate) -> None:
        if (template.status, template.channel, template.language) != self.key():
            return  # the user picked another one meanwhile; its own load is on the way
        self.current = template
        email = template.channel is Channel.EMAIL
        for widget in (self.subject_label, self.subject_edit, self.html_label, self.html_edit):
            widget.setVisible(email)
        self._loading = True
        try:
            self.subject_edit.setText(template.text.subject)
            self.body_edit.setPlainText(template.text.body)
            self.html_edit.setPlainText(template.text.html)
        finally:
            self._loading = False
        self.source_label.setText(
            _("This bench's version") if template.source == "custom" else _("Shipped text (not changed on this bench)")
        )
        self.revert_button.setEnabled(template.source == "custom" and template.shipped is not None)
        self.update_preview()
        self.loaded.emit(template)

    # ---------------------------------------------------------------------------------- preview

    @Slot()
    def update_preview(self) -> None:
        if self._loading:
            return
        status, channel, language = self.key()
        try:
            rendered = templates.preview(status, channel, language, self.text())
        except TemplateError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            self.save_button.setEnabled(False)  # a template that cannot render is never saved
            self.preview_updated.emit(False, str(exc))
            return
        self.error_label.hide()
        self.save_button.setEnabled(True)
        if channel is Channel.EMAIL:
            shown = _("Subject: {subject}").format(subject=rendered.subject) + f"\n\n{rendered.body}"
        else:
            shown = rendered.body
        if rendered.html:
            shown += "\n\n--- " + _("HTML") + f" ---\n{rendered.html}"
        self.preview_view.setPlainText(shown)
        self.preview_updated.emit(True, shown)

    # ---------------------------------------------------------------------------------- save

    @Slot()
    def save(self) -> None:
        status, channel, language = self.key()
        text = self.text()
        self._set_busy(True)
        self.runner.run(
            Op(
                lambda _ctx: templates.save_template(self.bench, status, channel, language, text),
                label=_("Saving template…"),
                writes=True,
                on_success=self._saved,
                on_done=lambda: self._set_busy(False),
            )
        )

    @Slot()
    def revert(self) -> None:
        status, channel, language = self.key()
        self._set_busy(True)
        self.runner.run(
            Op(
                lambda _ctx: templates.revert_to_shipped(self.bench, status, channel, language),
                label=_("Reverting template…"),
                writes=True,
                on_success=self._saved,
                on_done=lambda: self._set_busy(False),
            )
        )

    def _saved(self, template: EditableTemplate) -> None:
        self._show(template)
        self.saved.emit(template)

    def _set_busy(self, busy: bool) -> None:
        for box in (self.status_box, self.channel_box, self.language_box):
            box.setEnabled(not busy)
        if busy:
            self.save_button.setEnabled(False)
            self.revert_button.setEnabled(False)
        elif self.current is not None:
            self.revert_button.setEnabled(self.current.source == "custom" and self.current.shipped is not None)
            self.save_button.setEnabled(self.error_label.isHidden())


def open_dialog(bench: Bench, runner: OpRunner, parent: QWidget) -> NotificationTemplatesDialog:
    """One editor per window: a second menu click brings the open one forward."""
    existing = parent.findChild(NotificationTemplatesDialog, "notificationTemplatesDialog")
    if existing is not None and existing.isVisible():
        existing.raise_()
        return existing
    if existing is not None:
        existing.deleteLater()
    dialog = NotificationTemplatesDialog(bench, runner, parent)
    dialog.open()
    return dialog
