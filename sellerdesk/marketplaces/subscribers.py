"""What the marketplaces app does when something happens below it (core.hooks)."""

from __future__ import annotations

from sellerdesk.core import hooks
from sellerdesk.marketplaces.notices import record_shipment_notices
from sellerdesk.orders.hooks import OrderShipped


def tell_marketplace_shipped(payload: OrderShipped) -> None:
    """In the shipping transaction: the shipment notices owed to the order's marketplace
    (marketplaces.notices), sent by the worker after the commit."""
    record_shipment_notices(order=payload.order, at=payload.at)


def connect() -> None:
    """Subscribe this app's handlers (called once from MarketplacesConfig.ready())."""
    hooks.subscribe(OrderShipped, tell_marketplace_shipped, when=hooks.IN_TRANSACTION)
