"""A USB HID POS scale as a ScalePort, over hidapi, or over a byte stream for the simulator.

The port is "auto" (the first scale found), "VID:PID" (hex, e.g. 0922:8003), a hidapi device path,
or a stream the simulator serves: a pyserial URL (socket://127.0.0.1:PORT) or a pty path, carrying
the same six-byte reports back to back. hidapi is imported only when a real device is opened, so a
bench without it (or without a scale) still starts; the scale then shows as an error with the reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import serial

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.errors import DeviceError

from . import hid
from .frames import FrameError
from .serial_port import LINK_ERRORS, OPEN_ERRORS, close_link, one_line

_SLICE_S = 0.05
NO_HIDAPI = "USB scales need the hidapi package (pip install hidapi)"


class Transport(Protocol):
    def read(self, timeout_s: float) -> bytes | None:
        """One input report, or None when none came within the timeout. Raises OSError when gone."""
        ...

    def write(self, report: bytes) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class FoundScale:
    path: str
    vendor_id: int
    product_id: int
    product: str

    @property
    def port(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"


def _hid_module() -> Any:
    try:
        import hid as hidapi  # the hidapi package's module
    except ImportError as e:
        raise DeviceError(NO_HIDAPI) from e
    return hidapi


def find_scales() -> list[FoundScale]:
    """HID scales on this computer: usage page 0x8D, or a vendor/product id known to be a scale.
    Raises DeviceError only when hidapi itself is missing or broken."""
    hidapi = _hid_module()
    try:
        devices = hidapi.enumerate()
    except Exception as e:  # a broken backend (no udev, no permissions) is a message, not a crash
        raise DeviceError(f"cannot list USB devices: {one_line(e)}") from e
    found: dict[str, FoundScale] = {}
    for d in devices:
        ids = (int(d.get("vendor_id") or 0), int(d.get("product_id") or 0))
        if d.get("usage_page") != hid.USAGE_PAGE and ids not in hid.KNOWN_SCALES:
            continue
        raw_path = d.get("path") or b""
        path = raw_path.decode(errors="replace") if isinstance(raw_path, bytes) else str(raw_path)
        name = (d.get("product_string") or "").strip() or hid.KNOWN_SCALES.get(ids, "USB scale")
        found.setdefault(path, FoundScale(path, ids[0], ids[1], name))
    return list(found.values())


class HidapiTransport:
    def __init__(self, port: str) -> None:
        hidapi = _hid_module()
        device = hidapi.device()
        try:
            if m := re.fullmatch(r"([0-9a-fA-F]{4}):([0-9a-fA-F]{4})", port):
                device.open(int(m.group(1), 16), int(m.group(2), 16))
            elif port in ("", "auto"):
                scales = find_scales()
                if not scales:
                    raise DeviceError("no USB scale found; plug it in or pick its port in Preferences")
                device.open_path(scales[0].path.encode())
            else:
                device.open_path(port.encode())
        except (OSError, ValueError) as e:
            raise DeviceError(f"cannot open USB scale {port or 'auto'}: {one_line(e)}") from e
        self._device = device

    def read(self, timeout_s: float) -> bytes | None:
        data = self._device.read(64, max(1, int(timeout_s * 1000)))
        return bytes(data) if data else None

    def write(self, report: bytes) -> None:
        if self._device.write(list(report)) < 0:
            raise OSError("the scale did not take the report")

    def close(self) -> None:
        self._device.close()


class StreamTransport:
    """Reports back to back on a byte stream (the simulator's pty or TCP); resyncs on garbage."""

    def __init__(self, port: str) -> None:
        try:
            self._link = serial.serial_for_url(port, timeout=_SLICE_S)
        except OPEN_ERRORS as e:
            raise DeviceError(f"cannot open {port}: {one_line(e)}") from e
        self._buf = bytearray()

    def read(self, timeout_s: float) -> bytes | None:
        deadline = time.monotonic() + timeout_s
        while True:
            report = self._take()
            if report is not None:
                return report
            if time.monotonic() >= deadline:
                return None
            try:
                self._buf += self._link.read(max(1, self._link.in_waiting))
            except LINK_ERRORS as e:
                raise OSError(one_line(e)) from e

    def _take(self) -> bytes | None:
        while len(self._buf) >= hid.REPORT_SIZE:
            candidate = bytes(self._buf[: hid.REPORT_SIZE])
            if candidate[0] == hid.DATA_REPORT and candidate[1] in hid.STATUSES:
                del self._buf[: hid.REPORT_SIZE]
                return candidate
            del self._buf[0]  # not a report start: slide one byte
        return None

    def write(self, report: bytes) -> None:
        try:
            self._link.write(report)
        except LINK_ERRORS as e:
            raise OSError(one_line(e)) from e

    def close(self) -> None:
        close_link(self._link)


def is_stream(port: str) -> bool:
    """A simulator stream rather than a USB device: a URL, or a terminal device (a HID scale never
    appears as a tty)."""
    if "://" in port:
        return True
    real = os.path.realpath(port) if port.startswith("/") else port
    return real.startswith(("/dev/pts/", "/dev/tty"))


def open_transport(port: str) -> Transport:
    return StreamTransport(port) if is_stream(port) else HidapiTransport(port)


class HidScale:
    streams = True  # scales send reports by themselves; read() waits for the next one
    supports_zero = True
    supports_tare = False

    def __init__(
        self,
        port: str = "auto",
        *,
        timeout_s: float = 1.0,
        clock: Clock | None = None,
        opener: Callable[[str], Transport] = open_transport,
    ) -> None:
        self.port = port.strip() or "auto"
        self.name = f"USB scale {self.port}"
        self.timeout_s = timeout_s
        self._clock = clock or SystemClock()
        self._opener = opener
        self._lock = threading.Lock()
        self._transport: Transport | None = None
        self._health = ScaleHealth.DISCONNECTED
        self._closed = False
        self._stale = True

    def read(self) -> ScaleReading:
        with self._lock:
            transport = self._open()
            problem = ""
            deadline = time.monotonic() + self.timeout_s
            try:
                while (left := deadline - time.monotonic()) > 0:
                    report = transport.read(left)
                    if report is None:
                        break
                    if self._stale:
                        self._stale = False  # many scales send the reading from before they slept first
                        continue
                    try:
                        reading = hid.decode(report)
                    except FrameError as e:
                        problem = str(e)
                        continue
                    self._health = ScaleHealth.CONNECTED
                    return ScaleReading(reading.weight, reading.status, self._clock.now())
            except OSError as e:
                self._drop(ScaleHealth.DISCONNECTED)
                raise DeviceError(f"{self.name} disconnected: {one_line(e)}") from e
            if problem:
                self._health = ScaleHealth.ERROR
                raise DeviceError(f"{self.name}: {problem}")
            self._health = ScaleHealth.NO_ANSWER
            raise DeviceError(f"{self.name} sent no report within {self.timeout_s:g} s")

    def zero(self) -> None:
        with self._lock:
            transport = self._open()
            try:
                transport.write(hid.ZERO_REPORT)
            except OSError as e:
                self._drop(ScaleHealth.DISCONNECTED)
                raise DeviceError(f"{self.name} disconnected: {one_line(e)}") from e

    def tare(self) -> None:
        raise DeviceError("USB HID scales have no tare command; use the scale's own key")

    def health(self) -> ScaleHealth:
        return self._health

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop(ScaleHealth.DISCONNECTED)

    def _open(self) -> Transport:
        if self._closed:
            raise DeviceError(f"{self.name} is closed")
        if self._transport is None:
            try:
                self._transport = self._opener(self.port)
            except DeviceError as e:
                self._health = ScaleHealth.ERROR if str(e) == NO_HIDAPI else ScaleHealth.DISCONNECTED
                raise
            self._stale = True
        return self._transport

    def _drop(self, health: ScaleHealth) -> None:
        transport, self._transport = self._transport, None
        self._health = health
        if transport is not None:
            with contextlib.suppress(OSError):  # it is gone either way
                transport.close()
