"""Customer CSV import at scale: a generated native file of --n rows (default 100,000) imported into a
fresh bench, then imported again (all rows unchanged). Prints rows/s and peak RSS; never asserts.

    .venv/bin/python benchmarks/bench_customer_import.py [--n 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shipstation_desktop.services import customer_csv
from shipstation_desktop.services.bootstrap import open_bench


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_file(path: Path, n: int) -> None:
    """Streamed out, like the import reads it: the benchmark never holds the rows either."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(customer_csv.NATIVE_COLUMNS) + "\n")
        for i in range(n):
            values = {
                "external_id": f"EXT-{i}",
                "email": f"customer{i}@example.com",
                "name": f"Customer {i}",
                "phone": f"+1415555{i % 10000:04d}",
                "status": "ACTIVE",
                "source": "SHOPIFY",
                "tags": "bulk;bench" if i % 3 else "vip",
                "address_line1": f"{i} Market St",
                "address_city": "San Francisco",
                "address_state": "CA",
                "address_postal_code": f"94{i % 1000:03d}",
                "address_country": "US",
            }
            f.write(",".join(values.get(c, "") for c in customer_csv.NATIVE_COLUMNS) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write_file(path, args.n)
        print(f"file: {args.n:,} rows, {path.stat().st_size / 1e6:.1f} MB; RSS before import {_peak_rss_mb():.0f} MB")
        bench = open_bench(Path(tmp) / "bench")
        try:
            for label in ("first import", "re-import (unchanged)"):
                start = time.perf_counter()
                result = customer_csv.import_customers(bench, path)
                elapsed = time.perf_counter() - start
                print(
                    f"{label}: {result.as_json() | {'errors': len(result.errors)}} in {elapsed:.1f} s = "
                    f"{args.n / elapsed:,.0f} rows/s; peak RSS {_peak_rss_mb():.0f} MB"
                )
        finally:
            bench.close()


if __name__ == "__main__":
    main()
