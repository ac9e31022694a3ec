"""Screenshot of a customer's window (the detail and edit form), for the docs (docs/customers-view.png).

Run (under Xvfb): DISPLAY=:99 .venv/bin/python tools/customer_screenshot.py [-o docs/customers-view.png]
                  [--tab details|addresses|notes|communications|timeline|analytics]

Opens a demo bench in a temp dir, adds a note and a logged call to a customer with an accented name
(so the timeline has more than orders), opens the Customers view and that customer, and grabs the window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from shipstation_desktop.domain.enums import CommunicationChannel, CommunicationDirection
from shipstation_desktop.services import bootstrap, customer_list, customers, demo
from shipstation_desktop.ui.app import APP_NAME, build_main_window
from shipstation_desktop.ui.main_window import MainWindow

SIZE = (1040, 760)
TIMEOUT_MS = 15_000
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "customers-view.png"
TABS = ("details", "addresses", "notes", "communications", "timeline", "analytics")


def settle(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(done: Callable[[], bool], what: str) -> None:
    waited = 0
    while not done():
        settle(50)
        waited += 50
        if waited > TIMEOUT_MS:
            raise SystemExit(f"timed out waiting for {what}")


def capture(window: MainWindow, customer_id: str, tab: str, out: Path) -> None:
    window.resize(1280, 820)
    window.show()
    if not QTest.qWaitForWindowExposed(window):
        raise SystemExit("the window was never exposed")
    view = window.customers_view
    window.tabs.setCurrentWidget(view)
    wait_until(lambda: view.page is not None and not window.runner.busy, "the customers list")
    detail = view.open_customer(customer_id)
    detail.resize(*SIZE)
    wait_until(lambda: detail.ready and not window.runner.busy, "the customer's window")
    detail.tabs.setCurrentIndex(TABS.index(tab))
    wait_until(lambda: not window.runner.busy, "the tab's data")
    settle(300)
    image = detail.grab().toImage()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), quality=0):
        raise SystemExit(f"cannot write {out}")
    print(f"{out}: {image.width()}x{image.height()}, {out.stat().st_size / 1024:.0f} KB")
    detail.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--tab", choices=TABS, default="details")
    parser.add_argument("--platform", default="xcb", help="Qt platform plugin (xcb needs DISPLAY, e.g. Xvfb on :99)")
    args = parser.parse_args()
    if args.platform == "xcb" and not os.environ.get("DISPLAY"):
        parser.error("xcb needs DISPLAY (e.g. DISPLAY=:99 with Xvfb running), or use --platform offscreen")
    os.environ["QT_QPA_PLATFORM"] = args.platform
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    with tempfile.TemporaryDirectory() as tmp:
        bench = bootstrap.open_bench(tmp, reconcile=False)
        window: MainWindow | None = None
        try:
            demo.seed(bench)
            bench.settings.first_run_done = True
            bench.settings.demo_mode = True
            bench.save_settings()
            customer = customer_list.list_page(bench, customer_list.CustomerFilter(query="mueller")).items[0]
            customers.add_note(bench, customer.id, "Prefers deliveries after 6 pm; ring twice.", pinned=True)
            customers.log_communication(
                bench,
                customer.id,
                CommunicationChannel.PHONE,
                CommunicationDirection.INBOUND,
                "Asked where the blue mug is",
                "Told him it ships tomorrow.",
            )
            window = build_main_window(bench)
            capture(window, customer.id, args.tab, args.output)
        finally:
            if window is not None:
                window.close()
                window.shutdown()
            bench.close()


if __name__ == "__main__":
    main()
