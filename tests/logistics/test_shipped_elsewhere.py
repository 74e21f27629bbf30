"""An order shipped through POST /orders/{n}/ship (a shop's own system, a small shop
without the warehouse screens) is tracked like a scanned-out parcel, and the buyer told."""

from __future__ import annotations

from typing import Any

from sellerdesk.logistics.models import Shipment
from sellerdesk.notifications.models import OutgoingMessage
from tests.conftest import ApiClient
from tests.logistics.helpers import approved_order


def test_a_known_carrier_starts_tracking_and_the_buyer_is_told(
    default_carriers: None, api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/orders/{order.number}/ship", {"carrier": "中通", "tracking_number": "ZT123456789"}
        )

    assert response.status_code == 200
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier.code, shipment.tracking_number, shipment.status) == ("ZTO", "ZT123456789", "handed_over")
    message = OutgoingMessage.objects.get(order=order, kind="parcel_shipped")
    assert "ZT123456789" in message.text


def test_an_unknown_carrier_ships_untracked_but_the_buyer_is_still_told(
    default_carriers: None, api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = approved_order()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/orders/{order.number}/ship", {"carrier": "小王快运", "tracking_number": "XW-1"})

    assert (response.status_code, response.json()["status"]) == (200, "shipped")
    assert Shipment.objects.filter(order=order).count() == 0
    assert list(OutgoingMessage.objects.filter(order=order).values_list("kind", flat=True)) == ["parcel_shipped"]
