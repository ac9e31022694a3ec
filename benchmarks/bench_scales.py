"""Scale protocols: frames parsed per second, and stable frame on the wire -> GUI signal latency.

Run: .venv/bin/python benchmarks/bench_scales.py [--seconds S]

1. Parsing: each protocol's frames (written by its own scale side, distinct weights) go through the
   framer and parser exactly as the port feeds them; HID reports through the report decoder.
2. Latency (target: median <= 100 ms at 10 Hz): a scale served on 127.0.0.1 sends a stable frame
   with a new weight every time (answering the worker's 10 Hz requests, or streaming at 10 Hz);
   the time it went on the wire is matched with the time the scale worker's `reading` signal reached
   the GUI thread of a real (offscreen) QApplication.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import threading
import time
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication

from shipstation_desktop.devices.scale_port import ScaleReading, ScaleStatus
from shipstation_desktop.devices.scales import hid
from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
from shipstation_desktop.devices.scales.frames import Display
from shipstation_desktop.devices.scales.registry import SERIAL_PROTOCOLS
from shipstation_desktop.devices.scales.simulator import HidWire, SerialWire, Wire
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.ui.scale_worker import ScaleWorker

PROTOCOLS = ("sics", "toledo", "nci", "cas", "hid")
FRAMES = 20_000


class CountingDevice:
    """A scale whose stable weight goes up by a gram every time it is shown, so each frame on the
    wire can be recognised when it reaches the GUI."""

    def __init__(self) -> None:
        self.grams = 1000
        self.last = 0

    def display(self) -> Display:
        self.grams += 1
        self.last = self.grams
        return Display(ScaleStatus.STABLE, Weight(Decimal(self.grams), WeightUnit.G))

    def zero(self) -> bool:
        return True

    def tare(self) -> Weight | None:
        return None


def wire_for(protocol: str, device: CountingDevice) -> Wire:
    if protocol == "hid":
        return HidWire(device)  # type: ignore[arg-type]
    return SerialWire(SERIAL_PROTOCOLS[protocol], device)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ parsing


def parse_rate(protocol: str) -> float:
    device = CountingDevice()
    wire = wire_for(protocol, device)
    if protocol == "hid":
        reports = [wire.frame() for _ in range(FRAMES)]
        started = time.perf_counter()
        for report in reports:
            hid.decode(report)
        return FRAMES / (time.perf_counter() - started)
    p = SERIAL_PROTOCOLS[protocol]
    stream = b"".join(wire.frame() if p.streams else wire.feed(p.request) for _ in range(FRAMES))
    framer = p.framer(mask7=p.seven_bit)
    chunks = [stream[i : i + 256] for i in range(0, len(stream), 256)]  # as reads arrive
    started = time.perf_counter()
    parsed = 0
    for chunk in chunks:
        for body in framer.feed(chunk):
            p.parse(body, WeightUnit.G)
            parsed += 1
    elapsed = time.perf_counter() - started
    assert parsed == FRAMES, (protocol, parsed)
    return parsed / elapsed


# ------------------------------------------------------------------------------------------ latency


class TimedScaleServer:
    """One client; records when each weight's frame went on the wire."""

    def __init__(self, protocol: str) -> None:
        self.device = CountingDevice()
        self.wire = wire_for(protocol, self.device)
        self.sent: dict[int, float] = {}
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = f"socket://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(0.01)
        next_tick = time.monotonic()
        while not self.stop.is_set():
            if self.wire.streams:
                if time.monotonic() >= next_tick:
                    next_tick += 0.1  # 10 Hz
                    self._send(conn, self.wire.frame())
                else:
                    time.sleep(0.001)
                continue
            try:
                data = conn.recv(256)
            except TimeoutError:
                continue
            if not data:
                break
            reply = self.wire.feed(data)
            if reply:
                self._send(conn, reply)
        conn.close()
        self.listener.close()

    def _send(self, conn: socket.socket, data: bytes) -> None:
        self.sent[self.device.last] = time.perf_counter()
        conn.sendall(data)


def latencies(protocol: str, seconds: float, app: QApplication) -> list[float]:
    server = TimedScaleServer(protocol)
    scale = open_scale(ScaleConfig(protocol, server.port, unit=WeightUnit.G, timeout_s=1.0))
    worker = ScaleWorker(scale, interval_s=0.1)  # the bench's 10 Hz
    received: dict[int, float] = {}

    def on_reading(reading: ScaleReading) -> None:  # runs on the GUI thread
        received.setdefault(int(reading.weight.grams), time.perf_counter())

    worker.reading.connect(on_reading)
    worker.start()
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    worker.stop()
    worker.reading.disconnect(on_reading)
    worker.deleteLater()  # freed by Qt now, not by the garbage collector after QApplication is gone
    app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    server.stop.set()
    scale.close()
    server.thread.join(2)
    return [(received[g] - server.sent[g]) * 1000 for g in received if g in server.sent]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="latency run per protocol (3)")
    args = parser.parse_args()

    print(f"Frames parsed per second (framer + parser, {FRAMES} frames each):")
    for protocol in PROTOCOLS:
        print(f"  {protocol:<7} {parse_rate(protocol):>12,.0f} frames/s")

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    print(f"\nStable frame on the wire -> scale worker's signal on the GUI thread (10 Hz, {args.seconds:g} s each):")
    for protocol in PROTOCOLS:
        ms = latencies(protocol, args.seconds, app)
        verdict = "ok" if ms and statistics.median(ms) <= 100 else "OVER TARGET"
        print(
            f"  {protocol:<7} n={len(ms):<3} median {statistics.median(ms):6.2f} ms  p95 {percentile(ms, 95):6.2f} ms"
            f"  max {max(ms):6.2f} ms  (target median <= 100 ms: {verdict})"
        )
    app.shutdown()  # Qt's objects go now, not in the interpreter's final garbage collection


if __name__ == "__main__":
    main()
