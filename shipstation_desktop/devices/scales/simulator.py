"""Scale simulators, one per protocol, over a pty or TCP: for tests, demos and benchmarks.

A SimulatedDevice plays a Script (what sits on the platter over time) and keeps the scale's zero and
tare; a wire turns it into one protocol's bytes, answering commands (MT-SICS, Toledo, NCI) or
streaming frames (CAS, HID reports). Simulator serves that over a pseudo-terminal or a TCP port. The
7E1 protocols get their parity bit set on the wire, as a 7E1 scale read 8N1 would show it, so the
readers' 7-bit masking is exercised for real.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from shipstation_desktop.devices.scale_port import ScaleHealth, ScaleReading, ScaleStatus
from shipstation_desktop.devices.simulated_scale import DEFAULT_CAPACITY_GRAMS, RESOLUTION
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.errors import DeviceError
from shipstation_desktop.domain.units import GRAMS_PER, Weight, WeightUnit

from . import hid
from .frames import Display, at_resolution, settled
from .protocol import SerialProtocol
from .script import Script, StepKind

NOISE = b"\xfe\x00#!garbage\x7f\x11"  # no frame delimiter and no report start in it
UNDER_GRAMS = Decimal(-10)


class SimulatedDevice:
    """The scale's insides: the script's platter load, its zero and tare, shown in `unit`."""

    def __init__(self, script: Script, unit: WeightUnit, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.script = script
        self.unit = unit
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()  # connection threads answer commands while streams tick
        self._zero_grams = Decimal(0)
        self._tare_grams = Decimal(0)
        self._rng = random.Random(7)

    def line(self) -> StepKind:
        """The current step's kind (unplug, silent and noise are about the line, not the platter)."""
        return self.script.at(self._clock() - self._started)[1].kind

    def display(self) -> Display:
        with self._lock:
            return self._display()

    def zero(self) -> bool:
        with self._lock:
            shown = self._display()
            if shown.status in (ScaleStatus.MOTION, ScaleStatus.OVER_WEIGHT):
                return False
            self._zero_grams = self._gross()
            self._tare_grams = Decimal(0)
            return True

    def tare(self) -> Weight | None:
        with self._lock:
            if self._display().status in (ScaleStatus.MOTION, ScaleStatus.OVER_WEIGHT):
                return None
            self._tare_grams = self._gross() - self._zero_grams
            return Weight.from_grams(self._tare_grams, self.unit)

    def _gross(self) -> Decimal:
        index, _ = self.script.at(self._clock() - self._started)
        step = self.script.platter(index)
        if step is None or step.kind in (StepKind.ZERO, StepKind.FAULT):
            return Decimal(0)
        if step.kind is StepKind.OVER:
            return step.grams or DEFAULT_CAPACITY_GRAMS * Decimal("1.1")
        if step.kind is StepKind.UNDER:
            return step.grams if step.grams is not None else UNDER_GRAMS
        return step.grams or Decimal(0)

    def _display(self) -> Display:
        index, _ = self.script.at(self._clock() - self._started)
        step = self.script.platter(index)
        kind = step.kind if step is not None else StepKind.ZERO
        gross = self._gross()
        net = self._in_unit(gross - self._zero_grams - self._tare_grams)
        if kind is StepKind.UNDER:
            return Display(ScaleStatus.UNDER_ZERO, self._in_unit(gross))
        if kind is StepKind.OVER:
            return Display(ScaleStatus.OVER_WEIGHT, net)
        if kind is StepKind.FAULT:
            return Display(ScaleStatus.FAULT, self._in_unit(Decimal(0)))
        if kind is StepKind.MOTION:
            # Whole display steps away from the final value, never on it: a value read in motion
            # must never pass for the settled one.
            steps = self._rng.randint(1, 40) * self._rng.choice((-1, 1))
            return Display(ScaleStatus.MOTION, Weight(net.value + steps * RESOLUTION[self.unit], self.unit))
        return Display(settled(True, net.value), net)

    def _in_unit(self, grams: Decimal) -> Weight:
        return Weight(at_resolution(Weight(grams / GRAMS_PER[self.unit], self.unit)), self.unit)


# ------------------------------------------------------------------------------------- wires


class Wire(Protocol):
    streams: bool

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host in; the scale's answers out."""
        ...

    def frame(self) -> bytes:
        """What a streaming scale sends now."""
        ...


