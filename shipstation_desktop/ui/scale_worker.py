"""The scale's device worker: polls the bench's ScalePort on its own thread and reports by signal.

A scale that stops answering (unplugged, timeout, garbage) becomes a health state on the bench,
never an exception in the GUI; polling slows down while it is gone and speeds up again when it is back.
Auto-weigh uses the same StableWeightDetector as the headless flow, so the GUI and the CLI agree on
what "stable" means.
"""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

from PySide6.QtCore import QObject, QThread, Signal

from shipstation_desktop.devices.capture import StableWeightDetector
from shipstation_desktop.devices.scale_port import ScaleHealth, ScalePort, ScaleReading
from shipstation_desktop.domain.errors import DeviceError

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.1  # ~10 Hz: the read-out feels live and the detector gets enough samples
RETRY_INTERVAL_S = 1.0  # while the scale is gone, knock less often


class ScaleWorker(QThread):
    reading = Signal(object)  # ScaleReading, every poll
    health = Signal(object, str)  # ScaleHealth and a reason; emitted when either changes
    stable = Signal(object)  # ScaleReading captured as stable (once per parcel until re-armed)
    problem = Signal(str)  # what the detector refuses (over capacity, below zero, fault); "" clears it

    def __init__(
        self,
        scale: ScalePort,
        *,
        window_s: float = 0.3,
        min_grams: Decimal = Decimal(2),
        interval_s: float = POLL_INTERVAL_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scale-worker")
        self._scale = scale
        self._detector = StableWeightDetector(window_s=window_s, min_grams=min_grams)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._rearm = threading.Event()
        self._last_health: tuple[ScaleHealth, str] | None = None
        self._last_problem = ""

    # -- called from the GUI thread --------------------------------------------------------------

    def rearm(self) -> None:
        """Weigh again: the next stable weight is reported even if the parcel never left the scale."""
        self._rearm.set()

    def stop(self, timeout_ms: int = 5000) -> None:
        """Stops polling and waits for the thread, so no QThread is destroyed while running."""
        self._stop.set()
        if self.isRunning() and not self.wait(timeout_ms):
            log.warning("scale worker did not stop within %d ms", timeout_ms)

    # -- the worker thread -----------------------------------------------------------------------

    def run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            healthy = self._poll_once()
            interval = self._interval_s if healthy else RETRY_INTERVAL_S
            self._stop.wait(max(0.0, interval - (time.monotonic() - started)))

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
