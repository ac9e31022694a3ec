"""The customers list: filters on the plain columns, a typed query through the search index, pages.

Names, e-mails and phones are sealed at rest, so SQL can neither sort nor filter by them: the list is
ordered by last order (newest first, customers who never ordered last, then newest row first), and a
query goes through the blind-token index (persistence/search_index.py) with its exact re-check. A
query's total is exact up to SEARCH_CAP matches; beyond that the page says "1000+" (total_capped).

At a million customers the access path decides everything, and SQLite has no statistics to choose
it (no ANALYZE): left alone it walks the partial e-mail index for `deleted_at IS NULL` and reads the
table in random order. So each statement names the one index it may use — a column written as
`+column` hides its index from the planner — chosen from cheap covering-index counts.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, cast, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, defer, selectinload

from shipstation_desktop.domain import models as dm
from shipstation_desktop.domain.enums import CustomerSource, CustomerStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.persistence import mappers, search_index
from shipstation_desktop.persistence import tables as t

from .bench import Bench

SEARCH_CAP = 1000
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class CustomerFilter:
    """What the list shows; every field optional. Money and date bounds are inclusive."""

    status: CustomerStatus | None = None
    source: CustomerSource | None = None
    tag: str = ""  # one tag, matched exactly (case and all)
    spent_min: Decimal | None = None
    spent_max: Decimal | None = None
    last_order_from: datetime | None = None
    last_order_to: datetime | None = None
    query: str = ""  # searched like search_customers: word prefixes, phone start or end

    def has_column_filters(self) -> bool:
        return any(
            v not in (None, "")
            for v in (
                self.status,
                self.source,
                self.tag,
                self.spent_min,
                self.spent_max,
                self.last_order_from,
                self.last_order_to,
            )
        )


@dataclass(frozen=True)
class Page:
    items: list[dm.Customer]
    total: int  # every customer the filter selects; with a query, at most SEARCH_CAP
    page: int
    page_size: int
    has_more: bool
    total_capped: bool = False  # the query matched more than SEARCH_CAP customers ("1000+")


# Indexes a statement may use, by the column that leads them.
_DELETED, _STATUS, _LAST_ORDER = "deleted_at", "status", "last_order_date"
# Relative cost per row of each way to read customers (measured at 1M rows): a table scan reads
# pages in order; the status index hands rows out in rowid order; the last-order index in random order.
_SCAN_COST, _STATUS_COST, _ORDER_COST = 0.25, 0.5, 1.0


def _col(column: InstrumentedAttribute[Any], indexed: Collection[str]) -> ColumnElement[Any]:
    if column.key in indexed:
        return column  # type: ignore[return-value]
    # "+customers.status": the same value, but the planner cannot use an index for it.
    return literal_column(f"+customers.{column.key}", column.type)


def _conditions(f: CustomerFilter, indexed: Collection[str] = ()) -> list[ColumnElement[bool]]:
    c = t.Customer
    out: list[ColumnElement[bool]] = [_col(c.deleted_at, indexed).is_(None)]
    if f.status is not None:
        out.append(_col(c.status, indexed) == CustomerStatus(f.status).value)
    if f.source is not None:
        out.append(_col(c.source, indexed) == CustomerSource(f.source).value)
    if f.tag:
        # tags is a JSON text array. instr() on the tag as JSON writes it is a cheap first pass; the
        # json_each check makes it exact (an element, never part of a longer tag).
        tags = _col(c.tags, indexed)
        needles = {json.dumps(f.tag), json.dumps(f.tag, ensure_ascii=False)}
        each = func.json_each(tags).table_valued("value")
        out.append(or_(*(func.instr(tags, n) > 0 for n in sorted(needles))))
        out.append(select(each.c.value).where(each.c.value == f.tag).exists())
    # total_spent is DecimalText: as text "9" > "10", so compare numbers.
    spent = cast(_col(c.total_spent, indexed), Float)
    if f.spent_min is not None:
        out.append(spent >= float(f.spent_min))
    if f.spent_max is not None:
        out.append(spent <= float(f.spent_max))
    out += _last_order_range(f, indexed)
    return out


def _last_order_range(f: CustomerFilter, indexed: Collection[str] = ()) -> list[ColumnElement[bool]]:
    # Stored as fixed-width UTC ISO text: text order is time order, and the index serves ranges.
    last_order = _col(t.Customer.last_order_date, indexed)
    out: list[ColumnElement[bool]] = []
    if f.last_order_from is not None:
        out.append(last_order >= _aware(f.last_order_from))
    if f.last_order_to is not None:
        out.append(last_order <= _aware(f.last_order_to))
    return out


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise UserError(f"{value.isoformat()} has no time zone; last-order bounds must be aware times")
    return value


def _ordered(query: Select[int], *, by_index: bool) -> Select[int]:
    # Newest last order first; NULL (never ordered) sorts below every date when descending. Ties go
    # to the newest row: rowid is the last column of ix_customers_last_order, so walking the index
    # backwards already yields this order and no sort is needed.
    key = t.Customer.last_order_date if by_index else literal_column("+customers.last_order_date")
    return query.order_by(key.desc(), search_index.ROWID.desc())


def list_page(bench: Bench, filter: CustomerFilter | None = None, page: int = 1, page_size: int = 50) -> Page:
    """One page of the customers the filter selects, with their addresses."""
    f = filter or CustomerFilter()
    _check(f, page, page_size)
    start = (page - 1) * page_size
    with bench.store.session() as s:
        if f.query.strip():
            return _query_page(s, f, page, page_size)
        plan = _Plan.make(s, f)
        total = s.scalar(select(func.count()).select_from(t.Customer).where(*_conditions(f, plan.count_index))) or 0
        rowids: list[int] = []
        if start < total:
            by_index = plan.page_index(start + page_size, total) == _LAST_ORDER
            indexed = {_LAST_ORDER} if by_index else plan.count_index
            stmt = select(search_index.ROWID).select_from(t.Customer).where(*_conditions(f, indexed))
            rowids = list(s.scalars(_ordered(stmt, by_index=by_index).offset(start).limit(page_size)))
        items = load(s, rowids)
    return Page(items, total, page, page_size, has_more=start + len(items) < total)


def _check(f: CustomerFilter, page: int, page_size: int) -> None:
    if page < 1:
        raise UserError(f"page must be 1 or more (got {page})")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise UserError(f"page size must be between 1 and {MAX_PAGE_SIZE} (got {page_size})")
    if f.spent_min is not None and f.spent_max is not None and f.spent_min > f.spent_max:
        raise UserError(f"the minimum spent ({f.spent_min}) is above the maximum ({f.spent_max})")
    if f.last_order_from is not None and f.last_order_to is not None and f.last_order_from > f.last_order_to:
        raise UserError("the last-order range ends before it starts")


@dataclass(frozen=True)
class _Plan:
    """Row estimates from covering-index counts (each a few milliseconds at a million rows)."""

    rows: int  # every customer row, deleted ones too
    by_status: int | None  # rows with the filter's status, when it has one
    by_range: int | None  # rows in the filter's last-order range, when it has one
    count_index: frozenset[str]

    @staticmethod
    def make(s: Session, f: CustomerFilter) -> _Plan:
        c = t.Customer
        rows = s.scalar(select(func.count()).select_from(c)) or 0
        by_status = by_range = None
        if f.status is not None:
            by_status = s.scalar(select(func.count()).where(c.status == CustomerStatus(f.status).value)) or 0
        if f.last_order_from is not None or f.last_order_to is not None:
            bounds = _last_order_range(f, {_LAST_ORDER})
            by_range = s.scalar(select(func.count()).select_from(c).where(*bounds)) or 0
        if not f.has_column_filters():
            index = frozenset({_DELETED})  # the partial unique e-mail index holds exactly the live rows
        elif by_range is not None and (by_status is None or by_range * _ORDER_COST <= by_status * _STATUS_COST):
            index = frozenset({_LAST_ORDER})
        elif by_status is not None and by_status * _STATUS_COST < rows * _SCAN_COST:
            index = frozenset({_STATUS})
        else:
            index = frozenset()
        return _Plan(rows, by_status, by_range, index)

    def page_index(self, needed: int, total: int) -> str:
        """Walk the last-order index (no sort) unless the filter is so selective that reading its
        rows another way and sorting them is cheaper."""
        walk = needed * self.rows / max(total, 1)
        if self.by_range is not None:
            walk = min(walk, self.by_range)
        other = self.by_status * _STATUS_COST if _STATUS in self.count_index and self.by_status is not None else None
        if other is None:
            other = self.rows * _SCAN_COST
        return _LAST_ORDER if walk * _ORDER_COST <= other else ""


def _query_page(s: Session, f: CustomerFilter, page: int, page_size: int) -> Page:
    # The search index drives: filters are checked on each candidate's row, never through an index.
    # For the usual typed prefix (an exact query) the index's answer is counted as it is, and only
    # the page's customers are re-checked (search_index.matching_rowids).
    where = _conditions(f)[1:]
    matched = search_index.matching_rowids(s.connection(), f.query, limit=SEARCH_CAP + 1, where=where)
    capped = len(matched) > SEARCH_CAP
    matched = matched[:SEARCH_CAP]
    start = (page - 1) * page_size
    rowids: list[int] = []
    if start < len(matched):
        stmt = select(search_index.ROWID).select_from(t.Customer).where(search_index.ROWID.in_(matched))
        rowids = list(s.scalars(_ordered(stmt, by_index=False).offset(start).limit(page_size)))
    items = search_index.verified(f.query, load(s, rowids))
    return Page(items, len(matched), page, page_size, has_more=start + len(rowids) < len(matched), total_capped=capped)


def load(s: Session, rowids: Sequence[int]) -> list[dm.Customer]:
    """The customers with these rowids, whole (addresses too), in the order given."""
    if not rowids:
        return []
    rows = s.execute(
        select(t.Customer, search_index.ROWID)
        # The sealed e-mail lookup column is never shown: not opening it saves a tenth of the load.
        .options(selectinload(t.Customer.addresses), defer(t.Customer.email_normalized))
        .where(search_index.ROWID.in_(rowids))
    )
    found = {int(rowid): mappers.customer(row, with_addresses=True) for row, rowid in rows}
    return [found[r] for r in rowids if r in found]
