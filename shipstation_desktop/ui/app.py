"""Starting the GUI: logging, the bench, the window, and where uncaught bugs go.

Importing this module needs no display: the QApplication is created inside `run_gui` only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QThread
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services import bootstrap, diagnostics
from shipstation_desktop.services import demo as demo_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import paths as bench_paths
from shipstation_desktop.sync.worker import freeze_startup_heap

from .error_dialog import ErrorDialog, format_exception
from .main_window import MainWindow
from .ops import Op

log = logging.getLogger(__name__)

APP_NAME = "ShipStation Desktop"
EXIT_CANNOT_OPEN = 2
EXIT_BUG = 1

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def build_main_window(bench: Bench) -> MainWindow:
    """The bench window without showing it (tests and benchmarks drive it directly)."""
    return MainWindow(bench)


def show_fatal(title: str, text: str) -> None:
    """A blocking message before any window exists; a module function so tests can replace it."""
    QMessageBox.critical(None, title, text)


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("ShipStation Desktop")
    icon = Path(__file__).resolve().parent.parent / "resources" / "shipstation-desktop.svg"
    app.setWindowIcon(QIcon(str(icon)))
    return app


def make_excepthook(window: MainWindow, previous: ExceptHook) -> ExceptHook:
    """Uncaught exceptions on the GUI thread (a bug in a slot) open the error-report dialog."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return  # widgets only on the GUI thread; the log has it
        summary, details = format_exception(exc_type, exc, tb)
        window.report_bug(summary, details)

    return hook


def _seed_demo(window: MainWindow, bench: Bench) -> None:
    """`--demo`: fill an empty bench with sample data (no-op when it has orders) and skip the first-run question."""
    settings = bench.settings
    if not settings.first_run_done or not settings.demo_mode:
        settings.first_run_done = True
        settings.demo_mode = True
        bench.save_settings()
    window.runner.run(
        Op(
            lambda _ctx: demo_service.seed(bench),
            label="Creating the demo bench…",
            writes=True,
            on_success=lambda result: window.say(
                "Demo bench ready." if not result.skipped else "Demo bench: using the existing sample data."
            ),
        )
    )


def run_gui(data_dir: str | None, demo: bool = False) -> int:
    paths = bench_paths.resolve(data_dir)
    try:
        diagnostics.setup_logging(paths.log_file)
    except OSError as e:  # an unwritable log dir must not stop the bench; stderr still gets errors
        logging.basicConfig(level=logging.INFO)
        log.warning("cannot write the log file %s: %s", paths.log_file, e)
    app = _application()
    try:
        # Reconciling unconfirmed purchases talks to carriers: it runs after the window is up.
        bench = bootstrap.open_bench(data_dir, reconcile=False)
    except UserError as e:
        # Corrupt or newer database, unreadable settings: say which file, and never re-create it.
        log.error("cannot open the bench in %s: %s", paths.data_dir, e)
        show_fatal(
            "Cannot open the bench",
            f"{e}\n\nData folder: {paths.data_dir}\nDatabase: {paths.database}\n\n"
            "Nothing was changed. Fix or restore the file, then start ShipStation Desktop again.",
        )
        return EXIT_CANNOT_OPEN
    except Exception as e:
        log.exception("bug while opening the bench in %s", paths.data_dir)
        summary, details = format_exception(type(e), e, e.__traceback__)
        ErrorDialog(summary, details).exec()
        return EXIT_BUG

    window = build_main_window(bench)
    # Everything alive now lives as long as the app: out of the collector's way, so a full collection
    # (it holds the GIL) walks only what the session made since and never stalls the event loop long.
    freeze_startup_heap()
    previous_hook = sys.excepthook
    sys.excepthook = make_excepthook(window, previous_hook)
    try:
        window.show()
        window.reconcile_purchases()
        if demo:
            _seed_demo(window, bench)
        else:
            window.maybe_first_run()
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        window.shutdown()
        window.deleteLater()
        bench.close()