class SerialWire:
    def __init__(self, protocol: SerialProtocol, device: SimulatedDevice) -> None:
        self.protocol = protocol
        self.device = device
        self.streams = protocol.streams
        self._pending = bytearray()

    def feed(self, data: bytes) -> bytes:
        if self.protocol.seven_bit:
            data = bytes(b & 0x7F for b in data)
        self._pending += data
        out = bytearray()
        end = self.protocol.command_end
        while self._pending:
            if end is None:
                command = bytes(self._pending[:1])
                del self._pending[:1]
            else:
                at = self._pending.find(end)
                if at < 0:
                    del self._pending[:-64]  # a host sending garbage cannot grow this without bound
                    break
                command = bytes(self._pending[:at]).strip()
                del self._pending[: at + len(end)]
            if command.strip():
                out += self.protocol.answer(command, self.device)
        return self._wire(bytes(out))

    def frame(self) -> bytes:
        return self._wire(self.protocol.stream(self.device.display()))

    def _wire(self, data: bytes) -> bytes:
        return with_even_parity(data) if self.protocol.seven_bit else data


class HidWire:
    """Reports back to back; a Scale Control report asking for zero zeroes the device."""

    streams = True

    def __init__(self, device: SimulatedDevice) -> None:
        self.device = device
        self._pending = bytearray()

    def feed(self, data: bytes) -> bytes:
        self._pending += data
        while len(self._pending) >= 2:
            report = bytes(self._pending[:2])
            del self._pending[:2]
            if report == hid.ZERO_REPORT:
                self.device.zero()
        return b""

    def frame(self) -> bytes:
        return hid.encode(self.device.display())


def with_even_parity(data: bytes) -> bytes:
    return bytes(b | 0x80 if bin(b).count("1") % 2 else b for b in data)


def wire_for(protocol: str, device: SimulatedDevice) -> Wire:
    from .registry import SERIAL_PROTOCOLS

    if protocol == "hid":
        return HidWire(device)
    return SerialWire(SERIAL_PROTOCOLS[protocol], device)


# ------------------------------------------------------------------------------------- serving


