"""Custom Store export figures against the local PostgreSQL (a throwaway center per run). Prints, never asserts.

    .venv/bin/python benchmarks/bench_custom_store.py [--orders 10000] [--page-size 100]

The center is seeded directly (records rows: customers, orders, 1-4 lines each), then:
1. every page of the export over HTTP (uvicorn on 127.0.0.1, the response read as a stream):
   total time, per-page time, bytes;
2. the whole window as ONE page (page size = all orders) consumed from the generator under
   tracemalloc: peak Python memory while streaming, against the size of the XML produced — flat
   memory means the peak stays far below the output size;
3. the process RSS (psutil) before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.hub import custom_store, order_export, xml_export
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.sync import central_schema
from tests.hub.tracking_support import serve

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
USER, PASSWORD = "shipstation", "bench-Pass-1"
T0 = datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


@contextmanager
def center() -> Iterator[str]:
    name = f"ssd_cs_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
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


def _sync_cols(at: datetime) -> dict[str, object]:
    return {
        "created_at": at.isoformat(),
        "updated_at": at.isoformat(),
        "bench_id": "seed",
        "version": 1,
        "deleted_at": None,
    }


def seed(url: str, orders: int) -> int:
    """Inserts the records rows directly (the center's own shape); returns the number of lines."""
    rng = random.Random(7)
    rows: list[dict[str, object]] = []
    for i in range(orders):
        at = T0 + timedelta(seconds=i)
        customer_id, order_id = uuid7(), uuid7()
        email = f"customer-{i}@example.com"
        rows.append(
            {
                "e": "customers",
                "i": customer_id,
                "at": at,
                "d": _sync_cols(at)
                | {"email": email, "email_normalized": email, "name": f"Customer {i}", "phone": "+14155550132"},
            }
        )
        ship_to = {
            "name": f"Customer {i} <&> ]]>",
            "company": "",
            "line1": f"{i} Market St",
            "line2": "",
            "city": "San Francisco",
            "state": "California",
            "postal_code": "94103",
            "country": "US",
            "phone": "(415) 555-0132",
        }
        rows.append(
            {
                "e": "orders",
                "i": order_id,
                "at": at,
                "d": _sync_cols(at)
                | {
                    "id": order_id,
                    "order_number": f"BENCH-{i:06d}",
                    "status": "confirmed",
                    "customer_id": customer_id,
                    "ship_to": ship_to,
                    "total_amount": "59.80",
                    "currency": "USD",
                    "requested_service": "usps_priority",
                    "order_date": at.isoformat(),
                },
            }
        )
        for n in range(rng.randint(1, 4)):
            line_id = uuid7()
            rows.append(
                {
                    "e": "order_lines",
                    "i": line_id,
                    "at": at,
                    "d": _sync_cols(at)
                    | {
                        "id": line_id,
                        "order_id": order_id,
                        "sku": f"SKU-{rng.randint(1, 500)}",
                        "name": f"Product {n}",
                        "quantity": rng.randint(1, 5),
                        "unit_price": "12.50",
                        "unit_weight_grams": "250",
                    },
                }
            )
    for row in rows:
        data = row["d"]
        assert isinstance(data, dict)
        data["id"] = row["i"]
        row["d"] = json.dumps(data)
    engine = central_schema.engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO records (entity, id, version, data, bench_id, updated_at) "
                "VALUES (:e, :i, 1, CAST(:d AS jsonb), 'seed', :at)"
            ),
            rows,
        )
        conn.execute(text("ANALYZE records"))
    engine.dispose()
    return sum(1 for r in rows if r["e"] == "order_lines")


def export_over_http(url: str, orders: int, page_size: int) -> None:
    state = HubState(
        HubConfig(central_url=url, secret={"custom_store_user": USER, "custom_store_password": PASSWORD}.get)
    )
    app = FastAPI()
    app.include_router(custom_store.router(state, page_size=page_size))
    end = (T0 + timedelta(seconds=orders)).strftime(xml_export.DATE_FORMAT)
    params = {"action": "export", "start_date": T0.strftime(xml_export.DATE_FORMAT), "end_date": end}
    exported, total_bytes, page, pages, times = 0, 0, 1, 1, []
    with serve(app) as base, httpx.Client(base_url=base, auth=(USER, PASSWORD), timeout=120) as client:
        started = time.perf_counter()
        while page <= pages:
            t0 = time.perf_counter()
            with client.stream("GET", "/shipstation", params=params | {"page": str(page)}) as response:
                response.raise_for_status()
                head = b""
                for chunk in response.iter_bytes():
                    if len(head) < 200:
                        head += chunk[:200]
                    total_bytes += len(chunk)
                    exported += chunk.count(b"<Order>")
            pages = int(head.split(b'pages="', 1)[1].split(b'"', 1)[0])
            times.append(time.perf_counter() - t0)
            page += 1
        elapsed = time.perf_counter() - started
    state.close()
    times.sort()
    median, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(
        f"HTTP export: {exported} orders in {pages} pages of {page_size}: {elapsed:.2f} s total, "
        f"{total_bytes / 1e6:.1f} MB"
    )
    print(
        f"  per page: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {times[-1] * 1000:.0f} ms; {exported / elapsed:.0f} orders/s"
    )


def one_big_page_memory(url: str, orders: int) -> None:
    state = HubState(HubConfig(central_url=url))
    window = order_export.Window(T0, T0 + timedelta(seconds=orders + 60))
    # Warm up first: pycountry and phonenumbers load their reference data once per process (~5 MB).
    for _ in xml_export.document(1, order_export.page_xml(state.engine, window, 1, 10)):
        pass
    tracemalloc.start()
    started = time.perf_counter()
    size = 0
    for chunk in xml_export.document(1, order_export.page_xml(state.engine, window, 1, orders)):
        size += len(chunk)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    state.close()
    print(
        f"One page of all {orders} orders (generator, under tracemalloc): {elapsed:.2f} s, "
        f"{size / 1e6:.1f} MB of XML, peak Python memory {peak / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=custom_store.PAGE_SIZE)
    args = parser.parse_args()
    process = psutil.Process(os.getpid())
    with center() as url:
        t0 = time.perf_counter()
        lines = seed(url, args.orders)
        print(
            f"Seeded {args.orders} orders, {args.orders} customers, {lines} lines in {time.perf_counter() - t0:.1f} s"
        )
        rss_before = process.memory_info().rss
        export_over_http(url, args.orders, args.page_size)
        one_big_page_memory(url, args.orders)
        rss_after = process.memory_info().rss
        print(f"Process RSS: {rss_before / 1e6:.0f} MB before the exports, {rss_after / 1e6:.0f} MB after")


if __name__ == "__main__":
    main()
