"""Ship-to address validation during the pack flow: a carrier that says the address is bad raises an
ADDRESS_ISSUE for the supervisor, but never blocks the packer, who may go on with a reason (recorded as
an override note on the exception). A carrier that cannot be reached says nothing: the flow goes on.
"""

from __future__ import annotations

import logging

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import ExceptionType
from shipstation_desktop.domain.errors import UserError

from . import exception_queue
from .bench import Bench

log = logging.getLogger(__name__)


def validating_carrier(bench: Bench, preferred: str | None = None) -> str | None:
    """The carrier to ask: the preferred one when it validates addresses, else the first enabled that does."""
    enabled = [a.code for a in bench.settings.carriers if a.enabled and a.code in bench.carriers]
    able = [c for c in enabled if bench.carriers[c].capabilities.can_validate_address]
    if preferred in able:
        return preferred
    return able[0] if able else None


def check_ship_to(bench: Bench, order: dm.Order, preferred: str | None = None) -> dm.ShipmentException | None:
    """The open ADDRESS_ISSUE for this order after asking a carrier, or None when the address is fine
    (or nobody could say). An issue already open for the order is returned as it is, not asked again."""
    already = exception_queue.find_open(bench, ExceptionType.ADDRESS_ISSUE, order_id=order.id)
    if already is not None:
        return already
    code = validating_carrier(bench, preferred)
    if code is None:
        return None
    carrier = bench.carriers[code]
    try:
        check = carrier.validate_address(order.ship_to)
    except UserError as e:  # an address check is advice: a carrier outage must not stop packing
        log.warning("address check with %s failed for order %s: %s", code, order.order_number, e)
        return None
    except Exception:  # a bug in an adapter: logged with its traceback, and still never stops packing
        log.exception("address check with %s crashed for order %s", code, order.order_number)
        return None
    if check.valid:
        return None
    why = " ".join(check.messages) or "the carrier does not recognise it"
    return exception_queue.raise_problem(
        bench,
        type=ExceptionType.ADDRESS_ISSUE,
        description=f"Order {order.order_number}: {carrier.name} could not validate the ship-to address: {why}",
        order_id=order.id,
    )


def override(bench: Bench, exception_id: str, reason: str, by: str | None = None) -> dm.ShipmentException:
    """The packer ships anyway; the reason goes on the exception for the supervisor."""
    return exception_queue.override(bench, exception_id, reason, by)
