"""The part of an adapter shared by carriers this bench only tracks (China Post, Correos).

Labels for them are bought elsewhere (a post office counter, a marketplace); the bench still
follows the parcels. Every buying method answers with one clear sentence instead of a crash.
"""

from __future__ import annotations

from collections.abc import Sequence

from shipstation_desktop.carriers.normalize import track_each
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest

from .port import AddressCheck, CarrierCapabilities, LabelRequest, PurchasedLabel, TrackingResult


class TrackingOnlyAdapter:
    """Subclasses set code, name, capabilities and implement `track` and `tracking_url`."""

    code: str
    name: str
    capabilities: CarrierCapabilities

    def _refuse(self) -> CarrierError:
        return CarrierError(f"{self.name} labels are not bought through this bench", "tracking_only")

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        raise self._refuse()

    def buy_label(self, request: LabelRequest) -> PurchasedLabel:
        raise self._refuse()

    def find_label(self, reference: str) -> PurchasedLabel | None:
        return None  # nothing is ever bought here, so nothing can be pending

    def void(self, tracking_number: str) -> None:
        raise CarrierError(f"{self.name} labels are not voided through this bench", "tracking_only")

    def validate_address(self, address: PostalAddress) -> AddressCheck:
        raise CarrierError(f"{self.name} does not check addresses for this bench", "tracking_only")

    def track(self, tracking_number: str) -> TrackingResult:
        raise NotImplementedError

    def tracking_url(self, tracking_number: str) -> str:
        raise NotImplementedError

    def track_many(self, tracking_numbers: Sequence[str]) -> dict[str, TrackingResult]:
        return track_each(self.track, tracking_numbers)  # one number per call
