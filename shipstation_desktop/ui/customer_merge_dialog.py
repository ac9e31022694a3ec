"""Find duplicates and merge them: groups of customers that look like one person
(services/customer_merge.duplicate_candidates), the one to keep, the one merged into it, and for
each field a choice between the two values — preset to what the merge would do by itself
(domain/customer_merge.sides: a BLOCKED customer stays blocked, an empty field is filled)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import customer_merge as cm
from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.customer_duplicates import DuplicateGroup, DuplicateReason
from shipstation_desktop.services import customer_merge, customers, pii_view
from shipstation_desktop.services.bench import Bench

from . import customer_labels as labels
from . import style
from .i18n import N_, _, ngettext
from .ops import Failure, Op, OpRunner

REASON: dict[DuplicateReason, str] = {
    DuplicateReason.EMAIL: N_("Same e-mail"),
    DuplicateReason.PHONE: N_("Same phone"),
    DuplicateReason.NAME_POSTAL: N_("Same name and postal code"),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    group: DuplicateGroup
    customers: list[dm.Customer]  # in the group's order: the suggested survivor first


def merge_values(c: dm.Customer) -> dict[str, Any]:
    """The customer's MERGE_FIELDS as domain/customer_merge compares them."""
    return {
        "email": c.email.strip().lower(),
        "name": c.name,
        "phone": c.phone,
        "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
        "gender": c.gender,
        "status": c.status.value,
        "source": c.source.value,
        "external_id": c.external_id,
        "custom_fields": dict(c.custom_fields),
    }


def shown_value(name: str, c: dm.Customer) -> str:
    if name == "status":
        return labels.status(c.status)
    if name == "source":
        return labels.source(c.source)
    if name == "custom_fields":
        return ", ".join(f"{k}={v}" for k, v in c.custom_fields.items()) or "—"
    value = merge_values(c)[name] if name != "email" else c.email
    return str(value) if value else "—"


