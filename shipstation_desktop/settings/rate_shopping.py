"""Rate-shopping settings: preferred carriers per customer or destination (the rule and N live in
BenchSettings as rate_rule / rate_within_days; excluded services as excluded_services)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shipstation_desktop.domain.rate_rules import PreferredCarrier


class PreferredCarrierRule(BaseModel):
    """Ship with `carrier` (and `service`) when every condition that is set matches; none set: always.

    `customer` matches the customer's email or external id; `postal_prefix` the start of the ship-to
    postal code (spaces and hyphens ignored).
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    carrier: str = Field(min_length=1)
    service: str = ""
    customer: str = ""
    country: str = Field("", max_length=2)
    state: str = ""
    postal_prefix: str = ""

    def domain(self) -> PreferredCarrier:
        return PreferredCarrier(
            carrier=self.carrier.strip().lower(),
            service=self.service.strip(),
            customer=self.customer.strip(),
            country=self.country.strip().upper(),
            state=self.state.strip().upper(),
            postal_prefix=self.postal_prefix.strip(),
        )
