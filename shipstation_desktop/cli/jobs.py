"""`jobs list|requeue|stats|cleanup`: the persistent job queue, for a supervisor at a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

COMMANDS = {"jobs"}
STATES = ("pending", "running", "done", "dead")


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    jobs = sub.add_parser("jobs", help="the background job queue (sync, printing, notifications)").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    lst = jobs.add_parser("list", help="jobs, newest first (dead letters: --state dead)")
    lst.add_argument("--state", choices=STATES)
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--json", action="store_true")
    req = jobs.add_parser("requeue", help="run a dead letter again with fresh attempts")
    req.add_argument("id", help="the job id (a unique prefix is enough)")
    req.add_argument("--json", action="store_true")
    jobs.add_parser("stats", help="counts per state and priority, oldest pending age").add_argument(
        "--json", action="store_true"
    )
    clean = jobs.add_parser("cleanup", help="delete finished jobs older than DAYS (dead letters stay)")
    clean.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    clean.add_argument("--json", action="store_true")


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    sys.stdout.write((json.dumps(data, indent=2) if args.json else text) + "\n")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.services import jobs as service
    from shipstation_desktop.sync.jobs import JobState

    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "list":
            state = JobState(args.state.upper()) if args.state else None
            rows = service.list_jobs(bench, state, args.limit)
            lines = [
                f"{j.id}  {j.state.value.lower():7}  {j.priority.name.lower():6}  {j.name:12}  "
                f"{j.attempts}/{j.max_attempts}  {j.last_error}".rstrip()
                for j in rows
            ]
            _out(args, [j.as_json() for j in rows], "\n".join(lines) or "no jobs")
        elif args.action == "requeue":
            job = service.requeue(bench, args.id)
            _out(args, job.as_json(), f"job {job.id} ({job.name}) requeued")
        elif args.action == "stats":
            st = service.stats(bench)
            age = st.oldest_pending_age_s
            text = (
                ", ".join(f"{n} {s}" for s, n in st.by_state.items())
                + " · waiting by priority: "
                + ", ".join(f"{n} {p}" for p, n in st.by_priority.items())
                + (f" · oldest pending {age:.0f} s" if age is not None else "")
            )
            _out(args, st.as_json(), text)
        else:
            removed = service.cleanup(bench, args.older_than)
            _out(args, {"removed": removed}, f"removed {removed} finished jobs")
    finally:
        bench.close()
    return 0
