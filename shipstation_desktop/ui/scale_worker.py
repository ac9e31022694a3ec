"""The scale's device worker: polls the bench's ScalePort on its own thread and reports by signal.

A scale that stops answering (unplugged, timeout, garbage) becomes a health state on the bench,
never an exception in the GUI; while it is gone the worker knocks again after a growing backoff, and
the first good reading resets it. Zero and Tare run on this thread too (the GUI only queues them), so
the GUI never waits on a port. Auto-weigh uses the same StableWeightDetector as the headless flow,
so the GUI and the CLI agree on what "stable" means.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from decimal import Decimal
from typing import Literal

from PySide6.QtCore import QObject, QThread, Signal

from shipstation_desktop.devices.capture import StableWeightDetector
from shipstation_desktop.devices.scale_port import ScaleHealth, ScalePort, ScaleReading, StreamingScale
from shipstation_desktop.devices.scales.backoff import Backoff
from shipstation_desktop.domain.errors import DeviceError

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.1  # ~10 Hz: the read-out feels live and the detector gets enough samples
RETRY_FIRST_S = 0.5  # while the scale is gone, knock after 0.5 s, 1 s, 2 s, … up to RETRY_CAP_S
RETRY_CAP_S = 5.0
STREAM_GAP_S = 0.002  # a streaming scale's read waits for its next frame; this only stops a spin

ScaleCommand = Literal["zero", "tare"]


class ScaleWorker(QThread):
    reading = Signal(object)  # ScaleReading, every poll
    health = Signal(object, str)  # ScaleHealth and a reason; emitted when either changes
    stable = Signal(object)  # ScaleReading captured as stable (once per parcel until re-armed)
    problem = Signal(str)  # what the detector refuses (over capacity, below zero, fault); "" clears it
    command_done = Signal(str, str)  # "zero" or "tare", and "" when done or why it failed

    def __init__(
        self,
        scale: ScalePort,
        *,
        window_s: float = 0.3,
        min_grams: Decimal = Decimal(2),
        interval_s: float = POLL_INTERVAL_S,
        backoff: Backoff | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scale-worker")
        self._scale = scale
        self._detector = StableWeightDetector(window_s=window_s, min_grams=min_grams)
        self._interval_s = interval_s
        self._streams = isinstance(scale, StreamingScale) and scale.streams
        self._backoff = backoff or Backoff(RETRY_FIRST_S, 2.0, RETRY_CAP_S)
        self._stop = threading.Event()
        self._wake = threading.Event()  # a command or stop ends a wait early
        self._rearm = threading.Event()
        self._commands: queue.SimpleQueue[ScaleCommand] = queue.SimpleQueue()
        self._last_health: tuple[ScaleHealth, str] | None = None
        self._last_problem = ""

    # -- called from the GUI thread --------------------------------------------------------------

    def rearm(self) -> None:
        """Weigh again: the next stable weight is reported even if the parcel never left the scale."""
        self._rearm.set()

    def command(self, what: ScaleCommand) -> None:
        """Zero or tare the scale, on the worker's thread; the outcome arrives as `command_done`."""
        self._commands.put(what)
        self._wake.set()

    def stop(self, timeout_ms: int = 5000) -> None:
        """Stops polling and waits for the thread, so no QThread is destroyed while running."""
        self._stop.set()
        self._wake.set()
        if self.isRunning() and not self.wait(timeout_ms):
            log.warning("scale worker did not stop within %d ms", timeout_ms)

    # -- the worker thread -----------------------------------------------------------------------

    def run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self._run_commands()
            if self._poll_once():
                self._backoff.reset()
                pause = STREAM_GAP_S if self._streams else self._interval_s - (time.monotonic() - started)
            else:
                pause = self._backoff.next()
            if pause > 0 and self._wake.wait(pause):
                self._wake.clear()

    def _run_commands(self) -> None:
        while True:
            try:
                what = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                getattr(self._scale, what)()
            except DeviceError as e:
                self.command_done.emit(what, str(e))
            except Exception as e:  # a driver bug: logged, and said as a failed command
                log.exception("scale %s failed to %s", getattr(self._scale, "name", "?"), what)
                self.command_done.emit(what, f"{type(e).__name__}: {e}")
            else:
                self.command_done.emit(what, "")
                self._rearm.set()  # the platter's meaning changed: weigh what is on it afresh

    def _poll_once(self) -> bool:
        if self._rearm.is_set():
            self._rearm.clear()
            self._detector.reset()
        try:
            reading = self._scale.read()
        except DeviceError as e:
            self._set_health(self._health_after_error(), str(e))
            return False
        except Exception as e:  # a driver bug must not kill the worker; it is logged once per change
            if self._last_health is None or self._last_health[0] is not ScaleHealth.ERROR:
                log.exception("scale %s failed", getattr(self._scale, "name", "?"))
            self._set_health(ScaleHealth.ERROR, f"{type(e).__name__}: {e}")
            return False
        self._set_health(ScaleHealth.CONNECTED, "")
        self.reading.emit(reading)
        self._detect(reading)
        return True

    def _detect(self, reading: ScaleReading) -> None:
        try:
            found = self._detector.feed(reading, time.monotonic())
        except DeviceError as e:
            self._set_problem(str(e))
            return
        self._set_problem("")
        if found is not None:
            self.stable.emit(found)

    def _health_after_error(self) -> ScaleHealth:
        try:
            state = self._scale.health()
        except Exception:
            return ScaleHealth.ERROR
        # The port may still think it is connected although the read just failed.
        return ScaleHealth.NO_ANSWER if state is ScaleHealth.CONNECTED else state

    def _set_health(self, state: ScaleHealth, reason: str) -> None:
        if self._last_health != (state, reason):
            self._last_health = (state, reason)
            self.health.emit(state, reason)

    def _set_problem(self, text: str) -> None:
        if text != self._last_problem:
            self._last_problem = text
            self.problem.emit(text)
