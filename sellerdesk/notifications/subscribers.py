"""How notifications follows the layers below it (core.hooks): every event's messages are
written IN the event's transaction (the outbox: they commit or roll back with it, and
the worker sends them after the commit), through notifications.events. Also the ports it
provides: the message about a parcel in trouble (logistics) and the emails of a purchase
order (purchasing's page). Connected in NotificationsConfig.ready()."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sellerdesk.core import hooks
from sellerdesk.logistics.hooks import (
    PARCEL_MESSAGES,
    BuyerMessage,
    ParcelDelivered,
    ParcelInTransit,
    ParcelShipped,
)
from sellerdesk.notifications import events
from sellerdesk.notifications.actions import record_order_confirmations
from sellerdesk.notifications.logistics import record_parcel_problem
from sellerdesk.notifications.models import MessageStatus
from sellerdesk.orders.hooks import OrderPaid, OrdersApproved
from sellerdesk.orders.models import Order
from sellerdesk.purchasing.hooks import SUPPLIER_DELIVERIES, PurchaseOrderSent, SupplierDelivery


def confirm_approved_orders(payload: OrdersApproved) -> None:
    """In the approval's transaction: the buyer's order confirmation, once per order (a
    review batch in one INSERT)."""
    record_order_confirmations(order_ids=payload.order_ids, at=payload.at, locked=payload.orders)


def tell_paid(payload: OrderPaid) -> None:
    """In the payment's transaction: 'payment received'."""
    events.tell_paid(order=payload.order, at=payload.at)


def tell_parcel_shipped(payload: ParcelShipped) -> None:
    """In the shipping's transaction: 'your parcel is on its way'."""
    order = payload.order or Order.objects.select_related("shop").get(pk=payload.order_id)
    events.tell_parcel_shipped(
        order=order, tracking_number=payload.tracking_number, carrier_name=payload.carrier_name, at=payload.at
    )


def tell_parcel_in_transit(payload: ParcelInTransit) -> None:
    """In the tracking's transaction: the parcel is on its way (once per parcel)."""
    events.tell_parcel_in_transit(
        order=payload.order,
        tracking_number=payload.tracking_number,
        carrier_name=payload.carrier_name,
        location=payload.location,
        at=payload.at,
    )


def tell_parcel_delivered(payload: ParcelDelivered) -> None:
    """In the tracking's transaction: the parcel was delivered."""
    events.tell_parcel_delivered(
        order=payload.order, tracking_number=payload.tracking_number, carrier_name=payload.carrier_name, at=payload.at
    )


def email_purchase_order(payload: PurchaseOrderSent) -> None:
    """In the sending's transaction: the purchase order to its supplier, PDF attached."""
    events.email_purchase_order(purchase_order=payload.purchase_order, email=payload.email, at=payload.at)


class ParcelMessages:
    """logistics.hooks.ParcelMessages."""

    def parcel_problem(
        self, *, order: Order, kind: str, tracking_number: str, carrier_name: str, at: datetime, text: str = ""
    ) -> BuyerMessage:
        message = record_parcel_problem(
            order=order, kind=kind, tracking_number=tracking_number, carrier_name=carrier_name, at=at, text=text
        )
        if message is None:
            return BuyerMessage(None, text)
        return BuyerMessage(message.pk, message.text)


class SupplierDeliveries:
    """purchasing.hooks.SupplierDeliveries."""

    def for_purchase_order(self, number: str) -> Sequence[SupplierDelivery]:
        return [
            SupplierDelivery(
                channel=message.channel,
                recipient=message.recipient,
                status=message.status,
                status_label=str(MessageStatus(message.status).label),
                created_at=message.created_at,
                sent_at=message.sent_at,
                attempts=message.attempts,
                last_error=message.last_error,
            )
            for message in events.purchase_order_messages(number)
        ]


def connect() -> None:
    # IN_TRANSACTION: a message is written with its event or not at all. The confirmation
    # comes before allocation is scheduled (allocation: priority 100).
    hooks.subscribe(OrdersApproved, confirm_approved_orders, when=hooks.IN_TRANSACTION, priority=10)
    hooks.subscribe(OrderPaid, tell_paid, when=hooks.IN_TRANSACTION)
    hooks.subscribe(ParcelShipped, tell_parcel_shipped, when=hooks.IN_TRANSACTION)
    hooks.subscribe(ParcelInTransit, tell_parcel_in_transit, when=hooks.IN_TRANSACTION)
    hooks.subscribe(ParcelDelivered, tell_parcel_delivered, when=hooks.IN_TRANSACTION)
    hooks.subscribe(PurchaseOrderSent, email_purchase_order, when=hooks.IN_TRANSACTION)
    PARCEL_MESSAGES.provide(ParcelMessages())
    SUPPLIER_DELIVERIES.provide(SupplierDeliveries())
