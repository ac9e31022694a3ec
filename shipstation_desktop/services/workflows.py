"""Finding order status workflows: the bench's own (<data dir>/workflows/<name>.json) first, then the
shipped ones (resources/workflows/), then the built-in default. Settings' `order_workflow` names the
active one. Parsing and checks live in domain/order_workflow.py; this module only reads files.
"""

from __future__ import annotations

import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from shipstation_desktop.domain.order_workflow import (
    DEFAULT_WORKFLOW,
    DEFAULT_WORKFLOW_NAME,
    Workflow,
    WorkflowError,
    parse_workflow,
)

from .bench import Bench

_cache: dict[tuple[str, str, float], Workflow] = {}
_lock = threading.Lock()


def _bench_dir(bench: Bench) -> Path:
    return bench.paths.data_dir / "workflows"


def _shipped(name: str) -> str | None:
    res = resources.files("shipstation_desktop").joinpath("resources", "workflows", f"{name}.json")
    return res.read_text("utf-8") if res.is_file() else None


def load_text(text: str, origin: str, name: str | None = None) -> Workflow:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkflowError(f"{origin} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise WorkflowError(f"{origin} must hold a JSON object with 'transitions'")
    return parse_workflow(data, name)


def load_file(path: Path) -> Workflow:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise WorkflowError(f"cannot read workflow file {path}: {exc.strerror}") from None
    return load_text(text, str(path))


def find(bench: Bench, name: str) -> Workflow:
    """The named workflow; a bench's own file overrides a shipped one of the same name."""
    own = _bench_dir(bench) / f"{name}.json"
    if own.is_file():
        key = (str(own), name, own.stat().st_mtime)  # re-read when someone edits the file
        with _lock:
            cached = _cache.get(key)
        if cached is None:
            cached = load_text(own.read_text("utf-8"), str(own), name)
            with _lock:
                _cache[key] = cached
        return cached
    shipped_key = ("shipped", name, 0.0)
    with _lock:
        cached = _cache.get(shipped_key)
    if cached is not None:
        return cached
    text = _shipped(name)
    if text is None:
        if name == DEFAULT_WORKFLOW_NAME:
            return DEFAULT_WORKFLOW
        known = ", ".join(names(bench))
        raise WorkflowError(f"no order workflow {name!r} (known: {known})")
    workflow = load_text(text, f"workflow {name}", name)
    with _lock:
        _cache[shipped_key] = workflow
    return workflow


def active(bench: Bench) -> Workflow:
    return find(bench, bench.settings.order_workflow)


def names(bench: Bench) -> list[str]:
    found = {DEFAULT_WORKFLOW_NAME}
    shipped = resources.files("shipstation_desktop").joinpath("resources", "workflows")
    if shipped.is_dir():
        found |= {p.name[: -len(".json")] for p in shipped.iterdir() if p.name.endswith(".json")}
    own = _bench_dir(bench)
    if own.is_dir():
        found |= {p.stem for p in own.glob("*.json")}
    return sorted(found)
