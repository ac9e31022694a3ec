"""Cold start of the GUI to the main window on screen (target <= 1.5 s) and its memory (target <= 250 MB RSS).

Run: .venv/bin/python benchmarks/bench_startup.py [--runs N] [--xcb]

Seeds a demo bench once, then starts N fresh Python processes that each run the real entry point
(`cli.main(["--data-dir", DIR, "gui"])`, i.e. `run_gui`). The clock starts just before `Popen` and stops
at the first paint of the main window; the child then reports its resident memory (at that moment and
1 s later, when the start-up refreshes have finished) and quits. Offscreen Qt unless --xcb (needs DISPLAY).
"""

from __future__ import annotations

# Only the standard library at module level: the child runs this file too, and should import just the app.
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_START_S = 1.5
TARGET_RSS_MB = 250.0
MARK = "STARTUP-FIGURES "
CHILD_TIMEOUT_S = 60
SETTLE_MS = 1000


def now() -> float:
    # CLOCK_MONOTONIC is system-wide on Linux, so parent and child stamps can be subtracted.
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def child(data_dir: str) -> int:
    """Runs the real GUI entry point, stamps the main window's first paint, reports, and quits."""
    started = now()
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from shipstation_desktop import cli
    from shipstation_desktop.ui import app as ui_app
    from shipstation_desktop.ui.main_window import MainWindow

    imported = now()
    figures: dict[str, float | str] = {"started": started, "imported": imported}
    # run_gui reuses an existing QApplication; creating it with the same function lets us hook the loop.
    try:
        qapp = ui_app._application()
    except Exception as e:  # reported by the parent: the real start would have failed here
        figures["note"] = f"ui.app._application() raised {type(e).__name__}: {e} (after creating the QApplication)"
        existing = QApplication.instance()
        if not isinstance(existing, QApplication):
            raise
        qapp = existing

    def report() -> None:
        figures["rss_settled_mb"] = rss_mb()
        figures["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(MARK + json.dumps(figures), flush=True)
        qapp.quit()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and isinstance(watched.window(), MainWindow)
            ):
                figures["painted"] = now()
                figures["rss_shown_mb"] = rss_mb()
                qapp.removeEventFilter(self)
                QTimer.singleShot(SETTLE_MS, report)
            return False

    first_paint = FirstPaint()
    qapp.installEventFilter(first_paint)
    QTimer.singleShot(CHILD_TIMEOUT_S * 1000, qapp.quit)  # never hang the benchmark
    return cli.main(["--data-dir", data_dir, "gui"])


def seed(data_dir: Path) -> None:
    from shipstation_desktop.services import bootstrap, demo

    bench = bootstrap.open_bench(data_dir)
    try:
        demo.seed(bench)
        # What `gui --demo` records, so no first-run dialog opens in the runs.
        bench.settings.first_run_done = True
        bench.settings.demo_mode = True
        bench.save_settings()
    finally:
        bench.close()


def run_once(data_dir: Path, platform: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM=platform)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(data_dir)]
    before = now()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT_S + 10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    lines = [line for line in out.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child failed (exit {proc.returncode}):\n{out}\n{err}")
    figures: dict[str, Any] = json.loads(lines[-1][len(MARK) :])
    if "painted" not in figures:
        raise RuntimeError("the main window was never painted")
    figures["before"] = before
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--xcb", action="store_true", help="use the xcb platform on $DISPLAY instead of offscreen")
    parser.add_argument("--child", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(child(args.child))
    if args.xcb and not os.environ.get("DISPLAY"):
        parser.error("--xcb needs DISPLAY")
    platform = "xcb" if args.xcb else "offscreen"

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "bench"
        seed(data_dir)
        runs = [run_once(data_dir, platform) for _ in range(args.runs)]

    start = [r["painted"] - r["before"] for r in runs]
    interp = [r["started"] - r["before"] for r in runs]
    imports = [r["imported"] - r["started"] for r in runs]
    rest = [r["painted"] - r["imported"] for r in runs]
    shown = [r["rss_shown_mb"] for r in runs]
    settled = [r["rss_settled_mb"] for r in runs]
    peak = [r["maxrss_mb"] for r in runs]
    ok_start = "OK" if max(start) <= TARGET_START_S else "MISSED"
    ok_rss = "OK" if max(max(shown), max(settled)) <= TARGET_RSS_MB else "MISSED"
    for note in sorted({r["note"] for r in runs if "note" in r}):
        print(f"WARNING: {note}")
    print(f"cold starts: {len(runs)} fresh processes on a seeded demo bench (Qt platform {platform})")
    print(f"  each run (s): {', '.join(f'{s:.3f}' for s in start)}")
    print(
        f"Popen -> main window first paint: median {statistics.median(start):.3f} s, max {max(start):.3f} s "
        f"(target <= {TARGET_START_S} s: {ok_start})"
    )
    print(
        f"  of which interpreter start {statistics.median(interp):.3f} s, imports {statistics.median(imports):.3f} s, "
        f"open bench + build + show + paint {statistics.median(rest):.3f} s (medians)"
    )
    print(
        f"RSS at first paint: median {statistics.median(shown):.0f} MB, max {max(shown):.0f} MB; "
        f"{SETTLE_MS / 1000:.0f} s later: median {statistics.median(settled):.0f} MB, max {max(settled):.0f} MB; "
        f"peak (ru_maxrss) max {max(peak):.0f} MB (target <= {TARGET_RSS_MB:.0f} MB: {ok_rss})"
    )


if __name__ == "__main__":
    main()
