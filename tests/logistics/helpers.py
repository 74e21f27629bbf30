"""Shared builders for the logistics tests: carriers with cost tables, a shipped order
with a booked and handed-over parcel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from unittest import mock

from django.db import connection

from sellerdesk.core.errors import DomainError
from sellerdesk.logistics import actions
from sellerdesk.logistics.carriers.base import CreatedShipment, ParcelRef, ShipmentRequest
from sellerdesk.logistics.carriers.simulated import SimulatedCarrier
from sellerdesk.logistics.defaults import load_default_carriers, load_default_rates
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierRate, Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from tests.api.helpers import advance
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

# Parcels were booked and handed over at 9:00 twenty days ago: the tests poll their
# tracking up to T0 + 20 days, an hour before the test clock.
T0 = TEST_NOW - timedelta(days=20, hours=1)


def carriers() -> None:
    """The default carriers and cost tables; the main warehouse (the sender) in 杭州."""
    from sellerdesk.inventory.models import Warehouse

    Warehouse.objects.filter(code="main").update(
        contact_name="主仓", phone="0571-88888888", province="浙江省", city="杭州市", district="余杭区",
        address_detail="仓前街道 1 号",
    )  # fmt: skip
    load_default_carriers(Carrier, CarrierCoverage)
    load_default_rates(Carrier, CarrierRate)


def approved_order(**fields: Any) -> Order:
    from sellerdesk.catalog.models import Sku

    if not Sku.objects.filter(code="TEE").exists():
        make_sku("TEE", price="59.00", stock=1000)
    order = place(("TEE", 1), **fields)
    return advance(order, "approved")


def booked(scenario: str = "normal", carrier: str = "ZTO", **fields: Any) -> Shipment:
    order = approved_order(**fields)
    return actions.create_shipment(
        order=order,
        carrier=Carrier.objects.get(code=carrier),
        parcel=actions.Parcel(weight_grams=800, options={"scenario": scenario}),
        actor=None,
        at=T0,
    )


def shipped(scenario: str = "normal", carrier: str = "ZTO", **fields: Any) -> Shipment:
    """Booked, the order marked shipped and the parcel handed over at T0."""
    shipment = booked(scenario, carrier, **fields)
    order_actions.ship_order(
        order=shipment.order, actor=None, carrier=shipment.carrier.code, tracking_number=shipment.tracking_number, at=T0
    )
    return actions.mark_handed_over(shipment=shipment, actor=None, at=T0)


def adapter(code: str = "ZTO") -> SimulatedCarrier:
    return SimulatedCarrier(Carrier.objects.get(code=code))


def fresh(shipment: Shipment) -> Shipment:
    return Shipment.objects.get(pk=shipment.pk)


# (what the carrier was asked, whether a database transaction was open then)
CarrierCalls = list[tuple[str, bool]]


@contextmanager
def watching_the_carrier(*, refusal: DomainError | None = None, unreachable: bool = False) -> Iterator[CarrierCalls]:
    """Every booking or tracking ("create <order number>") and every voiding ("cancel
    <tracking number>") asked of the simulated carrier meanwhile, with whether a database
    transaction was open. `refusal` makes it refuse bookings and tracking with that error,
    `unreachable` fail them like a network error."""
    calls: CarrierCalls = []
    create, cancel = SimulatedCarrier.create_shipment, SimulatedCarrier.cancel_shipment

    def spy_create(carrier: SimulatedCarrier, request: ShipmentRequest) -> CreatedShipment:
        calls.append((f"create {request.reference}", connection.in_atomic_block))
        if unreachable:
            raise ConnectionError("connection reset by the carrier")
        if refusal is not None:
            raise refusal
        return create(carrier, request)

    def spy_cancel(carrier: SimulatedCarrier, parcel: ParcelRef) -> None:
        calls.append((f"cancel {parcel.tracking_number}", connection.in_atomic_block))
        cancel(carrier, parcel)

    with (
        mock.patch.object(SimulatedCarrier, "create_shipment", spy_create),
        mock.patch.object(SimulatedCarrier, "cancel_shipment", spy_cancel),
    ):
        yield calls


def assert_called_with_no_transaction_open(calls: CarrierCalls, *asked: str) -> None:
    """The carrier was asked exactly `asked`, in that order, each with no transaction open."""
    assert calls == [(what, False) for what in asked]
