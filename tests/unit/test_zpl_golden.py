"""ZPL golden files: the exact commands we send, reviewed once and then held still.

A change to the layout or the encoder shows up as a diff here. After a deliberate change, rewrite
the files with `SSD_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/test_zpl_golden.py` and
review the diff. Text drawn as a graphic (^GF) depends on FreeType's rasterizer, so its bitmap is
replaced by a placeholder in the comparison; its position still counts.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.units import Weight, WeightUnit
from shipstation_desktop.labels import LabelData, render_zpl

GOLDEN = Path(__file__).parent.parent / "data" / "labels"
_GRAPHIC = re.compile(r"\^GFA,[^^]*")

BASE = LabelData(
    carrier="UPS",
    service="Ground",
    tracking_number="1Z999AA10123456784",
    reference="SO-10002",
    weight=Weight.of("2.5", WeightUnit.LB),
    ship_from=PostalAddress(
        "Demo Warehouse", "500 Industrial Way", "Reno", "89502", "US", state="NV", company="ShipStation Desktop Demo"
    ),
    ship_to=PostalAddress("Jane Doe", "42 Elm St", "Springfield", "62704", "US", state="IL", line2="Apt 5"),
    date=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    tracking_url="https://www.ups.com/track?tracknum=1Z999AA10123456784",
)

CASES: dict[str, LabelData] = {
    "ups_english": BASE,
    "usps_priority": replace(
        BASE,
        carrier="USPS",
        service="Priority Mail",
        tracking_number="9400111899223197428490",
        ship_to=replace(BASE.ship_to, postal_code="62704-1234"),
        tracking_url="",
    ),
    "spanish_caret": replace(
        BASE,
        ship_to=PostalAddress("José Núñez ^XZ~JA", "Calle de Alcalá 42, 3º izq.", "Málaga", "29001", "ES"),
    ),
    "cyrillic": replace(BASE, ship_to=PostalAddress("Иван Петров", "ул. Ленина, д. 5", "Москва", "101000", "RU")),
    "chinese": replace(BASE, ship_to=PostalAddress("王小明", "建国路88号", "北京", "100022", "CN")),
    "overlong": replace(
        BASE,
        reference="SO-" + "9" * 80,
        ship_to=PostalAddress(
            "Maximilian Alexander Theodor von Habsburg-Lothringen-Hohenzollern",
            "Einhundertdreiundzwanzigtausendvierhundertsechsundfünfzig Straße 1234, Hinterhaus, 5. OG",
            "Garmisch-Partenkirchen",
            "82467",
            "DE",
            company="Internationale Speditions- und Logistikgesellschaft mbH & Co. KG",
        ),
    ),
}


def normalized(zpl: bytes) -> str:
    return _GRAPHIC.sub("^GFA,<graphic>", zpl.decode("utf-8"))


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("case", list(CASES))
def test_zpl_matches_its_golden_file(case: str, dpi: int) -> None:
    got = normalized(render_zpl(CASES[case], dpi))
    path = GOLDEN / f"{case}_{dpi}.zpl"
    if os.environ.get("SSD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), f"{path} is missing; create it with SSD_UPDATE_GOLDEN=1"
    assert got == path.read_text(encoding="utf-8")
