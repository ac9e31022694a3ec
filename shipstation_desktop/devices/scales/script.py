"""Scripts for the simulated scales: what sits on the platter over time, and how the line behaves.

A script is steps separated by commas or spaces, each `KIND[:WEIGHT][/SECONDS]`, or a bare weight
(a settled parcel): e.g. "zero/1, motion:1.25kg/0.8, 1.25kg/3, over/2, unplug/1.5, 1.25kg".
Kinds: zero, motion, stable, over, under, fault (what the scale shows), unplug (the line goes away),
silent (the scale stops answering), noise (garbage before every frame). A step without SECONDS lasts
one second, except the last, which lasts for ever (or one second, when the script loops).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.units import GRAMS_PER, WeightUnit


class StepKind(StrEnum):
    ZERO = "zero"
    MOTION = "motion"
    STABLE = "stable"
    OVER = "over"
    UNDER = "under"
    FAULT = "fault"
    UNPLUG = "unplug"
    SILENT = "silent"
    NOISE = "noise"


# Steps that change the line, not the platter: the platter keeps what the step before put on it.
LINE_STEPS = frozenset({StepKind.UNPLUG, StepKind.SILENT, StepKind.NOISE})
_NEEDS_WEIGHT = frozenset({StepKind.MOTION, StepKind.STABLE})
_TAKES_WEIGHT = _NEEDS_WEIGHT | {StepKind.OVER, StepKind.UNDER}

DEFAULT_SCRIPT = "zero/1, motion:1.25kg/1, 1.25kg"
_STEP_S = 1.0
_WEIGHT = r"(\d+(?:\.\d+)?)(g|kg|lb|oz)"
_TOKEN = re.compile(
    rf"(?:(?P<kind>[a-z]+)(?::{_WEIGHT})?|(?P<value>\d+(?:\.\d+)?)(?P<unit>g|kg|lb|oz))(?:/(?P<s>\d+(?:\.\d+)?))?"
)


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    grams: Decimal | None  # what sits on the platter (None: the kind's own default)
    seconds: float | None  # None: for ever


@dataclass(frozen=True, slots=True)
class Script:
    steps: tuple[Step, ...]
    loop: bool = False

    def at(self, elapsed: float) -> tuple[int, Step]:
        """The step (and its index) in force `elapsed` seconds after the start."""
        total = sum(s.seconds or 0.0 for s in self.steps)
        if self.loop and total > 0:
            elapsed %= total
        for index, step in enumerate(self.steps):
            if step.seconds is None or elapsed < step.seconds:
                return index, step
            elapsed -= step.seconds
        return len(self.steps) - 1, self.steps[-1]

    def platter(self, index: int) -> Step | None:
        """The step that decides what is on the platter at step `index` (line steps keep the last)."""
        for step in reversed(self.steps[: index + 1]):
            if step.kind not in LINE_STEPS:
                return step
        return None


def parse_script(text: str, *, loop: bool = False) -> Script:
    tokens = [t for t in re.split(r"[,\s]+", text.strip().lower()) if t]
    if not tokens:
        raise UserError("the script is empty; e.g. 'zero/1, motion:1.25kg/1, 1.25kg'")
    steps: list[Step] = []
    grams: Decimal | None
    for position, token in enumerate(tokens):
        m = _TOKEN.fullmatch(token)
        if m is None:
            raise UserError(f"script step {token!r} is not KIND[:WEIGHT][/SECONDS] or a weight like 1.25kg")
        if m.group("value"):
            kind, grams = StepKind.STABLE, _grams(m.group("value"), m.group("unit"))
        else:
            try:
                kind = StepKind(m.group("kind"))
            except ValueError:
                kinds = ", ".join(k.value for k in StepKind)
                raise UserError(f"script step {token!r}: unknown kind (one of {kinds})") from None
            grams = _grams(m.group(2), m.group(3)) if m.group(2) else None
            if kind in _NEEDS_WEIGHT and grams is None:
                raise UserError(f"script step {token!r} needs a weight, e.g. {kind.value}:1.25kg")
            if kind not in _TAKES_WEIGHT and grams is not None:
                raise UserError(f"script step {token!r}: {kind.value} takes no weight")
        last = position == len(tokens) - 1
        seconds = float(m.group("s")) if m.group("s") else (None if last and not loop else _STEP_S)
        steps.append(Step(kind, grams, seconds))
    return Script(tuple(steps), loop)


def _grams(value: str, unit: str) -> Decimal:
    return Decimal(value) * GRAMS_PER[WeightUnit(unit)]
