"""The customer search index (FTS5 table `customer_search`, migration 0013): rebuild and lookup.

Rows are keyed by the customers table's rowid; the tokens are keyed hashes (domain/customer_search.py).
A lookup walks the index newest customer first, in growing batches, and keeps only the candidates
whose decrypted fields really match (hash collisions and letters beyond the longest indexed prefix
are removed there), so the caller gets exact answers without the index ever holding plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Text,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    type_coerce,
)

from shipstation_desktop.domain import customer_search as cs
from shipstation_desktop.domain import models as dm

from . import pii
from .tables import Address, Customer

# One customer's document (alias `c`); the same expression as the triggers of migration 0013.
DOCUMENT_SQL = """CASE WHEN c.deleted_at IS NULL THEN ssd_customer_tokens(
    c.name, c.email, c.phone, c.external_id, c.tags,
    (SELECT group_concat(a.postal_code, char(31)) FROM addresses a
      WHERE a.customer_id = c.id AND a.deleted_at IS NULL)) ELSE '' END"""

ROWID: ColumnElement[int] = literal_column("customers.rowid")
_FTS = table("customer_search", column("rowid", Integer))
_MATCH = text("customer_search MATCH :m")
# "+deleted_at": the same test, but it keeps the planner off the partial e-mail index.
_LIVE = literal_column("+customers.deleted_at").is_(None)
_TOP = (1 << 63) - 1
# The first batch of candidates is small (a typed prefix mostly matches what the index found);
# later ones grow, so a query whose candidates are mostly rejected still takes few round trips.
_FIRST_BATCH = 64
_MAX_BATCH = 4096


def stamp(key_id: str) -> str:
    """What the index was built with: a bench rebuilds it when its key or the term scheme changes."""
    return f"{key_id}/v{cs.INDEX_VERSION}"


def rebuild(conn: Connection) -> int:
    """Every customer's tokens again (after a key rotation or a schema upgrade); returns the count."""
    conn.execute(text("DELETE FROM customer_search"))
    result = conn.execute(
        text(f"INSERT INTO customer_search(rowid, tokens) SELECT c.rowid, {DOCUMENT_SQL} FROM customers c")
    )
    optimize(conn)
    return int(result.rowcount or 0)


def optimize(conn: Connection) -> None:
    """Merges the index into one b-tree: a bulk load leaves many segments, and each is one more seek
    per looked-up token. Triggered writes afterwards are merged by FTS5 itself (automerge)."""
    conn.execute(text("INSERT INTO customer_search(customer_search) VALUES('optimize')"))


def candidate_rowids(conn: Connection, match: str, *, before: int | None, limit: int) -> list[int]:
    """Customer rowids whose tokens satisfy MATCH, newest (highest rowid) first, below `before`."""
    rows = conn.execute(
        text(
            "SELECT rowid FROM customer_search WHERE customer_search MATCH :m AND rowid < :before "
            "ORDER BY rowid DESC LIMIT :limit"
        ),
        {"m": match, "before": _TOP if before is None else before, "limit": limit},
    )
    return [int(r[0]) for r in rows]


def _postal_codes() -> Any:
    return (
        select(func.group_concat(Address.postal_code, "\x1f"))
        .where(Address.customer_id == Customer.id, Address.deleted_at.is_(None))
        .scalar_subquery()
    )


def matching_rowids(
    conn: Connection, query: str, *, limit: int, where: Iterable[ColumnElement[bool]] = ()
) -> list[int]:
    """Rowids of live customers that match `query` exactly and satisfy `where` (conditions on the
    customers table), newest first; at most `limit`. [] when the query has nothing to look up.

    The index drives one statement per batch: its candidates, newest first, joined to their
    customer rows by rowid, filtered there, and only the survivors' fields are decrypted and
    re-checked. Write `where` so that it names no index (see services/customer_list.py): the
    index must stay the outer loop.

    For an exact query (cs.Query.exact: the usual typed prefix) the index's answer is returned as
    it is, in one statement and without opening a row: only a 40-bit hash collision could add a
    customer to it, so callers re-check the customers they show (`verified`)."""
    parsed = cs.Query.parse(query)
    groups = parsed.groups()
    if not groups or limit <= 0:
        return []
    match = cs.fts_query(groups, pii.token_function(conn.dialect))
    if parsed.exact:
        stmt = (
            select(_FTS.c.rowid)
            .select_from(_FTS.join(Customer, _FTS.c.rowid == ROWID))
            .where(_MATCH.bindparams(m=match), _LIVE, *where)
            .order_by(_FTS.c.rowid.desc())
            .limit(limit)
        )
        return [int(r) for r in conn.execute(stmt).scalars()]
    open_text = partial(pii.open_text, conn.dialect)
    found: list[int] = []
    before = _TOP
    batch = max(_FIRST_BATCH, min(limit * 2, _MAX_BATCH))
    while len(found) < limit:
        stmt = (
            select(
                _FTS.c.rowid,
                # As stored (sealed): each is opened only if the re-check gets that far.
                type_coerce(Customer.name, Text),
                type_coerce(Customer.email, Text),
                type_coerce(Customer.phone, Text),
                Customer.external_id,
                Customer.tags,
                _postal_codes(),
            )
            .select_from(_FTS.join(Customer, _FTS.c.rowid == ROWID))
            .where(_MATCH.bindparams(m=match), _FTS.c.rowid < before, _LIVE, *where)
            .order_by(_FTS.c.rowid.desc())
            .limit(batch)
        )
        seen = 0
        for rowid, name, email, phone, external_id, tags, postal in conn.execute(stmt):
            seen += 1
            before = int(rowid)
            fields = cs.SearchFields(
                name=partial(open_text, name or ""),
                email=partial(open_text, email or ""),
                phone=partial(open_text, phone or ""),
                external_id=external_id or "",
                tags=tags or (),
                postal_codes=[p for p in (postal or "").split("\x1f") if p],
            )
            if parsed.matches(fields):
                found.append(int(rowid))
                if len(found) == limit:
                    break
        if seen < batch:
            break
        batch = min(batch * 4, _MAX_BATCH)
    return found


def verified(query: str, customers: Iterable[dm.Customer]) -> list[dm.Customer]:
    """The customers that really match `query` (the re-check of what matching_rowids returned
    unopened for an exact query; a no-op but for a hash collision)."""
    parsed = cs.Query.parse(query)
    return [
        c
        for c in customers
        if parsed.matches(
            cs.SearchFields(
                name=c.name,
                email=c.email,
                phone=c.phone,
                external_id=c.external_id,
                tags=c.tags,
                postal_codes=[a.postal_code for a in c.addresses],
            )
        )
    ]
