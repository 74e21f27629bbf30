"""Tracking by polling and by signed webhook; delivered parcels deliver the order;
exceptions detected per kind; extending automatic confirmation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils.translation import gettext as _

from sellerdesk.core.errors import InvalidTransition, ValidationFailed
from sellerdesk.logistics import actions
from sellerdesk.logistics.carriers.base import CarrierUnavailable, ParcelRef
from sellerdesk.logistics.carriers.simulated import SimulatedCarrier
from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.models import LogisticsException, Shipment, TrackingEvent
from sellerdesk.logistics.tracking import poll_shipment, poll_tracking
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.timeline import describe_event
from tests.api.helpers import assert_error, default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, adapter, carriers, fresh, shipped


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


def kinds(shipment: Shipment) -> list[str]:
    return list(TrackingEvent.objects.filter(shipment=shipment).order_by("at", "pk").values_list("kind", flat=True))


def state() -> dict[str, Any]:
    return {
        "events": TrackingEvent.objects.count(),
        "order_events": OrderEvent.objects.count(),
        "shipments": list(Shipment.objects.order_by("pk").values_list("status", "last_event_at")),
        "orders": list(Order.objects.order_by("pk").values_list("status", "delivered_at")),
        "exceptions": LogisticsException.objects.count(),
    }


# --- polling -------------------------------------------------------------------------------


def test_polling_records_the_scans_so_far_and_the_order_timeline_shows_them() -> None:
    shipment = shipped()

    found = poll_tracking(T0 + timedelta(hours=19))

    assert found == 3
    assert kinds(shipment) == ["picked_up", "departed", "arrived"]
    assert fresh(shipment).status == "in_transit"
    assert fresh(shipment).last_event_at == T0 + timedelta(hours=18)
    timeline = OrderEvent.objects.filter(order=shipment.order, type="tracking").order_by("at")
    assert [describe_event(event) for event in timeline] == [
        "Picked up (杭州市): 【杭州市】快件已揽收",
        "Left a sorting centre (杭州市转运中心): 快件已从【杭州市转运中心】发出",
        "Arrived at a sorting centre (浙江省分拨中心): 快件已到达【浙江省分拨中心】",
    ]


def test_polling_twice_records_each_scan_once() -> None:
    shipment = shipped()
    poll_tracking(T0 + timedelta(hours=19))

    again = poll_tracking(T0 + timedelta(hours=19))

    assert again == 0
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3


def test_a_delivered_scan_moves_the_order_to_delivered() -> None:
    shipment = shipped()

    poll_tracking(T0 + timedelta(days=3))

    order = Order.objects.get(pk=shipment.order.pk)
    assert (order.status, order.delivered_at) == ("delivered", T0 + timedelta(hours=44))
    assert (fresh(shipment).status, fresh(shipment).delivered_at) == ("delivered", T0 + timedelta(hours=44))


def test_a_carrier_that_answers_an_error_for_one_parcel_does_not_stop_the_others() -> None:
    refused, fine = shipped(), shipped()
    fetch = SimulatedCarrier.fetch_events

    def refuse_the_first(carrier: SimulatedCarrier, parcel: ParcelRef, *, now: Any) -> Any:
        if parcel.tracking_number == refused.tracking_number:
            raise CarrierUnavailable(_("the carrier did not answer"))
        return fetch(carrier, parcel, now=now)

    with mock.patch.object(SimulatedCarrier, "fetch_events", refuse_the_first):
        found = poll_tracking(T0 + timedelta(hours=19))

    assert found == 3
    assert (kinds(refused), kinds(fine)) == ([], ["picked_up", "departed", "arrived"])


def test_a_parcel_not_handed_over_is_not_polled() -> None:
    from tests.logistics.helpers import booked

    shipment = booked()

    assert poll_tracking(T0 + timedelta(days=3)) == 0
    assert fresh(shipment).status == "created"


# --- webhook -------------------------------------------------------------------------------


def push(client: Any, shipment: Shipment, hours: int, *, code: str = "ZTO", tamper: bool = False) -> Any:
    events = adapter(code).fetch_events(actions.parcel_ref(shipment), now=T0 + timedelta(hours=hours))
    body, headers = adapter(code).webhook(events)
    signature = headers["X-Signature"] if not tamper else "0" * 64
    return client.post(
        f"/api/v1/carriers/{code}/tracking", data=body, content_type="application/json", HTTP_X_SIGNATURE=signature
    )


def test_a_signed_webhook_records_the_events(client: Any) -> None:
    shipment = shipped()

    response = push(client, shipment, 19)

    assert response.status_code == 200
    assert response.json() == {"recorded": 3, "duplicates": 0}
    assert kinds(shipment) == ["picked_up", "departed", "arrived"]
    assert set(TrackingEvent.objects.values_list("source", flat=True)) == {"webhook"}


def test_a_replayed_webhook_changes_nothing(client: Any) -> None:
    shipment = shipped()
    push(client, shipment, 19)
    before = state()

    response = push(client, shipment, 19)

    assert response.json() == {"recorded": 0, "duplicates": 3}
    assert state() == before


def test_a_webhook_with_a_bad_signature_is_401_and_changes_nothing(client: Any) -> None:
    shipment = shipped()
    before = state()

    response = push(client, shipment, 19, tamper=True)

    assert_error(response, 401, "bad_signature")
    assert state() == before


def test_a_webhook_for_an_unknown_tracking_number_is_404_and_changes_nothing(client: Any) -> None:
    shipment = shipped()
    events = adapter().fetch_events(actions.parcel_ref(shipment), now=T0 + timedelta(hours=19))
    stranger = [e.__class__(e.event_id + "x", "73000000000000", e.kind, e.at) for e in events[:1]]
    body, headers = adapter().webhook([*events, *stranger])
    before = state()

    response = client.post(
        "/api/v1/carriers/ZTO/tracking",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=headers["X-Signature"],
    )

    assert assert_error(response, 404, "unknown_tracking_number") == {"tracking_numbers": ["73000000000000"]}
    assert state() == before


def test_a_webhook_to_an_unknown_carrier_is_404(client: Any) -> None:
    response = client.post("/api/v1/carriers/NOPE/tracking", data=b"{}", content_type="application/json")

    assert_error(response, 404, "not_found")


def test_a_signed_but_malformed_webhook_is_422(client: Any) -> None:
    body = b'{"events": []}'
    signature = adapter().sign(body)

    response = client.post(
        "/api/v1/carriers/ZTO/tracking", data=body, content_type="application/json", HTTP_X_SIGNATURE=signature
    )

    assert_error(response, 422, "validation_error")
    assert TrackingEvent.objects.count() == 0


# --- exceptions per kind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "kind", "fields"),
    [
        ("weather", "weather", {}),
        ("accident", "accident", {}),
        ("overload", "overload", {}),
        ("lost", "lost", {}),
        ("damaged", "damaged", {}),
        ("refused", "refused", {"payment_method": "cod"}),
        ("out_of_area", "out_of_area", {}),
    ],
)
def test_a_troubled_scan_opens_an_exception_of_its_kind(scenario: str, kind: str, fields: dict[str, Any]) -> None:
    shipment = shipped(scenario, carrier="SF", **fields)

    poll_tracking(T0 + timedelta(days=20))

    found = LogisticsException.objects.get(shipment=shipment)
    assert (found.kind, found.is_open, found.assignee) == (kind, True, None)
    assert found.trigger is not None and found.trigger.kind in {
        "delayed_weather",
        "delayed_accident",
        "overload",
        "lost",
        "damaged",
        "refused",
        "out_of_area",
    }
    # the suggestion for its kind, kept as a code and read in the reader's language
    assert found.suggestion_data == {"code": f"exception_suggestion_{kind}"}
    assert found.suggestion_text


def test_the_suggestion_quotes_seed_002_for_out_of_area() -> None:
    shipment = shipped("out_of_area")

    poll_tracking(T0 + timedelta(days=20))

    assert LogisticsException.objects.get(shipment=shipment).suggestion_text.startswith(
        "超区 is the hardest problem parcel. Phone the buyer and persuade them to pay the extra freight"
    )


def test_a_normal_parcel_opens_no_exception() -> None:
    shipped()

    poll_tracking(T0 + timedelta(days=20))
    detect_logistics_exceptions(T0 + timedelta(days=20))

    assert LogisticsException.objects.count() == 0


def test_no_update_for_two_days_opens_one_no_update_exception() -> None:
    shipment = shipped("stalled")
    poll_tracking(T0 + timedelta(hours=19))  # last scan at +18 h; the next only at +116 h

    assert detect_logistics_exceptions(T0 + timedelta(hours=18 + 47)) == 0
    assert detect_logistics_exceptions(T0 + timedelta(hours=18 + 48)) == 1
    assert detect_logistics_exceptions(T0 + timedelta(hours=18 + 60)) == 0

    found = LogisticsException.objects.get(shipment=shipment)
    assert (found.kind, found.detail_text) == (
        "no_update",
        f"No tracking update for 48 hours (last at {T0 + timedelta(hours=18):%Y-%m-%d %H:%M})",
    )


def test_the_no_update_threshold_is_a_shop_setting() -> None:
    from sellerdesk.logistics.choice import settings_for

    shipment = shipped("stalled")
    poll_tracking(T0 + timedelta(hours=19))
    shop_settings = settings_for(shipment.order.shop)
    actions.update_logistics_settings(
        actor=None, shop=shipment.order.shop, strategy="cheapest", honour_requested_carrier=True,
        disabled_carriers=[], stale_after_days=4,
    )  # fmt: skip

    assert shop_settings.stale_after_days == 2
    assert detect_logistics_exceptions(T0 + timedelta(hours=18 + 48)) == 0
    assert detect_logistics_exceptions(T0 + timedelta(hours=18 + 96)) == 1


# --- extend auto-confirm ---------------------------------------------------------------------


def test_an_agent_extends_the_automatic_confirmation(agent: Any) -> None:
    shipment = shipped()
    before = Order.objects.get(pk=shipment.order.pk).auto_confirm_at
    assert before == T0 + timedelta(days=10)

    order = actions.extend_auto_confirm(order=shipment.order, days=5, reason="换货中", actor=agent)

    assert order.auto_confirm_at == T0 + timedelta(days=15)
    event = OrderEvent.objects.get(order=order, type="auto_confirm_extended")
    assert (event.actor, event.data["days"], event.data["reason"]) == (agent, 5, "换货中")


@pytest.mark.parametrize(("days", "reason", "fields"), [(0, "x", ["days"]), (31, "x", ["days"]), (3, " ", ["reason"])])
def test_a_bad_extension_is_refused_and_changes_nothing(agent: Any, days: int, reason: str, fields: list[str]) -> None:
    shipment = shipped()
    before = state()

    with pytest.raises(ValidationFailed) as error:
        actions.extend_auto_confirm(order=shipment.order, days=days, reason=reason, actor=agent)

    assert list(error.value.fields) == fields
    assert state() == before
    assert Order.objects.get(pk=shipment.order.pk).auto_confirm_at == T0 + timedelta(days=10)


def test_a_completed_order_cannot_be_extended(agent: Any) -> None:
    from sellerdesk.orders.actions import confirm_receipt

    shipment = shipped()
    confirm_receipt(order=shipment.order, actor=None)

    with pytest.raises(InvalidTransition):
        actions.extend_auto_confirm(order=shipment.order, days=3, reason="x", actor=agent)


def test_extend_by_api(agent_api: Any) -> None:
    shipment = shipped()

    response = agent_api.post(
        f"/api/v1/orders/{shipment.order.number}/extend-auto-confirm", {"days": 3, "reason": "延误"}
    )

    assert response.status_code == 200
    assert response.json()["auto_confirm_at"] == (T0 + timedelta(days=13)).isoformat()


def test_extend_from_the_order_page(agent: Any) -> None:
    from django.test import Client

    shipment = shipped()
    client = Client()
    client.force_login(agent)
    page = client.get(f"/orders/{shipment.order.number}/")
    assert f'action="/logistics/orders/{shipment.order.number}/extend-auto-confirm/"' in page.content.decode()

    response = client.post(
        f"/logistics/orders/{shipment.order.number}/extend-auto-confirm/", {"days": "7", "reason": "买家出差"}
    )

    assert (response.status_code, response["Location"]) == (302, f"/orders/{shipment.order.number}/")
    assert Order.objects.get(pk=shipment.order.pk).auto_confirm_at == T0 + timedelta(days=17)


def test_a_bad_extension_from_the_order_page_changes_nothing(agent: Any) -> None:
    from django.test import Client

    shipment = shipped()
    client = Client()
    client.force_login(agent)

    for form in ({"days": "many", "reason": "x"}, {"days": "3", "reason": ""}, {"days": "99", "reason": "x"}):
        response = client.post(f"/logistics/orders/{shipment.order.number}/extend-auto-confirm/", form)
        assert response.status_code == 302

    assert Order.objects.get(pk=shipment.order.pk).auto_confirm_at == T0 + timedelta(days=10)


def test_the_order_page_shows_the_parcel_and_its_scans(agent: Any) -> None:
    from django.test import Client

    shipment = shipped()
    poll_shipment(shipment=shipment, now=T0 + timedelta(days=1))
    client = Client()
    client.force_login(agent)

    assert 'hx-get="/logistics/orders/' in client.get(f"/orders/{shipment.order.number}/").content.decode()
    panel = client.get(f"/logistics/orders/{shipment.order.number}/parcels/")

    assert panel.status_code == 200
    [(parcel, events)] = panel.context["parcels"]
    assert parcel == shipment
    assert [event.at for event in events] == sorted((event.at for event in events), reverse=True)
    assert events and shipment.tracking_number in panel.content.decode()


def test_parcels_of_an_unknown_order_are_a_404(agent: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(agent)

    assert client.get("/logistics/orders/NOPE/parcels/").status_code == 404
