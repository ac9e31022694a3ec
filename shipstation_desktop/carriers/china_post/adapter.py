"""China Post / EMS: tracking only, with UPU S10 number checks (see tracking.py for the JSON read).

The public tracking page is China Post EMS's own site, www.ems.com.cn (the address China Post's
EMS FAQ gives for tracking international items).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierCapabilities, TrackingResult
from shipstation_desktop.carriers.tracking_numbers import is_valid_s10
from shipstation_desktop.carriers.tracking_only import TrackingOnlyAdapter
from shipstation_desktop.domain.errors import CarrierError

from .tracking import NAME, parse_data

TRACK_PATH = "/v1/tracking/{number}"
PUBLIC_TRACKING_URL = "https://www.ems.com.cn/english-main?mailNo={number}"
REQUESTS_PER_SECOND = 1.0  # no published limit; one a second is polite to a gateway


def tracking_url(tracking_number: str) -> str:
    return PUBLIC_TRACKING_URL.format(number=quote(tracking_number.strip().upper(), safe=""))


class ChinaPostAdapter(TrackingOnlyAdapter):
    code = "china_post"
    name = NAME
    capabilities = CarrierCapabilities(
        max_weight_grams=Decimal(30000),  # EMS's usual per-item limit; unused while labels are not bought here
        label_formats=(),
        dim_divisor_cm3_per_kg=Decimal(6000),
        can_void=False,
        track_batch_size=1,
        requests_per_second=REQUESTS_PER_SECOND,
    )

    def __init__(self, ctx: CarrierContext) -> None:
        self.http = ctx.http(NAME, per_second=REQUESTS_PER_SECOND)

    def track(self, tracking_number: str) -> TrackingResult:
        number = tracking_number.strip().upper()
        if not is_valid_s10(number):
            # A mistyped number never reaches the carrier: the check digit catches it here.
            raise CarrierError(f"{number} is not a valid UPU S10 number (like EA123456785CN)", "invalid_number")
        body = self.http.request("GET", TRACK_PATH.format(number=quote(number, safe="")), ok_statuses=frozenset({404}))
        if isinstance(body, dict) and body.get("_status") == 404:
            body = body.get("body") or {"error": {"code": "NOT_FOUND", "message": "unknown number"}}
        return parse_data(body, number)

    def tracking_url(self, tracking_number: str) -> str:
        return tracking_url(tracking_number)
