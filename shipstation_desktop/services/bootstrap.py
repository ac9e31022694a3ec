"""Opens a bench from its data dir: settings, store (migrated), ports, and start-up reconciliation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from shipstation_desktop.carriers.port import CarrierPort, LabelRequest, close_adapter
from shipstation_desktop.carriers.simulated import LabelRenderer, SimulatedCarrier
from shipstation_desktop.devices.printer_factory import open_printer
from shipstation_desktop.devices.printer_port import PrinterPort
from shipstation_desktop.devices.scale_port import ScalePort
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.devices.unavailable import UnavailablePrinter, UnavailableScale
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.labels import render_label
from shipstation_desktop.labels.model import LabelData
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.settings import paths as bench_paths
from shipstation_desktop.settings.model import BenchSettings, PrinterSettings
from shipstation_desktop.settings.secrets import SecretStore

from . import packing, pii_keys, printing, telemetry
from .bench import Bench

log = logging.getLogger(__name__)


def label_renderer(clock: Clock) -> LabelRenderer:
    """The simulated carrier prints our own label layout, dated by the bench's clock."""

    def render(request: LabelRequest, tracking_number: str, fmt: LabelFormat) -> bytes:
        data = LabelData(
            carrier="Simulated Carrier",
            service=request.rate.service_name,
            tracking_number=tracking_number,
            reference=request.reference,
            weight=request.request.package.weight,
            ship_from=request.request.ship_from,
            ship_to=request.request.ship_to,
            date=clock.now(),
        )
        return render_label(data, fmt, request.dpi)

    return render


def build_scale(settings: BenchSettings, clock: Clock) -> ScalePort:
    """The configured scale. Nothing is opened here (a real scale's port opens on the scale worker's
    first read); a setting that cannot work becomes a device in error with the reason, not a crash."""
    cfg = settings.scale
    if cfg.kind == "simulated":
        return SimulatedScale(clock, unit=settings.weight_unit, settle_time=0.4)
    # Imported here: pyserial and the protocols are not needed by benches on the simulated scale.
    from shipstation_desktop.devices.scales.factory import ScaleConfig, open_scale
    from shipstation_desktop.devices.scales.registry import SERIAL_PROTOCOLS

    protocol = "hid" if cfg.kind == "hid" else cfg.protocol
    if protocol not in (*SERIAL_PROTOCOLS, "hid"):
        log.warning("scale kind %s with protocol %s cannot work", cfg.kind, protocol)
        return UnavailableScale(f"{cfg.kind} scale", "no scale protocol chosen; choose one in Preferences")
    config = ScaleConfig(
        protocol,
        cfg.port,
        baud=cfg.baud,
        bytesize=cfg.bytesize,
        parity=cfg.parity,
        stopbits=cfg.stopbits,
        unit=cfg.unit or settings.weight_unit,
        timeout_s=cfg.answer_timeout_s,
    )
    try:
        return open_scale(config, clock)
    except UserError as e:
        log.warning("scale settings cannot work: %s", e)
        return UnavailableScale(f"{cfg.kind} scale", f"{e}; fix it in Preferences")


def build_label_printer(settings: BenchSettings, paths: bench_paths.BenchPaths) -> PrinterPort:
    return _build_printer(settings.label_printer, paths.spool_dir, "label printer")


def build_slip_printer(settings: BenchSettings, paths: bench_paths.BenchPaths) -> PrinterPort:
    return _build_printer(settings.slip_printer, paths.spool_dir / "slips", "packing-slip printer")


def _build_printer(cfg: PrinterSettings, spool_dir: Path, role: str) -> PrinterPort:
    """Nothing is opened here; a setting that cannot work becomes a printer in error with the reason
    (jobs for it wait in the queue until Preferences fix it), never a bench that does not start."""
    try:
        return open_printer(
            cfg.kind, cfg.address, format=cfg.format, dpi=cfg.dpi, check_status=cfg.check_status, spool_dir=spool_dir
        )
    except ValueError as e:
        log.warning("%s settings cannot work: %s", role, e)
        return UnavailablePrinter(f"{cfg.kind} {role}", str(e), cfg.format, cfg.dpi)


