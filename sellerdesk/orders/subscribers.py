"""What orders provides to the layers below it (core.hooks ports), connected by
OrdersConfig.ready(), as every app connects its side in its own subscribers.py."""

from __future__ import annotations

from sellerdesk.customers.queries import CREDIT_USED
from sellerdesk.orders import (  # noqa: F401  (registers orders' message codes)
    assignment,
    texts,
    timeline,
)
from sellerdesk.orders.queries import credit_used
from sellerdesk.orders.review import audit  # noqa: F401  (registers the review settings' audit codes)


def connect() -> None:
    CREDIT_USED.provide(credit_used)
