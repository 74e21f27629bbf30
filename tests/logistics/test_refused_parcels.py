"""Issue 17 C: a cash-on-delivery parcel the buyer refused (拒收) comes back: its goods go
back to stock through the ledger and its order ends as refused — never confirmed
received by the sweep, never completed, never counted as a sale. Likewise a parcel that
comes back undelivered (超区)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import translation

from sellerdesk.analytics import facts
from sellerdesk.core.errors import InvalidTransition
from sellerdesk.inventory.models import StockLevel, StockMovement
from sellerdesk.logistics.actions import parcel_ref
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.refusals import restock_refused_order
from sellerdesk.orders.tasks import auto_confirm_receipts
from sellerdesk.orders.timeline import describe_event
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, adapter, carriers, fresh, shipped


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


def on_hand() -> int:
    return StockLevel.objects.get(sku__code="TEE").on_hand


def order_of(shipment: Any) -> Order:
    return Order.objects.get(pk=shipment.order_id)


def test_a_refused_cod_parcel_ends_the_order_as_refused_and_the_sweep_never_completes_it() -> None:
    """Issue 17 C: refused, the order is never confirmed received (it was, ten days on)."""
    shipment = shipped("refused", carrier="SF", payment_method="cod")
    before = on_hand()
    assert order_of(shipment).auto_confirm_at is not None

    poll_tracking(T0 + timedelta(days=20))
    auto_confirm_receipts(T0 + timedelta(days=30))

    order = order_of(shipment)
    assert (order.status, order.completed_at, order.auto_confirm_at) == ("refused", None, None)
    assert order.closed_at is not None
    with translation.override("en"):
        assert order.close_reason_text == f"The buyer refused parcel {shipment.tracking_number}"
    with pytest.raises(InvalidTransition):
        order_actions.confirm_receipt(order=order, actor=None)
    assert on_hand() == before + 1


def test_the_refused_parcel_back_puts_its_goods_on_hand_once_through_the_ledger() -> None:
    """Issue 17 C: restocked through the ledger (a `return` row under the order's number), once."""
    shipment = shipped("refused", carrier="SF", payment_method="cod")
    number, before = shipment.order.number, on_hand()

    story = {scan.kind: scan.hours for scan in adapter("SF").scans(parcel_ref(fresh(shipment)))}
    poll_tracking(T0 + timedelta(hours=story["returning"] + 1))  # refused at the door, on its way back
    assert (order_of(shipment).status, fresh(shipment).status, on_hand()) == ("refused", "returning", before)

    poll_tracking(T0 + timedelta(days=20))  # back with the seller
    assert fresh(shipment).status == "returned"
    returned = StockMovement.objects.filter(document=number, kind="return")
    assert list(returned.values_list("on_hand_delta", flat=True)) == [1]
    assert on_hand() == before + 1
    with translation.override("en"):
        timeline = [describe_event(e) for e in OrderEvent.objects.filter(order_id=shipment.order_id, type="restocked")]
    assert timeline == ["Back on hand: TEE × 1"]

    # Asked again (a late scan, a second call): nothing more goes back.
    assert restock_refused_order(order=order_of(shipment), actor=None, at=T0 + timedelta(days=21)) == []
    poll_tracking(T0 + timedelta(days=20))
    assert (returned.count(), on_hand()) == (1, before + 1)


def test_a_parcel_back_undelivered_ends_its_order_as_refused_and_restocks() -> None:
    """Issue 17 C: a returned parcel (out of the carrier's area) too."""
    shipment = shipped("out_of_area", carrier="SF")
    before = on_hand()

    poll_tracking(T0 + timedelta(days=20))
    auto_confirm_receipts(T0 + timedelta(days=30))

    order = order_of(shipment)
    assert (fresh(shipment).status, order.status, on_hand()) == ("returned", "refused", before + 1)
    with translation.override("en"):
        assert order.close_reason_text == f"Parcel {shipment.tracking_number} came back to the seller"


def test_a_refused_order_is_cancelled_in_the_facts_never_completed() -> None:
    """Issue 17 C: never counted as a sale (the dashboard's completed orders)."""
    shipment = shipped("refused", carrier="SF", payment_method="cod")

    poll_tracking(T0 + timedelta(days=20))
    auto_confirm_receipts(T0 + timedelta(days=30))

    closed_at = order_of(shipment).closed_at
    assert closed_at is not None
    rows = facts.collect(first_day=(T0 - timedelta(days=1)).date(), last_day=(T0 + timedelta(days=31)).date())
    totals = {name: sum(row.get(name, 0) for row in rows.values()) for name in ("orders_completed", "orders_cancelled")}
    assert totals == {"orders_completed": 0, "orders_cancelled": 1}
