"""`customers duplicates|merge|analytics|cohorts` (issue 7): duplicate customers and customer analytics.
Registered by cli/customers_cli.py under `customers`.

`customers duplicates [--limit N] [--json]` lists groups of likely duplicates, strongest match first:
[{"reason", "reasons", "customer_ids"}] (reasons: email, phone, name_postal; the oldest customer, the
survivor to suggest, first). `customers merge SURVIVOR MERGED [--take FIELD=merged ...] [--json]` merges
the second into the first ({"survivor_id", "merged_id", "fields_from_merged", "moved", "customer"});
fields not taken keep the survivor's value (see domain/customer_merge.py).
`customers analytics ID [--json]` prints one customer's LTV, AOV, frequency, recency and churn risk;
`customers cohorts [--months N] [--json]` the retention table by first-order month ({"months", "rows":
[{"cohort", "size", "retention", "active"}]}). The model: docs/customer-analytics.md.
"""

from __future__ import annotations

import argparse
from typing import Any

ACTIONS = {"duplicates", "merge", "analytics", "cohorts"}


def _take(text: str) -> tuple[str, str]:
    """FIELD=merged, FIELD=survivor, or FIELD alone (= merged)."""
    name, _, side = text.partition("=")
    if not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: write FIELD=merged")
    return name.strip(), side.strip() or "merged"


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_commands(cu: Any) -> None:
    du = cu.add_parser("duplicates", help="groups of customers that are probably the same person")
    du.add_argument("--limit", type=_at_least_one, default=100, help="at most this many groups (default 100)")
    du.add_argument("--json", action="store_true")
    me = cu.add_parser("merge", help="merge the second customer into the first (orders, addresses, notes move)")
    me.add_argument("survivor_id", metavar="ID", help="the customer that stays")
    me.add_argument("merged_id", metavar="ID", help="the customer merged into it (then deleted)")
    me.add_argument(
        "--take",
        metavar="FIELD=merged",
        type=_take,
        action="append",
        default=[],
        help="take this field from the merged customer (email, name, phone, date_of_birth, gender, "
        "status, source, external_id, custom_fields); repeatable",
    )
    me.add_argument("--json", action="store_true")
    an = cu.add_parser("analytics", help="one customer's lifetime value, order value, frequency and churn risk")
    an.add_argument("customer_id", metavar="ID")
    an.add_argument("--json", action="store_true")
    co = cu.add_parser("cohorts", help="retention by first-order month")
    co.add_argument("--months", type=_at_least_one, default=12, help="cohorts of the last N months (default 12)")
    co.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, bench: Any) -> None:
    if args.action == "duplicates":
        _duplicates(args, bench)
    elif args.action == "merge":
        _merge(args, bench)
    elif args.action == "analytics":
        _analytics(args, bench)
    else:
        _cohorts(args, bench)


def _duplicates(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import customer_merge

    groups = customer_merge.duplicate_candidates(bench, limit=args.limit)
    emit(
        args,
        [
            {"reason": g.reason.value, "reasons": [r.value for r in g.reasons], "customer_ids": list(g.customer_ids)}
            for g in groups
        ],
        lambda: table([("+".join(r.value for r in g.reasons), " ".join(g.customer_ids)) for g in groups]),
    )


def _merge(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit
    from shipstation_desktop.services import customer_merge, pii_view
    from shipstation_desktop.services import jsonview as jv

    report = customer_merge.merge_report(bench, args.survivor_id.strip(), args.merged_id.strip(), dict(args.take))
    shown = pii_view.shown_one(bench, report.customer, "cli customers merge")
    taken = ", ".join(report.fields_from_merged) or "nothing"
    moved = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in report.moved.items() if n) or "nothing"
    emit(
        args,
        {**report.as_json(), "customer": jv.customer(shown)},
        lambda: f"merged {report.merged_id} into {report.customer.id}: took {taken} from it; moved {moved}",
    )


def _analytics(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit, table
    from shipstation_desktop.services import customer_analytics

    result = customer_analytics.customer_analytics(bench, args.customer_id.strip())
    data = result.as_json()
    emit(
        args,
        data,
        lambda: table([(key, "" if value is None else str(value)) for key, value in data.items()]),
    )


def _cohorts(args: argparse.Namespace, bench: Any) -> None:
    from shipstation_desktop.cli import emit
    from shipstation_desktop.services import customer_analytics

    cohorts = customer_analytics.cohort_table(bench, months=args.months)
    rows = [
        {"cohort": r.cohort, "size": r.size, "retention": [round(v, 4) for v in r.retention], "active": r.active}
        for r in cohorts.rows
    ]
    emit(args, {"months": cohorts.months, "rows": rows}, lambda: _cohort_text(cohorts))


def _cohort_text(cohorts: Any) -> str:
    from shipstation_desktop.cli import table

    if not cohorts.rows:
        return "(no customers with orders in these months)"
    header = ("cohort", "size", *(f"+{k}" for k in range(cohorts.months)))
    lines = [header]
    for r in cohorts.rows:
        shares = [f"{v:.0%}" for v in r.retention]
        lines.append((r.cohort, str(r.size), *shares, *([""] * (cohorts.months - len(shares)))))
    return table(lines)
