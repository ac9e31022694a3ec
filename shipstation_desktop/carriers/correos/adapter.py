"""Correos: tracking only, through the public locator API (no key; see tracking.py for the shape).

Correos publishes no request limit for the locator; the bench keeps to one request a second.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierCapabilities, TrackingResult
from shipstation_desktop.carriers.tracking_only import TrackingOnlyAdapter

from .tracking import NAME, parse_data

SEARCH_PATH = "/digital-services/searchengines/api/v1/"
PUBLIC_TRACKING_URL = "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={number}"
REQUESTS_PER_SECOND = 1.0


def tracking_url(tracking_number: str) -> str:
    return PUBLIC_TRACKING_URL.format(number=quote(tracking_number.strip().upper(), safe=""))


class CorreosAdapter(TrackingOnlyAdapter):
    code = "correos"
    name = NAME
    capabilities = CarrierCapabilities(
        max_weight_grams=Decimal(30000),  # Paq Premium's limit; unused while labels are not bought here
        label_formats=(),
        dim_divisor_cm3_per_kg=Decimal(6000),
        can_void=False,
        track_batch_size=1,
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        self.http = ctx.http(
            NAME, per_second=REQUESTS_PER_SECOND, default_headers={"Referer": "https://www.correos.es/"}
        )

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        body = self.http.request(
            "GET",
            SEARCH_PATH,
            params={"text": number, "language": "EN", "searchType": "envio"},
            ok_statuses=frozenset({404}),
        )
        if isinstance(body, dict) and body.get("_status") == 404:
            body = body.get("body") or {"code": "404", "message": "Not Found"}
        return parse_data(body, number)

    def tracking_url(self, tracking_number: str) -> str:
        return tracking_url(tracking_number)
