"""`report carriers|health|productivity`: the analytics a supervisor reads, at a terminal or in a script.

  report carriers --from D --to D [--json | --csv FILE]
      -> {"from", "to", "carriers": [{"carrier", "service", "shipments", "delivered", "on_time_pct",
          "avg_transit_days", "exception_rate_pct", "label_success_pct", "cost_per_shipment", "currency", …}],
          "kpis": {"tracking_lag_minutes": {"value", "target", "ok"}, "label_success_pct": {…}}}
  report health [--hours H] --json      -> carrier API success and p50/p95 times, sync lag, job queue, KPIs
  report productivity --from D --to D --json -> packers (orders per hour), step medians, slowest steps

Dates are whole UTC days, both ends included. A bad date exits 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.errors import UserError

COMMANDS = {"report"}


def _day(text: str) -> date:
    from shipstation_desktop.domain.analytics import parse_day

    try:
        return parse_day(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < value <= 24 * 366:
        raise argparse.ArgumentTypeError("hours must be more than 0 and at most a year")
    return value


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="carrier performance, integration health, packer productivity")
    actions = report.add_subparsers(dest="action", required=True, parser_class=parser_class)
    carriers = actions.add_parser("carriers", help="on-time %, transit days, exceptions, label success, cost")
    productivity = actions.add_parser("productivity", help="orders per hour per packer, where the time goes")
    for cmd in (carriers, productivity):
        cmd.add_argument("--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD")
        cmd.add_argument("--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD")
        cmd.add_argument("--json", action="store_true")
    carriers.add_argument("--csv", type=Path, metavar="FILE", help="also write the carrier rows as CSV to FILE")
    health = actions.add_parser("health", help="carrier API success and response times, sync lag, job queue")
    health.add_argument("--hours", type=_hours, default=24.0, help="look back this many hours (default 24)")
    health.add_argument("--json", action="store_true")


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    sys.stdout.write((json.dumps(data, ensure_ascii=False, indent=2) if args.json else text()) + "\n")


def _cell(value: object, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def _table(rows: list[list[str]]) -> str:
    from . import table

    return table(rows)


def _kpi_lines(kpis: dict[str, Any]) -> list[str]:
    lines = []
    for name, k in kpis.items():
        verdict = {True: "OK", False: "MISSED", None: "no data"}[k["ok"]]
        lines.append(f"{name}: {_cell(k['value'])} (target {k['target']}) {verdict}")
    return lines


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.domain.analytics import Period
    from shipstation_desktop.services import analytics, bootstrap

    from . import CliError

    if args.action != "health" and args.last < args.first:
        raise CliError(f"report {args.action}: --to {args.last} is before --from {args.first}")
    period = Period(args.first, args.last) if args.action != "health" else None
    bench = bootstrap.open_bench(args.data_dir, reconcile=False)
    try:
        if args.action == "carriers":
            assert period is not None
            report = analytics.carrier_report(bench, period)
            data = report.as_json()
            if args.csv is not None:
                analytics.write_text(args.csv, analytics.carriers_csv(report))
            head = [
                "CARRIER",
                "SERVICE",
                "SHIPPED",
                "DELIVERED",
                "ON TIME",
                "TRANSIT",
                "EXCEPT.",
                "LABEL OK",
                "COST",
            ]
            rows = [head] + [
                [
                    r["carrier"],
                    r["service"],
                    str(r["shipments"]),
                    str(r["delivered"]),
                    _cell(r["on_time_pct"], " %"),
                    _cell(r["avg_transit_days"], " d"),
                    _cell(r["exception_rate_pct"], " %"),
                    _cell(r["label_success_pct"], " %"),
                    _cell(r["cost_per_shipment"], f" {r['currency']}"),
                ]
                for r in data["carriers"]
            ]
            _emit(args, data, lambda: "\n".join([_table(rows), *_kpi_lines(data["kpis"])]))
        elif args.action == "health":
            health = analytics.health_report(bench, args.hours).as_json()
            rows = [["CARRIER", "CALLS", "FAILED", "SUCCESS", "P50", "P95"]] + [
                [
                    h["carrier"],
                    str(h["calls"]),
                    str(h["failures"]),
                    _cell(h["success_pct"], " %"),
                    _cell(h["p50_ms"], " ms"),
                    _cell(h["p95_ms"], " ms"),
                ]
                for h in health["carriers"]
            ]
            sync = health["sync"]
            sync_line = (
                f"sync: last {sync['last_sync'] or 'never'}, lag {_cell(sync['lag_minutes'], ' min')}, "
                f"{sync['pending']} waiting" + ("" if sync["configured"] else " (no center configured)")
            )
            jobs = health["jobs"]["by_state"]
            jobs_line = "jobs: " + ", ".join(f"{n} {s}" for s, n in jobs.items())
            _emit(
                args,
                health,
                lambda: "\n".join([_table(rows), sync_line, jobs_line, *_kpi_lines(health["kpis"])]),
            )
        else:
            assert period is not None
            data = analytics.productivity_json(period, analytics.productivity_report(bench, period))
            packers = [["PACKER", "ORDERS", "HOURS", "PER HOUR", "MEDIAN ORDER"]] + [
                [
                    p["packer"],
                    str(p["orders"]),
                    str(p["active_hours"]),
                    _cell(p["orders_per_hour"]),
                    _cell(p["median_order_s"], " s"),
                ]
                for p in data["packers"]
            ]
            steps = [["STEP", "COUNT", "MEDIAN", "P95", "SLOWEST", "SHARE"]] + [
                [
                    s["step"],
                    str(s["count"]),
                    _cell(s["median_s"], " s"),
                    _cell(s["p95_s"], " s"),
                    _cell(s["max_s"], " s"),
                    _cell(s["share_pct"], " %"),
                ]
                for s in data["steps"]
            ]
            _emit(args, data, lambda: _table(packers) + "\n\n" + _table(steps))
    finally:
        bench.close()
    return 0
