from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from shipstation_desktop.labels.code128 import QUIET_MODULES, Symbol, encode, encode_gs1
from shipstation_desktop.labels.zpl_graphics import graphic_field, repeat_code
from tests.zpl_render import decode_graphic, invocation_values


def draw(symbol: Symbol, module: int = 3, height: int = 80) -> Image.Image:
    quiet = QUIET_MODULES * module
    image = Image.new("L", (symbol.modules * module + 2 * quiet, height), 255)
    pen = ImageDraw.Draw(image)
    for offset, width in symbol.bars:
        x = quiet + offset * module
        pen.rectangle((x, 0, x + width * module - 1, height - 1), fill=0)
    return image


@pytest.mark.parametrize(
    "data",
    ["1Z999AA10123456784", "9400111899223197428490", "SO-10002", "A", "12", "123", "LSO12345678901", "abc 123/4.5"],
)
def test_symbols_decode_back(data: str) -> None:
    [code] = zxingcpp.read_barcodes(draw(encode(data)), formats=zxingcpp.BarcodeFormat.Code128)
    assert code.text == data


def test_digit_runs_use_subset_c_and_letters_subset_b() -> None:
    assert encode("1234").values[:3] == (105, 12, 34)  # start C, two pairs
    assert encode("1Z999AA10123456784").zpl_data == ">:1Z999AA1>50123456784"
    assert encode("ABC").values[0] == 104  # start B
    assert encode("123").zpl_data in (">:123", ">;12>63")  # both take 5 symbols; never more


def test_the_encoder_never_beats_a_shorter_plan_by_accident() -> None:
    # An odd digit run: one digit in B, then the pairs in C (not a switch for a single pair).
    symbol = encode("AB12345")
    assert len(symbol.values) - 3 == 2 + 1 + 1 + 2  # A B 1 CODE-C 23 45


def test_gs1_starts_with_fnc1_and_separates_elements() -> None:
    symbol = encode_gs1(["42062704", "9400111899223197428490"])
    assert symbol.values[:2] == (105, 102)  # start C, FNC1
    assert symbol.zpl_data == ">;>842062704>89400111899223197428490"
    assert invocation_values(symbol.zpl_data) == list(symbol.values[:-2])
    [code] = zxingcpp.read_barcodes(draw(symbol), text_mode=zxingcpp.TextMode.Plain)
    assert code.symbology_identifier == "]C1"
    assert code.text == "42062704\x1d9400111899223197428490"


@pytest.mark.parametrize("bad", ["", "ÄBC", "tab\there"])
def test_what_code128_cannot_carry_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        encode(bad)


def test_zpl_unsafe_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="ZPL"):
        encode("A^B")


@pytest.mark.parametrize(
    ("count", "code"), [(1, "G"), (7, "M"), (19, "Y"), (20, "g"), (40, "h"), (327, "vM"), (400, "z"), (421, "zgG")]
)
def test_zebra_repeat_counts(count: int, code: str) -> None:
    assert repeat_code(count) == code


def test_graphic_fields_round_trip() -> None:
    image = Image.new("1", (61, 9), 0)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, 60, 0), fill=1)  # a full row
    pen.rectangle((3, 2, 10, 2), fill=1)  # a short run, then white to the end
    pen.rectangle((3, 3, 10, 3), fill=1)  # the same row again
    pen.point((60, 8), fill=1)  # the last dot of the last row
    field = graphic_field(image)
    assert field.startswith("^GFA,72,72,8,")
    assert "^" not in field[1:] and "~" not in field
    data = field.split(",", 4)[4]
    assert ":" in data and "," in data  # repeated row and white-filled rows are compressed
    assert decode_graphic(field[3:]).crop((0, 0, 61, 9)).tobytes() == image.tobytes()
