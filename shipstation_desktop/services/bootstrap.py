"""Opens a bench from its data dir: settings, store (migrated), ports, and start-up reconciliation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from shipstation_desktop.carriers.port import CarrierPort, LabelRequest
from shipstation_desktop.carriers.simulated import LabelRenderer, SimulatedCarrier
from shipstation_desktop.devices.printer_port import PrinterPort
from shipstation_desktop.devices.scale_port import ScalePort
from shipstation_desktop.devices.simulated_scale import SimulatedScale
from shipstation_desktop.devices.spool_printer import SpoolPrinter
from shipstation_desktop.devices.unavailable import UnavailablePrinter, UnavailableScale
from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.enums import LabelFormat
from shipstation_desktop.labels import render_label
from shipstation_desktop.labels.model import LabelData
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.settings import model as settings_model
from shipstation_desktop.settings import paths as bench_paths
from shipstation_desktop.settings.model import BenchSettings
from shipstation_desktop.settings.secrets import SecretStore

from . import packing
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
    """The configured scale; one this version cannot drive becomes a device in error, not a crash."""
    kind = settings.scale.kind
    if kind != "simulated":
        log.warning("scale kind %s is not available in this version", kind)
        return UnavailableScale(
            f"{kind} scale", "not supported by this version; choose the simulated scale in Preferences"
        )
    return SimulatedScale(clock, unit=settings.weight_unit, settle_time=0.4)


def build_label_printer(settings: BenchSettings, paths: bench_paths.BenchPaths) -> PrinterPort:
    cfg = settings.label_printer
    if cfg.kind != "spool":
        log.warning("printer kind %s is not available in this version", cfg.kind)
        return UnavailablePrinter(
            f"{cfg.kind} printer",
            "not supported by this version; choose the spool printer in Preferences",
            cfg.format,
            cfg.dpi,
        )
    return SpoolPrinter(Path(cfg.address) if cfg.address else paths.spool_dir, format=cfg.format, dpi=cfg.dpi)


def build_carriers(store: Store, clock: Clock) -> dict[str, CarrierPort]:
    def created_at(tracking_number: str) -> datetime | None:
        with store.session() as s:
            return s.scalar(select(t.Shipment.label_created_at).where(t.Shipment.tracking_number == tracking_number))

    sim = SimulatedCarrier(clock, label_renderer=label_renderer(clock), created_at_lookup=created_at)
    return {sim.code: sim}


def open_bench(
    data_dir: str | Path | None = None,
    *,
    clock: Clock | None = None,
    scale: ScalePort | None = None,
    printer: PrinterPort | None = None,
    carriers: Mapping[str, CarrierPort] | None = None,
    secrets: SecretStore | None = None,
    reconcile: bool = True,
) -> Bench:
    paths = bench_paths.resolve(data_dir)
    paths.data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings_model.load(paths.settings_file)
    clock = clock or SystemClock()
    store = Store(paths.database, clock)
    try:
        bench = Bench(
            paths=paths,
            settings=settings,
            store=store,
            clock=clock,
            scale=scale or build_scale(settings, clock),
            label_printer=printer or build_label_printer(settings, paths),
            carriers=carriers if carriers is not None else build_carriers(store, clock),
            secrets=secrets or SecretStore(),
        )
    except BaseException:
        store.close()
        raise
    if reconcile:
        for message in packing.reconcile_pending(bench):
            log.info(message)
    return bench
