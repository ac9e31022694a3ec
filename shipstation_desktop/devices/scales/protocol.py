"""A serial scale protocol: line settings, the bytes that ask, and how to read what comes back.

One instance per protocol (sics, toledo, nci, cas). The port side (serial_port.SerialScale) owns the
I/O; a protocol only turns bytes into frames and frames into readings, so it is pure and testable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from shipstation_desktop.domain.units import WeightUnit

from .frames import Display, Frame, Framer, ScaleDevice

Parity = Literal["N", "E", "O", "M", "S"]  # pyserial's letters
Command = Literal["zero", "tare"]


@dataclass(frozen=True, slots=True)
class LineSettings:
    baud: int = 9600
    bytesize: Literal[7, 8] = 8
    parity: Parity = "N"
    stopbits: Literal[1, 2] = 1

    def __str__(self) -> str:
        return f"{self.baud} {self.bytesize}{self.parity}{self.stopbits}"


class SerialProtocol(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    line: ClassVar[LineSettings]  # the manual's factory default
    # 7E1 on the wire: bit 7 is parity. Masking it off reads the scale right even through a port
    # opened 8N1 or a TCP serial server that passes the parity bit along.
    seven_bit: ClassVar[bool] = False
    streams: ClassVar[bool] = False  # the scale sends frames by itself; nothing is requested
    request: ClassVar[bytes] = b""  # asks for one reading
    commands: ClassVar[dict[Command, bytes]] = {}
    command_end: ClassVar[bytes | None] = None  # scale side: how commands end (None: one byte each)

    @abstractmethod
    def framer(self, *, mask7: bool = False) -> Framer: ...

    @abstractmethod
    def parse(self, body: bytes, unit: WeightUnit) -> Frame:
        """One frame body; `unit` is the scale's configured unit for frames that carry none.
        Raises FrameError for anything that is not this protocol's weight or status frame."""

    def reply(self, command: Command, body: bytes) -> bool:
        """Whether `body` answers `command` with success; raises DeviceError when the scale refused.

        The default: any frame of the protocol is the answer (NCI and Toledo answer with a status).
        """
        self.parse(body, WeightUnit.G)
        return True

    # -- the scale side, for the simulator ------------------------------------------------------

    def answer(self, command: bytes, device: ScaleDevice) -> bytes:
        """What the scale sends back for one command (demand protocols)."""
        raise NotImplementedError(f"{self.name} scales answer no commands")

    def stream(self, display: Display) -> bytes:
        """The frame a streaming scale sends for what it shows now."""
        raise NotImplementedError(f"{self.name} scales send nothing unasked")
