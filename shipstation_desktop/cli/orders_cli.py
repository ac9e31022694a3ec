"""`orders list|show|status|history|workflow`: orders and their status engine (seed 002) at a terminal.

    orders status SO-1001 delivered --reason "customer confirmed by phone" [--expected-version 4]
    orders history SO-1001 --json
    orders workflow --check my-flow.json

An invalid move exits 1 ("order SO-1 cannot go from delivered to processing"); an unknown status exits 2
listing the valid ones; a stale --expected-version exits 1 with the conflict message.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shipstation_desktop.cli import _choice_of, _positive_int, emit, table
from shipstation_desktop.domain.enums import OrderStatus

COMMANDS = {"orders"}


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    orders = sub.add_parser("orders", help="orders and their status").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    ol = orders.add_parser("list", help="list orders (all by default)")
    ol.add_argument("--status", type=_choice_of(OrderStatus))
    ol.add_argument("--limit", type=_positive_int)
    ol.add_argument("--json", action="store_true")

    show = orders.add_parser("show", help="one order: status, version, delivery attempts, history")
    show.add_argument("order_number", metavar="ORDER")
    show.add_argument("--json", action="store_true")

    st = orders.add_parser("status", help="move an order to another status (the workflow decides what may follow)")
    st.add_argument("order_number", metavar="ORDER")
    st.add_argument("status", metavar="STATUS", type=_choice_of(OrderStatus))
    st.add_argument("--reason", required=True, help="why (kept in the order's history)")
    st.add_argument(
        "--expected-version",
        type=_positive_int,
        metavar="N",
        help="refuse if the order is no longer at this version (someone else changed it)",
    )
    st.add_argument("--actor", help="who made the change (default: this bench's user)")
    st.add_argument("--json", action="store_true")

    hist = orders.add_parser("history", help="every status the order went through, with who, where from and why")
    hist.add_argument("order_number", metavar="ORDER")
    hist.add_argument("--json", action="store_true")

    wf = orders.add_parser("workflow", help="the active status workflow, or check a workflow file")
    wf.add_argument("--check", metavar="FILE", type=Path, help="validate this workflow JSON file instead")
    wf.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap, workflows

    if args.action == "workflow" and args.check is not None:
        checked = workflows.load_file(args.check)  # a WorkflowError is the one-line message, exit 1
        emit(args, checked.as_json(), lambda: f"{args.check}: workflow {checked.name} is valid")
        return 0
    bench = bootstrap.open_bench(args.data_dir)
    try:
        _run(args, bench)
    finally:
        bench.close()
    return 0


def _run(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.services import jsonview as jv
    from shipstation_desktop.services import order_status, workflows
    from shipstation_desktop.services import orders as order_service

    if args.action == "list":
        rows = order_service.list_orders(bench.store, args.status, args.limit)
        emit(
            args,
            [jv.order(o) for o in rows],
            lambda: table([(o.order_number, o.status.value, o.ship_to.name, o.ship_to.country) for o in rows]),
        )
    elif args.action == "workflow":
        active = workflows.active(bench)
        emit(
            args,
            active.as_json(),
            lambda: f"workflow {active.name}\n"
            + table([(s.value, ", ".join(n.value for n in OrderStatus if n in active.next_statuses(s)) or "(final)")
                     for s in OrderStatus if s in active.statuses]),
        )  # fmt: skip
    elif args.action == "history":
        view = order_status.get(bench, args.order_number)
        entries = [order_status.history_json(h) for h in view.order.history]
        emit(args, entries, lambda: _history_text(entries))
    else:
        if args.action == "status":
            view = order_status.change_status(
                bench,
                args.order_number,
                args.status,
                args.reason,
                actor=args.actor,
                expected_version=args.expected_version,
            )
        else:
            view = order_status.get(bench, args.order_number)
        data = view.as_json()
        emit(
            args,
            data,
            lambda: (
                f"{data['order_number']}: {data['status']} (version {data['version']}, "
                f"{data['delivery_attempts']} failed delivery attempts, workflow {data['workflow']})\n"
                f"next: {', '.join(data['next_statuses']) or '(final)'}\n" + _history_text(data["history"])
            ),
        )


def _history_text(entries: list[dict[str, Any]]) -> str:
    return table(
        [
            (
                e["at"][:19].replace("T", " "),
                f"{e['previous_status'] or '-'} -> {e['status']}",
                e["actor"] or "-",
                e["source"],
                e["reason"] or e["details"] or "",
            )
            for e in entries
        ]
    )
