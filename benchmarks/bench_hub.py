"""Hub webhook throughput: signed POST /webhooks/tracking requests per second on one core. Prints, never asserts.

    .venv/bin/python benchmarks/bench_hub.py [--seconds 10] [--clients 8] [--parcels 200] [--repeat-share 0.2]

The hub (create_app: guard, HMAC check, pydantic, center writes) runs under uvicorn in a child
process pinned to CPU 0; the load comes from threads in this process pinned to CPU 1; the center is a
throwaway database on the local PostgreSQL, created and dropped here. Each request carries one new
carrier scan for a random parcel (a real insert and a status move); `--repeat-share` of them replay an
earlier delivery (the idempotent path: nothing written).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine, text

from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.hub import signing
from shipstation_desktop.hub.record_rows import full_row
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.sync import central_schema
from shipstation_desktop.sync.port import Mutation

ADMIN = os.environ.get("SSD_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret"


@contextmanager
def throwaway_center() -> Iterator[str]:
    name = f"ssd_bench_hub_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        engine = central_schema.engine_for(url)
        central_schema.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, parcels: int) -> list[str]:
    """`parcels` shipped orders on the center; returns their tracking numbers."""
    state = HubState(HubConfig(central_url=url))
    now = datetime.now(UTC)
    sync = {"created_at": now, "updated_at": now, "bench_id": "bench", "version": 1}
    numbers, mutations = [], []
    for i in range(parcels):
        order_id, shipment_id, number = uuid7(), uuid7(), f"1ZBENCH{i:010d}"
        numbers.append(number)
        order = full_row(
            t.Order,
            sync
            | {
                "id": order_id,
                "order_number": f"B-{i}",
                "status": "shipped",
                "ship_to": {"name": "Bench", "city": "Reno", "country": "US"},
                "total_amount": Decimal("10"),
                "order_date": now,
            },
        )
        shipment = full_row(
            t.Shipment,
            sync
            | {
                "id": shipment_id,
                "order_id": order_id,
                "carrier": "ups",
                "service": "ground",
                "tracking_number": number,
                "status": "LABEL_CREATED",
                "weight_grams": Decimal(500),
                "weight_value": Decimal(500),
                "weight_unit": "g",
                "shipping_cost": Decimal("7.5"),
                "label_created_at": now,
                "from_address": {},
                "to_address": {},
            },
        )
        mutations += [
            Mutation(uuid7(), "orders", order_id, "insert", None, order),
            Mutation(uuid7(), "shipments", shipment_id, "insert", None, shipment),
        ]
    for start in range(0, len(mutations), 500):
        state.push(mutations[start : start + 500])
    state.close()
    return numbers


def serve(url: str, sock: socket.socket) -> None:
    """The child process: the whole hub app on CPU 0."""
    import uvicorn

    from shipstation_desktop.hub.app import create_app

    os.sched_setaffinity(0, {0})
    secrets = {"webhook_secret": SECRET}
    config = HubConfig(central_url=url, secret=secrets.get, rate_limit_per_minute=0)
    uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", access_log=False)).run(sockets=[sock])


def body_for(number: str, k: int, base: datetime) -> bytes:
    at = base + timedelta(minutes=k)
    event = {
        "time": at.isoformat(),
        "status": "IN_TRANSIT",
        "code": f"S{k}",
        "description": "Arrival scan",
        "location": "Reno, NV",
    }
    return json.dumps({"carrier": "ups", "tracking_number": number, "events": [event]}).encode()


def load(base_url: str, numbers: list[str], seconds: float, clients: int, repeat_share: float) -> dict[str, Any]:
    os.sched_setaffinity(0, {1 % os.cpu_count()})  # type: ignore[operator]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    base = datetime(2024, 1, 1, tzinfo=UTC)
    counter = iter(range(10**9))

    def worker(seed_: int) -> None:
        rng = random.Random(seed_)
        sent: list[bytes] = []
        mine: list[float] = []
        codes: dict[int, int] = {}
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while time.perf_counter() < deadline:
                if sent and rng.random() < repeat_share:
                    body = rng.choice(sent)
                else:
                    body = body_for(rng.choice(numbers), next(counter), base)
                    sent.append(body)
                header = signing.sign(SECRET, int(time.time()), body)
                began = time.perf_counter()
                response = client.post("/webhooks/tracking", content=body, headers={signing.HEADER: header})
                mine.append(time.perf_counter() - began)
                codes[response.status_code] = codes.get(response.status_code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "req_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--parcels", type=int, default=200)
    parser.add_argument("--repeat-share", type=float, default=0.2)
    args = parser.parse_args()

    with throwaway_center() as url:
        numbers = seed(url, args.parcels)
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and a
        # proto-0 listener would add a 40 ms delayed-ACK stall to every response
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        port = sock.getsockname()[1]
        child = multiprocessing.get_context("spawn").Process(target=serve, args=(url, sock), daemon=True)
        child.start()
        try:
            base_url = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base_url, timeout=30) as probe:
                warm_deadline = time.monotonic() + 60
                while probe.get("/health").status_code != 200:  # the socket already listens: this waits for the app
                    if time.monotonic() > warm_deadline:
                        raise SystemExit("the hub did not become healthy")
            result = load(base_url, numbers, args.seconds, args.clients, args.repeat_share)
        finally:
            child.terminate()
            child.join(timeout=30)
            sock.close()
    print(
        f"hub webhooks (1 core, HMAC + center writes, {args.clients} clients, {args.repeat_share:.0%} replays): "
        f"{result['req_per_s']:.0f} req/s over {result['requests']} requests; "
        f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms; statuses {result['statuses']}"
    )


if __name__ == "__main__":
    main()
