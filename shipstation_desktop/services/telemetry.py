"""Recording what analytics needs as it happens: every carrier API call, every pack step's time.

Recording never fails the work it watches: a row that cannot be written is logged and dropped. Each
record is its own short transaction, written after the step it times (a step's duration is known only
once its own writes have committed), never while a caller holds a write open: carrier calls run
outside sessions, so an observer writing from inside one cannot wait on its own caller's lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete

from shipstation_desktop.carriers.http import RequestObserver, RequestRecord
from shipstation_desktop.domain.analytics import path_template
from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.persistence.analytics_tables import ApiCall, PackStep
from shipstation_desktop.persistence.store import Store

from .bench import Bench

log = logging.getLogger(__name__)

API_CALL_RETENTION = timedelta(days=30)


def api_call_recorder(store: Store, clock: Clock) -> RequestObserver:
    """The observer handed to every carrier's HTTP client: one api_calls row per request."""

    def record(r: RequestRecord) -> None:
        try:
            with store.session() as s:
                s.add(
                    ApiCall(
                        at=clock.now(),
                        carrier=r.carrier[:64],
                        method=r.method.upper()[:8],
                        operation=path_template(r.path)[:200],
                        status=r.status,
                        elapsed_ms=max(0, round(r.elapsed_s * 1000)),
                        ok=r.ok,
                        error=r.error,
                    )
                )
        except Exception:
            log.warning("could not record a %s API call", r.carrier, exc_info=True)

    return record


def prune_api_calls(store: Store, clock: Clock, keep: timedelta = API_CALL_RETENTION) -> int:
    """Deletes call records older than `keep`; returns how many."""
    with store.session() as s:
        result = s.execute(delete(ApiCall).where(ApiCall.at < clock.now() - keep))
    return int(getattr(result, "rowcount", 0) or 0)


def packer_name(bench: Bench) -> str:
    """The packer the bench settings name, else the bench itself (benches are often shared by shift)."""
    return str(getattr(bench.settings, "packer_name", "") or "").strip() or bench.settings.bench_name


@dataclass
class PackTimer:
    """Times one pack flow (one order at one bench): `with timer.step("rate"): …`. A step that raises
    is recorded as failed and the exception goes on unchanged."""

    bench: Bench
    order_number: str = ""
    session_id: str = field(default_factory=uuid7)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        clock = self.bench.clock
        started_at, started = clock.now(), clock.monotonic()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.record(name, started_at, clock.monotonic() - started, ok)

    def record(self, name: str, started_at: datetime, elapsed_s: float, ok: bool = True) -> None:
        """Stores one step whose time was measured elsewhere (the GUI's wait for a stable weight)."""
        try:
            with self.bench.store.session() as s:
                s.add(
                    PackStep(
                        session_id=self.session_id,
                        order_number=self.order_number[:64],
                        packer=packer_name(self.bench)[:120],
                        bench_name=self.bench.settings.bench_name[:120],
                        step=name,
                        started_at=started_at,
                        elapsed_ms=max(0, round(elapsed_s * 1000)),
                        ok=ok,
                    )
                )
        except Exception:
            log.warning("could not record the %s step of %s", name, self.order_number or "a pack", exc_info=True)
