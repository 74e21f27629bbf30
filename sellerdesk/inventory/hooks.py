"""What inventory tells the layers above it (hooks) and asks them (ports); see core.hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sellerdesk.core.hooks import Hook, Port
from sellerdesk.core.models import User


@dataclass(frozen=True)
class StockArrived(Hook):
    """Units of these SKUs arrived on hand at a warehouse (a purchase receipt, a transfer
    received, a shipped transfer cancelled back to its source). In the receiver's
    transaction: allocation converts presale lines and allocates waiting orders."""

    sku_ids: tuple[int, ...]
    warehouse_id: int
    actor: User | None
    at: datetime


@dataclass(frozen=True)
class StockShortfall(Hook):
    """A stock count is about to lower on-hand below what is reserved: `quantity` reserved
    units of the SKU at the warehouse must be given up first (allocation takes them from
    the orders holding them). In the count's transaction, before its stock rows are locked."""

    sku_id: int
    warehouse_id: int
    quantity: int
    document: str
    actor: User | None
    at: datetime


# The earliest restock date (补货日期) suppliers gave for each SKU, by SKU id; SKUs without
# one are left out. Purchasing knows the suppliers and provides it; the stockout desk asks.
RESTOCK_DATES: Port[Callable[[Sequence[int]], dict[int, date]]] = Port("restock dates of SKUs (purchasing)")
