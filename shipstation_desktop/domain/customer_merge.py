"""Merging two customers field by field: which side each field comes from, pure.

The person merging may choose "survivor" or "merged" for any of MERGE_FIELDS. A field not chosen
keeps the survivor's value, unless the survivor has none and the merged customer has one (an empty
phone is filled, never a typed one replaced). Status is the exception: a BLOCKED customer stays
blocked whichever side was, then VIP wins over the rest — a merge must not quietly lift a block.
Tags are always the union; custom fields are the union too, with the chosen side winning on a key
both hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from .customer_rules import normalize_tags
from .enums import CustomerStatus
from .errors import UserError

MERGE_FIELDS = ("email", "name", "phone", "date_of_birth", "gender", "status", "source", "external_id", "custom_fields")
_STATUS_WEIGHT = {CustomerStatus.BLOCKED.value: 2, CustomerStatus.VIP.value: 1}


class Side(StrEnum):
    SURVIVOR = "survivor"
    MERGED = "merged"


def parse_choices(choices: Mapping[str, str] | None) -> dict[str, Side]:
    """{field: side} checked: unknown fields and sides are refused with the valid ones named."""
    out: dict[str, Side] = {}
    for name, side in (choices or {}).items():
        if name not in MERGE_FIELDS:
            raise UserError(f"cannot choose {name!r} in a merge; choose among {', '.join(MERGE_FIELDS)}")
        try:
            out[name] = Side(str(side).strip().lower())
        except ValueError:
            raise UserError(f"{name}: take it from 'survivor' or 'merged', not {side!r}") from None
    return out


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {}


def sides(survivor: Mapping[str, Any], merged: Mapping[str, Any], choices: Mapping[str, Side]) -> dict[str, Side]:
    """Where each of MERGE_FIELDS comes from, given both customers' values and the choices made."""
    out: dict[str, Side] = {}
    for name in MERGE_FIELDS:
        if name in choices:
            out[name] = choices[name]
        elif name == "status":
            heavier = _STATUS_WEIGHT.get(merged[name], 0) > _STATUS_WEIGHT.get(survivor[name], 0)
            out[name] = Side.MERGED if heavier else Side.SURVIVOR
        elif _empty(survivor[name]) and not _empty(merged[name]):
            out[name] = Side.MERGED
        else:
            out[name] = Side.SURVIVOR
    return out


def merged_tags(survivor: list[str] | tuple[str, ...], merged: list[str] | tuple[str, ...]) -> list[str]:
    """The survivor's tags, then the merged customer's new ones (case-insensitively new)."""
    return list(normalize_tags([*survivor, *merged]))


def merged_custom_fields(
    survivor: Mapping[str, Any], merged: Mapping[str, Any], winner: Side
) -> tuple[dict[str, Any], bool]:
    """(the union, with `winner`'s value on a shared key; whether any value came from the merged side)."""
    result = {**survivor, **merged} if winner is Side.MERGED else {**merged, **survivor}
    from_merged = any(k not in survivor or survivor[k] != v for k, v in result.items())
    return result, from_merged
