"""The adapter contract, run against the simulated carrier: booking, out-of-area
refusal, tracking numbers in the carrier's format, events over time per scenario,
webhook signatures."""

# ruff: noqa: E501  (tables read best one row a line)
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.logistics.carriers import OutOfArea, ParcelRef, Party, ShipmentRequest, adapter_for
from sellerdesk.logistics.carriers.base import CarrierAdapter
from sellerdesk.logistics.models import Carrier
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, adapter, carriers

SENDER = Party("主仓", "0571-88888888", "浙江省", "杭州市", "余杭区", "仓前街道 1 号")
RECEIVER = Party("张三", "13800138000", "广东省", "深圳市", "南山区", "科技园 1 号")


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


def request(receiver: Party = RECEIVER, **options: Any) -> ShipmentRequest:
    return ShipmentRequest(
        reference="2611020000000001", sender=SENDER, receiver=receiver, weight_grams=800, options=options
    )


def ref(created: Any, handed_over: bool = True) -> ParcelRef:
    return ParcelRef(created.tracking_number, T0, T0 if handed_over else None, created.carrier_data)


def test_the_registry_gives_the_simulated_adapter_for_a_default_carrier() -> None:
    found: CarrierAdapter = adapter_for(Carrier.objects.get(code="SF"))

    assert found.name == "simulated"


def test_an_unknown_adapter_name_is_refused() -> None:
    carrier = Carrier.objects.get(code="SF")
    carrier.adapter = "nope"

    with pytest.raises(ValidationFailed) as error:
        adapter_for(carrier)
    assert error.value.fields == {"adapter": "unknown carrier adapter nope"}


@pytest.mark.parametrize(
    ("code", "prefix", "length"),
    [("SF", "SF", 15), ("ZTO", "73", 14), ("YTO", "YT", 15), ("YUNDA", "43", 13), ("STO", "77", 15), ("EMS", "11", 13)],
)
def test_tracking_numbers_have_the_carrier_s_format(code: str, prefix: str, length: int) -> None:
    created = adapter(code).create_shipment(request())

    assert created.tracking_number.startswith(prefix)
    assert len(created.tracking_number) == length
    assert created.tracking_number[len(prefix) :].isdigit()


def test_booking_is_deterministic_and_a_second_parcel_gets_another_number() -> None:
    first = adapter().create_shipment(request())
    again = adapter().create_shipment(request())
    second = adapter().create_shipment(request(attempt=1))

    assert first.tracking_number == again.tracking_number
    assert second.tracking_number != first.tracking_number


def test_the_label_data_has_sender_receiver_routing_code_and_cod() -> None:
    cod = ShipmentRequest(reference="R1", sender=SENDER, receiver=RECEIVER, cod_amount=Decimal("118.00"))

    label = adapter("SF").create_shipment(cod).label.as_json()

    assert label["sender"]["name"] == "主仓"
    assert label["receiver"] == {
        "name": "张三",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园 1 号",
    }
    assert label["routing_code"].startswith("广东-深圳-")
    assert label["cod_amount"] == "118.00"
    assert (label["carrier_code"], label["carrier_name"], label["reference"]) == ("SF", "顺丰速运", "R1")


def test_an_address_outside_the_coverage_is_refused() -> None:
    remote = Party("卓玛", "13900000000", "西藏自治区", "阿里地区", "改则县", "1 号")

    with pytest.raises(OutOfArea) as error:
        adapter("ZTO").create_shipment(request(receiver=remote))
    assert error.value.code == "out_of_area"


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        adapter().create_shipment(request(scenario="teleported"))
    assert list(error.value.fields) == ["options.scenario"]


def test_no_events_before_the_parcel_is_handed_over() -> None:
    created = adapter().create_shipment(request())

    assert adapter().fetch_events(ref(created, handed_over=False), now=T0 + timedelta(days=30)) == []


