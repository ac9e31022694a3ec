"""What scales this computer can see: serial ports (with what the OS says they are) and HID scales.

Listing never fails the caller: without hidapi, or with a USB backend that errors, the HID side is
empty and `hid_problem` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from serial.tools import list_ports

from shipstation_desktop.domain.errors import DeviceError

from .hid_scale import FoundScale, find_scales


@dataclass(frozen=True, slots=True)
class SerialPortInfo:
    port: str
    description: str
    hwid: str


@dataclass(frozen=True, slots=True)
class Found:
    serial: list[SerialPortInfo] = field(default_factory=list)
    hid: list[FoundScale] = field(default_factory=list)
    hid_problem: str = ""


def serial_ports() -> list[SerialPortInfo]:
    ports = [
        SerialPortInfo(p.device, p.description if p.description != "n/a" else "", p.hwid if p.hwid != "n/a" else "")
        for p in list_ports.comports()
    ]
    return sorted(ports, key=lambda p: p.port)


def discover() -> Found:
    try:
        scales = find_scales()
    except DeviceError as e:
        return Found(serial_ports(), [], str(e))
    return Found(serial_ports(), scales)
