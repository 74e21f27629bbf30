"""How logistics follows orders (core.hooks), and what it answers orders (ports).
Connected in LogisticsConfig.ready()."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from sellerdesk.core import hooks
from sellerdesk.core.errors import DomainError
from sellerdesk.logistics import actions, booking, shipped_elsewhere
from sellerdesk.logistics import states as shipment_states
from sellerdesk.logistics.hooks import ParcelShipped
from sellerdesk.logistics.models import Carrier, Shipment
from sellerdesk.logistics.queries import covers, order_ids_by_tracking
from sellerdesk.logistics.states import ShipmentAction
from sellerdesk.orders.hooks import (
    BOOKED_PARCELS,
    CARRIER_COVERAGE,
    CARRIER_NAME,
    ORDERS_BY_TRACKING,
    CarrierInfo,
    OrderCancelled,
    OrderShipped,
)
from sellerdesk.orders.states import MAY_HAVE_PARCELS_NOT_HANDED_OVER

logger = logging.getLogger(__name__)


def intercept_parcels(payload: OrderCancelled) -> None:
    """截单: a parcel booked for the cancelled order but not handed over is stopped with
    the order, by the system on behalf of whoever cancelled (the order event names them).
    A booking still awaiting the carrier's answer is withdrawn: the parcel the answer
    books is voided, never labelled (logistics.booking)."""
    if payload.before not in MAY_HAVE_PARCELS_NOT_HANDED_OVER:
        return
    interceptable = shipment_states.statuses_allowing(ShipmentAction.INTERCEPT)
    withdrawable = shipment_states.statuses_allowing(ShipmentAction.WITHDRAW_BOOKING)
    stoppable = Shipment.objects.filter(order=payload.order, status__in=interceptable | withdrawable)
    for shipment in stoppable.order_by("pk"):
        if shipment.status in withdrawable:
            shipment = booking.withdraw_booking(shipment=shipment, actor=None, reason=payload.reason, at=payload.at)
            if shipment.status not in interceptable:
                continue  # withdrawn, or refused by the carrier meanwhile; booked meanwhile: intercepted
        actions.intercept(shipment=shipment, actor=None, reason=payload.reason, at=payload.at)


def track_shipped_order(payload: OrderShipped) -> None:
    """An order shipped outside the warehouse screens (a shop's system, a dropship
    supplier) is tracked like a scanned-out parcel and the buyer is told. Its tracking is
    requested in the shipping transaction and the carrier asked once that commits
    (logistics.shipped_elsewhere). The warehouse's scan-out books its parcel first and
    tells the buyer itself: nothing to do."""
    order, at = payload.order, payload.at
    if Shipment.objects.filter(order=order, tracking_number=order.tracking_number).exists():
        return
    carrier = shipped_elsewhere.carrier_of_order(order)
    if carrier is not None:
        try:
            with transaction.atomic():  # a parcel that cannot be tracked must not undo the shipping
                shipped_elsewhere.request_tracking(
                    order=order, actor=None, handed_over_at=at, carrier=carrier, untracked=True
                )
        except DomainError as error:
            logger.warning("order %s shipped but not tracked: %s", order.number, error.message)
    name = carrier.name if carrier is not None else order.carrier
    hooks.emit(
        ParcelShipped(order_id=order.pk, tracking_number=order.tracking_number, carrier_name=name, at=at, order=order)
    )


def _info(carrier: Carrier) -> CarrierInfo:
    return CarrierInfo(carrier.pk, carrier.code, carrier.name, carrier.supports_cod, carrier.is_active)


class Coverage:
    """orders.hooks.CarrierCoverage: carriers and where they deliver."""

    def carrier(self, code: str) -> CarrierInfo | None:
        found = Carrier.objects.filter(code=code).first() if code and "\x00" not in code else None
        return _info(found) if found is not None else None

    def active_carriers(self) -> list[CarrierInfo]:
        return [_info(carrier) for carrier in Carrier.objects.filter(is_active=True).order_by("code")]

    def reaches(self, carrier: CarrierInfo, province: str, city: str, district: str) -> bool:
        return carrier.is_active and covers(carrier.id, province, city, district)

    def reaching(self, province: str, city: str, district: str, *, needs_cod: bool = False) -> Sequence[CarrierInfo]:
        return [
            carrier
            for carrier in self.active_carriers()
            if (carrier.supports_cod or not needs_cod) and self.reaches(carrier, province, city, district)
        ]


def connect() -> None:
    hooks.subscribe(OrderCancelled, intercept_parcels, when=hooks.IN_TRANSACTION)
    hooks.subscribe(OrderShipped, track_shipped_order, when=hooks.IN_TRANSACTION)
    CARRIER_COVERAGE.provide(Coverage())
    ORDERS_BY_TRACKING.provide(order_ids_by_tracking)
    CARRIER_NAME.provide(carrier_name)
    BOOKED_PARCELS.provide(booked_parcels)


def booked_parcels() -> QuerySet[Any]:
    """orders.hooks.BOOKED_PARCELS: parcels booked (or being booked) and not handed over,
    those a cancelled order's would be stopped (intercept_parcels)."""
    stoppable = shipment_states.statuses_allowing(ShipmentAction.INTERCEPT) | shipment_states.statuses_allowing(
        ShipmentAction.WITHDRAW_BOOKING
    )
    return Shipment.objects.filter(status__in=stoppable)


def carrier_name(named: str) -> str:
    carrier = shipped_elsewhere.carrier_named(named)
    return carrier.name if carrier else ""
