"""Rate shopping across the bench's carriers: every enabled carrier is asked, each rate gets its
dimensional weight and insurance cost (domain/carrier_billing.py), and the bench's rules preselect one
with a reason (domain/rate_rules.py). The pack flow (packing.quote) and `shipstation-desktop rates`
both come through here, so they always agree.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.carrier_billing import with_billing
from shipstation_desktop.domain.enums import RateRule
from shipstation_desktop.domain.errors import OverWeightLimit, UserError
from shipstation_desktop.domain.rate_rules import RateContext, RatePolicy, choose_rate, require_declared_value
from shipstation_desktop.domain.rates import Rate, RateRequest, cheapest_key, require_within_limit
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.settings.model import BenchSettings

from .bench import Bench

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CarrierFailure:
    carrier: str  # code
    name: str
    error: str
    over_limit: bool = False


@dataclass(frozen=True, slots=True)
class Shopping:
    rates: tuple[Rate, ...]  # cheapest first, excluded services left out
    selected: Rate | None
    reason: str  # one line for the packer: why `selected` was preselected
    failures: tuple[CarrierFailure, ...] = ()
    excluded: int = 0  # rates the carriers offered that the bench's settings exclude


def policy_for(settings: BenchSettings, rule: RateRule | None = None, within_days: int | None = None) -> RatePolicy:
    return RatePolicy(
        rule=rule or settings.rate_rule,
        within_days=settings.rate_within_days if within_days is None else within_days,
        preferred=tuple(p.domain() for p in settings.preferred_carriers),
        excluded=tuple(settings.excluded_services),
    )


def context_for(bench: Bench, order: dm.Order) -> RateContext:
    """The order's customer and destination; the customer row is read only when a rule needs it."""
    email, external_id = order.ship_to.email, ""
    if order.customer_id and any(p.customer for p in bench.settings.preferred_carriers):
        with bench.store.session() as s:
            row = s.get(t.Customer, order.customer_id)
            if row is not None:
                email, external_id = row.email or email, row.external_id or ""
    return RateContext(order.ship_to, email, external_id, order.customer_name)


def shop(
    bench: Bench,
    request: RateRequest,
    ctx: RateContext | None = None,
    *,
    carriers: Sequence[str] | None = None,
    policy: RatePolicy | None = None,
) -> Shopping:
    """Rates from every enabled carrier (or just `carriers`); one carrier failing never hides the others."""
    require_declared_value(request.ship_from, request.ship_to, request.package)
    policy = policy or policy_for(bench.settings)
    enabled = [a.code for a in bench.settings.carriers if a.enabled and a.code in bench.carriers]
    wanted = enabled if carriers is None else [c.strip().lower() for c in carriers]
    rates: list[Rate] = []
    failures: list[CarrierFailure] = []
    for code in dict.fromkeys(wanted):
        carrier = bench.carriers.get(code)
        if carrier is None or code not in enabled:
            failures.append(CarrierFailure(code, code, "not set up or not enabled on this bench"))
            continue
        try:
            require_within_limit(request.package.weight, carrier.capabilities.max_weight_grams, carrier.name)
            offered = carrier.rates(request)
        except OverWeightLimit as e:
            failures.append(CarrierFailure(code, carrier.name, str(e), over_limit=True))
            continue
        except UserError as e:
            failures.append(CarrierFailure(code, carrier.name, str(e)))
            continue
        except Exception as e:  # a broken adapter is one carrier's problem, not the packer's
            log.exception("rates from %s failed", code)
            failures.append(CarrierFailure(code, carrier.name, f"{type(e).__name__}: {e}"))
            continue
        divisor = carrier.capabilities.dim_divisor_cm3_per_kg
        rates.extend(with_billing(r, request.package, divisor) for r in offered)
    rates.sort(key=cheapest_key)
    choice = choose_rate(rates, policy, ctx)
    return Shopping(choice.offered, choice.rate, choice.reason, tuple(failures), len(rates) - len(choice.offered))


__all__ = ["CarrierFailure", "Shopping", "context_for", "policy_for", "shop"]