class MergeDialog(QDialog):
    merged = Signal(object)  # the survivor after a merge

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(_("Find duplicates and merge"))
        self.resize(940, 560)
        self.bench = bench
        self.runner = runner
        self.candidates: list[Candidate] = []
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        self._groups: list[QButtonGroup] = []
        self.last_merge = ""  # what the last merge did, kept above the refreshed groups

        root = QVBoxLayout(self)
        self.message = QLabel(_("Looking for duplicates…"))
        self.message.setObjectName("mergeMessage")
        self.message.setWordWrap(True)
        root.addWidget(self.message)
        splitter = QSplitter()
        root.addWidget(splitter, 1)
        self.group_list = QListWidget()
        self.group_list.setObjectName("duplicateGroups")
        self.group_list.currentRowChanged.connect(self._group_chosen)
        splitter.addWidget(self.group_list)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        pick = QFormLayout()
        self.survivor_combo = QComboBox()
        self.survivor_combo.setObjectName("survivorCombo")
        self.merged_combo = QComboBox()
        self.merged_combo.setObjectName("mergedCombo")
        self.survivor_combo.currentIndexChanged.connect(self._pair_changed)
        self.merged_combo.currentIndexChanged.connect(self._pair_changed)
        pick.addRow(_("Keep:"), self.survivor_combo)
        pick.addRow(_("Merge into it:"), self.merged_combo)
        right_layout.addLayout(pick)
        self.fields_box = QGroupBox(_("Take each field from"))
        self.grid = QGridLayout(self.fields_box)
        right_layout.addWidget(self.fields_box, 1)
        note = QLabel(
            _(
                "Tags are combined. Addresses, orders, notes and messages move to the customer kept; "
                "the other e-mail keeps finding them."
            )
        )
        note.setWordWrap(True)
        style.set_text_color(note, style.MUTED)
        right_layout.addWidget(note)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.merge_button = QPushButton(_("Merge"))
        self.merge_button.setObjectName("mergeButton")
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.merge)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        buttons.addWidget(self.merge_button)
        buttons.addWidget(close)
        right_layout.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)

    # ================================================================================ finding

    @Slot()
    def search(self) -> None:
        bench = self.bench

        def work(_ctx: object) -> list[Candidate]:
            groups = customer_merge.duplicate_candidates(bench)
            ids = list(dict.fromkeys(i for g in groups for i in g.customer_ids))
            people = {c.id: c for c in pii_view.shown(bench, [customers.get_customer(bench, i) for i in ids], "merge")}
            return [Candidate(g, [people[i] for i in g.customer_ids if i in people]) for g in groups]

        self.message.setText(_("Looking for duplicates…"))
        style.set_text_color(self.message, style.MUTED)
        self.runner.run(Op(work, label=_("Looking for duplicates…"), on_success=self._found, on_failure=self._failed))

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

    def _found(self, candidates: list[Candidate]) -> None:
        self.candidates = [c for c in candidates if len(c.customers) >= 2]
        self.group_list.clear()
        for cand in self.candidates:
            reasons = " · ".join(_(REASON[r]) for r in cand.group.reasons)
            names = ", ".join(c.name for c in cand.customers)
            self.group_list.addItem(QListWidgetItem(f"{reasons}: {names}"))
        n = len(self.candidates)
        found = (
            ngettext("{n} group of possible duplicates.", "{n} groups of possible duplicates.", n).format(n=n)
            if n
            else _("No duplicates found.")
        )
        self.message.setText(f"{self.last_merge} {found}".strip())
        style.set_text_color(self.message, style.GOOD if self.last_merge else style.MUTED)
        if n:
            self.group_list.setCurrentRow(0)
        else:
            self._show_pair(None, None)

    # ================================================================================ choosing

    def candidate(self) -> Candidate | None:
        row = self.group_list.currentRow()
        return self.candidates[row] if 0 <= row < len(self.candidates) else None

    @Slot(int)
    def _group_chosen(self, _row: int) -> None:
        cand = self.candidate()
        for combo in (self.survivor_combo, self.merged_combo):
            combo.blockSignals(True)
            combo.clear()
            for c in cand.customers if cand else []:
                when = c.created_at.date().isoformat() if c.created_at else ""
                combo.addItem(f"{c.name} <{c.email}> {when}".strip(), c.id)
            combo.blockSignals(False)
        if cand is not None:
            self.survivor_combo.setCurrentIndex(0)
            self.merged_combo.setCurrentIndex(1)
        self._pair_changed()

    def pair(self) -> tuple[dm.Customer | None, dm.Customer | None]:
        cand = self.candidate()
        if cand is None:
            return None, None
        people = {c.id: c for c in cand.customers}
        return people.get(self.survivor_combo.currentData()), people.get(self.merged_combo.currentData())

    @Slot()
    def _pair_changed(self) -> None:
        survivor, merged = self.pair()
        self._show_pair(survivor, merged)

    def _show_pair(self, survivor: dm.Customer | None, merged: dm.Customer | None) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.radios.clear()
        self._groups.clear()
        same = survivor is not None and merged is not None and survivor.id == merged.id
        self.merge_button.setEnabled(survivor is not None and merged is not None and not same)
        if survivor is None or merged is None or same:
            if same:
                self.grid.addWidget(QLabel(_("Choose two different customers.")), 0, 0)
            return
        preset = cm.sides(merge_values(survivor), merge_values(merged), {})
        for column, title in enumerate((_("Field"), _("Customer kept"), _("Customer merged"))):
            head = QLabel(title)
            head.setFont(style.scaled_font(head, bold=True))
            self.grid.addWidget(head, 0, column)
        for row, name in enumerate(cm.MERGE_FIELDS, start=1):
            self.grid.addWidget(QLabel(labels.field(name)), row, 0)
            mine = QRadioButton(shown_value(name, survivor))
            theirs = QRadioButton(shown_value(name, merged))
            mine.setObjectName(f"keep_{name}")
            theirs.setObjectName(f"take_{name}")
            group = QButtonGroup(self)
            group.addButton(mine)
            group.addButton(theirs)
            self._groups.append(group)
            (theirs if preset[name] is cm.Side.MERGED else mine).setChecked(True)
            self.grid.addWidget(mine, row, 1)
            self.grid.addWidget(theirs, row, 2)
            self.radios[name] = (mine, theirs)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)

    def choices(self) -> dict[str, str]:
        return {
            name: (cm.Side.MERGED if theirs.isChecked() else cm.Side.SURVIVOR).value
            for name, (_mine, theirs) in self.radios.items()
        }

    # ================================================================================ merging

    @Slot()
    def merge(self) -> None:
        survivor, merged = self.pair()
        if survivor is None or merged is None or survivor.id == merged.id:
            return
        bench, choices = self.bench, self.choices()
        survivor_id, merged_id = survivor.id, merged.id
        self.merge_button.setEnabled(False)
        self.runner.run(
            Op(
                lambda _ctx: customer_merge.merge(bench, survivor_id, merged_id, choices),
                label=_("Merging…"),
                writes=True,
                on_success=lambda result: self._merged(result, merged),
                on_failure=self._failed_merge,
            )
        )

    def _failed_merge(self, failure: Failure) -> None:
        self._failed(failure)
        self.merge_button.setEnabled(True)

    def _merged(self, survivor: dm.Customer, merged: dm.Customer) -> None:
        self.last_merge = _("{merged} was merged into {survivor}.").format(merged=merged.name, survivor=survivor.name)
        self.merged.emit(survivor)
        self.search()
