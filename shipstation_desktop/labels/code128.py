"""Code 128 (and GS1-128) encoding, once, for both renderers.

The PDF draws the bars from `Symbol.bars`; the ZPL sends `Symbol.zpl_data` to ^BC in "no mode"
(N) with explicit start and subset invocation codes, so the printer builds exactly the symbol whose
width was computed here. Knowing the exact width is what lets the label keep the quiet zones on
the label at the printer's dpi instead of guessing.

Only subsets B (printable ASCII) and C (digit pairs) are used: shipping data never needs the
control characters of subset A. Set changes are chosen by a small dynamic programme, so the symbol
is the shortest that B/C can make (long digit runs in C, letters in B).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# Bar/space widths (in modules) of symbol values 0..105; 106 is the stop pattern (with its final bar).
_PATTERNS: tuple[str, ...] = tuple(
    " ".join(
        (
            "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232",
            "122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122",
            "321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311",
            "211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113",
            "213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422",
            "121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111",
            "241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121",
            "412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412",
            "211214 211232 2331112",
        )
    ).split()
)

CODE_C, CODE_B, FNC1 = 99, 100, 102
START_B, START_C, STOP = 104, 105, 106
QUIET_MODULES = 10  # ISO/IEC 15417: at least ten modules of white on each side

_B, _C = "B", "C"
# ZPL ^BC invocation codes (ZPL II guide, "Code 128 Invocation Characters").
_ZPL_START = {_B: ">:", _C: ">;"}
_ZPL_SWITCH = {_B: ">6", _C: ">5"}  # the code that switches *to* this subset
_ZPL_FNC1 = ">8"
# Characters ZPL would read as commands or invocation prefixes inside ^FD.
_ZPL_UNSAFE = frozenset("^~>")


class _Fnc1:
    def __repr__(self) -> str:
        return "FNC1"


FNC1_MARK = _Fnc1()
Item = str | _Fnc1


@dataclass(frozen=True, slots=True)
class Symbol:
    values: tuple[int, ...]  # start, data, check and stop symbol values
    zpl_data: str  # ^FD content for ^BC in mode N

    @property
    def modules(self) -> int:
        """Width of the bars in modules, quiet zones excluded."""
        return 11 * (len(self.values) - 1) + 13

    @property
    def bars(self) -> list[tuple[int, int]]:
        """(offset, width) of every dark bar, in modules from the first bar."""
        out: list[tuple[int, int]] = []
        x = 0
        for value in self.values:
            for i, w in enumerate(_PATTERNS[value]):
                width = int(w)
                if i % 2 == 0:
                    out.append((x, width))
                x += width
        return out


def encode(data: str) -> Symbol:
    """Plain Code 128 of printable ASCII `data` (a tracking number, a reference)."""
    if not data:
        raise ValueError("a Code 128 symbol needs at least one character")
    bad = sorted({c for c in data if not " " <= c <= "~"})
    if bad:
        raise ValueError(f"Code 128 cannot carry {''.join(bad)!r} in subsets B and C")
    return _build(list(data))


def encode_gs1(elements: Sequence[str]) -> Symbol:
    """GS1-128: FNC1 first, then each element string (AI + data), FNC1 between elements.

    Every element but the last is treated as variable length, so it is always followed by FNC1
    (the separator USPS IMpb requires after "420" + ZIP even though GS1 would not).
    """
    if not elements or not all(elements):
        raise ValueError("GS1-128 needs at least one non-empty element string")
    items: list[Item] = []
    for element in elements:
        items.append(FNC1_MARK)
        items.extend(element)
    if any(isinstance(c, str) and not " " <= c <= "~" for c in items):
        raise ValueError("GS1-128 element strings must be printable ASCII")
    return _build(items)


def _is_digit(item: Item) -> bool:
    return isinstance(item, str) and "0" <= item <= "9"


def _build(items: list[Item]) -> Symbol:
    plan = _plan(tuple(items))
    values: list[int] = []
    zpl: list[str] = []
    current = ""
    i = 0
    for step in plan:
        kind, subset = step
        if kind == "start":
            values.append(START_B if subset == _B else START_C)
            zpl.append(_ZPL_START[subset])
            current = subset
        elif kind == "switch":
            values.append(CODE_B if subset == _B else CODE_C)
            zpl.append(_ZPL_SWITCH[subset])
            current = subset
        elif kind == "fnc1":
            values.append(FNC1)
            zpl.append(_ZPL_FNC1)
            i += 1
        elif current == _C:
            pair = f"{items[i]}{items[i + 1]}"
            values.append(int(pair))
            zpl.append(pair)
            i += 2
        else:
            char = items[i]
            assert isinstance(char, str)
            if char in _ZPL_UNSAFE:
                raise ValueError(f"{char!r} cannot be sent inside a ZPL barcode field")
            values.append(ord(char) - 32)
            zpl.append(char)
            i += 1
    check = (values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))) % 103
    values.extend((check, STOP))
    return Symbol(tuple(values), "".join(zpl))


@lru_cache(maxsize=1024)
def _plan(items: tuple[Item, ...]) -> list[tuple[str, str]]:
    """The shortest sequence of (step, subset): "start", "switch", "fnc1", "data".

    cost[i][s] = fewest symbols to encode items[i:] when subset s is active at i.
    """
    n = len(items)
    inf = 10**9
    cost: list[dict[str, int]] = [{_B: inf, _C: inf} for _ in range(n + 1)]
    cost[n] = {_B: 0, _C: 0}
    for i in range(n - 1, -1, -1):
        here = {_B: inf, _C: inf}
        item = items[i]
        if isinstance(item, _Fnc1):
            here = {_B: 1 + cost[i + 1][_B], _C: 1 + cost[i + 1][_C]}
        else:
            here[_B] = 1 + cost[i + 1][_B]
            if i + 1 < n and _is_digit(item) and _is_digit(items[i + 1]):
                here[_C] = 1 + cost[i + 2][_C]
        # A switch costs one symbol and is only worth it when it leads somewhere cheaper.
        cost[i] = {
            _B: min(here[_B], 1 + here[_C]),
            _C: min(here[_C], 1 + here[_B]),
        }
    first = _C if cost[0][_C] < cost[0][_B] else _B
    steps: list[tuple[str, str]] = [("start", first)]
    subset, i = first, 0
    while i < n:
        item = items[i]
        other = _B if subset == _C else _C
        stay = _stay_cost(items, cost, i, subset)
        if stay > 1 + _stay_cost(items, cost, i, other):
            steps.append(("switch", other))
            subset = other
        if isinstance(item, _Fnc1):
            steps.append(("fnc1", subset))
            i += 1
        else:
            steps.append(("data", subset))
            i += 2 if subset == _C else 1
    return steps


def _stay_cost(items: tuple[Item, ...], cost: list[dict[str, int]], i: int, subset: str) -> int:
    """Symbols needed from i on if the next symbol is encoded in `subset` (no switch first)."""
    item = items[i]
    if isinstance(item, _Fnc1):
        return 1 + cost[i + 1][subset]
    if subset == _B:
        return 1 + cost[i + 1][_B]
    if i + 1 < len(items) and _is_digit(item) and _is_digit(items[i + 1]):
        return 1 + cost[i + 2][_C]
    return 10**9
