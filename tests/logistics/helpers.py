"""Shared builders for the logistics tests: carriers with cost tables, a shipped order
with a booked and handed-over parcel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sellerdesk.logistics import actions
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
