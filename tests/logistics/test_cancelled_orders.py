"""Cancelling an order stops its parcels booked and not handed over (截单), from every
status in which the order may have one: approved (a label booked before allocation),
short, allocated, picked or packed."""

from __future__ import annotations

from typing import Any

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics import actions
from sellerdesk.logistics.models import Carrier, Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderLine
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, approved_order, carriers, fresh


def book(order: Order) -> Shipment:
    return actions.create_shipment(
        order=order,
        carrier=Carrier.objects.get(code="ZTO"),
        parcel=actions.Parcel(weight_grams=800, options={}),
        actor=None,
        at=T0,
    )


def test_cancelling_an_approved_order_intercepts_its_booked_parcel(default_shop: Any, agent: Any) -> None:  # noqa: F811
    # given an approved order (not yet allocated) with a parcel booked
    carriers()
    order = approved_order()
    shipment = book(order)
    assert (Order.objects.get(pk=order.pk).status, shipment.status) == ("approved", "created")

    # when the order is cancelled
    order_actions.cancel_order(order=order, actor=agent, reason="买家取消")

    # then the parcel is stopped as for an allocated order: it may not be handed over
    assert Order.objects.get(pk=order.pk).status == "closed"
    assert (fresh(shipment).status, fresh(shipment).is_intercepted) == ("intercepted", True)


def test_cancelling_an_order_gone_short_after_booking_intercepts_its_parcel(
    default_shop: Any,  # noqa: F811
    agent: Any,
) -> None:
    # given an approved order with a parcel booked, then found short everywhere
    carriers()
    order = approved_order()
    shipment = book(order)
    OrderLine.objects.filter(order=order).update(reserved_quantity=0)
    StockLevel.objects.filter(sku__code="TEE").update(on_hand=0, reserved=0)
    allocate_order(order=order, actor=None, at=T0)
    assert Order.objects.get(pk=order.pk).status == "stockout"

    # when the order is cancelled
    order_actions.cancel_order(order=Order.objects.get(pk=order.pk), actor=agent, reason="等不及了")

    # then its parcel is stopped
    assert (fresh(shipment).status, fresh(shipment).is_intercepted) == ("intercepted", True)