def build_carriers(
    store: Store, clock: Clock, settings: BenchSettings | None = None, secrets: SecretStore | None = None
) -> dict[str, CarrierPort]:
    """The simulated carrier (always: the demo and the training bench use it) plus every enabled
    account in settings, its credentials read from the keyring when first needed. An account that
    cannot be built is logged and left out: the bench still starts and the others still quote."""

    def created_at(tracking_number: str) -> datetime | None:
        with store.session() as s:
            return s.scalar(select(t.Shipment.label_created_at).where(t.Shipment.tracking_number == tracking_number))

    sim = SimulatedCarrier(clock, label_renderer=label_renderer(clock), created_at_lookup=created_at)
    built: dict[str, CarrierPort] = {sim.code: sim}
    if settings is None:
        return built
    from shipstation_desktop.carriers import registry
    from shipstation_desktop.carriers.context import CarrierContext
    from shipstation_desktop.settings.secrets import secret_key

    keyring = secrets or SecretStore()
    observer = telemetry.api_call_recorder(store, clock)  # integration health: every carrier request
    for account in settings.carriers:
        if not account.enabled or account.code == sim.code:
            continue

        def lookup(field: str, code: str = account.code) -> str | None:
            return keyring.get(secret_key(code, field))

        try:
            built[account.code] = registry.build(
                CarrierContext(account=account, secret=lookup, clock=clock, observer=observer)
            )
        except UserError as exc:
            log.warning("carrier account %s is left out: %s", account.code, exc)
    return built


def rebuild_carriers(bench: Bench) -> None:
    """Carrier accounts or credentials changed in Preferences: fresh adapters from now on (the
    simulated carrier is kept, with its state, so the demo's labels still track)."""
    fresh = build_carriers(bench.store, bench.clock, bench.settings, bench.secrets)
    old = dict(bench.carriers)
    if "simulated" in old:
        fresh["simulated"] = old.pop("simulated")
    bench.carriers = fresh
    for port in old.values():
        close_adapter(port)


def open_bench(
    data_dir: str | Path | None = None,
    *,
    clock: Clock | None = None,
    scale: ScalePort | None = None,
    printer: PrinterPort | None = None,
    slip_printer: PrinterPort | None = None,
    carriers: Mapping[str, CarrierPort] | None = None,
    secrets: SecretStore | None = None,
    reconcile: bool = True,
) -> Bench:
    paths = bench_paths.resolve(data_dir)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings_model.load(paths.settings_file)
    clock = clock or SystemClock()
    store = Store(paths.database, clock)
    secrets = secrets or SecretStore()
    try:
        pii_location = pii_keys.ensure_ready(store, secrets, paths)
    except BaseException:
        store.close()
        raise
    if not pii_location.in_keyring:
        log.warning(pii_location.warning())
    try:
        bench = Bench(
            paths=paths,
            settings=settings,
            store=store,
            clock=clock,
            scale=scale or build_scale(settings, clock),
            label_printer=printer or build_label_printer(settings, paths),
            carriers=carriers if carriers is not None else build_carriers(store, clock, settings, secrets),
            secrets=secrets,
            slip_printer=slip_printer or build_slip_printer(settings, paths),
            pii_key_warning=pii_location.warning(),
        )
    except BaseException:
        store.close()
        raise
    from . import access

    access.adopt(bench)  # the CLI's --user, logged in before the command ran
    from . import notifications

    notifications.install(bench)  # order status changes record customer notifications (when enabled)
    from . import inventory

    inventory.install(bench)  # shipping an order deducts its stock; voiding the label restores it
    try:
        telemetry.prune_api_calls(store, clock)
    except Exception:  # housekeeping: a bench that cannot prune still starts
        log.warning("could not prune old API call records", exc_info=True)
    interrupted = printing.recover_interrupted(bench)
    if interrupted:
        log.warning("%d print job(s) were cut off by a crash; they wait in the print queue for review", interrupted)
    if reconcile:
        for message in packing.reconcile_pending(bench):
            log.info(message)
    return bench
