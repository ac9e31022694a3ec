"""Reading the center's orders for the Custom Store export: one page of orders modified in a window,
with their customers, lines and SKU locations, streamed from a server-side cursor.

"Modified" is the center record's `updated_at` (set by the center on every accepted change), so an
order edited on any bench, or shipped through the hub, is offered to ShipStation again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, text

from shipstation_desktop.domain.inventory import item_id, normalize_sku

from .xml_export import ExportOrder, order_xml

_WINDOW = "entity = 'orders' AND NOT deleted AND updated_at >= :start AND updated_at < :end"

# One statement per page: the page's orders, each with its customer and its lines gathered by a hash
# join over the lines of just these orders (records has no index on a line's order id).
_PAGE_SQL = f"""
WITH page AS (
    SELECT id, data, updated_at FROM records WHERE {_WINDOW}
    ORDER BY updated_at, id OFFSET :offset LIMIT :limit
), lines AS (
    SELECT l.data->>'order_id' AS order_id,
           jsonb_agg(l.data ORDER BY l.data->>'created_at', l.id) AS lines
    FROM records l
    WHERE l.entity = 'order_lines' AND NOT l.deleted AND l.data->>'deleted_at' IS NULL
      AND l.data->>'order_id' IN (SELECT id FROM page)
    GROUP BY 1
)
SELECT p.id, p.data, p.updated_at, c.data AS customer, lines.lines
FROM page p
LEFT JOIN records c ON c.entity = 'customers' AND c.id = p.data->>'customer_id'
LEFT JOIN lines ON lines.order_id = p.id
ORDER BY p.updated_at, p.id
"""


@dataclass(frozen=True, slots=True)
class Window:
    """Orders with start <= updated_at < end (UTC)."""

    start: datetime
    end: datetime


def count(engine: Engine, window: Window) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM records WHERE {_WINDOW}"), _params(window)).scalar_one())


def _params(window: Window) -> dict[str, Any]:
    return {"start": window.start, "end": window.end}


def _locations(conn: Any, lines: list[dict[str, Any]]) -> dict[str, str]:
    """Bin locations of the SKUs on these lines, from the inventory items (ids derive from the SKU)."""
    by_id = {
        item_id(normalize_sku(str(line.get("sku") or ""))): normalize_sku(str(line.get("sku") or "")) for line in lines
    }
    if not by_id:
        return {}
    rows = conn.execute(
        text(
            "SELECT id, data->>'location' FROM records "
            "WHERE entity = 'inventory_items' AND NOT deleted AND id = ANY(:ids)"
        ),
        {"ids": sorted(by_id)},
    )
    return {by_id[r[0]]: r[1] for r in rows if r[1]}


def page_xml(engine: Engine, window: Window, page: int, page_size: int, batch: int = 200) -> Iterator[str]:
    """The <Order> elements of one page, in modification order. Rows arrive `batch` at a time from a
    server-side cursor, so memory stays flat however large a page is."""
    params = _params(window) | {"offset": (page - 1) * page_size, "limit": page_size}
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(text(_PAGE_SQL), params)
        for rows in result.partitions(batch):
            all_lines = [line for r in rows for line in (r.lines or [])]
            # A second statement on the connection while the named cursor stays open: psycopg allows it.
            locations = _locations(conn, all_lines)
            for r in rows:
                yield order_xml(ExportOrder(r.data, r.updated_at, r.customer, list(r.lines or []), locations))
