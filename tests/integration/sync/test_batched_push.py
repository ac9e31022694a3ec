"""The center writes a push batch set-based (CenterApplier.flush); these tests hold it to the rows,
change log and outcomes of writing every row as it is applied (PostgresCenter.batched = False)."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.pg_center import PostgresCenter
from shipstation_desktop.sync.port import Mutation, MutationResult

from .conftest import ADMIN_URL

pytestmark = pytest.mark.postgres

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
STATUSES = ["PENDING", "LABEL_CREATED", "IN_TRANSIT", "DELIVERED", "CANCELLED"]


class RowByRow(PostgresCenter):
    batched = False


@pytest.fixture
def second_center() -> Iterator[str]:
    name = f"ssd_sync_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        engine = central_schema.engine_for(url)
        central_schema.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Stream:
    """Random mutations over a few ids and values, so batches are full of the cases the rules care
    about: one row twice in a batch, taken order and tracking numbers, two live shipments of an
    order, customers sharing an email, edits after deletes, updates of rows the center never had."""

    def __init__(self, seed: int, spread: int = 1) -> None:
        """`spread` widens the pools of numbers and emails: fewer unique-index clashes, so more
        batches stay on the set-based path instead of the careful retry."""
        self.rnd = random.Random(seed)
        self.seed = seed
        self.spread = spread
        self.n = 0

    def _time(self) -> str:
        return (NOW - timedelta(minutes=self.rnd.randrange(0, 600))).isoformat()

    def _row(self, entity: str, id_: str) -> dict[str, Any]:
        r = self.rnd
        base: dict[str, Any] = {"id": id_, "created_at": self._time(), "updated_at": self._time(), "version": 1}
        base["deleted_at"] = None
        if entity == "customers":
            email = f"e{r.randrange(3 * self.spread)}@example.com"
            return base | {"email": email, "email_normalized": email, "name": f"n{r.randrange(9)}"}
        if entity == "orders":
            return base | {
                "order_number": f"N{r.randrange(4 * self.spread)}",
                "order_date": self._time(),
                "ship_to": {"city": "X"},
                "status": "AWAITING_SHIPMENT",
                "total_amount": "1.00",
            }
        if entity == "shipments":
            return base | {
                "order_id": f"o{r.randrange(3)}",
                "carrier": "ups",
                "service": r.choice(["ground", "air"]),
                "tracking_number": f"T{r.randrange(6 * self.spread * self.spread)}",
                "status": r.choice(STATUSES),
                "label_created_at": r.choice([None, self._time()]),
                "shipping_cost": "5.00",
                "weight_grams": "100",
                "weight_unit": "g",
                "weight_value": "100",
                "from_address": {},
                "to_address": {},
                "superseded_by": None,
            }
        return base | {
            "shipment_id": f"s{r.randrange(5)}",
            "status": "IN_TRANSIT",
            "timestamp": self._time(),
            "description": "scan",
        }

    def mutation(self) -> Mutation:
        r = self.rnd
        entity = r.choice(["customers", "customers", "orders", "shipments", "shipments", "tracking_events"])
        id_ = f"{entity[0]}{r.randrange(5)}"
        op = r.choice(["insert", "insert", "update", "update", "delete"])
        payload = self._row(entity, id_)
        if r.random() < 0.03:
            payload["id"] = "someone-else"  # a validation rejection
        if op == "delete":
            payload["deleted_at"] = self._time()
        self.n += 1
        changed = r.sample(sorted(k for k in payload if k != "id"), 3) if op == "update" else []
        return Mutation(f"m{self.seed}-{self.n}", entity, id_, op, 1, payload, changed)  # type: ignore[arg-type]


def _state(center: PostgresCenter) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with center.engine.connect() as conn:
        records = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT entity, id, version, data, field_clock, bench_id, deleted, updated_at FROM records "
                    "ORDER BY entity, id"
                )
            )
        ]
        log = [tuple(r) for r in conn.execute(text("SELECT entity, entity_id FROM changes ORDER BY xid, pos"))]
        applied = [
            tuple(r)
            for r in conn.execute(
                text("SELECT id, bench_id, entity, entity_id, outcome, kind, reason FROM applied_mutations ORDER BY id")
            )
        ]
    return records, log, applied


def _push_both(
    batched: PostgresCenter, reference: PostgresCenter, tokens: tuple[str, str], batch: list[Mutation]
) -> list[MutationResult]:
    got = batched.push("bench-a", tokens[0], batch)
    assert got == reference.push("bench-a", tokens[1], batch)
    return got


@pytest.mark.parametrize("seed", range(int(os.environ.get("SSD_PUSH_SEEDS", "6"))))  # more: a longer hunt
def test_batched_push_writes_what_row_by_row_writes(center: str, second_center: str, seed: int) -> None:
    fast = PostgresCenter(center, "9999", now=lambda: NOW)
    slow = RowByRow(second_center, "9999", now=lambda: NOW)
    tokens = (fast.register("bench-a", "a").token, slow.register("bench-a", "a").token)
    stream = Stream(seed, spread=1 + 3 * (seed % 2))
    outcomes: set[str] = set()
    try:
        for _ in range(8):
            batch = [stream.mutation() for _ in range(40)]
            batch.append(batch[3])  # a resend inside one batch
            outcomes |= {r.outcome for r in _push_both(fast, slow, tokens, batch)}
            assert _state(fast) == _state(slow)
        resent = _push_both(fast, slow, tokens, batch)  # the whole batch again: nothing changes
        assert {r.outcome for r in resent} <= {"duplicate", "rejected"}
        assert _state(fast) == _state(slow)
        records, log, _ = _state(fast)
    finally:
        fast.close()
        slow.close()
    assert outcomes >= {"applied", "rejected"}
    assert len(records) > 5 and len(log) > len(records)


def test_one_row_twice_in_a_batch_ends_as_its_last_version_and_logs_both(center: str) -> None:
    port = PostgresCenter(center, "9999", now=lambda: NOW)
    token = port.register("bench-a", "a").token
    row = {"id": "c1", "email": "a@x.io", "email_normalized": "a@x.io", "name": "First", "version": 1}
    first = Mutation("m1", "customers", "c1", "insert", None, row)
    second = Mutation("m2", "customers", "c1", "update", 1, row | {"name": "Second"}, ["name"])
    bad = Mutation("m3", "customers", "c1", "update", 1, row | {"id": "c2"}, ["name"])
    try:
        results = port.push("bench-a", token, [first, second, bad])
        records, log, applied = _state(port)
    finally:
        port.close()
    assert [r.outcome for r in results] == ["applied", "applied", "rejected"]
    assert [(r[0], r[1], r[2], r[3]["name"]) for r in records] == [("customers", "c1", 2, "Second")]
    # the rejected mutation's touch still logs, after the two writes
    assert log == [("customers", "c1")] * 3
    assert [(a[0], a[4]) for a in applied] == [("m1", "applied"), ("m2", "applied"), ("m3", "rejected")]
