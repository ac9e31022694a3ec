"""Reference numbers unique across benches, from blocks leased from the center.

A bench leases a block (say 100 numbers) and hands them out locally, so packing never waits for the
network. When the current block runs low it leases the next one ahead of time (a spare); offline it
keeps handing out what it holds, and only a bench that used every number it holds must wait for the
center. The position is kept in local_meta in the same transaction that hands a number out, so a
crash never reuses one (at worst a number is skipped: gaps are fine, duplicates are not)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence.store import Store
from shipstation_desktop.persistence.tables import LocalMeta

from .port import CentralPort

BLOCK = 100
LOW_WATER = 20  # lease the next block when this few are left in hand


class NumbersExhausted(UserError):
    """Every leased number is used and the center cannot be reached for more."""


@dataclass
class _Lease:
    next: int = 0
    last: int = -1  # empty: next > last
    spare_first: int = 0
    spare_last: int = -1

    @property
    def left(self) -> int:
        return max(0, self.last - self.next + 1) + max(0, self.spare_last - self.spare_first + 1)


class NumberAllocator:
    """Thread-safe within one bench; `connect` opens the center (and may raise CenterUnavailable)."""

    def __init__(
        self,
        store: Store,
        kind: str,
        connect: Callable[[], tuple[CentralPort, str]],
        *,
        block: int = BLOCK,
        low_water: int = LOW_WATER,
    ) -> None:
        self.store = store
        self.kind = kind
        self.block = block
        self.low_water = low_water
        self._connect = connect
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        return f"numbers.{self.kind}"

    def _read(self) -> _Lease:
        raw = self.store.get_meta(self.key)
        return _Lease(**json.loads(raw)) if raw else _Lease()

    def left(self) -> int:
        return self._read().left

    def _lease(self) -> tuple[int, int]:
        port, token = self._connect()
        try:
            return port.lease_numbers(self.store.bench_id, token, self.kind, self.block)
        finally:
            port.close()

    def _store_spare(self, first: int, last: int) -> None:
        with self.store.session() as s:
            row = s.get(LocalMeta, self.key)
            lease = _Lease(**json.loads(row.value)) if row else _Lease()
            if lease.spare_last >= lease.spare_first:
                return  # another caller got one meanwhile; this block stays unused (a gap, never a duplicate)
            lease.spare_first, lease.spare_last = first, last
            s.merge(LocalMeta(key=self.key, value=json.dumps(lease.__dict__)))

    def top_up(self) -> bool:
        """Leases a spare block when running low. False when the center could not be reached."""
        lease = self._read()
        if lease.left > self.low_water or lease.spare_last >= lease.spare_first:
            return True
        try:
            self._store_spare(*self._lease())
        except UserError:
            return False  # offline: carry on with what is in hand
        return True

    def next(self) -> int:
        with self._lock:
            if self._read().left <= self.low_water:
                self.top_up()
            with self.store.session() as s:
                row = s.get(LocalMeta, self.key)
                lease = _Lease(**json.loads(row.value)) if row else _Lease()
                if lease.next > lease.last and lease.spare_last >= lease.spare_first:
                    lease = _Lease(lease.spare_first, lease.spare_last)
                if lease.next > lease.last:
                    raise NumbersExhausted(
                        f"no {self.kind} numbers left on this bench and the center cannot be reached for more"
                    )
                number = lease.next
                lease.next += 1
                s.merge(LocalMeta(key=self.key, value=json.dumps(lease.__dict__)))
            return number
