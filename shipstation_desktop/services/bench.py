"""The bench: the store, the clock, the settings and every device and carrier port, wired once.

The GUI and the CLI both open a Bench and hand it to the services; tests build one with fakes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from shipstation_desktop.carriers.port import CarrierPort, close_adapter
from shipstation_desktop.devices.printer_port import PrinterPort
from shipstation_desktop.devices.scale_port import ScalePort
from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.roles import Account
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.settings.model import BenchSettings
from shipstation_desktop.settings.paths import BenchPaths
from shipstation_desktop.settings.secrets import SecretStore

log = logging.getLogger(__name__)


@dataclass
class Bench:
    paths: BenchPaths
    settings: BenchSettings
    store: Store
    clock: Clock
    scale: ScalePort
    label_printer: PrinterPort
    carriers: Mapping[str, CarrierPort]
    secrets: SecretStore
    user: str = "packer"
    on_change: list[Callable[[str], None]] = field(default_factory=list)
    slip_printer: PrinterPort | None = None  # packing slips; None: this bench prints no slips
    # Non-empty when customer data is sealed with a key kept in a file (no secure keyring).
    pii_key_warning: str = ""
    # The person logged in (services/access.py); None: nobody, or a bench without users.
    account: Account | None = None

    def carrier(self, code: str) -> CarrierPort:
        try:
            return self.carriers[code]
        except KeyError:
            raise UserError(f"carrier {code!r} is not set up on this bench") from None

    def save_settings(self) -> None:
        settings_model.save(self.paths.settings_file, self.settings)

    def changed(self, what: str) -> None:
        """Tells listeners (the GUI's views, the sync worker later) that data changed."""
        for callback in list(self.on_change):
            try:
                callback(what)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("change listener failed for %s", what)

    def close(self) -> None:
        for port in (self.scale,):
            port.close()
        for carrier in self.carriers.values():
            close_adapter(carrier)  # keep-alive sockets, closed now rather than by the GC (ResourceWarning)
        self.store.close()
