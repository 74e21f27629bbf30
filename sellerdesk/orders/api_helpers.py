"""What the orders' API modules share: the order a request names, and the answer that
shows an order as it is stored after an action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sellerdesk.core.api import actor_of
from sellerdesk.orders import queries
from sellerdesk.orders.models import Order
from sellerdesk.orders.schemas import order_out


def requested_order(request: HttpRequest, number: str) -> Order:
    """The order `number`, as the request's user may see it (NotFound otherwise)."""
    return queries.get_order(number=number, actor=actor_of(request))


def order_answer(number: str) -> dict[str, Any]:
    """The order `number` read afresh (what the action wrote, lines included) as the API shows it."""
    return order_out(queries.get_order(number=number, actor=None))
