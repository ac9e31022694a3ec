"""Duplicate-customer candidates at 100,000 customers (services/customer_merge.duplicate_candidates).

    .venv/bin/python benchmarks/bench_customer_duplicates.py [--customers 100000] [--planted 500] [--regenerate]

Fills a bench with N realistic customers (the search benchmark's generator and bulk loader: PII
sealed by the column types), kept in the cache dir so a re-run only measures, then plants duplicates
through the ORM — a Gmail variant of an e-mail, the same phone written nationally, the same name at
the same postal code — and times the full scan (every live customer decrypted and matched), one
customer's candidates, and the share of planted pairs found. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import phonenumbers
from platformdirs import user_cache_path
from sqlalchemy import func, select

from benchmarks.bench_customer_search import GENERATOR_VERSION, _bench, generate
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.services import customer_merge

SEED = 11


def _variant_email(email: str, serial: int) -> str:
    """The same mailbox written another way (a plus tag; at Gmail also a dot and googlemail.com)."""
    local, _, domain = email.partition("@")
    if domain == "gmail.com" and len(local) > 3:
        return f"{local[:2]}.{local[2:]}+{serial}@googlemail.com"
    return f"{local}+dup{serial}@{domain}"


def plant(data_dir: Path, count: int) -> list[tuple[str, str]]:
    """Adds `count` duplicates of random live customers; returns (original id, duplicate id) pairs."""
    rng = random.Random(SEED)
    bench = _bench(data_dir)
    pairs = []
    try:
        with bench.store.session() as s:
            ids = list(s.scalars(select(t.Customer.id).where(t.Customer.deleted_at.is_(None))))
            for i, original_id in enumerate(rng.sample(ids, count)):
                original = s.get_one(t.Customer, original_id)
                kind = rng.choice(("email", "phone", "name_postal"))
                email = _variant_email(original.email, i) if kind == "email" else f"planted{i}@example.net"
                phone = ""
                if kind == "phone" and original.phone:
                    number = phonenumbers.parse(original.phone, None)
                    phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
                dup = t.Customer(
                    email=email,
                    email_normalized=email.lower(),
                    name=original.name.upper() if kind == "name_postal" else f"Planted Person {i}",
                    phone=phone,
                    tags=[],
                    custom_fields={},
                )
                s.add(dup)
                s.flush()
                if kind == "name_postal" and original.addresses:
                    a = original.addresses[0]
                    s.add(
                        t.Address(
                            customer_id=dup.id,
                            recipient_name=dup.name,
                            line1="elsewhere 1",
                            city=a.city,
                            postal_code=a.postal_code.lower(),
                            country=a.country,
                        )
                    )
                if kind == "phone" and not phone:
                    continue
                pairs.append((original_id, dup.id))
    finally:
        bench.close()
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=500)
    parser.add_argument(
        "--cache-dir", type=Path, default=user_cache_path("shipstation-desktop") / "bench-customer-duplicates"
    )
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    data_dir = args.cache_dir / f"n{args.customers}-p{args.planted}-g{GENERATOR_VERSION}"
    marker = data_dir / "complete"
    if args.regenerate or not marker.exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"generating {args.customers:,} customers into {data_dir}")
        seconds = generate(data_dir, args.customers)
        pairs = plant(data_dir, args.planted)
        marker.write_text("\n".join(f"{a} {b}" for a, b in pairs) + "\n")
        print(f"generation: {seconds:.0f} s; planted {len(pairs)} duplicates")
    pairs = [tuple(line.split()) for line in marker.read_text().splitlines() if line.strip()]

    bench = _bench(data_dir)
    try:
        with bench.store.session() as s:
            live = s.scalar(select(func.count()).select_from(t.Customer).where(t.Customer.deleted_at.is_(None)))
        print(f"{live:,} live customers, {len(pairs)} planted duplicates")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for run in ("cold", "warm"):
            started, cpu = time.perf_counter(), time.process_time()
            groups = customer_merge.duplicate_candidates(bench, limit=1_000_000)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"duplicate_candidates ({run}): {elapsed:.2f} s ({cpu:.2f} s CPU), {len(groups):,} groups")
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        print(f"peak memory grew by {grown / 1024:.0f} MiB; load average {os.getloadavg()[0]:.1f}")
        together = {frozenset(g.customer_ids) for g in groups}
        found = sum(1 for a, b in pairs if any({a, b} <= ids for ids in together))
        print(f"planted pairs found: {found}/{len(pairs)}")
        by_reason: dict[str, int] = {}
        for g in groups:
            by_reason[g.reason.value] = by_reason.get(g.reason.value, 0) + 1
        print(f"groups by reason: {by_reason}")
        started, cpu = time.perf_counter(), time.process_time()
        customer_merge.candidates_for(bench, pairs[0][1])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"candidates_for (one customer): {elapsed:.2f} s ({cpu:.2f} s CPU)")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
