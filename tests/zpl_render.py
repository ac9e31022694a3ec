"""A tiny ZPL interpreter for tests: draws what our labels use (^FO ^GB ^GF ^BY ^BC ^A0 ^FR) into an image.

It exists so tests can scan the ZPL barcodes with a real decoder and check every field lies on the
label, without a printer. ^BC is decoded from its invocation codes here, independently of the
encoder that wrote them (labels/code128.py); only the bar patterns (a fixed table) are shared.
Text (^A0) is drawn as a filled box of the estimated width, which is what bounds checks need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageDraw

from shipstation_desktop.labels.code128 import _PATTERNS
from shipstation_desktop.labels.zpl import measure

_COMMAND = re.compile(r"[\^~][A-Z@][A-Z0-9@]?")


@dataclass
class Field:
    kind: str  # text | box | graphic | barcode
    x: int
    y: int
    width: int
    height: int
    data: str = ""
    module: int = 0


@dataclass
class Rendered:
    image: Image.Image  # mode "1": 1 = ink
    width: int
    length: int
    fields: list[Field] = field(default_factory=list)


def _split(zpl: str) -> list[tuple[str, str]]:
    out = []
    positions = [m.start() for m in _COMMAND.finditer(zpl)]
    for i, start in enumerate(positions):
        end = positions[i + 1] if i + 1 < len(positions) else len(zpl)
        chunk = zpl[start:end]
        name = chunk[:3]
        out.append((name, chunk[3:]))
    return out


def render(zpl: bytes) -> Rendered:
    text = zpl.decode("utf-8")
    # ^FD data runs to ^FS and may contain anything but ^ and ~; protect it before splitting.
    formats = text.count("^XA")
    assert formats == 1, f"expected one format, got {formats}"
    width = int(re.search(r"\^PW(\d+)", text).group(1))  # type: ignore[union-attr]
    length = int(re.search(r"\^LL(\d+)", text).group(1))  # type: ignore[union-attr]
    image = Image.new("1", (width, length), 0)
    out = Rendered(image, width, length)
    x = y = 0
    module = 2
    font_h = 0
    reverse = False
    pending_barcode: tuple[int, int] | None = None  # (height, interpretation)
    for name, arg in _split(text):
        if name == "^FO":
            x, y = (int(v) for v in arg.split(",")[:2])
        elif name == "^A0":
            font_h = int(arg.lstrip("N,").split(",")[0])
        elif name == "^FR":
            reverse = True
        elif name == "^BY":
            module = int(arg.split(",")[0])
        elif name == "^BC":
            parts = arg.split(",")
            pending_barcode = (int(parts[1]), 0)
            assert parts[5] == "N", "our labels use ^BC mode N"
        elif name == "^GB":
            w, h, _t = (int(v) for v in arg.split(",")[:3])
            _paint(out, Field("box", x, y, w, h), Image.new("1", (w, h), 1), reverse)
            reverse = False
        elif name == "^GF":
            graphic = decode_graphic(arg)
            _paint(out, Field("graphic", x, y, graphic.width, graphic.height), graphic, reverse)
            reverse = False
        elif name == "^FD":
            if pending_barcode is not None:
                values = invocation_values(arg)
                bars = _bars(values, module)
                height = pending_barcode[0]
                strip = Image.new("1", (bars.width, height), 0)
                strip.paste(bars.resize((bars.width, height)), (0, 0))
                _paint(out, Field("barcode", x, y, bars.width, height, arg, module), strip, reverse)
                pending_barcode = None
            else:
                shown = re.sub(r"_([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), arg)
                w = int(measure(shown, font_h, False))
                box = Image.new("1", (max(1, w), font_h), 0)
                ImageDraw.Draw(box).rectangle((0, font_h // 4, w, font_h * 3 // 4), fill=1)
                _paint(out, Field("text", x, y, w, font_h, shown), box, reverse)
            reverse = False
    return out


def _paint(out: Rendered, f: Field, ink: Image.Image, reverse: bool) -> None:
    out.fields.append(f)
    region = out.image.crop((f.x, f.y, f.x + ink.width, f.y + ink.height))
    merged = ImageChops.logical_xor(region, ink) if reverse else ImageChops.logical_or(region, ink)
    out.image.paste(merged, (f.x, f.y))


def decode_graphic(arg: str) -> Image.Image:
    """^GFA,total,total,bytes_per_row,data with Zebra's ASCII compression."""
    kind, total, _count, per_row, data = arg.split(",", 4)
    assert kind == "A"
    total_i, per_row_i = int(total), int(per_row)
    hex_per_row = per_row_i * 2
    rows: list[str] = []
    current = ""
    repeat = 0
    for ch in data:
        if "G" <= ch <= "Y":
            repeat += ord(ch) - ord("G") + 1
        elif "g" <= ch <= "z":
            repeat += (ord(ch) - ord("g") + 1) * 20
        elif ch == ",":
            current = current.ljust(hex_per_row, "0")
        elif ch == "!":
            current = current.ljust(hex_per_row, "F")
        elif ch == ":":
            rows.append(rows[-1])
            continue
        elif ch in "0123456789ABCDEF":
            current += ch * (repeat or 1)
            repeat = 0
        else:
            raise AssertionError(f"unexpected {ch!r} in graphic data")
        if len(current) >= hex_per_row:
            assert len(current) == hex_per_row, "a row overflowed its byte count"
            rows.append(current)
            current = ""
    assert not current, "graphic data ends mid-row"
    raw = bytes.fromhex("".join(rows))
    assert len(raw) == total_i, f"graphic has {len(raw)} bytes, header says {total_i}"
    height = total_i // per_row_i
    return Image.frombytes("1", (per_row_i * 8, height), raw)


def invocation_values(data: str) -> list[int]:
    """Code 128 symbol values (start .. last data symbol) from ^BC mode N field data."""
    values: list[int] = []
    subset = "B"
    i = 0
    starts = {">9": ("A", 103), ">:": ("B", 104), ">;": ("C", 105)}
    if data[:2] in starts:
        subset, start = starts[data[:2]]
        values.append(start)
        i = 2
    else:
        values.append(104)
    while i < len(data):
        if data[i] == ">":
            code = data[i : i + 2]
            i += 2
            if code == ">8":
                values.append(102)
            elif code == ">5":
                values.append(99)
                subset = "C"
            elif code == ">6":
                values.append(100)
                subset = "B"
            else:
                raise AssertionError(f"unexpected invocation code {code}")
        elif subset == "C":
            values.append(int(data[i : i + 2]))
            i += 2
        else:
            values.append(ord(data[i]) - 32)
            i += 1
    return values


def _bars(values: list[int], module: int) -> Image.Image:
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    widths = "".join(_PATTERNS[v] for v in [*values, check, 106])
    total = sum(int(w) for w in widths) * module
    row = Image.new("1", (total, 1), 0)
    draw = ImageDraw.Draw(row)
    xpos = 0
    for i, w in enumerate(widths):
        span = int(w) * module
        if i % 2 == 0:
            draw.rectangle((xpos, 0, xpos + span - 1, 0), fill=1)
        xpos += span
    return row


def to_grey(rendered: Rendered, quiet: int = 40) -> Image.Image:
    """Ink black on white paper, with a white border so decoders see the label edge."""
    paper = Image.new("L", (rendered.width + 2 * quiet, rendered.length + 2 * quiet), 255)
    paper.paste(0, (quiet, quiet), rendered.image)
    return paper
