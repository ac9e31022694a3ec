"""The Analytics tab: carrier performance, the seed's KPIs against their targets, integration health
and packer productivity for a period, with the carrier rows exportable as CSV.

Everything is read by services/analytics.py on the ops runner; this view only lays the numbers out.
The period is whole UTC days (as the `report` CLI takes them), so both give the same figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shipstation_desktop.domain import analytics as da
from shipstation_desktop.services import analytics
from shipstation_desktop.services.bench import Bench

from . import formatting as fmt
from . import style
from .bar_chart import Bar, BarChart
from .i18n import N_, _, ngettext
from .jobs_dialog import job_state
from .ops import Failure, Op, OpRunner

PRESETS: tuple[tuple[str, int], ...] = (
    (N_("Today"), 1),
    (N_("Last 7 days"), 7),
    (N_("Last 30 days"), 30),
    (N_("Last 90 days"), 90),
)
CUSTOM = N_("Custom")
# The seed's KPIs by their domain/analytics.kpis key, as this tab names them.
KPI_NAMES = {"tracking_lag_minutes": N_("Average tracking lag"), "label_success_pct": N_("Label generation success")}
# Measuring units as the domain writes them; "%" reads the same everywhere.
UNITS = {"min": N_("min"), "d": N_("d"), "s": N_("s"), "ms": N_("ms")}
# The pack flow's steps (domain/analytics.PACK_STEPS); a step not listed shows its code.
STEP_NAMES = {"scan": N_("scan"), "weigh": N_("weigh"), "rate": N_("rate"), "buy": N_("buy"), "print": N_("print")}


def _unit(code: str) -> str:
    return _(UNITS[code]) if code in UNITS else code


def _step(code: str) -> str:
    return _(STEP_NAMES[code]) if code in STEP_NAMES else code


def _cell(value: object, unit: str = "") -> str:
    """A measured value and its unit ("12.5 %", "3 min"); "—" when there was nothing to measure."""
    if value is None:
        return "—"
    return f"{value} {_unit(unit)}" if unit else f"{value}"


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c >= 2 or text.replace(".", "", 1).isdigit():
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def _table(name: str, headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setMinimumHeight(140)
    return table


class AnalyticsView(QWidget):
    loaded = Signal()  # a dashboard was shown (tests, and whoever wants to know)

    def __init__(self, bench: Bench, runner: OpRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analyticsView")
        self.bench = bench
        self.runner = runner
        self.dashboard: analytics.Dashboard | None = None
        self._seq = 0
        self._setting_dates = False
        self._live = False  # nothing is read until the tab is first shown (start-up stays quick)
        self._build()
        self._apply_preset(1)  # last 7 days

    # ================================================================================ layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(_("Period:")))
        self.preset = QComboBox()
        self.preset.setObjectName("periodPreset")
        self.preset.addItems([_(name) for name, _days in PRESETS] + [_(CUSTOM)])
        self.preset.currentIndexChanged.connect(self._apply_preset)
        bar.addWidget(self.preset)
        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit, name in ((self.from_edit, "fromDate"), (self.to_edit, "toDate")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._dates_edited)
        bar.addWidget(QLabel(_("from")))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel(_("to")))
        bar.addWidget(self.to_edit)
        bar.addWidget(QLabel(_("(UTC days)")))
        bar.addStretch(1)
        self.refresh_button = QPushButton(_("Refresh"))
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.setObjectName("exportCsv")
        self.export_button.setToolTip(_("The carrier performance rows of this period as a CSV file"))
        self.export_button.clicked.connect(lambda: self.export_csv())
        bar.addWidget(self.export_button)
        outer.addLayout(bar)
        self.message = QLabel()
        self.message.setObjectName("analyticsMessage")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self._build_kpis())
        layout.addWidget(self._build_carriers())
        layout.addWidget(self._build_health())
        layout.addWidget(self._build_productivity())
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

    def _build_kpis(self) -> QGroupBox:
        box = QGroupBox(_("KPIs (seed targets)"))
        row = QHBoxLayout(box)
        self.kpi_labels: dict[str, QLabel] = {}
        for key in ("tracking_lag_minutes", "label_success_pct"):
            label = QLabel()
            label.setObjectName(f"kpi_{key}")
            label.setFont(style.scaled_font(self, 1.2, bold=True))
            self.kpi_labels[key] = label
            row.addWidget(label)
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncHealth")
        row.addWidget(self.sync_label, 1)
        return box

    def _build_carriers(self) -> QGroupBox:
        box = QGroupBox(_("Carrier performance"))
        grid = QGridLayout(box)
        self.carrier_table = _table(
            "carrierTable",
            [
                _("Carrier"),
                _("Service"),
                _("Shipped"),
                _("Delivered"),
                _("On time"),
                _("Transit"),
                _("Exceptions"),
                _("Label OK"),
                _("Cost"),
            ],
        )
        grid.addWidget(self.carrier_table, 0, 0, 1, 2)
        self.on_time_chart = BarChart(_("On time"), " %", 100.0)
        self.transit_chart = BarChart(_("Average transit"), " " + _unit("d"))
        grid.addWidget(self.on_time_chart, 1, 0)
        grid.addWidget(self.transit_chart, 1, 1)
        return box

    def _build_health(self) -> QGroupBox:
        box = QGroupBox(_("Integration health (last 24 hours)"))
        layout = QVBoxLayout(box)
        self.health_table = _table(
            "healthTable", [_("Carrier"), _("Operation"), _("Calls"), _("Failed"), _("Success"), "p50", "p95"]
        )
        layout.addWidget(self.health_table)
        self.jobs_label = QLabel()
        self.jobs_label.setObjectName("jobsHealth")
        layout.addWidget(self.jobs_label)
        return box

    def _build_productivity(self) -> QGroupBox:
        box = QGroupBox(_("Packer productivity"))
        grid = QGridLayout(box)
        self.packer_table = _table(
            "packerTable", [_("Packer"), _("Benches"), _("Orders"), _("Active hours"), _("Per hour"), _("Median")]
        )
        self.step_table = _table("stepTable", [_("Step"), _("Count"), _("Median"), "p95", _("Slowest"), _("Share")])
        grid.addWidget(self.packer_table, 0, 0)
        grid.addWidget(self.step_table, 0, 1)
        self.share_chart = BarChart(_("Where the time goes"), " %", 100.0)
        self.rate_chart = BarChart(_("Orders per hour"))
        grid.addWidget(self.share_chart, 1, 0)
        grid.addWidget(self.rate_chart, 1, 1)
        self.slowest_label = QLabel()
        self.slowest_label.setObjectName("slowestSteps")
        self.slowest_label.setWordWrap(True)
        grid.addWidget(self.slowest_label, 2, 0, 1, 2)
        return box

    # ================================================================================ period

    @Slot(int)
    def _apply_preset(self, index: int) -> None:
        if index >= len(PRESETS):
            return  # Custom: the date fields decide
        if self.preset.currentIndex() != index:
            self.preset.setCurrentIndex(index)  # re-enters with the same index
            return
        today = self.bench.clock.now().date()
        period = da.Period.last_days(today, PRESETS[index][1])
        self._set_dates(period.first, period.last)
        if self._live:
            self.refresh()

    def _set_dates(self, first: date, last: date) -> None:
        self._setting_dates = True
        try:
            self.from_edit.setDate(QDate(first.year, first.month, first.day))
            self.to_edit.setDate(QDate(last.year, last.month, last.day))
        finally:
            self._setting_dates = False

    @Slot()
    def _dates_edited(self) -> None:
        if self._setting_dates:
            return
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(len(PRESETS))
        self.preset.blockSignals(False)
        if self._live:
            self.refresh()

    def period(self) -> da.Period:
        first = self.from_edit.date().toPython()
        last = self.to_edit.date().toPython()
        assert isinstance(first, date) and isinstance(last, date)
        return da.Period(first, max(first, last))

    def set_period(self, first: date, last: date) -> None:
        """Shows a custom period (the date fields, then a refresh)."""
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(len(PRESETS))
        self.preset.blockSignals(False)
        self._set_dates(first, last)
        self.refresh()

    # ================================================================================ data

    @Slot()
    def refresh(self) -> None:
        self._seq += 1
        seq = self._seq
        period = self.period()
        bench = self.bench
        self.message.setText(_("Reading…"))
        style.set_text_color(self.message, style.MUTED)
        self.runner.run(
            Op(
                lambda _ctx: analytics.dashboard(bench, period),
                label=_("Reading analytics…"),
                on_success=lambda d: self._show(seq, d),
                on_failure=self._failed,
            )
        )

    def _failed(self, failure: Failure) -> None:
        self.message.setText(failure.message)
        style.set_text_color(self.message, style.BAD)

    def _show(self, seq: int, d: analytics.Dashboard) -> None:
        if seq != self._seq:
            return  # an older period's answer arriving late
        self.dashboard = d
        report = d.carriers
        shipped = sum(r.shipments for r in report.rows)
        self.message.setText(
            ngettext("{first} to {last}: {count} shipment.", "{first} to {last}: {count} shipments.", shipped).format(
                first=report.period.first, last=report.period.last, count=shipped
            )
        )
        style.set_text_color(self.message, style.MUTED)
        self._show_kpis(report.kpis, d.health)
        self._show_carriers(report.rows)
        self._show_health(d.health)
        self._show_productivity(d.productivity)
        self.loaded.emit()

    def _show_kpis(self, kpis: dict[str, da.Kpi], health: analytics.HealthReport) -> None:
        for key, kpi in kpis.items():
            label = self.kpi_labels.get(key)
            if label is None:
                continue
            sign = ">" if kpi.higher_is_better else "<"
            verdict = {True: "✔", False: "✖", None: "·"}[kpi.ok]
            name = _(KPI_NAMES[key]) if key in KPI_NAMES else kpi.name
            label.setText(
                _("{verdict} {name}: {value} (target {sign} {target})").format(
                    verdict=verdict, name=name, value=_cell(kpi.value, kpi.unit), sign=sign, target=kpi.target
                )
            )
            colours = {True: (style.GOOD, style.GOOD_BG), False: (style.BAD, style.BAD_BG), None: (style.MUTED, "")}
            fg, bg = colours[kpi.ok]
            style.banner(label, fg, bg or "transparent")
        sync = health.sync
        if not sync.configured:
            text = _("Sync: no center configured")
        else:
            text = _("Sync: last {last}, lag {lag}, {waiting} waiting").format(
                last=fmt.local_time(sync.last_sync) or _("never"),
                lag=_cell(sync.lag_minutes, "min"),
                waiting=sync.pending,
            )
            if sync.last_error:
                text += f" — {sync.last_error}"
        self.sync_label.setText(text)

    def _show_carriers(self, rows: list[da.CarrierPerformance]) -> None:
        _fill(
            self.carrier_table,
            [
                [
                    r.carrier,
                    r.service,
                    str(r.shipments),
                    str(r.delivered),
                    _cell(r.on_time_pct, "%"),
                    _cell(r.avg_transit_days, "d"),
                    _cell(r.exception_rate_pct, "%"),
                    _cell(r.label_success_pct, "%"),
                    analytics.money(r.cost_per_shipment, r.currency),
                ]
                for r in rows
            ],
        )

        def on_time_colour(value: float | None) -> str:
            return style.GOOD if value is not None and value >= 95 else style.WARN

        self.on_time_chart.set_bars(
            [Bar(f"{r.carrier} {r.service}", r.on_time_pct, on_time_colour(r.on_time_pct)) for r in rows]
        )
        self.transit_chart.set_bars([Bar(f"{r.carrier} {r.service}", r.avg_transit_days) for r in rows])

    def _show_health(self, health: analytics.HealthReport) -> None:
        rows = sorted([*health.carriers, *health.operations], key=lambda h: (h.carrier, h.operation))
        _fill(
            self.health_table,
            [
                [
                    h.carrier,
                    h.operation or _("(all)"),
                    str(h.calls),
                    str(h.failures),
                    _cell(h.success_pct, "%"),
                    _cell(h.p50_ms, "ms"),
                    _cell(h.p95_ms, "ms"),
                ]
                for h in rows
            ],
        )
        states = health.jobs.get("by_state", {})
        age = health.jobs.get("oldest_pending_age_s")
        text = _("Job queue: {states}").format(states=", ".join(f"{n} {job_state(s)}" for s, n in states.items()))
        if age is not None:
            text += " · " + _("oldest waiting {age}").format(age=timedelta(seconds=round(age)))
        self.jobs_label.setText(text)

    def _show_productivity(self, report: da.Productivity) -> None:
        _fill(
            self.packer_table,
            [
                [
                    p.packer,
                    ", ".join(p.benches),
                    str(p.orders),
                    str(p.active_hours),
                    _cell(p.orders_per_hour),
                    _cell(p.median_order_s, "s"),
                ]
                for p in report.packers
            ],
        )
        _fill(
            self.step_table,
            [
                [
                    _step(s.step),
                    str(s.count),
                    _cell(s.median_s, "s"),
                    _cell(s.p95_s, "s"),
                    _cell(s.max_s, "s"),
                    _cell(s.share_pct, "%"),
                ]
                for s in report.steps
            ],
        )
        self.share_chart.set_bars([Bar(_step(s.step), s.share_pct, style.WARN) for s in report.steps])
        self.rate_chart.set_bars([Bar(p.packer, p.orders_per_hour, style.GOOD) for p in report.packers])
        worst = [
            f"{s.order_number or '?'} {_step(s.step)} {s.elapsed_s:.1f} {_unit('s')} ({s.packer})"
            for s in report.slowest[:5]
        ]
        self.slowest_label.setText(
            _("Slowest steps: {steps}").format(steps="; ".join(worst) if worst else _("none recorded"))
        )

    # ================================================================================ export

    def export_csv(self, path: Path | None = None) -> None:
        """Writes the shown period's carrier rows; asks where when no path is given."""
        if self.dashboard is None:
            return
        if path is None:
            first, last = self.dashboard.carriers.period.first, self.dashboard.carriers.period.last
            chosen, _filter = QFileDialog.getSaveFileName(
                self, _("Export carrier performance"), f"carriers-{first}-{last}.csv", _("CSV files (*.csv)")
            )
            if not chosen:
                return
            path = Path(chosen)
        text = analytics.carriers_csv(self.dashboard.carriers)
        target = path
        self.runner.run(
            Op(
                lambda _ctx: analytics.write_text(target, text),
                label=_("Exporting…"),
                on_success=lambda _n: self._exported(target),
                on_failure=self._failed,
            )
        )

    def _exported(self, path: Path) -> None:
        self.message.setText(_("Exported to {path}").format(path=path))
        style.set_text_color(self.message, style.GOOD)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._live = True
        self.refresh()  # first sight, or back from another tab: the numbers moved meanwhile
