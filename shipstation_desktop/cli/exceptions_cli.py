"""`exceptions list|resolve|assign|note`: the supervisor queue from a terminal.

`list` and `resolve` keep the JSON shape they always had; the queue's fields (bench_id, assigned_to,
assigned_at, occurrences, notes) were only added.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from shipstation_desktop.domain.enums import ExceptionSeverity, ExceptionType

COMMANDS = {"exceptions"}


def _choice_of(enum: Any) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        for member in enum:
            if text.lower() == member.value.lower():
                return member
        allowed = ", ".join(m.value.lower() for m in enum)
        raise argparse.ArgumentTypeError(f"{text!r} is not one of: {allowed}")

    return parse


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if value < 0 or value != value:  # NaN is not an age
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_commands(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    ex = sub.add_parser("exceptions", help="supervisor exceptions").add_subparsers(
        dest="action", required=True, parser_class=parser_class
    )
    el = ex.add_parser("list", help="exceptions, most severe first")
    el.add_argument("--open", action="store_true", help="only unresolved ones")
    el.add_argument("--resolved", action="store_true", help="only resolved ones")
    el.add_argument("--severity", type=_choice_of(ExceptionSeverity))
    el.add_argument("--type", type=_choice_of(ExceptionType))
    el.add_argument("--older-than-hours", type=_hours, metavar="N", help="raised more than N hours ago")
    el.add_argument("--bench", metavar="B", help="raising bench: its id (or a prefix), or 'this'")
    el.add_argument("--assigned-to", metavar="NAME")
    el.add_argument("--unassigned", action="store_true")
    el.add_argument("--json", action="store_true")
    er = ex.add_parser("resolve", help="resolve one with a note")
    er.add_argument("id")
    er.add_argument("--resolution", required=True)
    er.add_argument("--by", default=None, help="who resolved it (default: this bench's user)")
    er.add_argument("--json", action="store_true")
    ea = ex.add_parser("assign", help="assign one to a person")
    ea.add_argument("id")
    ea.add_argument("--to", required=True, metavar="NAME")
    ea.add_argument("--json", action="store_true")
    en = ex.add_parser("note", help="add a note to one's thread")
    en.add_argument("id")
    en.add_argument("text")
    en.add_argument("--by", default=None)
    en.add_argument("--json", action="store_true")


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    sys.stdout.write((json.dumps(data, ensure_ascii=False, indent=2) if args.json else text()) + "\n")


def _table(rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return "(none)"
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def run(args: argparse.Namespace) -> int:
    from shipstation_desktop.services import bootstrap
    from shipstation_desktop.services import exception_queue as queue
    from shipstation_desktop.services import exceptions as exc_service
    from shipstation_desktop.services import jsonview as jv

    bench = bootstrap.open_bench(args.data_dir)
    try:
        if args.action == "list":
            f = queue.QueueFilter(
                open_only=args.open,
                resolved_only=args.resolved,
                severity=args.severity,
                type=args.type,
                older_than_hours=args.older_than_hours,
                bench_id=args.bench,
                assignee=args.assigned_to,
                unassigned_only=args.unassigned,
            )
            items = queue.query(bench, f)
            _emit(
                args,
                [jv.exception(e) for e in items],
                lambda: _table(
                    [
                        (
                            e.id,
                            e.severity.value,
                            e.type.value,
                            "open" if e.is_open else "resolved",
                            e.assigned_to or "-",
                            e.description,
                        )
                        for e in items
                    ]
                ),
            )
            return 0
        if args.action == "resolve":
            e = exc_service.resolve(bench, args.id, args.resolution, args.by)
            _emit(args, jv.exception(queue.get(bench, e.id)), lambda: f"resolved {e.id}")
        elif args.action == "assign":
            e = queue.assign(bench, args.id, args.to)
            _emit(args, jv.exception(e), lambda: f"assigned {e.id} to {e.assigned_to}")
        else:
            e = queue.add_note(bench, args.id, args.text, args.by)
            _emit(args, jv.exception(e), lambda: f"noted on {e.id} ({len(e.notes)} notes)")
        return 0
    finally:
        bench.close()
