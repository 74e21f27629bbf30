"""Cancelling an order stops its parcels booked and not handed over (截单), from every
status in which the order may have one: approved (a label booked before allocation),
short, allocated, picked or packed."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.core import messages
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics import actions
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentLog
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent, OrderLine
from sellerdesk.orders.timeline import describe_event
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


def test_a_parcel_the_system_intercepts_keeps_the_close_reason_as_a_code(
    default_shop: Any,  # noqa: F811
    agent: Any,
) -> None:
    # given an order with a parcel booked, cancelled by the system because it is out of stock
    carriers()
    order = approved_order()
    shipment = book(order)
    reason = messages.message("closed_out_of_stock")
    with translation.override("en"):
        order_actions.cancel_order(order=order, actor=None, reason=reason)

    # then the parcel's log and the order's event keep the reason's code, not a sentence
    log = ShipmentLog.objects.get(shipment=shipment, type="intercepted")
    assert log.data == {"reason": {"code": "closed_out_of_stock"}}
    event = OrderEvent.objects.get(order=order, type="shipment", data__action="intercepted")
    assert event.data["reason"] == {"code": "closed_out_of_stock"}
    # and a zh-Hans and an en reader each read it in their language
    number = fresh(shipment).tracking_number
    with translation.override("zh-hans"):
        assert log.reason_text == "缺货，买家选择取消"
        assert describe_event(event) == f"包裹 {number} 已截单：缺货，买家选择取消"
    with translation.override("en"):
        assert log.reason_text == "Out of stock; the buyer chose to cancel"
        assert describe_event(event) == f"Parcel {number} intercepted: Out of stock; the buyer chose to cancel"
