"""One sync cycle, bench side: push the outbox in batches, then pull the change log to the end.

Push first so the pull brings back the center's merge of this bench's own edits. Every step is
idempotent: a crash anywhere means the next cycle repeats work the center already recognizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from shipstation_desktop.domain.clock import Clock
from shipstation_desktop.domain.enums import ExceptionType
from shipstation_desktop.domain.exception_rules import severity_for
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.store import Store

from .local_apply import APPEND_ONLY, CURSOR_KEY, TABLES, apply_changes, read_cursor
from .port import CentralPort, Cursor, Mutation, MutationResult

PUSH_BATCH = 500
PULL_PAGE = 1000
LAST_SYNC_KEY = "sync.last_sync"
LAST_ERROR_KEY = "sync.last_error"


@dataclass(frozen=True, slots=True)
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class SyncStatus:
    pending: int
    last_sync: datetime | None
    last_error: str | None


class Syncer:
    def __init__(
        self,
        store: Store,
        port: CentralPort,
        token: str,
        *,
        on_applied: Callable[[set[str]], None] | None = None,
        crash_after_push: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.port = port
        self.token = token
        self.on_applied = on_applied
        self._crash_after_push = crash_after_push  # fault tests: "killed before marking sent"

    @property
    def bench_id(self) -> str:
        return self.store.bench_id

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def run_once(self) -> SyncReport:
        """Push everything pending, then pull everything new. Records the outcome for `sync status`."""
        try:
            pushed, rejected = self.push_all()
            pulled = self.pull_all()
        except Exception as exc:
            self.store.set_meta(LAST_ERROR_KEY, str(exc) or type(exc).__name__)
            raise
        with self.store.session() as s:
            s.merge(t.LocalMeta(key=LAST_SYNC_KEY, value=self.clock.now().isoformat()))
            s.merge(t.LocalMeta(key=LAST_ERROR_KEY, value=""))
        return SyncReport(pushed, pulled, rejected)

    def resync(self) -> SyncReport:
        """Download the center's whole truth, then replay the entire outbox (the center ignores what
        it already applied): repairs a bench, or a center restored from an older backup."""
        self.store.set_meta(CURSOR_KEY, Cursor().encode())
        self.pull_all()
        with self.store.session() as s:
            s.execute(update(t.Outbox).values(sent_at=None))
        return self.run_once()

    # ------------------------------------------------------------------------------ push

    def push_all(self) -> tuple[int, int]:
        pushed = rejected = 0
        while True:
            with self.store.session() as s:
                rows = list(
                    s.scalars(
                        select(t.Outbox).where(t.Outbox.sent_at.is_(None)).order_by(t.Outbox.seq).limit(PUSH_BATCH)
                    )
                )
            if not rows:
                return pushed, rejected
            mutations = [
                Mutation(r.id, r.entity, r.entity_id, r.op, r.base_version, r.payload, list(r.changed))  # type: ignore[arg-type]
                for r in rows
            ]
            results = self.port.push(self.bench_id, self.token, mutations)
            if self._crash_after_push is not None:
                self._crash_after_push()
            rejected += self._record_results(mutations, results)
            pushed += len(mutations)

    def _record_results(self, mutations: list[Mutation], results: list[MutationResult]) -> int:
        """Marks the batch sent and turns each rejection into a supervisor exception, in one transaction."""
        now = self.clock.now()
        by_id = {m.id: m for m in mutations}
        rejected = 0
        accepted: list[dict[str, object]] = []
        with self.store.session() as s:
            for r in results:
                m = by_id[r.id]
                if r.outcome == "rejected":
                    rejected += 1
                    self._flag_rejection(s, m, r)
                    s.execute(
                        update(t.Outbox)
                        .where(t.Outbox.id == r.id)
                        .values(sent_at=now, attempts=t.Outbox.attempts + 1, last_error=r.reason)
                    )
                else:
                    accepted.append({"oid": r.id})
            if accepted:  # one executemany: a statement per row costs more than the push itself
                outbox = cast(Table, t.Outbox.__table__)
                s.connection().execute(
                    update(outbox)
                    .where(outbox.c.id == bindparam("oid"))
                    .values(sent_at=now, attempts=outbox.c.attempts + 1),
                    accepted,
                )
        return rejected

    def _flag_rejection(self, s: Session, m: Mutation, r: MutationResult) -> None:
        orphan = m.op == "insert"  # the center never took this row: drop it here too, keep the story
        if orphan and m.entity in TABLES and m.entity not in APPEND_ONLY:  # an audit row stays, as written
            table = TABLES[m.entity]
            s.execute(update(table).where(table.c.id == m.entity_id).values(deleted_at=self.clock.now()))
        shipment_id = m.entity_id if m.entity == "shipments" and not orphan else None
        order_id = (
            m.payload.get("order_id") if m.entity in ("shipments", "order_lines", "order_status_history") else None
        )
        if m.entity == "orders" and not orphan:
            order_id = m.entity_id
        if order_id is not None and s.get(t.Order, order_id) is None:
            order_id = None
        what = (
            m.payload.get("order_number") or m.payload.get("tracking_number") or m.payload.get("email") or m.entity_id
        )
        s.add(
            t.ShipmentException(
                shipment_id=shipment_id,
                order_id=order_id,
                type=ExceptionType.SYNC_REJECTED.value,
                severity=severity_for(ExceptionType.SYNC_REJECTED).value,
                description=f"The center refused this bench's {m.op} of {m.entity} {what} ({r.kind}): {r.reason}",
            )
        )

    # ------------------------------------------------------------------------------ pull

    def pull_all(self) -> int:
        pulled = 0
        while True:
            with self.store.session() as s:
                cursor = read_cursor(s)
            page = self.port.pull(self.bench_id, self.token, cursor, PULL_PAGE)
            with self.store.session(remote=True) as s:
                touched = apply_changes(s, page.changes, page.cursor)
            pulled += len(page.changes)
            if touched and self.on_applied is not None:
                self.on_applied(touched)
            if not page.more:
                return pulled

    # ------------------------------------------------------------------------------ status

    def status(self) -> SyncStatus:
        return read_status(self.store)

    def read_cursor(self) -> Cursor:
        with self.store.session() as s:
            return read_cursor(s)


def read_status(store: Store) -> SyncStatus:
    with store.session() as s:
        pending = s.scalar(select(func.count()).select_from(t.Outbox).where(t.Outbox.sent_at.is_(None))) or 0
        meta = dict(
            s.execute(
                select(t.LocalMeta.key, t.LocalMeta.value).where(t.LocalMeta.key.in_((LAST_SYNC_KEY, LAST_ERROR_KEY)))
            ).all()
        )
    last = meta.get(LAST_SYNC_KEY)
    return SyncStatus(int(pending), datetime.fromisoformat(last) if last else None, meta.get(LAST_ERROR_KEY) or None)
