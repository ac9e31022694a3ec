"""`central init|upgrade`, `bench register`, `sync run|status|resync`: the center, from the command line.

The shapes are contracts (issue 8): `bench register --json` → {"bench_id"}, `sync run --once --json`
→ {"pushed", "pulled", "rejected"}, `sync status --json` → {"online", "pending", "last_sync",
"last_error"}. An unreachable center is one line on stderr and exit 1; the outbox keeps everything.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

COMMANDS = {"central", "bench", "sync"}


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    central = sub.add_parser("central", help="the central PostgreSQL database").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    for name, text in (
        ("init", "create (or upgrade) the central schema; running it twice is harmless"),
        ("upgrade", "migrate the central schema to this version's"),
    ):
        cmd = central.add_parser(name, help=text)
        cmd.add_argument("--url", required=name == "init", help="postgresql://user@host/db (upgrade: the bench's)")
        cmd.add_argument("--json", action="store_true")

    bench = sub.add_parser("bench", help="this bench's identity").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    reg = bench.add_parser("register", help="point this bench at a center (settings + keyring)")
    reg.add_argument("--central", required=True, metavar="URL")
    reg.add_argument("--name", required=True)
    reg.add_argument("--json", action="store_true")

    sync = sub.add_parser("sync", help="sync with the center").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    run_p = sync.add_parser("run", help="sync now (--once) or keep syncing until Ctrl+C")
    run_p.add_argument("--once", action="store_true", help="one push + pull, then exit")
    run_p.add_argument("--json", action="store_true")
    sync.add_parser("status", help="online, pending mutations, last sync, last error").add_argument(
        "--json", action="store_true"
    )
    sync.add_parser("resync", help="download everything again, then replay the outbox").add_argument(
        "--json", action="store_true"
    )


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    sys.stdout.write((json.dumps(data, indent=2) if args.json else text) + "\n")


def run(args: argparse.Namespace) -> int:
    if args.command == "central":
        return _central(args)
    from shipstation_desktop.domain.audit import AuditAction
    from shipstation_desktop.services import audit, bootstrap
    from shipstation_desktop.services import central as service

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.command == "bench":
            bench_id = service.register(bench, args.central, args.name)
            audit.record(  # a settings change: audited here, the service is also the tests' fixture
                bench,
                AuditAction.SETTINGS_CHANGE,
                target_type="bench",
                target_id=bench_id,
                details={"settings": ["central.url", "bench_name"], "bench_name": args.name},
            )
            _print(args, {"bench_id": bench_id}, f"bench {args.name} ({bench_id}) registered")
        elif args.action == "run":
            if not args.once:
                return _run_forever(bench)
            r = service.sync_once(bench)
            counts = {"pushed": r.pushed, "pulled": r.pulled, "rejected": r.rejected}
            _print(args, counts, f"pushed {r.pushed}, pulled {r.pulled}, rejected {r.rejected}")
        elif args.action == "resync":
            r = service.resync(bench)
            counts = {"pushed": r.pushed, "pulled": r.pulled, "rejected": r.rejected}
            _print(args, counts, f"resynced: pulled {r.pulled}, replayed {r.pushed}, rejected {r.rejected}")
        else:
            st = service.status(bench)
            last = st.status.last_sync.isoformat() if st.status.last_sync else None
            data: dict[str, Any] = {
                "online": st.online,
                "pending": st.status.pending,
                "last_sync": last,
                "last_error": st.status.last_error,
            }
            _print(
                args,
                data,
                f"{'online' if st.online else 'offline'}, {st.status.pending} pending, last sync {last or 'never'}"
                + (f", last error: {st.status.last_error}" if st.status.last_error else ""),
            )
    finally:
        bench.close()
    return 0


def _central(args: argparse.Namespace) -> int:
    from shipstation_desktop.sync import central_schema

    url = args.url or _bench_center_url(args)
    engine = central_schema.engine_for(url)
    try:
        before, after = central_schema.upgrade(engine)
    finally:
        engine.dispose()
    _print(
        args,
        {"schema": after, "was": before},
        f"central schema at {after}" + (f" (was {before or 'empty'})" if before != after else " (up to date)"),
    )
    return 0


def _bench_center_url(args: argparse.Namespace) -> str:
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.sync import credentials

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        return credentials.login(bench.settings.central.url, bench.store.bench_id, bench.secrets).url
    finally:
        bench.close()


def _run_forever(bench: Any) -> int:
    """Headless sync daemon: the GUI's worker, driven from the terminal until Ctrl+C."""
    from shipstation_desktop.services.sync_worker import start_worker

    stop = threading.Event()
    worker = start_worker(bench, on_state=lambda st: print(st.summary(), file=sys.stderr, flush=True))
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop()
    return 0
