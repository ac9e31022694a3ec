"""The rotating log file and the "copy diagnostics" text support asks for."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
from importlib import metadata
from pathlib import Path

from sqlalchemy import func, select

from shipstation_desktop.persistence import db
from shipstation_desktop.persistence import tables as t

from .bench import Bench

LOG_FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


def app_version() -> str:
    try:
        return metadata.version("shipstation-desktop")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def setup_logging(log_file: Path, level: int = logging.INFO) -> None:
    """5 x 2 MB rotating files in the platform's log dir; the root logger writes there only once."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler) and Path(handler.baseFilename) == log_file:
            return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def diagnostics(bench: Bench) -> str:
    exc = t.ShipmentException
    queries = {
        "orders": select(func.count()).select_from(t.Order),
        "shipments": select(func.count()).select_from(t.Shipment),
        "open exceptions": select(func.count()).select_from(exc).where(exc.resolved_at.is_(None)),
        "outbox pending": select(func.count()).select_from(t.Outbox).where(t.Outbox.sent_at.is_(None)),
    }
    with bench.store.session() as s:
        counts = {name: s.scalar(q) or 0 for name, q in queries.items()}
    lines = [
        f"ShipStation Desktop {app_version()}",
        f"Python {sys.version.split()[0]} on {platform.platform()}",
        f"Bench: {bench.settings.bench_name} ({bench.store.bench_id})",
        f"Data dir: {bench.paths.data_dir}",
        f"Database: {bench.paths.database} (schema {db.current_revision(bench.store.engine)})",
        f"Log file: {bench.paths.log_file}",
        f"Scale: {bench.scale.name} [{bench.scale.health().value}]",
        f"Label printer: {bench.label_printer.name} [{bench.label_printer.health().value}]",
        *(
            [f"Slip printer: {bench.slip_printer.name} [{bench.slip_printer.health().value}]"]
            if bench.slip_printer
            else []
        ),
        _print_queue(bench),
        f"Carriers: {', '.join(sorted(bench.carriers))}",
        f"Keyring: {'available' if bench.secrets.available else 'NOT available'}",
        _pii_key(bench),
        *(f"{k}: {v}" for k, v in counts.items()),
    ]
    tail = _log_tail(bench.paths.log_file, 40)
    if tail:
        lines += ["", "Last log lines:", *tail]
    return "\n".join(lines)


def _pii_key(bench: Bench) -> str:
    """Where the key that seals customer data is kept (services/pii_keys.py); never the key itself."""
    from . import pii_keys

    cipher = bench.store.cipher
    key_id = f" (key {cipher.key_id})" if cipher is not None else ""
    if bench.pii_key_warning:
        path = bench.paths.data_dir / pii_keys.KEY_FILE
        return f"Customer-data key: in the file {path}{key_id}, NOT in a keyring"
    return f"Customer-data key: in the keyring{key_id}"


def _print_queue(bench: Bench) -> str:
    from . import printing

    queue = printing.summary(bench)
    why = f" ({queue.reason})" if queue.reason else ""
    return f"Print queue: {queue.queued} waiting, {queue.failed} failed{why}"


def _log_tail(path: Path, n: int) -> list[str]:
    try:
        return path.read_text("utf-8", errors="replace").splitlines()[-n:]
    except OSError:
        return []
