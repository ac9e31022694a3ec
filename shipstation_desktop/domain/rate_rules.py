"""Rate shopping: which offered rate the bench preselects, and a one-line reason the packer reads.

Order of decisions: excluded carriers/services are dropped; then the most specific preferred-carrier rule
that matches the customer or destination wins when its carrier has a rate; otherwise the base rule
(cheapest, fastest, cheapest within N days with fastest as the fallback) picks. Ties always break the same
way (domain.rates.cheapest_key / fastest_key), so two benches preselect the same rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .enums import RateRule
from .errors import UserError
from .models import Package, PostalAddress
from .rates import Rate, cheapest_key, fastest_key


def _norm_postal(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


@dataclass(frozen=True, slots=True)
class RateContext:
    """Who and where the parcel goes: what preferred-carrier rules match on."""

    ship_to: PostalAddress | None = None
    customer_email: str = ""
    customer_external_id: str = ""
    customer_name: str = ""


@dataclass(frozen=True, slots=True)
class PreferredCarrier:
    """Ship with `carrier` (and `service`, if given) when every condition that is set matches.

    `customer` is an email or an external id; a rule with no condition applies to every parcel.
    """

    carrier: str
    service: str = ""
    customer: str = ""
    country: str = ""
    state: str = ""
    postal_prefix: str = ""

    def matches(self, ctx: RateContext) -> bool:
        if self.customer:
            wanted = self.customer.strip().lower()
            known = {ctx.customer_email.strip().lower(), ctx.customer_external_id.strip().lower()} - {""}
            if wanted not in known:
                return False
        if self.country or self.state or self.postal_prefix:
            to = ctx.ship_to
            if to is None:
                return False
            if self.country and self.country.strip().upper() != to.country.strip().upper():
                return False
            if self.state and self.state.strip().upper() != to.state.strip().upper():
                return False
            if self.postal_prefix and not _norm_postal(to.postal_code).startswith(_norm_postal(self.postal_prefix)):
                return False
        return True

    @property
    def specificity(self) -> tuple[bool, int, bool, bool]:
        """A customer's rule beats a postal prefix (longer first), which beats a state, then a country."""
        return (bool(self.customer), len(_norm_postal(self.postal_prefix)), bool(self.state), bool(self.country))

    def offers(self, rate: Rate) -> bool:
        if rate.carrier.strip().lower() != self.carrier.strip().lower():
            return False
        return not self.service or rate.service.strip().lower() == self.service.strip().lower()

    def scope(self, ctx: RateContext) -> str:
        if self.customer:
            who = ctx.customer_name or self.customer
            return f"customer {who}"
        if self.postal_prefix:
            return f"postal codes {self.postal_prefix.strip().upper()}…"
        where = ", ".join(x.strip().upper() for x in (self.state, self.country) if x)
        return f"destination {where}" if where else "every parcel"

    @property
    def what(self) -> str:
        return f"service {self.carrier}/{self.service}" if self.service else f"carrier {self.carrier}"


@dataclass(frozen=True, slots=True)
class RatePolicy:
    rule: RateRule = RateRule.CHEAPEST
    within_days: int = 3
    preferred: tuple[PreferredCarrier, ...] = ()
    # "ups" drops a carrier, "ups/GROUND" one of its services, "*/GROUND" that service at every carrier.
    excluded: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RateChoice:
    rate: Rate | None
    reason: str
    offered: tuple[Rate, ...]  # the rates left after exclusions, in the order given


def is_excluded(rate: Rate, excluded: Sequence[str]) -> bool:
    carrier, service = rate.carrier.strip().lower(), rate.service.strip().lower()
    for entry in excluded:
        want_carrier, _, want_service = entry.strip().lower().replace(":", "/").partition("/")
        if want_carrier not in ("*", carrier):
            continue
        if not want_service or want_service == service:
            return True
    return False


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def base_choice(rates: Sequence[Rate], rule: RateRule, within_days: int) -> tuple[Rate, str]:
    """The base rule alone over a non-empty list."""
    if rule is RateRule.FASTEST:
        return min(rates, key=fastest_key), "fastest rate"
    if rule is RateRule.CHEAPEST_WITHIN_DAYS:
        in_time = [r for r in rates if r.transit_days <= within_days]
        if in_time:
            return min(in_time, key=cheapest_key), f"cheapest within {_days(within_days)}"
        return min(rates, key=fastest_key), f"fastest: nothing arrives within {_days(within_days)}"
    return min(rates, key=cheapest_key), "cheapest rate"


def choose_rate(rates: Sequence[Rate], policy: RatePolicy, ctx: RateContext | None = None) -> RateChoice:
    ctx = ctx or RateContext()
    offered = tuple(r for r in rates if not is_excluded(r, policy.excluded))
    if not offered:
        reason = "every rate offered is excluded in this bench's settings" if rates else "no rates"
        return RateChoice(None, reason, offered)
    matching = sorted(
        (p for p in policy.preferred if p.matches(ctx)),
        key=lambda p: tuple(-int(x) for x in p.specificity),  # sorted() is stable: listing order breaks ties
    )
    missed: PreferredCarrier | None = None
    for pref in matching:
        theirs = [r for r in offered if pref.offers(r)]
        if theirs:
            rate, how = base_choice(theirs, policy.rule, policy.within_days)
            reason = f"preferred {pref.what} for {pref.scope(ctx)}"
            return RateChoice(rate, f"{reason} ({how})" if len(theirs) > 1 else reason, offered)
        missed = missed or pref
    rate, reason = base_choice(offered, policy.rule, policy.within_days)
    if missed is not None:
        reason += f"; preferred {missed.what} for {missed.scope(ctx)} has no rate"
    return RateChoice(rate, reason, offered)


def is_international(ship_from: PostalAddress, ship_to: PostalAddress) -> bool:
    return ship_from.country.strip().upper() != ship_to.country.strip().upper()


def require_declared_value(ship_from: PostalAddress, ship_to: PostalAddress, package: Package) -> None:
    """Customs needs the contents' value on every international parcel."""
    if not is_international(ship_from, ship_to):
        return
    if package.declared_value is None or package.declared_value.amount <= 0:
        route = f"{ship_from.country.strip().upper()} → {ship_to.country.strip().upper()}"
        raise UserError(
            f"A declared value is required for international shipments ({route}); enter the contents' value."
        )
