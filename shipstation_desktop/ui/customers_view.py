"""Customers: the list (search as you type, filters, pages), the cohort retention sub-tab, and the
buttons that open a customer, an import, an export or the duplicate finder.

Every read goes through the ops runner; a search answered after a newer one is dropped. Customers
come back through services/pii_view.shown, so a packer sees masked e-mails and phones and every
list shown to others is audited.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerStatus
from shipstation_desktop.domain.roles import Permission
from shipstation_desktop.services import customer_list, pii_view
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import formatting as fmt
from . import style
from .customer_cohorts import CohortPanel
from .customer_detail import CustomerDetailDialog
from .customer_export_dialog import CustomerExportDialog
from .customer_filters import CustomerFilterBar
from .customer_import_dialog import CustomerImportDialog
from .customer_merge_dialog import MergeDialog
from .customer_rights import CustomerRights, gate
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpRunner
from .table_model import Column, RecordTableModel

SEARCH_DELAY_MS = 150
PAGE_SIZE = 50


def _city(c: dm.Customer) -> str:
    default = next((a for a in c.addresses if a.is_default), c.addresses[0] if c.addresses else None)
    return f"{default.city}, {default.country}" if default else ""


def _status_text(c: dm.Customer) -> str:
    text = labels.status(c.status)
    return f"⊘ {text}" if c.status is CustomerStatus.BLOCKED else text


def _row_bg(c: dm.Customer) -> str | None:
    return style.BAD_BG if c.status is CustomerStatus.BLOCKED else None


def _blocked_tip(c: dm.Customer) -> str:
    return _("Blocked: orders of this customer are not shipped") if c.status is CustomerStatus.BLOCKED else ""


CUSTOMER_COLUMNS: list[Column[dm.Customer]] = [
    Column(N_("Customer"), lambda c: c.name, background=_row_bg, tooltip=_blocked_tip),
    Column(N_("E-mail"), lambda c: c.email, background=_row_bg),
    Column(N_("Phone"), lambda c: c.phone, background=_row_bg),
    Column(
        N_("Status"),
        _status_text,
        foreground=lambda c: style.CUSTOMER_STATUS[c.status],
        background=_row_bg,
        tooltip=_blocked_tip,
    ),
    Column(N_("City"), _city, background=_row_bg),
    Column(N_("Orders"), lambda c: str(c.order_count), align_right=True, background=_row_bg),
    Column(N_("Total spent"), lambda c: f"{c.total_spent:.2f}", align_right=True, background=_row_bg),
    Column(N_("Last order"), lambda c: fmt.local_time(c.last_order_date), background=_row_bg),
    Column(N_("Tags"), lambda c: ", ".join(c.tags), background=_row_bg),
]


class CustomersModel(RecordTableModel[dm.Customer]):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(CUSTOMER_COLUMNS, parent)


def page_text(page: customer_list.Page) -> str:
    pages = max(1, math.ceil(page.total / page.page_size))
    if page.total_capped:
        return _("Page {page} of {pages}+").format(page=page.page, pages=pages)
    return _("Page {page} of {pages}").format(page=page.page, pages=pages)


def count_text(page: customer_list.Page) -> str:
    if page.total_capped:
        return ngettext("{count}+ customer", "{count}+ customers", page.total).format(count=page.total)
    return ngettext("{count} customer", "{count} customers", page.total).format(count=page.total)


class CustomersView(QWidget):
    loaded = Signal()  # a page was shown (tests wait on it)

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("customersView")
        self.bench = bench
        self.runner = runner
        self._seq = 0
        self.page_number = 1
        self.page: customer_list.Page | None = None
        self.rights = CustomerRights(view_pii=False, edit=False, erase=False, export=False, import_=False)
        self.detail: CustomerDetailDialog | None = None
        self.import_dialog: CustomerImportDialog | None = None
        self.export_dialog: CustomerExportDialog | None = None
        self.merge_dialog: MergeDialog | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        self.sections = QTabWidget()
        self.sections.setObjectName("customerSections")
        self.sections.addTab(self._build_list(), _("List"))
        self.cohorts = CohortPanel(bench, runner)
        self.sections.addTab(self.cohorts, _("Cohorts"))
        root.addWidget(self.sections)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self._first_page)
        self.search_edit.textChanged.connect(self._timer.start)
        self.filters.text_changed.connect(self._timer.start)
        self.filters.changed.connect(self._first_page)

    def _build_list(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("customerSearch")
        self.search_edit.setPlaceholderText(_("Search name, email, phone, postal code, tag or external id"))
        self.search_edit.setClearButtonEnabled(True)
        top.addWidget(self.search_edit, 1)
        self.new_button = QPushButton(_("New customer"))
        self.new_button.setObjectName("newCustomer")
        self.new_button.clicked.connect(lambda: self.open_new())
        self.import_button = QPushButton(_("Import…"))
        self.import_button.setObjectName("importCustomers")
        self.import_button.clicked.connect(lambda: self.open_import())
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setObjectName("exportCustomers")
        self.export_button.clicked.connect(lambda: self.open_export())
        self.duplicates_button = QPushButton(_("Find duplicates…"))
        self.duplicates_button.setObjectName("findDuplicates")
        self.duplicates_button.clicked.connect(lambda: self.open_merge())
        for button in (self.new_button, self.import_button, self.export_button, self.duplicates_button):
            button.setEnabled(False)  # until the first load says what this person may do
            top.addWidget(button)
        layout.addLayout(top)

        self.filters = CustomerFilterBar()
        layout.addWidget(self.filters)
        self.message = QLabel()
        self.message.setObjectName("customersMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

        self.model = CustomersModel(self)
        self.table = QTableView()
        self.table.setObjectName("customersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(self._activated)  # double-click or Enter
        layout.addWidget(self.table, 1)

        bottom = QHBoxLayout()
        self.prev_button = QPushButton(_("‹ Prev"))
        self.prev_button.setObjectName("prevPage")
        self.prev_button.clicked.connect(lambda: self.go_to_page(self.page_number - 1))
        self.page_label = QLabel()
        self.page_label.setObjectName("pageLabel")
        self.next_button = QPushButton(_("Next ›"))
        self.next_button.setObjectName("nextPage")
        self.next_button.clicked.connect(lambda: self.go_to_page(self.page_number + 1))
        self.count_label = QLabel()
        self.count_label.setObjectName("customerCount")
        bottom.addWidget(self.prev_button)
        bottom.addWidget(self.page_label)
        bottom.addWidget(self.next_button)
        bottom.addStretch(1)
        bottom.addWidget(self.count_label)
        layout.addLayout(bottom)
        self.prev_button.setEnabled(False)
        self.next_button.setEnabled(False)
        return page

    # ================================================================================ loading

    def typing_pending(self) -> bool:
        """A typed search or filter is waiting for the typing to pause."""
        return self._timer.isActive()

    @Slot()
    def _first_page(self) -> None:
        self.page_number = 1
        self.refresh()

    def go_to_page(self, number: int) -> None:
        self.page_number = max(1, number)
        self.refresh()

    _audited: tuple[str, tuple[str, ...]] = ("", ())  # who last saw which customers listed here

    @Slot()
    def refresh(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq = self._seq
        wanted = self.filters.filter(self.search_edit.text().strip())
        number = self.page_number
        bench = self.bench

        def load(_ctx: object) -> tuple[customer_list.Page, CustomerRights]:
            page = customer_list.list_page(bench, wanted, page=number, page_size=PAGE_SIZE)
            # A refresh showing the same person the same customers (a sync, a change elsewhere) is not
            # a new view: auditing it would write a row, sync it, refresh again — without end.
            seen = (bench.user, tuple(c.id for c in page.items))
            shown = pii_view.shown(bench, page.items, "customers view", audit_it=seen != self._audited)
            self._audited = seen
            return customer_list.Page(
                shown, page.total, page.page, page.page_size, page.has_more, page.total_capped
            ), CustomerRights.of(bench)

        self.runner.run(
            Op(
                load,
                label=_("Loading customers…"),
                on_success=lambda result: self._show(seq, *result),
                on_failure=lambda failure: self._failed(seq, failure),
            )
        )

    def _failed(self, seq: int, failure: Failure) -> None:
        if seq != self._seq:
            return
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)
        self.message.show()

    def _show(self, seq: int, page: customer_list.Page, rights: CustomerRights) -> None:
        if seq != self._seq:
            return  # an older search answered after a newer one
        if not page.items and page.page > 1 and page.total:
            self.go_to_page(math.ceil(page.total / page.page_size))  # the list shrank under us
            return
        self.message.hide()
        self.page = page
        self.page_number = page.page
        self.model.set_rows(page.items)
        self.page_label.setText(page_text(page))
        self.count_label.setText(count_text(page))
        self.prev_button.setEnabled(page.page > 1)
        self.next_button.setEnabled(page.has_more)
        self._apply_rights(rights)
        self.loaded.emit()

    def _apply_rights(self, rights: CustomerRights) -> None:
        self.rights = rights
        gate(self.new_button, rights.edit, Permission.EDIT_CUSTOMERS)
        gate(self.import_button, rights.import_, Permission.IMPORT_CUSTOMERS, _("Import customers from a CSV file"))
        gate(self.export_button, rights.export, Permission.EXPORT_DATA, _("Export every customer as a CSV file"))
        gate(
            self.duplicates_button,
            rights.edit,
            Permission.EDIT_CUSTOMERS,
            _("Customers that look like the same person, to merge"),
        )

    # ================================================================================ opening

    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        customer = self.model.record(index.row())
        if customer is not None:
            self.open_customer(customer.id)

    def _replace_detail(self, dialog: CustomerDetailDialog) -> CustomerDetailDialog:
        if self.detail is not None:
            self.detail.close()
        self.detail = dialog
        dialog.changed.connect(self.refresh)
        dialog.show()
        return dialog

    def open_customer(self, customer_id: str) -> CustomerDetailDialog:
        return self._replace_detail(CustomerDetailDialog(self.bench, self.runner, customer_id, self))

    def open_new(self) -> CustomerDetailDialog:
        return self._replace_detail(CustomerDetailDialog(self.bench, self.runner, None, self))

    def open_import(self) -> CustomerImportDialog:
        if self.import_dialog is None:
            self.import_dialog = CustomerImportDialog(self.bench, self.runner, self)
            self.import_dialog.imported.connect(self.refresh)
        self.import_dialog.open()
        return self.import_dialog

    def open_export(self) -> CustomerExportDialog:
        if self.export_dialog is None:
            self.export_dialog = CustomerExportDialog(self.bench, self.runner, self)
        self.export_dialog.open()
        return self.export_dialog

    def open_merge(self) -> MergeDialog:
        if self.merge_dialog is not None:
            self.merge_dialog.close()
            self.merge_dialog.deleteLater()
        self.merge_dialog = MergeDialog(self.bench, self.runner, self)
        self.merge_dialog.merged.connect(self.refresh)
        self.merge_dialog.open()
        self.merge_dialog.search()
        return self.merge_dialog
