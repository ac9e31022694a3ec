"""Fitting text into a box: shrink, then wrap, then truncate; never past the box.

Unit-free: sizes and widths are in whatever the renderer measures in (points for the PDF, dots for
ZPL). The renderer passes its own `measure`, because only it knows how wide its fonts really are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# (text, size, bold) -> width in the renderer's unit.
Measure = Callable[[str, float, bool], float]

LEADING = 1.2  # line pitch as a multiple of the text size
_TOKENS = re.compile(r"\S+\s*")


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    bold: bool = False


def fit_line(
    text: str, measure: Measure, size: float, min_size: float, width: float, *, bold: bool, step: float, ellipsis: str
) -> tuple[str, float]:
    """Shrink until `text` fits `width`; at the smallest size, truncate it with `ellipsis`."""
    while size > min_size and measure(text, size, bold) > width:
        size = max(min_size, size - step)
    if measure(text, size, bold) <= width:
        return text, size
    return truncate(text, measure, size, width, bold=bold, ellipsis=ellipsis), size


def truncate(text: str, measure: Measure, size: float, width: float, *, bold: bool, ellipsis: str) -> str:
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits with the ellipsis after it
        mid = (lo + hi + 1) // 2
        if measure(text[:mid].rstrip() + ellipsis, size, bold) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + ellipsis


def fit_block(
    lines: Sequence[Line],
    measure: Measure,
    size: float,
    min_size: float,
    width: float,
    height: float,
    *,
    step: float,
    ellipsis: str,
) -> tuple[list[Line], float]:
    """Lay `lines` out in a width x height box; returns the visual lines and the size used.

    Largest size first; a line too long for the width wraps onto the next. When even the smallest
    size cannot hold every wrapped line, each address line keeps one row and is shortened instead:
    losing the end of a street name is better than losing the city and ZIP below it.
    """
    s = size
    while True:
        wrapped = [row for line in lines for row in _wrap(line, measure, s, width)]
        if _height(len(wrapped), s) <= height:
            return wrapped, s
        if s <= min_size:
            break
        s = max(min_size, s - step)
    s = min_size
    while s > step and _height(len(lines), s) > height:
        s -= step  # more lines than the box was designed for: smaller still, never outside
    out = [
        Line(fit_line(line.text, measure, s, s, width, bold=line.bold, step=step, ellipsis=ellipsis)[0], line.bold)
        for line in lines
    ]
    return out, s


def wrap_rows(
    text: str, measure: Measure, size: float, width: float, max_rows: int, *, bold: bool, ellipsis: str
) -> list[str]:
    """`text` wrapped at `size`; past `max_rows` the last row kept ends with `ellipsis`."""
    rows = [row.text for row in _wrap(Line(text, bold), measure, size, width)]
    if len(rows) <= max_rows:
        return rows
    last = " ".join(rows[max_rows - 1 :])
    return [*rows[: max_rows - 1], truncate(last, measure, size, width, bold=bold, ellipsis=ellipsis)]


def _height(rows: int, size: float) -> float:
    return size + (rows - 1) * size * LEADING if rows else 0.0


def _wrap(line: Line, measure: Measure, size: float, width: float) -> list[Line]:
    if measure(line.text, size, line.bold) <= width:
        return [line]
    rows: list[str] = []
    current = ""
    for token in _tokens(line.text, measure, size, width, line.bold):
        candidate = current + token
        if current and measure(candidate.rstrip(), size, line.bold) > width:
            rows.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        rows.append(current.rstrip())
    return [Line(row, line.bold) for row in rows]


def _tokens(text: str, measure: Measure, size: float, width: float, bold: bool) -> list[str]:
    """Words; a word wider than the box (or a run of CJK, which has no spaces) breaks per character."""
    out: list[str] = []
    for word in _TOKENS.findall(text):
        if measure(word.rstrip(), size, bold) <= width:
            out.append(word)
        else:
            out.extend(word)
    return out
