"""Starting the GUI: logging, the bench, the window, and where uncaught bugs go.

Importing this module needs no display: the QApplication is created inside `run_gui` only.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QLocale, QThread
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services import bootstrap, diagnostics
from shipstation_desktop.services import demo as demo_service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings import paths as bench_paths
from shipstation_desktop.sync.worker import freeze_startup_heap

from . import i18n, qt_translations
from .error_dialog import ErrorDialog, format_exception
from .i18n import _
from .login_dialog import log_in_at_start, own_language
from .main_window import MainWindow
from .ops import Op

log = logging.getLogger(__name__)

APP_NAME = "ShipStation Desktop"
EXIT_CANNOT_OPEN = 2
EXIT_BUG = 1

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]

# The window of the running app (run_gui); apply_language may put a new one in its place.
_running: MainWindow | None = None


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


def system_language() -> str:
    """The computer's language when it is shipped (the environment, then what the OS tells Qt), else English."""
    candidates = [*i18n.environment_languages(), *QLocale.system().uiLanguages()]
    return i18n.first_supported(candidates) or i18n.SOURCE_LANGUAGE


def startup_language(requested: str | None, setting: str) -> str:
    """`gui --lang`, else the bench's `language` setting, else the computer's language, else English.

    A setting naming a language this version does not ship is passed over (with a log line), not fatal."""
    if requested:
        return i18n.normalize_language(requested)
    if setting:
        try:
            return i18n.normalize_language(setting)
        except ValueError:
            log.warning("settings: language %r is not shipped; using the computer's", setting)
    return system_language()


def apply_language(code: str, window: MainWindow | None = None) -> MainWindow | None:
    """Switches the GUI to `code`: our catalogs, Qt's own texts (standard buttons), and Qt's number
    formats (spin boxes). Returns the window showing the new language.

    Widgets keep the texts they were built with, so when `window` was built in another language a
    new main window is built for the same bench in its place (same size, same tab) and returned;
    the old one is shut down first (one scale worker per scale). The log-in of a user with their
    own language calls this with the current window; call it from the GUI thread, outside the
    window's own op callbacks (e.g. through a queued signal), since the old window's runner stops.
    """
    global _running
    language = i18n.set_language(code)
    qt_translations.install(language)
    QLocale.setDefault(QLocale(language) if language != i18n.SOURCE_LANGUAGE else QLocale(QLocale.Language.English))
    if window is None or window.language == language:
        return window
    geometry, tab, visible, maximized = (
        window.geometry(),
        window.tabs.currentIndex(),
        window.isVisible(),
        window.isMaximized(),
    )
    window.shutdown()
    window.close()
    window.deleteLater()
    rebuilt = build_main_window(window.bench)
    rebuilt.setGeometry(geometry)
    rebuilt.tabs.setCurrentIndex(tab)
    if maximized:
        rebuilt.showMaximized()
    elif visible:
        rebuilt.show()
    if _running is window:
        _running = rebuilt
    return rebuilt


def make_excepthook(window: MainWindow | Callable[[], MainWindow | None], previous: ExceptHook) -> ExceptHook:
    """Uncaught exceptions on the GUI thread (a bug in a slot) open the error-report dialog of
    `window` (or of the window a callable returns: the running one, which a language change replaces)."""
    current: Callable[[], MainWindow | None] = window if callable(window) else lambda: window

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return  # widgets only on the GUI thread; the log has it
        summary, details = format_exception(exc_type, exc, tb)
        target = current()
        if target is not None:
            target.report_bug(summary, details)

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
            label=_("Creating the demo bench…"),
            writes=True,
            on_success=lambda result: window.say(
                _("Demo bench ready.") if not result.skipped else _("Demo bench: using the existing sample data.")
            ),
        )
    )


def run_gui(data_dir: str | None, demo: bool = False, lang: str | None = None) -> int:
    """The bench window until it is closed. `lang` (`gui --lang`) beats the bench's language setting
    and the computer's language for this start; a bad code raises ValueError naming the choices."""
    global _running
    paths = bench_paths.resolve(data_dir)
    try:
        diagnostics.setup_logging(paths.log_file)
    except OSError as e:  # an unwritable log dir must not stop the bench; stderr still gets errors
        logging.basicConfig(level=logging.INFO)
        log.warning("cannot write the log file %s: %s", paths.log_file, e)
    app = _application()
    previous_language = i18n.language()
    apply_language(startup_language(lang, ""))  # before the bench opens: its errors speak it too
    try:
        return _run(app, data_dir, paths, demo, lang)
    finally:
        _running = None
        apply_language(previous_language)


def _run(app: QApplication, data_dir: str | None, paths: bench_paths.BenchPaths, demo: bool, lang: str | None) -> int:
    global _running
    try:
        # Reconciling unconfirmed purchases talks to carriers: it runs after the window is up.
        bench = bootstrap.open_bench(data_dir, reconcile=False)
    except UserError as e:
        # Corrupt or newer database, unreadable settings: say which file, and never re-create it.
        log.error("cannot open the bench in %s: %s", paths.data_dir, e)
        show_fatal(
            _("Cannot open the bench"),
            _(
                "{error}\n\nData folder: {folder}\nDatabase: {database}\n\n"
                "Nothing was changed. Fix or restore the file, then start ShipStation Desktop again."
            ).format(error=e, folder=paths.data_dir, database=paths.database),
        )
        return EXIT_CANNOT_OPEN
    except Exception as e:
        log.exception("bug while opening the bench in %s", paths.data_dir)
        summary, details = format_exception(type(e), e, e.__traceback__)
        ErrorDialog(summary, details).exec()
        return EXIT_BUG

    if not lang and bench.settings.language:
        apply_language(startup_language(None, bench.settings.language))
    if not log_in_at_start(bench):  # a bench with users opens for someone logged in (issue 11)
        bench.close()
        return 0
    if (own := own_language(bench.account)) is not None:
        apply_language(own)  # a user's own language beats the bench's and --lang
    window = _running = build_main_window(bench)
    # Everything alive now lives as long as the app: out of the collector's way, so a full collection
    # (it holds the GIL) walks only what the session made since and never stalls the event loop long.
    freeze_startup_heap()
    previous_hook = sys.excepthook
    sys.excepthook = make_excepthook(lambda: _running, previous_hook)
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
        last = _running or window
        last.shutdown()
        last.deleteLater()
        bench.close()
