"""The bench window: the four views, the menus and shortcuts, the status bar and the device worker."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QWidget

from shipstation_desktop.domain import models as dm
from shipstation_desktop.services import diagnostics, packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.model import BenchSettings

from . import i18n, notification_log, notification_templates
from .analytics_view import AnalyticsView
from .bench_events import BenchEvents
from .customers_view import CustomersView
from .error_dialog import ErrorDialog, show_error_dialog
from .exceptions_view import ExceptionsView
from .exceptions_view import tab_title as exceptions_tab_title
from .first_run import FirstRunDialog
from .i18n import _
from .inventory_view import InventoryView
from .job_events import JobEvents
from .jobs_dialog import JobsDialog
from .ops import Op, OpRunner
from .pack_view import PackView
from .preferences import LANGUAGE_NOTE, RESTART_NOTE, PreferencesDialog
from .print_queue import PrintQueueDialog
from .scale_worker import ScaleWorker
from .shipments_view import ShipmentsView
from .status_bar import BenchStatusBar
from .sync_events import SyncEvents
from .user_session import UserSession

log = logging.getLogger(__name__)

MESSAGE_MS = 8000


class MainWindow(QMainWindow):
    def __init__(self, bench: Bench, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.bench = bench
        self.language = i18n.language()  # the texts' language: app.apply_language rebuilds on a change
        self.resize(1280, 860)
        self.setMinimumSize(1000, 680)
        self.last_error_dialog: ErrorDialog | None = None
        self.last_message_box: QMessageBox | None = None
        self.preferences_dialog: PreferencesDialog | None = None
        self.first_run_dialog: FirstRunDialog | None = None
        self.print_queue_dialog: PrintQueueDialog | None = None
        self._shut_down = False

        self.runner = OpRunner(self, report_bug=self.report_bug)
        self.events = BenchEvents(bench, self)
        cfg = bench.settings.scale
        self.scale_worker = ScaleWorker(
            bench.scale, window_s=cfg.stable_window_s, min_grams=cfg.min_weight_g, parent=self
        )

        self.pack_view = PackView(bench, self.runner)
        self.shipments_view = ShipmentsView(bench, self.runner)
        self.exceptions_view = ExceptionsView(bench, self.runner)
        self.customers_view = CustomersView(bench, self.runner)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("views")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.pack_view, _("Pack"))
        self.tabs.addTab(self.shipments_view, _("Shipments"))
        self.tabs.addTab(self.exceptions_view, _("Exceptions"))
        self.tabs.addTab(self.customers_view, _("Customers"))
        self.analytics_view = AnalyticsView(bench, self.runner)  # reads only when shown
        self.tabs.addTab(self.analytics_view, _("Analytics"))
        self.inventory_view = InventoryView(bench, self.runner, self.events)  # refreshes itself when shown
        self.tabs.addTab(self.inventory_view, _("Inventory"))
        self.setCentralWidget(self.tabs)

        self.status = BenchStatusBar(bench, self.runner, self)
        self.setStatusBar(self.status)

        self.pack_view.attach_scale(self.scale_worker)
        self.scale_worker.reading.connect(self.status.on_reading)
        self.scale_worker.health.connect(self.status.on_scale_health)
        self.runner.busy_changed.connect(self.status.on_busy)
        self.runner.progressed.connect(self.status.on_progress)
        self.sync = SyncEvents(bench, self)
        self.sync.state_changed.connect(self.status.on_sync_state)
        self.sync.applied.connect(lambda _what: self.refresh_all())  # pulled rows: every list may change
        self.sync.start()
        self.jobs = JobEvents(bench, self.sync, self)  # "Sync now" and later printing/tracking jobs
        self.jobs_dialog: JobsDialog | None = None
        self.jobs.changed.connect(self._on_jobs_changed)
        self.jobs.start()
        self.runner.user_error.connect(self.show_user_error)
        self.events.changed.connect(self._on_bench_changed)
        self.status.exceptions_clicked.connect(lambda: self.show_view(2))
        self.exceptions_view.counts_changed.connect(  # "Exceptions (12)": open ones, whatever the filters
            lambda counts: self.tabs.setTabText(self.tabs.indexOf(self.exceptions_view), exceptions_tab_title(counts))
        )
        self.pack_view.shipped.connect(self._on_shipped)

        self._build_actions()
        self.session = UserSession(self)  # log-in, idle lock, switch user, who may use what (issue 11)
        self._update_title()
        self.scale_worker.start()
        self.refresh_all()
        self.pack_view.focus_scan()

    # ================================================================================ actions

    def _action(self, text: str, slot: Callable[..., object], *shortcuts: str, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu(_("&File"))
        self.act_spool = self._action(
            _("Open label spool folder"), self.open_spool_folder, tip=_("Where the spool printer writes labels")
        )
        self.act_prefs = self._action(_("&Preferences…"), self.open_preferences, "Ctrl+,")
        self.act_quit = self._action(_("&Quit"), self.close, "Ctrl+Q")
        for action in (self.act_spool, self.act_prefs):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)

        view_menu = menu.addMenu(_("&View"))
        self.view_actions = []
        for index, name in enumerate((_("Pack"), _("Shipments"), _("Exceptions"), _("Customers"))):
            action = self._action(name, lambda _checked=False, i=index: self.show_view(i), f"Ctrl+{index + 1}")
            view_menu.addAction(action)
            self.view_actions.append(action)
        view_menu.addSeparator()
        self.act_refresh = self._action(_("&Refresh"), self.refresh_current, "F5")
        view_menu.addAction(self.act_refresh)

        bench_menu = menu.addMenu(_("&Bench"))
        self.act_scan = self._action(_("Focus scan field"), self.focus_scan, "F2")
        self.act_buy = self._action(_("Buy && Print"), self.buy_and_print, "F9", "Ctrl+Return", "Ctrl+Enter")
        self.act_cancel = self._action(_("Cancel order"), self.cancel_order, "Esc")
        self.act_reweigh = self._action(_("Weigh again"), self.pack_view.weigh_again, "F6")
        self.act_place = self._action(_("Place demo parcel"), self.pack_view.place_demo_parcel, "F7")
        self.act_remove = self._action(_("Remove parcel"), self.pack_view.remove_parcel, "F8")
        self.act_reprint = self._action(_("Reprint last label"), self.pack_view.recent.reprint_selected, "Ctrl+P")
        self.act_void = self._action(
            _("Void last label… (supervisor)"), self.pack_view.recent.void_selected, "Ctrl+Shift+V"
        )
        simulated = self.pack_view.is_simulated_scale
        self.act_place.setVisible(simulated)
        self.act_remove.setVisible(simulated)
        for action in (self.act_scan, self.act_buy, self.act_cancel, self.act_reweigh, self.act_place, self.act_remove):
            bench_menu.addAction(action)
        bench_menu.addSeparator()
        bench_menu.addAction(self.act_reprint)
        bench_menu.addAction(self.act_void)
        bench_menu.addSeparator()
        self.act_preview = self._action(
            _("Preview label"),
            self.preview_label,
            "Ctrl+Shift+P",
            tip=_("The label as it will print (Pack) or printed"),
        )
        self.act_print_queue = self._action(_("Print queue && log…"), self.open_print_queue, "Ctrl+L")
        bench_menu.addAction(self.act_preview)
        bench_menu.addAction(self.act_print_queue)
        self.act_notification_templates = self._action(
            _("Customer notification templates…"),
            lambda: notification_templates.open_dialog(self.bench, self.runner, self),
            tip=_("E-mail and SMS texts sent to customers when an order's status changes"),
        )
        bench_menu.addAction(self.act_notification_templates)
        self.act_notification_log = self._action(
            _("Customer notifications…"), lambda: notification_log.open_dialog(self.bench, self.runner, self)
        )
        bench_menu.addAction(self.act_notification_log)

        sync_menu = menu.addMenu(_("S&ync"))
        self.act_sync_now = self._action(
            _("Sync now"), self.jobs.request_sync, "Ctrl+Shift+S", tip=_("Push and pull now")
        )
        self.act_pause_sync = self._action(_("Pause sync"), self.sync.set_paused, "Ctrl+Shift+Y")
        self.act_pause_sync.setCheckable(True)  # checked = paused; unchecking resumes
        for action in (self.act_sync_now, self.act_pause_sync):
            action.setEnabled(self.sync.worker is not None)
            sync_menu.addAction(action)
        sync_menu.addSeparator()
        self.act_jobs = self._action(_("Background jobs…"), self.open_jobs, "Ctrl+J", tip=_("Dead letters, requeue"))
        sync_menu.addAction(self.act_jobs)

        help_menu = menu.addMenu(_("&Help"))
        self.act_shortcuts = self._action(_("Keyboard shortcuts"), self.show_shortcuts, "F1")
        self.act_diagnostics = self._action(_("Copy diagnostics"), self.copy_diagnostics, "Ctrl+Shift+D")
        self.act_logs = self._action(_("Open log folder"), self.open_log_folder)
        self.act_about = self._action(_("About ShipStation Desktop"), self.show_about)
        for action in (self.act_shortcuts, self.act_diagnostics, self.act_logs):
            help_menu.addAction(action)
        help_menu.addSeparator()
        help_menu.addAction(self.act_about)

    def shortcut_table(self) -> list[tuple[str, str]]:
        rows = []
        for action in self.actions():
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            if keys and action.isVisible():
                # Drop mnemonic markers ("&File") but keep a literal "&&" as "&".
                text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
                rows.append((text, keys))
        return rows

    # ================================================================================ views

    def show_view(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        if index == 0:
            self.pack_view.focus_scan()

    def _on_pack(self) -> bool:
        return self.tabs.currentWidget() is self.pack_view

    @Slot()
    def focus_scan(self) -> None:
        self.show_view(0)

    @Slot()
    def buy_and_print(self) -> None:
        if self._on_pack():
            self.pack_view.buy_and_print()
        else:
            self.show_view(0)

    @Slot()
    def cancel_order(self) -> None:
        if self._on_pack():
            self.pack_view.cancel_order()

    @Slot()
    def refresh_current(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.pack_view:
            self.pack_view.refresh()
        elif current is self.shipments_view:
            self.shipments_view.refresh()
        elif current is self.exceptions_view:
            self.exceptions_view.refresh()
        elif current is self.customers_view:
            self.customers_view.refresh()
        elif current is self.analytics_view:
            self.analytics_view.refresh()
        self.status.refresh()

    def refresh_all(self) -> None:
        self.pack_view.refresh()
        self.shipments_view.refresh()
        self.exceptions_view.refresh()
        self.customers_view.refresh()
        self.status.refresh()

    @Slot(frozenset)
    def _on_bench_changed(self, what: frozenset[str]) -> None:
        if "printing" in what:
            self.status.refresh_queue()
            if self.print_queue_dialog is not None and self.print_queue_dialog.isVisible():
                self.print_queue_dialog.refresh()
        if "orders" in what or "customers" in what:
            self.refresh_all()  # a bulk change (import, demo seed) touches every list
            return
        if "shipments" in what:
            self.pack_view.recent.refresh()
            self.shipments_view.refresh()
        if "exceptions" in what or "shipments" in what:
            self.exceptions_view.refresh()
            self.status.refresh_exceptions()

    def reconcile_purchases(self) -> None:
        """Settles label purchases a crash left unconfirmed, with the carrier, after the window is up."""
        self.runner.run(
            Op(
                lambda _ctx: packing.reconcile_pending(self.bench),
                label=_("Checking unconfirmed label purchases…"),
                writes=True,
                on_success=self._reconciled,
            )
        )

    def _reconciled(self, messages: list[str]) -> None:
        if messages:
            self.say(" ".join(messages))

    def _on_shipped(self, shipment: dm.Shipment) -> None:
        self.say(
            _("Label {tracking} bought for {order}. Scan the next order.").format(
                tracking=shipment.tracking_number, order=shipment.order_number
            )
        )

    @Slot()
    def preview_label(self) -> None:
        """Before purchase on the Pack view (the chosen rate), else the selected shipment's label."""
        if self._on_pack():
            self.pack_view.preview_label()
        elif self.tabs.currentWidget() is self.shipments_view:
            self.shipments_view.preview()

    @Slot()
    def open_print_queue(self) -> PrintQueueDialog:
        if self.print_queue_dialog is not None and self.print_queue_dialog.isVisible():
            self.print_queue_dialog.raise_()
            self.print_queue_dialog.refresh()
            return self.print_queue_dialog
        if self.print_queue_dialog is not None:
            self.print_queue_dialog.deleteLater()
        self.print_queue_dialog = PrintQueueDialog(self.bench, self.runner, self)
        self.print_queue_dialog.open()
        return self.print_queue_dialog

    def open_jobs(self) -> JobsDialog:
        if self.jobs_dialog is None:
            self.jobs_dialog = JobsDialog(self.bench, self.runner, self)
        self.jobs_dialog.open()
        self.jobs_dialog.refresh()
        return self.jobs_dialog

    @Slot()
    def _on_jobs_changed(self) -> None:
        if self.jobs_dialog is not None and self.jobs_dialog.isVisible():
            self.jobs_dialog.refresh()

    # ================================================================================ messages

    def report_bug(self, summary: str, details: str) -> None:
        self.last_error_dialog = show_error_dialog(summary, details, self)

    @Slot(str)
    def show_user_error(self, message: str) -> None:
        self.status.showMessage(message, MESSAGE_MS * 2)
        box = QMessageBox(QMessageBox.Icon.Warning, "ShipStation Desktop", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_message_box = box
        box.open()  # never a nested event loop from a callback

    def say(self, message: str) -> None:
        self.status.showMessage(message, MESSAGE_MS)

    # ================================================================================ help & files

    @Slot()
    def copy_diagnostics(self) -> None:
        self.runner.run(
            Op(
                lambda _ctx: diagnostics.diagnostics(self.bench),
                label=_("Collecting diagnostics…"),
                on_success=self._diagnostics_ready,
            )
        )

    def _diagnostics_ready(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.say(_("Diagnostics copied to the clipboard; paste them into your support request."))

    def open_folder(self, path: Path) -> bool:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            self.show_user_error(_("Cannot open {path}: {error}").format(path=path, error=e.strerror or e))
            return False
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.say(_("No file manager answered; the folder is {path}").format(path=path))
            return False
        return True

    @Slot()
    def open_spool_folder(self) -> None:
        directory = getattr(self.bench.label_printer, "directory", None)
        self.open_folder(Path(directory) if directory is not None else self.bench.paths.spool_dir)

    @Slot()
    def open_log_folder(self) -> None:
        self.open_folder(self.bench.paths.log_file.parent)

    @Slot()
    def show_shortcuts(self) -> None:
        rows = "".join(
            f"<tr><td><b>{keys}</b></td><td>&nbsp;&nbsp;{text}</td></tr>" for text, keys in self.shortcut_table()
        )
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            _("Keyboard shortcuts"),
            f"<table>{rows}</table>",
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message_box = box

    @Slot()
    def show_about(self) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            _("About ShipStation Desktop"),
            _("ShipStation Desktop {version}\nBench: {bench}\nData folder: {folder}").format(
                version=diagnostics.app_version(),
                bench=self.bench.settings.bench_name,
                folder=self.bench.paths.data_dir,
            ),
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_message_box = box

    # ================================================================================ settings

    @Slot()
    def open_preferences(self) -> PreferencesDialog:
        if self.preferences_dialog is not None and self.preferences_dialog.isVisible():
            self.preferences_dialog.raise_()
            return self.preferences_dialog
        if self.preferences_dialog is not None:
            self.preferences_dialog.deleteLater()  # a closed one is not reused: it shows old values
        dialog = PreferencesDialog(self.bench, self.runner, self)
        dialog.saved.connect(self._on_settings_saved)
        self.preferences_dialog = dialog
        dialog.open()
        return dialog

    def _on_settings_saved(self, settings: BenchSettings, devices_changed: bool) -> None:
        if not settings.first_run_done:
            settings.first_run_done = True  # setting the bench up is what the first run asked for
            self.bench.save_settings()
        self._update_title()
        self.status.show_settings()
        self.session.settings_saved(devices_changed)
        notes = [_("Preferences saved.")]
        if devices_changed:
            notes.append(_(RESTART_NOTE))
        if self.preferences_dialog is not None and self.preferences_dialog.language_changed:
            notes.append(_(LANGUAGE_NOTE))
        self.say(" ".join(notes))

    def maybe_first_run(self) -> FirstRunDialog | None:
        if self.bench.settings.first_run_done:
            return None
        dialog = FirstRunDialog(self.bench, self.runner, self)
        dialog.setup_requested.connect(self.open_preferences)
        dialog.demo_ready.connect(self._on_demo_ready)
        self.first_run_dialog = dialog
        dialog.open()
        return dialog

    def _on_demo_ready(self, _result: object) -> None:
        self._update_title()
        self.say(_("Demo bench ready: scan an order number from a packing slip (e.g. SO-10002) to start."))

    def _update_title(self) -> None:
        title = (
            _("ShipStation Desktop — {bench} (demo)")
            if self.bench.settings.demo_mode
            else _("ShipStation Desktop — {bench}")
        )
        self.setWindowTitle(title.format(bench=self.bench.settings.bench_name))

    # ================================================================================ shutdown

    def shutdown(self) -> None:
        """Stops the device worker and waits for background work; safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self.session.stop()
        self.events.detach()
        self.status.stop()
        self.scale_worker.stop()
        self.sync.stop()
        self.jobs.stop()  # after sync: a waiting "sync" job then fails fast and is retried next start
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
