"""One customer's window: the edit form (Save / Cancel, inline errors, a reason for a status change),
and the Addresses, Notes, Communications, Timeline and Analytics tabs; the Actions menu deletes,
exports or erases the customer's personal data.

Opening it shows the customer through services/pii_view.shown_one: masked for someone who may not
see personal data, audited as a PII view for the others. Editing needs EDIT_CUSTOMERS (and the
unmasked data); the window says why when it is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.domain.errors import FieldErrors
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import customers, pii_view
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import customer_privacy_actions as privacy
from . import style
from .customer_address_editor import CustomerAddressEditor
from .customer_analytics_panel import CustomerAnalyticsPanel
from .customer_form import CustomerForm
from .customer_labels import needs_role
from .customer_notes import CommunicationsPanel, NotesPanel
from .customer_rights import CustomerRights, gate
from .customer_timeline import CustomerTimeline
from .i18n import _
from .note_dialog import NoteDialog
from .ops import Failure, Op, OpRunner

HOW = "customer detail"  # where the PII view happened, for the audit log


@dataclass(frozen=True, slots=True)
class Loaded:
    customer: dm.Customer | None  # None: a new customer
    rights: CustomerRights
    block_reason: str = ""


class CustomerDetailDialog(QDialog):
    loaded = Signal()  # the customer (or the empty form) is shown
    saved = Signal(object)  # dm.Customer after a save
    changed = Signal()  # anything the customers list shows may have changed

    def __init__(self, bench: Bench, runner: OpRunner, customer_id: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customerDetail")
        self.setWindowTitle(_("New customer") if customer_id is None else _("Customer"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.resize(980, 720)
        self.bench = bench
        self.runner = runner
        self.customer_id = customer_id
        self.customer: dm.Customer | None = None
        self.rights = CustomerRights(view_pii=False, edit=False, erase=False, export=False, import_=False)
        self.status_dialog: NoteDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.erase_dialog: privacy.EraseDialog | None = None
        self.ready = False  # the first load was shown
        self._build()
        self.reload()

    # ================================================================================ layout

    def _build(self) -> None:
        root = QVBoxLayout(self)
        head = QHBoxLayout()
        self.name_label = QLabel()
        self.name_label.setObjectName("customerName")
        self.name_label.setFont(style.scaled_font(self, 1.4, bold=True))
        self.status_pill = QLabel()
        self.status_pill.setObjectName("customerStatus")
        head.addWidget(self.name_label)
        head.addWidget(self.status_pill)
        head.addStretch(1)
        self.actions_button = QToolButton()
        self.actions_button.setObjectName("customerActions")
        self.actions_button.setText(_("Actions"))
        self.actions_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.actions_button)
        self.act_export = self.menu.addAction(_("Export personal data…"))
        self.act_export.triggered.connect(lambda: self.export_personal_data())
        self.act_erase = self.menu.addAction(_("Erase personal data…"))
        self.act_erase.triggered.connect(lambda: self.ask_erase())
        self.menu.addSeparator()
        self.act_delete = self.menu.addAction(_("Delete customer…"))
        self.act_delete.triggered.connect(lambda: self.ask_delete())
        self.menu.setToolTipsVisible(True)
        self.actions_button.setMenu(self.menu)
        head.addWidget(self.actions_button)
        root.addLayout(head)

        self.banner = QLabel()
        self.banner.setObjectName("customerBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        root.addWidget(self.banner)
        self.notice = QLabel()
        self.notice.setObjectName("customerNotice")
        self.notice.setWordWrap(True)
        style.banner(self.notice, style.INFO, style.INFO_BG)
        self.notice.hide()
        root.addWidget(self.notice)
        self.message = QLabel()
        self.message.setObjectName("customerMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        root.addWidget(self.message)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("customerTabs")
        root.addWidget(self.tabs, 1)
        details = QWidget()
        details_layout = QVBoxLayout(details)
        self.form = CustomerForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        details_layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("cancelEdit")
        self.cancel_button.setToolTip(_("Forget the changes made in the form"))
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("saveCustomer")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)  # until the load says whether this person may edit
        self.save_button.clicked.connect(lambda: self.save())
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        details_layout.addLayout(buttons)
        self.tabs.addTab(details, _("Details"))

        self.addresses = CustomerAddressEditor(self.bench, self.runner)
        self.notes = NotesPanel(self.bench, self.runner)
        self.communications = CommunicationsPanel(self.bench, self.runner)
        self.timeline = CustomerTimeline(self.bench, self.runner)
        self.analytics = CustomerAnalyticsPanel(self.bench, self.runner)
        self.tabs.addTab(self.addresses, _("Addresses"))
        self.tabs.addTab(self.notes, _("Notes"))
        self.tabs.addTab(self.communications, _("Communications"))
        self.tabs.addTab(self.timeline, _("Timeline"))
        self.tabs.addTab(self.analytics, _("Analytics"))
        for panel in (self.addresses, self.notes, self.communications):
            panel.changed.connect(self._part_changed)
        # Enter in a field saves the form; no other button of the window takes it over.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(button is self.save_button)

    # ================================================================================ loading

    @Slot()
    def reload(self) -> None:
        customer_id = self.customer_id
        bench = self.bench

        def load(_ctx: object) -> Loaded:
            rights = CustomerRights.of(bench)
            if customer_id is None:
                return Loaded(None, rights)
            customer = pii_view.shown_one(bench, customers.get_customer(bench, customer_id), HOW)
            reason = ""
            if customer.status is CustomerStatus.BLOCKED:
                history = customers.status_history(bench, customer_id)
                reason = next((h.reason for h in history if h.status is CustomerStatus.BLOCKED), "")
            return Loaded(customer, rights, reason)

        self.runner.run(Op(load, label=_("Opening the customer…"), on_success=self._show, on_failure=self._load_failed))

    def _load_failed(self, failure: Failure) -> None:
        self._say(failure.message, style.BAD)
        self.save_button.setEnabled(False)

    def _show(self, loaded: Loaded) -> None:
        self.customer = c = loaded.customer
        self.rights = rights = loaded.rights
        editable = rights.edit and rights.view_pii
        self.form.set_customer(c)
        self.form.set_read_only(not editable)
        self.save_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)
        self._show_header(c, loaded.block_reason)
        self._show_notice(rights)
        exists = c is not None
        for index in range(1, self.tabs.count()):
            self.tabs.setTabEnabled(index, exists)
        gate(self.act_export, exists and rights.export, Permission.EXPORT_DATA)
        gate(self.act_erase, exists and rights.erase, Permission.ERASE_CUSTOMERS)
        gate(self.act_delete, exists and rights.edit, Permission.EDIT_CUSTOMERS)
        if c is not None:
            self.addresses.set_addresses(c.id, c.addresses, editable=editable)
            private_ok = rights.view_pii
            for panel in (self.notes, self.communications):
                index = self.tabs.indexOf(panel)
                self.tabs.setTabEnabled(index, private_ok)
                self.tabs.setTabToolTip(index, "" if private_ok else needs_role(Permission.VIEW_PII))
            if private_ok:
                self.notes.load(c.id, editable=editable)
                self.communications.load(c.id, editable=editable)
            self.timeline.load(c.id, show_private=private_ok)
            self.analytics.load(c.id)
        self.ready = True
        self.loaded.emit()

    def _show_header(self, c: dm.Customer | None, block_reason: str) -> None:
        if c is None:
            self.name_label.setText(_("New customer"))
            self.status_pill.hide()
            self.banner.hide()
            return
        self.setWindowTitle(_("Customer: {name}").format(name=c.name))
        self.name_label.setText(c.name)
        self.status_pill.setText(labels.status(c.status))
        style.pill(self.status_pill, "#ffffff", style.CUSTOMER_STATUS[c.status])
        self.status_pill.show()
        if c.status is CustomerStatus.BLOCKED:
            why = block_reason or _("no reason recorded")
            self.banner.setText(_("⊘ BLOCKED ({reason}): orders of this customer are not shipped.").format(reason=why))
            style.banner(self.banner, "#ffffff", style.BAD)
            self.banner.show()
        else:
            self.banner.hide()

    def _show_notice(self, rights: CustomerRights) -> None:
        lines = []
        if not rights.view_pii:
            lines.append(_("E-mail and phone are masked. {why}").format(why=needs_role(Permission.VIEW_PII)))
        if not rights.edit:
            lines.append(_("Read only: editing customers. {why}").format(why=needs_role(Permission.EDIT_CUSTOMERS)))
        elif not rights.view_pii:
            lines.append(_("Read only: the form cannot be saved with masked data."))
        self.notice.setText("\n".join(lines))
        self.notice.setVisible(bool(lines))

    def _say(self, text: str, colour: str) -> None:
        self.message.setText(text)
        style.set_text_color(self.message, colour)
        self.message.setVisible(bool(text))

    @Slot()
    def _part_changed(self) -> None:
        self.timeline.refresh()
        self.changed.emit()

    # ================================================================================ saving

    @Slot()
    def cancel_edit(self) -> None:
        if self.customer is None:
            self.reject()
            return
        self.form.set_customer(self.customer)
        self._say("", style.MUTED)

    def save(self, reason: str | None = None) -> None:
        """Saves the form; a status change first asks why (or takes `reason`)."""
        c = self.customer
        if c is not None and self.form.status() is not c.status and reason is None:
            self.ask_status_reason(c.status, self.form.status())
            return
        draft = self.form.draft()
        bench = self.bench
        self.form.errors.clear()
        self._say("", style.MUTED)
        self.save_button.setEnabled(False)
        if c is None:
            op = Op(
                lambda _ctx: customers.create_customer(bench, draft),
                label=_("Creating the customer…"),
                writes=True,
                on_success=self._saved,
                on_failure=self._save_failed,
                on_done=lambda: self.save_button.setEnabled(True),
            )
        else:
            customer_id, version, why = c.id, c.version, reason or ""
            op = Op(
                lambda _ctx: customers.update_customer(bench, customer_id, draft, expected_version=version, reason=why),
                label=_("Saving the customer…"),
                writes=True,
                on_success=self._saved,
                on_failure=self._save_failed,
                on_done=lambda: self.save_button.setEnabled(True),
            )
        self.runner.run(op)

    def ask_status_reason(self, current: CustomerStatus, target: CustomerStatus) -> NoteDialog:
        dialog = NoteDialog(
            _("Change the customer's status"),
            _("Why does this customer go from {current} to {target}? (shown wherever the status matters)").format(
                current=labels.status(current), target=labels.status(target)
            ),
            _("Save"),
            self,
        )
        dialog.setObjectName("statusReasonDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.save(dialog.note()))
        self.status_dialog = dialog
        dialog.open()
        return dialog

    def _saved(self, customer: dm.Customer) -> None:
        before = self.customer
        self.customer_id = customer.id
        self._say(_("Saved."), style.GOOD)
        if before is None or before.status is not customer.status:
            # A new customer's other tabs open now; a new status brings its banner, reason and timeline.
            self.reload()
        else:
            self.customer = customer
            self.form.set_customer(customer)
            self._show_header(customer, "")
            self.timeline.refresh()
        self.saved.emit(customer)
        self.changed.emit()

    def _save_failed(self, failure: Failure) -> None:
        if isinstance(failure.error, FieldErrors):
            self.form.errors.show(failure.error.errors)
            self.tabs.setCurrentIndex(0)
        else:
            self._say(failure.message, style.BAD)

    # ================================================================================ actions

    def ask_delete(self) -> QMessageBox | None:
        c = self.customer
        if c is None:
            return None
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Delete customer"),
            _("Delete {name}? The customer disappears from the lists; orders and history are kept.").format(
                name=c.name
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setObjectName("deleteConfirm")
        self.delete_confirm_button = box.addButton(_("Delete customer"), QMessageBox.ButtonRole.DestructiveRole)
        self.delete_confirm_button.clicked.connect(lambda: self._delete(c.id))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_box = box
        box.open()
        return box

    def _delete(self, customer_id: str) -> None:
        bench = self.bench
        self.runner.run(
            Op(
                lambda _ctx: customers.delete_customer(bench, customer_id),
                label=_("Deleting the customer…"),
                writes=True,
                on_success=lambda _r: self._gone(_("Customer deleted.")),
                on_failure=lambda f: self._say(f.message, style.BAD),
            )
        )

    def _gone(self, message: str) -> None:
        self._say(message, style.GOOD)
        self.changed.emit()
        self.accept()

    def export_personal_data(self, out_dir: Path | None = None) -> bool:
        """Asks for a folder (unless given) and writes the GDPR export there."""
        if self.customer is None or not self.rights.export:
            return False
        return privacy.export_personal_data(
            self,
            self.bench,
            self.runner,
            self.customer.id,
            on_done=lambda text: self._say(text, style.GOOD),
            on_failure=lambda f: self._say(f.message, style.BAD),
            out_dir=out_dir,
        )

    def ask_erase(self) -> privacy.EraseDialog | None:
        if self.customer is None or not self.rights.erase:
            return None

        def erased(text: str) -> None:
            self._say(text, style.GOOD)
            self.changed.emit()
            self.reload()

        self.erase_dialog = privacy.ask_erase(
            self,
            self.bench,
            self.runner,
            self.customer,
            on_done=erased,
            on_failure=lambda f: self._say(f.message, style.BAD),
        )
        return self.erase_dialog
