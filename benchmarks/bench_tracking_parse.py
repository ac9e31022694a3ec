"""Tracking payloads parsed per second, per carrier.

Run: .venv/bin/python benchmarks/bench_tracking_parse.py [--seconds S]

Every spec-derived tracking body in tests/data/carriers/<carrier>/track_*.json (error bodies aside)
goes through the carrier's own parser (the one `tracking parse` and the poller use) round-robin for
S seconds; the figure is payloads per second on one core, with the mean events per payload beside it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from shipstation_desktop.carriers import registry

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "carriers"


def measure(code: str, bodies: list[bytes], seconds: float) -> tuple[float, float]:
    parse = registry.get(code).parse_tracking
    assert parse is not None
    events = sum(len(parse(b).events) for b in bodies) / len(bodies)
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for body in bodies:
            parse(body)
        count += len(bodies)
    return count / (time.perf_counter() - started), events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per carrier (default 2)")
    args = parser.parse_args()
    print(f"{'carrier':<12} {'payloads/s':>12} {'events/payload':>15} {'samples':>8}")
    for code in sorted(registry.carriers()):
        info = registry.get(code)
        paths = sorted(p for p in (DATA / code).glob("track_*.json") if not p.name.startswith("track_error"))
        if info.parse_tracking is None or not paths:
            continue
        bodies = [p.read_bytes() for p in paths]
        rate, events = measure(code, bodies, args.seconds)
        print(f"{code:<12} {rate:>12,.0f} {events:>15.1f} {len(bodies):>8}")


if __name__ == "__main__":
    main()
