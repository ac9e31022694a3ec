"""The CentralPort adapter for a PostgreSQL center on the LAN (psycopg 3 through SQLAlchemy Core)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from . import central_schema
from .center_apply import CenterApplier
from .port import CenterRefused, CenterUnavailable, Change, Cursor, Mutation, MutationResult, PullPage, Registration

T = TypeVar("T")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PostgresCenter:
    """Talks to the center's tables directly. Every call is one short transaction; any network or
    server failure surfaces as CenterUnavailable (retry later), any refusal as CenterRefused."""

    # False writes every row as it is applied (the careful retry always does): the reference the
    # batched writes are tested against.
    batched = True

    def __init__(self, url: str, bench_schema: str, *, now: Callable[[], datetime] | None = None) -> None:
        self.url = url
        self.bench_schema = bench_schema
        self._now = now or (lambda: datetime.now(UTC))
        self._engine: Engine | None = None
        self._checked = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = central_schema.engine_for(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                if not self._checked:
                    self._check_schema(conn)
                yield conn
        except IntegrityError:
            raise
        except DBAPIError as exc:
            if isinstance(exc, IntegrityError):
                raise
            if exc.connection_invalidated or _is_connection_error(exc):
                raise CenterUnavailable(f"cannot reach the center: {_first_line(exc.orig)}") from exc
            raise

    def _check_schema(self, conn: Connection) -> None:
        try:
            rev = conn.execute(text("SELECT version_num FROM central_alembic_version")).scalar()
        except DBAPIError as exc:
            if _is_connection_error(exc):
                raise
            raise CenterRefused("the center has no ShipStation schema; run `central init --url URL`") from exc
        if rev != central_schema.CENTRAL_HEAD:
            raise CenterRefused(
                f"the center's schema is {rev}, this bench expects {central_schema.CENTRAL_HEAD}; "
                "run `shipstation-desktop central upgrade` or update this bench"
            )
        minimum = conn.execute(text("SELECT value FROM central_meta WHERE key = 'min_bench_schema'")).scalar()
        if minimum is not None and self.bench_schema < minimum:
            raise CenterRefused(
                f"this bench's database schema {self.bench_schema} is older than the center accepts ({minimum}); "
                "update ShipStation Desktop on this bench, then sync again"
            )
        self._checked = True

    def _auth(self, conn: Connection, bench_id: str, token: str) -> None:
        stored = conn.execute(
            text("UPDATE benches SET last_seen_at = now() WHERE id = :b RETURNING token_hash"), {"b": bench_id}
        ).scalar()
        if stored is None or not hmac.compare_digest(stored, _hash(token)):
            raise CenterRefused("this bench is not registered with the center; run `bench register`")

    # ------------------------------------------------------------------------------ CentralPort

    def register(self, bench_id: str, name: str) -> Registration:
        token = secrets.token_urlsafe(32)
        with self._tx() as conn:
            conn.execute(
                text(
                    "INSERT INTO benches (id, name, token_hash) VALUES (:b, :n, :h) "
                    "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, token_hash = EXCLUDED.token_hash"
                ),
                {"b": bench_id, "n": name, "h": _hash(token)},
            )
        return Registration(bench_id, token)

    def push(self, bench_id: str, token: str, mutations: list[Mutation]) -> list[MutationResult]:
        try:
            return self._push(bench_id, token, mutations, careful=False)
        except IntegrityError:
            # A race with another bench hit a unique index: redo the batch with a savepoint per
            # mutation so only the offending one is rejected.
            return self._push(bench_id, token, mutations, careful=True)

    def _push(self, bench_id: str, token: str, mutations: list[Mutation], *, careful: bool) -> list[MutationResult]:
        with self._tx() as conn:
            self._auth(conn, bench_id, token)
            seen = {
                r[0]: MutationResult(r[0], "duplicate" if r[1] != "rejected" else "rejected", r[3], r[2])
                for r in conn.execute(
                    text("SELECT id, outcome, kind, reason FROM applied_mutations WHERE id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": [m.id for m in mutations] or [""]},
                )
            }
            applier = CenterApplier(conn, bench_id, self._now(), batched=self.batched and not careful)
            applier.prefetch([(m.entity, m.entity_id) for m in mutations if m.id not in seen])
            applier.prefetch_lookups(m for m in mutations if m.id not in seen)
            results: list[MutationResult] = []
            for m in mutations:
                if m.id in seen:
                    results.append(seen[m.id])
                    continue
                results.append(_careful(conn, applier, m) if careful else applier.apply(m))
                seen[m.id] = results[-1]
            applier.flush()  # the batch's rows and change log: a unique-index race surfaces here
            fresh = [(m, r) for m, r in zip(mutations, results, strict=True) if r.outcome != "duplicate"]
            if fresh:
                conn.execute(
                    text(
                        "INSERT INTO applied_mutations (id, bench_id, entity, entity_id, outcome, kind, reason) "
                        "SELECT u.id, :b, u.e, u.ei, u.o, u.k, u.r FROM jsonb_to_recordset(CAST(:rows AS jsonb)) "
                        "AS u(id text, e text, ei text, o text, k text, r text) ON CONFLICT (id) DO NOTHING"
                    ),
                    {
                        "b": bench_id,
                        "rows": json.dumps(
                            [
                                {"id": m.id, "e": m.entity, "ei": m.entity_id}
                                | {"o": r.outcome, "k": r.kind, "r": r.reason}
                                for m, r in fresh
                            ]
                        ),
                    },
                )
            return results

    def pull(self, bench_id: str, token: str, cursor: Cursor, limit: int) -> PullPage:
        with self._tx() as conn:
            self._auth(conn, bench_id, token)
            rows = conn.execute(
                text(
                    "SELECT c.xid::text, c.pos, c.entity, c.entity_id, r.version, r.data "
                    "FROM changes c JOIN records r ON r.entity = c.entity AND r.id = c.entity_id "
                    "WHERE (c.xid, c.pos) > (CAST(:x AS xid8), :p) "
                    "AND c.xid < pg_snapshot_xmin(pg_current_snapshot()) "
                    "ORDER BY c.xid, c.pos LIMIT :n"
                ),
                {"x": str(cursor.xid), "p": cursor.pos, "n": limit + 1},
            ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        changes: list[Change] = []
        seen: set[tuple[str, str]] = set()
        for r in rows:
            key = (r[2], r[3])
            if key not in seen:  # each row carries the current truth: its first mention is enough
                seen.add(key)
                changes.append(Change(r[2], r[3], r[4], r[5]))
        end = Cursor(int(rows[-1][0]), rows[-1][1]) if rows else cursor
        return PullPage(changes, end, more)

    def lease_numbers(self, bench_id: str, token: str, kind: str, size: int) -> tuple[int, int]:
        with self._tx() as conn:
            self._auth(conn, bench_id, token)
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "lease:" + kind})
            last = conn.execute(
                text("SELECT coalesce(max(last_number), 0) FROM number_leases WHERE kind = :k"), {"k": kind}
            ).scalar_one()
            first = int(last) + 1
            conn.execute(
                text("INSERT INTO number_leases (kind, first_number, last_number, bench_id) VALUES (:k, :f, :l, :b)"),
                {"k": kind, "f": first, "l": first + size - 1, "b": bench_id},
            )
        return first, first + size - 1


def _careful(conn: Connection, applier: CenterApplier, m: Mutation) -> MutationResult:
    try:
        with conn.begin_nested():
            applier.begin_savepoint()
            result = applier.apply(m)
            applier.flush()
    except IntegrityError as exc:
        applier.end_savepoint(rolled_back=True)
        return MutationResult(m.id, "rejected", f"{m.entity} {m.entity_id}: {_first_line(exc.orig)}", "conflict")
    applier.end_savepoint(rolled_back=False)
    return result


def _is_connection_error(exc: DBAPIError) -> bool:
    import psycopg

    return isinstance(exc.orig, psycopg.OperationalError | psycopg.InterfaceError) and not isinstance(
        exc.orig, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable
    )


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or ["no answer"])[0]
