"""A scale on a serial line (or a pyserial URL such as socket://host:port): the ScalePort for
MT-SICS, Toledo, NCI and CAS scales.

The port opens lazily on the first read, so building one never blocks; after a failure it is closed
and the next read opens it again (the scale worker spaces those reads out with a backoff). Every
wait is bounded by the answer timeout. Health follows the last exchange: connected, no answer
(nothing came back), error (bytes came back but not this protocol: wrong protocol, baud or parity)
or disconnected (the port went away or cannot be opened).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import serial

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import Weight, WeightUnit

from .frames import Frame, FrameError
from .protocol import Command, LineSettings, SerialProtocol

try:  # a pty or tty that vanished makes pyserial's termios calls raise termios.error, not OSError
    from termios import error as _TermiosError

    LINK_ERRORS: tuple[type[Exception], ...] = (serial.SerialException, OSError, _TermiosError)
except ImportError:  # pragma: no cover - Windows has no termios
    LINK_ERRORS = (serial.SerialException, OSError)

OPEN_ERRORS: tuple[type[Exception], ...] = (*LINK_ERRORS, ValueError)  # ValueError: a bad setting or URL

COMMAND_TIMEOUT_S = 3.0  # zero and tare wait for the platter to settle on some scales
_SLICE_S = 0.05  # one blocking read; short, so a closed port or a deadline is noticed quickly

Opener = Callable[..., Any]  # serial.serial_for_url's shape
T = TypeVar("T")


_OPEN_ERRORS = {
    errno.ENOENT: "no such port",
    errno.EACCES: "permission denied (on Linux, add the bench user to the dialout group)",
    errno.EBUSY: "the port is in use by another program",
}


def close_link(link: Any) -> None:
    """Closes a pyserial port whatever state it is in.

    pyserial's socket:// close() sleeps 0.3 s (for servers that need a pause before a reconnect;
    ours reconnect with a backoff anyway) and leaks the socket when shutdown() fails on a peer that
    already left, so a socket port's socket is closed here directly.
    """
    sock = getattr(link, "_socket", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        link._socket = None
        link.is_open = False
        return
    with contextlib.suppress(*LINK_ERRORS):
        link.close()


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 160 else text[:159] + "…"


class SerialScale:
    def __init__(
        self,
        protocol: SerialProtocol,
        port: str,
        *,
        line: LineSettings | None = None,
        unit: WeightUnit = WeightUnit.LB,
        timeout_s: float = 1.0,
        clock: Clock | None = None,
        opener: Opener = serial.serial_for_url,
    ) -> None:
        if not port.strip():
            raise ValueError("a serial scale needs a port")
        self.protocol = protocol
        self.port = port
        self.line = line or protocol.line
        self.unit = unit  # for frames that carry no unit (Toledo 8213)
        self.timeout_s = timeout_s
        self.name = f"{protocol.title} scale on {port}"
        self.streams = protocol.streams
        self.supports_zero = "zero" in protocol.commands
        self.supports_tare = "tare" in protocol.commands
        self._clock = clock or SystemClock()
        self._opener = opener
        self._lock = threading.Lock()  # the worker reads while the GUI may ask for zero/tare or close
        self._link: Any = None
        self._framer = protocol.framer(mask7=protocol.seven_bit or self.line.bytesize == 7)
        self._health = ScaleHealth.DISCONNECTED
        self._last_weight = Weight(Decimal(0), unit)
        self._closed = False

    # -- ScalePort --------------------------------------------------------------------------------

    def read(self) -> ScaleReading:
        with self._lock:
            frame = self._exchange(self.protocol.request, self._weight_frame, self.timeout_s)
            weight = frame.weight or self._last_weight  # a status-only frame keeps the last figure
            self._last_weight = weight
            return ScaleReading(weight, frame.status, self._clock.now())

    def zero(self) -> None:
        self._command("zero")

    def tare(self) -> None:
        self._command("tare")

    def health(self) -> ScaleHealth:
        return self._health

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop(ScaleHealth.DISCONNECTED)

    # -- internals ----------------------------------------------------------------------------------

    def _command(self, command: Command) -> None:
        data = self.protocol.commands.get(command)
        if data is None:
            raise DeviceError(f"a {self.protocol.title} scale cannot {command} from the bench; use the scale's key")

        def accepted(body: bytes) -> bool | None:
            return True if self.protocol.reply(command, body) else None

        with self._lock:
            self._exchange(data, accepted, max(self.timeout_s, COMMAND_TIMEOUT_S))

    def _weight_frame(self, body: bytes) -> Frame:
        return self.protocol.parse(body, self.unit)

    def _exchange(self, request: bytes, accept: Callable[[bytes], T | None], timeout_s: float) -> T:
        """Sends `request` (if any) and returns what `accept` makes of the first fitting frame; a
        streaming scale's backlog is drained and its newest frame wins. Call with the lock held."""
        link = self._open()
        deadline = time.monotonic() + timeout_s
        received = 0
        problem = ""
        found: T | None = None
        try:
            if request:
                link.reset_input_buffer()  # a late answer to an earlier request is not this answer
                self._framer.reset()
                link.write(request)
            while time.monotonic() < deadline:
                chunk = link.read(max(1, link.in_waiting))
                received += len(chunk)
                for body in self._framer.feed(chunk):
                    try:
                        result = accept(body)
                    except FrameError as e:
                        problem = problem or str(e)
                        continue
                    if result is not None:
                        found = result
                if found is not None and (request or not link.in_waiting):
                    self._health = ScaleHealth.CONNECTED
                    return found
        except LINK_ERRORS as e:
            self._drop(ScaleHealth.DISCONNECTED)
            raise DeviceError(f"{self.name} disconnected: {one_line(e)}") from e
        if received:
            self._health = ScaleHealth.ERROR
            why = problem or f"{received} bytes without a complete {self.protocol.title} frame"
            raise DeviceError(f"{self.name}: {why} (check the protocol, baud rate and parity: {self.line})")
        self._health = ScaleHealth.NO_ANSWER
        raise DeviceError(f"{self.name} did not answer within {timeout_s:g} s")

    def _open(self) -> Any:
        if self._closed:
            raise DeviceError(f"{self.name} is closed")
        if self._link is not None:
            return self._link
        try:
            link = self._opener(
                self.port,
                baudrate=self.line.baud,
                bytesize=self.line.bytesize,
                parity=self.line.parity,
                stopbits=self.line.stopbits,
                timeout=_SLICE_S,
                write_timeout=self.timeout_s,
            )
        except OPEN_ERRORS as e:
            denied = getattr(e, "errno", None) in (errno.EACCES, errno.EPERM) or isinstance(e, ValueError)
            self._health = ScaleHealth.ERROR if denied else ScaleHealth.DISCONNECTED
            why = _OPEN_ERRORS.get(getattr(e, "errno", None) or 0) or one_line(e)
            raise DeviceError(f"cannot open {self.port}: {why}") from e
        self._link = link
        self._framer.reset()
        return link

    def _drop(self, health: ScaleHealth) -> None:
        link, self._link = self._link, None
        self._health = health
        if link is not None:
            close_link(link)
