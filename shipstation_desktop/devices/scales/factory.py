"""Builds the ScalePort for a protocol and port. Nothing here touches the device: ports open on the
first read, on the scale worker's thread, so building a scale never blocks the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shipstation_desktop.devices.scale_port import ScalePort
from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import WeightUnit

from .hid_scale import HidScale
from .protocol import LineSettings, Parity
from .registry import PROTOCOLS, SERIAL_PROTOCOLS
from .script import DEFAULT_SCRIPT, parse_script
from .serial_port import SerialScale
from .simulator import ScriptedScale


@dataclass(frozen=True, slots=True)
class ScaleConfig:
    protocol: str
    port: str = ""
    baud: int | None = None  # None: the protocol's default (its manual's factory setting)
    bytesize: Literal[7, 8] | None = None
    parity: Parity | None = None
    stopbits: Literal[1, 2] | None = None
    unit: WeightUnit = WeightUnit.LB  # for frames that carry no unit (Toledo 8213)
    timeout_s: float = 1.0

    def line(self) -> LineSettings:
        default = SERIAL_PROTOCOLS[self.protocol].line
        return LineSettings(
            self.baud or default.baud,
            self.bytesize or default.bytesize,
            self.parity or default.parity,
            self.stopbits or default.stopbits,
        )


def open_scale(config: ScaleConfig, clock: Clock | None = None) -> ScalePort:
    """Raises UserError for a configuration that cannot work (unknown protocol, no port, bad script)."""
    protocol = config.protocol
    if protocol == "sim":
        return ScriptedScale(parse_script(config.port or DEFAULT_SCRIPT), config.unit, clock=clock)
    if protocol == "hid":
        return HidScale(config.port or "auto", timeout_s=config.timeout_s, clock=clock)
    if protocol not in SERIAL_PROTOCOLS:
        raise UserError(f"scale protocol {protocol!r} is not one of: {', '.join(PROTOCOLS)}")
    if not config.port.strip():
        raise UserError(f"a {SERIAL_PROTOCOLS[protocol].title} scale needs a port (e.g. /dev/ttyUSB0, COM3)")
    return SerialScale(
        SERIAL_PROTOCOLS[protocol],
        config.port.strip(),
        line=config.line(),
        unit=config.unit,
        timeout_s=config.timeout_s,
        clock=clock,
    )
