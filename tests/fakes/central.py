"""An in-memory center implementing CentralPort: applies every mutation (last write wins, no
conflict rules), keeps a change log, leases number blocks, and can be switched offline.

For tests of the bench side (worker, GUI, job queue, number leases); the conflict rules are tested
against the real PostgreSQL center."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from shipstation_desktop.sync import central_client
from shipstation_desktop.sync.port import (
    CenterRefused,
    CenterUnavailable,
    Change,
    Cursor,
    Mutation,
    MutationResult,
    PullPage,
    Registration,
)

SCHEME = "memory"
_CENTERS: dict[str, FakeCentral] = {}


class FakeCentral:
    def __init__(self, name: str = "center") -> None:
        self.url = f"{SCHEME}://{name}"
        self.online = True
        self.reject: set[str] = set()  # entity ids whose mutations are refused (a conflict)
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}
        self._applied: dict[str, MutationResult] = {}
        self.records: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._log: list[tuple[str, str]] = []
        self._leases: dict[str, int] = {}
        self.calls: list[str] = []
        _CENTERS[name] = self

    # ------------------------------------------------------------------------------ CentralPort

    def register(self, bench_id: str, name: str) -> Registration:
        with self._guard("register"):
            token = secrets.token_hex(8)
            self._tokens[bench_id] = token
            return Registration(bench_id, token)

    def push(self, bench_id: str, token: str, mutations: list[Mutation]) -> list[MutationResult]:
        with self._guard("push", bench_id, token):
            out = []
            for m in mutations:
                if m.id not in self._applied:
                    self._applied[m.id] = self._apply(m)
                    out.append(self._applied[m.id])
                else:
                    prior = self._applied[m.id]
                    out.append(prior if prior.outcome == "rejected" else MutationResult(m.id, "duplicate"))
            return out

    def pull(self, bench_id: str, token: str, cursor: Cursor, limit: int) -> PullPage:
        with self._guard("pull", bench_id, token):
            tail = self._log[cursor.pos : cursor.pos + limit]
            changes = []
            for entity, entity_id in tail:
                version, data = self.records[(entity, entity_id)]
                changes.append(Change(entity, entity_id, version, dict(data)))
            end = cursor.pos + len(tail)
            return PullPage(changes, Cursor(end, end), end < len(self._log))

    def lease_numbers(self, bench_id: str, token: str, kind: str, size: int) -> tuple[int, int]:
        with self._guard("lease", bench_id, token):
            first = self._leases.get(kind, 0) + 1
            self._leases[kind] = first + size - 1
            return first, first + size - 1

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------------------ helpers

    @property
    def applied_count(self) -> int:
        with self._lock:
            return sum(1 for r in self._applied.values() if r.outcome == "applied")

    @contextmanager
    def _guard(self, call: str, bench_id: str = "", token: str = "") -> Iterator[None]:
        with self._lock:
            self.calls.append(call)
            if not self.online:
                raise CenterUnavailable(f"cannot reach the center: {self.url} is offline")
            if bench_id and self._tokens.get(bench_id) != token:
                raise CenterRefused("this bench is not registered with the center; run `bench register`")
            yield

    def _apply(self, m: Mutation) -> MutationResult:
        if m.entity_id in self.reject:
            return MutationResult(m.id, "rejected", f"{m.entity} {m.entity_id} refused by the test", "conflict")
        key = (m.entity, m.entity_id)
        version = self.records.get(key, (0, {}))[0] + 1
        self.records[key] = (version, {**m.payload, "version": version})
        self._log.append(key)
        return MutationResult(m.id, "applied")


def _open(url: str) -> FakeCentral:
    name = url.split("://", 1)[1]
    return _CENTERS.get(name) or FakeCentral(name)


central_client.register_adapter(SCHEME, _open)
