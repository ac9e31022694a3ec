"""The scale protocols the bench speaks, by the names settings and the CLI use."""

from __future__ import annotations

from .cas import CAS
from .nci import NCI
from .protocol import SerialProtocol
from .sics import SICS
from .toledo import TOLEDO

SERIAL_PROTOCOLS: dict[str, SerialProtocol] = {p.name: p for p in (SICS, TOLEDO, NCI, CAS)}
PROTOCOLS: tuple[str, ...] = (*SERIAL_PROTOCOLS, "hid", "sim")
TITLES: dict[str, str] = {
    **{name: p.title for name, p in SERIAL_PROTOCOLS.items()},
    "hid": "USB HID scale",
    "sim": "Simulated scale",
}