class Simulator:
    """Serves one simulated scale over a pty or TCP until `stop()` (or the stop event) is set.

    `on_ready(address)` is called each time the scale (re)appears: after an unplug step a TCP
    simulator listens on the same port again, a pty simulator opens a new pty (and re-points `link`).
    """

    def __init__(self, protocol: str, script: Script, unit: WeightUnit, *, hz: float = 10.0) -> None:
        self.protocol = protocol
        self.device = SimulatedDevice(script, unit)
        self.interval = 1.0 / hz
        self.stop_event = threading.Event()
        self.address = ""
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    # -- in a background thread (tests, benchmarks) ----------------------------------------------

    def start_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        return self._start(lambda: self.serve_tcp(host, port))

    def start_pty(self, link: Path | None = None) -> str:
        return self._start(lambda: self.serve_pty(link))

    def _start(self, serve: Callable[[], None]) -> str:
        self._thread = threading.Thread(target=serve, name=f"{self.protocol}-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the simulator did not start")
        return self.address

    def stop(self) -> None:
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _announce(self, address: str, on_ready: Callable[[str], None] | None) -> None:
        self.address = address
        self._ready.set()
        if on_ready is not None:
            on_ready(address)

    # -- TCP ----------------------------------------------------------------------------------

    def serve_tcp(self, host: str, port: int, on_ready: Callable[[str], None] | None = None) -> None:
        listener: socket.socket | None = None
        clients: dict[socket.socket, Wire] = {}
        next_tick = time.monotonic()
        try:
            while not self.stop_event.is_set():
                line = self.device.line()
                if line is StepKind.UNPLUG:
                    for client in clients:
                        client.close()
                    clients.clear()
                    if listener is not None:
                        listener.close()
                        listener = None
                    self.stop_event.wait(0.02)
                    continue
                if listener is None:
                    listener = socket.create_server((host, port), reuse_port=False)
                    port = listener.getsockname()[1]  # port 0 picks one; keep it across unplugs
                    self._announce(f"socket://{host}:{port}", on_ready)
                timeout = max(0.0, min(0.05, next_tick - time.monotonic()))
                readable, _, _ = select.select([listener, *clients], [], [], timeout)
                for sock in readable:
                    if sock is listener:
                        client, _addr = listener.accept()
                        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        clients[client] = wire_for(self.protocol, self.device)
                        continue
                    try:
                        data = sock.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        del clients[sock]
                        sock.close()
                        continue
                    self._send(sock, clients, clients[sock].feed(data), line)
                if time.monotonic() >= next_tick:
                    next_tick = max(next_tick + self.interval, time.monotonic())
                    for sock, wire in list(clients.items()):
                        if wire.streams:
                            self._send(sock, clients, wire.frame(), line)
        finally:
            for client in clients:
                client.close()
            if listener is not None:
                listener.close()

    def _send(self, sock: socket.socket, clients: dict[socket.socket, Wire], data: bytes, line: StepKind) -> None:
        if not data or line is StepKind.SILENT:
            return
        try:
            sock.sendall(NOISE + data if line is StepKind.NOISE else data)
        except OSError:
            clients.pop(sock, None)
            sock.close()

    # -- pty ----------------------------------------------------------------------------------

    def serve_pty(self, link: Path | None = None, on_ready: Callable[[str], None] | None = None) -> None:
        fds: tuple[int, int] | None = None
        wire: Wire | None = None
        next_tick = time.monotonic()
        try:
            while not self.stop_event.is_set():
                line = self.device.line()
                if line is StepKind.UNPLUG:
                    if fds is not None:
                        _close_pty(fds)  # the reader's fd now reads EIO: the cable is out
                        fds = None
                    self.stop_event.wait(0.02)
                    continue
                if fds is None:
                    fds = _open_pty()
                    wire = wire_for(self.protocol, self.device)
                    path = os.ttyname(fds[1])
                    if link is not None:
                        tmp = link.with_name(link.name + ".tmp")
                        tmp.unlink(missing_ok=True)
                        tmp.symlink_to(path)
                        tmp.replace(link)
                    self._announce(path, on_ready)
                assert wire is not None
                master = fds[0]
                timeout = max(0.0, min(0.05, next_tick - time.monotonic()))
                readable, _, _ = select.select([master], [], [], timeout)
                if readable:
                    try:
                        data = os.read(master, 4096)
                    except OSError:
                        data = b""
                    self._write_pty(master, wire.feed(data), line)
                if time.monotonic() >= next_tick:
                    next_tick = max(next_tick + self.interval, time.monotonic())
                    if wire.streams:
                        self._write_pty(master, wire.frame(), line)
        finally:
            if fds is not None:
                _close_pty(fds)
            if link is not None:
                link.unlink(missing_ok=True)

    @staticmethod
    def _write_pty(master: int, data: bytes, line: StepKind) -> None:
        if not data or line is StepKind.SILENT:
            return
        # Non-blocking: with nobody reading, a full pty buffer drops frames instead of hanging us.
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(master, NOISE + data if line is StepKind.NOISE else data)


def _open_pty() -> tuple[int, int]:
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no CR/LF translation: the bytes are the protocol's
    os.set_blocking(master, False)
    return master, slave  # the slave stays open here so the master never reads EIO between readers


def _close_pty(fds: tuple[int, int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


# ------------------------------------------------------------------------------------- in process


class ScriptedScale:
    """The `sim` protocol: a SimulatedDevice read in-process, no wire. Unplug and silent steps
    become the disconnected and no-answer states a real port would show."""

    supports_zero = True
    supports_tare = True

    def __init__(self, script: Script, unit: WeightUnit, *, clock: Clock | None = None) -> None:
        self.name = "Simulated scale (scripted)"
        self._device = SimulatedDevice(script, unit)
        self._clock = clock or SystemClock()
        self._health = ScaleHealth.CONNECTED
        self._closed = False

    def read(self) -> ScaleReading:
        self._check()
        shown = self._device.display()
        return ScaleReading(shown.weight, shown.status, self._clock.now())

    def zero(self) -> None:
        self._check()
        if not self._device.zero():
            raise DeviceError("the scale could not zero now (in motion or overloaded)")

    def tare(self) -> None:
        self._check()
        if self._device.tare() is None:
            raise DeviceError("the scale could not tare now (in motion or overloaded)")

    def health(self) -> ScaleHealth:
        return self._health

    def close(self) -> None:
        self._closed = True

    def _check(self) -> None:
        line = self._device.line()
        if self._closed or line is StepKind.UNPLUG:
            self._health = ScaleHealth.DISCONNECTED
            raise DeviceError(f"{self.name} is {'closed' if self._closed else 'unplugged'}")
        if line is StepKind.SILENT:
            self._health = ScaleHealth.NO_ANSWER
            raise DeviceError(f"{self.name} did not answer")
        self._health = ScaleHealth.CONNECTED
