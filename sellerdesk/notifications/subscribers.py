"""How notifications follows orders and logistics (core.hooks): the buyer is asked to
confirm an approved order and told when a parcel ships; and the messages about parcels
in trouble that logistics asks for (a port). Connected in NotificationsConfig.ready()."""

from __future__ import annotations

from datetime import datetime

from sellerdesk.core import hooks
from sellerdesk.logistics.hooks import PARCEL_MESSAGES, BuyerMessage, ParcelShipped
from sellerdesk.notifications.actions import record_order_confirmations
from sellerdesk.notifications.logistics import record_parcel_problem, record_parcel_shipped
from sellerdesk.orders.hooks import OrdersApproved
from sellerdesk.orders.models import Order


def confirm_approved_orders(payload: OrdersApproved) -> None:
    """After the approval commits: the buyer's order confirmation, once per order."""
    record_order_confirmations(order_ids=payload.order_ids, at=payload.at)


def tell_parcel_shipped(payload: ParcelShipped) -> None:
    """After the shipping commits: 'your parcel is on its way'."""
    order = Order.objects.get(pk=payload.order_id)
    record_parcel_shipped(
        order=order, tracking_number=payload.tracking_number, carrier_name=payload.carrier_name, at=payload.at
    )


class ParcelMessages:
    """logistics.hooks.ParcelMessages."""

    def parcel_problem(
        self, *, order: Order, kind: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
    ) -> BuyerMessage:
        message = record_parcel_problem(
            order=order, kind=kind, tracking_number=tracking_number, carrier_name=carrier_name, at=at, text=text
        )
        return BuyerMessage(message.pk, message.text)


def connect() -> None:
    # The confirmation is recorded before allocation is scheduled (allocation: priority 100).
    hooks.subscribe(OrdersApproved, confirm_approved_orders, when=hooks.ON_COMMIT, priority=10)
    hooks.subscribe(ParcelShipped, tell_parcel_shipped, when=hooks.ON_COMMIT)
    PARCEL_MESSAGES.provide(ParcelMessages())