def test_a_normal_parcel_is_picked_up_sorted_twice_and_delivered_in_44_hours() -> None:
    created = adapter().create_shipment(request(scenario="normal"))

    events = adapter().fetch_events(ref(created), now=T0 + timedelta(days=10))

    assert [(e.kind, e.at - T0) for e in events] == [
        ("picked_up", timedelta(0)),
        ("departed", timedelta(hours=2)),
        ("arrived", timedelta(hours=18)),
        ("departed", timedelta(hours=20)),
        ("arrived", timedelta(hours=30)),
        ("out_for_delivery", timedelta(hours=40)),
        ("delivered", timedelta(hours=44)),
    ]
    assert events[2].location == "广东省分拨中心"
    assert [e.event_id for e in events] == [f"{created.tracking_number}-{i:02d}" for i in range(7)]


def test_only_the_events_that_happened_by_now_are_reported() -> None:
    created = adapter().create_shipment(request())

    events = adapter().fetch_events(ref(created), now=T0 + timedelta(hours=19))

    assert [e.kind for e in events] == ["picked_up", "departed", "arrived"]


@pytest.mark.parametrize(
    ("scenario", "kinds"),
    [
        ("weather", ["picked_up", "departed", "arrived", "delayed_weather", "departed", "arrived", "out_for_delivery", "delivered"]),
        ("accident", ["picked_up", "departed", "delayed_accident", "arrived", "departed", "arrived", "out_for_delivery", "delivered"]),
        ("overload", ["picked_up", "departed", "arrived", "overload", "departed", "arrived", "out_for_delivery", "delivered"]),
        ("stalled", ["picked_up", "departed", "arrived", "departed", "arrived", "out_for_delivery", "delivered"]),
        ("lost", ["picked_up", "departed", "arrived", "departed", "lost"]),
        ("damaged", ["picked_up", "departed", "arrived", "departed", "arrived", "damaged", "out_for_delivery", "delivered"]),
        ("refused", ["picked_up", "departed", "arrived", "departed", "arrived", "out_for_delivery", "refused", "returning", "returned"]),
        ("out_of_area", ["picked_up", "departed", "arrived", "departed", "arrived", "out_of_area", "returning", "returned"]),
    ],
)  # fmt: skip
def test_each_scenario_tells_its_story(scenario: str, kinds: list[str]) -> None:
    created = adapter().create_shipment(request(scenario=scenario))

    events = adapter().fetch_events(ref(created), now=T0 + timedelta(days=30))

    assert [e.kind for e in events] == kinds
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_a_delay_pushes_delivery_back_by_the_configured_hours(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SIMULATED_CARRIER": {"delay_hours": 10}}
    created = adapter().create_shipment(request(scenario="weather"))

    events = adapter().fetch_events(ref(created), now=T0 + timedelta(days=30))

    assert events[-1].at - T0 == timedelta(hours=54)


def test_the_drawn_scenario_follows_the_seed_and_rates(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "SIMULATED_CARRIER": {"rates": {"normal": 0, "lost": 1}}}

    created = adapter().create_shipment(request())

    assert created.carrier_data["scenario"] == "lost"


def test_a_signed_webhook_verifies_and_parses_back_to_the_same_events() -> None:
    created = adapter().create_shipment(request())
    events = adapter().fetch_events(ref(created), now=T0 + timedelta(days=3))
    body, headers = adapter().webhook(events)

    assert adapter().verify_signature(body, {"x-signature": headers["X-Signature"]})
    assert adapter().parse_webhook(body) == events


def test_a_tampered_or_unsigned_webhook_does_not_verify() -> None:
    body, headers = adapter().webhook([])

    assert not adapter().verify_signature(body + b" ", {"x-signature": headers["X-Signature"]})
    assert not adapter().verify_signature(body, {})


def test_a_malformed_webhook_body_names_the_bad_fields() -> None:
    with pytest.raises(ValidationFailed) as error:
        adapter().parse_webhook(b'{"events": [{"id": "1", "tracking_number": "X", "kind": "teleported", "at": "x"}]}')
    assert error.value.fields == {"events[0].kind": "unknown event kind teleported"}
