"""Screenshot of the Pack view with rates on screen, for the README (docs/pack-view.png).

Run (under Xvfb): DISPLAY=:99 .venv/bin/python tools/screenshot.py [-o docs/pack-view.png] [--order SO-…]

Opens a demo bench in a temp dir, scans a ready order whose customer has a non-ASCII Latin name
(Romanian or Spanish first), places the demo parcel, waits until the rates are shown, and grabs the window.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer, SignalInstance
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.services import bootstrap, demo, orders, packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.ui.app import APP_NAME, build_main_window
from shipstation_desktop.ui.main_window import MainWindow
from shipstation_desktop.ui.pack_view import PackState, PackView

SIZE = (1280, 820)
PREFERRED_COUNTRIES = ("RO", "ES")
TIMEOUT_MS = 15_000
MAX_BYTES = 300_000
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "pack-view.png"


def wait_for(signal: SignalInstance, done: Callable[[], bool], what: str, timeout_ms: int = TIMEOUT_MS) -> None:
    """A nested event loop until `done()` holds, re-checked whenever `signal` fires."""
    if done():
        return
    loop = QEventLoop()
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)

    def on_signal(*_args: object) -> None:
        if done():
            loop.quit()

    signal.connect(on_signal)
    timer.start(timeout_ms)
    try:
        loop.exec()
    finally:
        timer.stop()
        signal.disconnect(on_signal)
    if not done():
        raise SystemExit(f"timed out waiting for {what}")


def wait_state(view: PackView, states: set[PackState], what: str) -> PackState:
    """Until the pack view *enters* one of `states` (its current state does not count)."""
    entered: list[PackState] = []
    view.state_changed.connect(entered.append)
    try:
        wait_for(view.state_changed, lambda: any(s in states for s in entered), what)
    finally:
        view.state_changed.disconnect(entered.append)
    return view.state


def settle(ms: int) -> None:
    """Lets the event loop run (readings, repaints) for `ms`."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def is_latin_non_ascii(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return not name.isascii() and all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def pick_order(bench: Bench) -> dm.Order:
    """A shippable order with an accented Latin customer name, preferring RO/ES, then more order lines."""
    candidates: list[dm.Order] = []
    for status in (OrderStatus.CONFIRMED, OrderStatus.PROCESSING):
        for order in orders.list_orders(bench.store, status):
            if not is_latin_non_ascii(order.customer_name):
                continue
            try:
                packing.scan(bench, order.order_number)
            except UserError:
                continue
            candidates.append(order)
    if not candidates:
        raise SystemExit("no ready order with a non-ASCII customer name in the demo data")

    def rank(order: dm.Order) -> tuple[int, int, str]:
        country = order.ship_to.country
        preferred = PREFERRED_COUNTRIES.index(country) if country in PREFERRED_COUNTRIES else len(PREFERRED_COUNTRIES)
        return preferred, -len(order.lines), order.order_number

    return min(candidates, key=rank)


def capture(window: MainWindow, number: str, out: Path) -> None:
    view = window.pack_view
    window.resize(*SIZE)
    window.show()
    if not QTest.qWaitForWindowExposed(window):
        raise SystemExit("the window was never exposed")
    window.activateWindow()
    wait_for(window.runner.busy_changed, lambda: not window.runner.busy, "the start-up refreshes")

    QTest.keyClicks(view.scan_edit, number)  # as a keyboard-wedge scanner types
    QTest.keyClick(view.scan_edit, Qt.Key.Key_Return)
    if wait_state(view, {PackState.WEIGHING, PackState.IDLE, PackState.BLOCKED}, number) is not PackState.WEIGHING:
        raise SystemExit(f"scan refused: {view.scan_message.text()} {view.banner.text()}")
    view.place_button.click()
    rated = wait_state(view, {PackState.READY, PackState.WEIGHING}, "rates")
    if rated is not PackState.READY or view.selected_rate() is None:
        raise SystemExit(f"no rates on screen: {view.rates_message.text()}")
    wait_for(window.runner.busy_changed, lambda: not window.runner.busy, "background work")
    settle(300)  # a few more scale readings and the final repaint

    image = window.grab().toImage()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), quality=0):  # PNG from the suffix; quality 0 is its strongest compression
        raise SystemExit(f"cannot write {out}")
    size = out.stat().st_size
    print(f"{out}: {image.width()}x{image.height()}, {size / 1024:.0f} KB, order {number}")
    if size > MAX_BYTES:
        print(f"warning: larger than {MAX_BYTES // 1000} KB", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--order", help="order number to scan (default: picked from the demo data)")
    parser.add_argument("--platform", default="xcb", help="Qt platform plugin (xcb needs DISPLAY, e.g. Xvfb on :99)")
    args = parser.parse_args()
    if args.platform == "xcb" and not os.environ.get("DISPLAY"):
        parser.error("xcb needs DISPLAY (e.g. DISPLAY=:99 with Xvfb running), or use --platform offscreen")
    if args.output.suffix.lower() != ".png":
        parser.error("the output must be a .png file")
    os.environ["QT_QPA_PLATFORM"] = args.platform
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    with tempfile.TemporaryDirectory() as tmp:
        bench = bootstrap.open_bench(tmp, reconcile=False)
        window: MainWindow | None = None
        try:
            demo.seed(bench)
            bench.settings.first_run_done = True  # what `gui --demo` records
            bench.settings.demo_mode = True
            bench.save_settings()
            number = args.order or pick_order(bench).order_number
            window = build_main_window(bench)
            capture(window, number, args.output)
        finally:
            if window is not None:
                window.close()
                window.shutdown()
            bench.close()


if __name__ == "__main__":
    main()
