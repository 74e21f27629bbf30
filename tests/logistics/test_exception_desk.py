"""Working an exception: assign (in bulk), contact the buyer (message recorded),
resolve with an outcome; refusals change nothing. Shipments: booking, intercept,
hand-over refused for an intercepted parcel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.logistics import actions
from sellerdesk.logistics.exceptions import assign_exceptions, contact_buyer, resolve_exception
from sellerdesk.logistics.models import Carrier, ExceptionLog, LogisticsException, Shipment, ShipmentLog
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import OrderEvent
from tests.api.helpers import assert_error, default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, approved_order, booked, carriers, fresh, shipped


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


def lost_parcel() -> LogisticsException:
    shipment = shipped("lost")
    poll_tracking(T0 + timedelta(days=20))
    return LogisticsException.objects.get(shipment=shipment)


def desk() -> list[tuple[Any, ...]]:
    return list(
        LogisticsException.objects.order_by("pk").values_list(
            "assignee_id", "contacted_at", "outcome", "outcome_note", "extra_fee", "closed_at"
        )
    )


def test_assign_contact_resolve(agent: Any, owner: Any) -> None:
    found = lost_parcel()

    assign_exceptions(exceptions=[found], assignee=agent, actor=owner, at=T0 + timedelta(days=21))
    contact_buyer(exception=found, actor=agent, at=T0 + timedelta(days=21, hours=1))
    resolve_exception(exception=found, outcome="reship", note="补发一件", actor=agent, at=T0 + timedelta(days=22))

    found.refresh_from_db()
    assert (found.assignee, found.outcome, found.outcome_note, found.closed_by) == (agent, "reship", "补发一件", agent)
    assert found.contacted_at == T0 + timedelta(days=21, hours=1)
    assert found.closed_at == T0 + timedelta(days=22)
    # The shop's template with the trouble's words, in the portal and by SMS.
    told = list(OutgoingMessage.objects.filter(order=found.order, kind="parcel_problem").order_by("channel"))
    assert [(message.channel, message.status) for message in told] == [("in_site", "queued"), ("sms", "queued")]
    for message in told:
        assert message.params["problem"] == "was lost by the carrier"
        assert "Hello 张三" in message.text
        assert "was lost by the carrier" in message.text and found.order.number in message.text
    assert "中通快递 " + found.shipment.tracking_number in told[0].text
    assert list(ExceptionLog.objects.filter(exception=found).values_list("type", flat=True)) == [
        "detected", "assigned", "contacted", "resolved",
    ]  # fmt: skip
    actions_on_timeline = [
        e.data["action"]
        for e in OrderEvent.objects.filter(order=found.order, type="logistics_exception").order_by("at")
    ]
    assert actions_on_timeline == ["detected", "contacted", "resolved"]


def test_forwarding_records_the_extra_fee(agent: Any) -> None:
    found = lost_parcel()

    resolve_exception(exception=found, outcome="forward", note="买家补运费", extra_fee=Decimal("12.00"), actor=agent)

    found.refresh_from_db()
    assert (found.outcome, found.extra_fee, found.assignee) == ("forward", Decimal("12.00"), agent)


@pytest.mark.parametrize(
    ("outcome", "fee", "fields"),
    [
        ("teleport", None, {"outcome"}),
        ("forward", None, {"extra_fee"}),
        ("forward", Decimal("-1.00"), {"extra_fee"}),
        ("refund", Decimal("3.00"), {"extra_fee"}),
    ],
)
def test_a_bad_resolution_is_refused_and_changes_nothing(
    agent: Any, outcome: str, fee: Decimal | None, fields: set[str]
) -> None:
    found = lost_parcel()
    before = desk()

    with pytest.raises(ValidationFailed) as error:
        resolve_exception(exception=found, outcome=outcome, note="", extra_fee=fee, actor=agent)

    assert set(error.value.fields) == fields
    assert desk() == before


def test_a_closed_exception_cannot_be_worked_again(agent: Any) -> None:
    found = lost_parcel()
    resolve_exception(exception=found, outcome="refund", note="", actor=agent)
    before = (desk(), OutgoingMessage.objects.count())

    for attempt in (
        lambda: contact_buyer(exception=found, actor=agent),
        lambda: assign_exceptions(exceptions=[found], assignee=agent, actor=agent),
        lambda: resolve_exception(exception=found, outcome="wait", note="", actor=agent),
    ):
        with pytest.raises(Conflict) as error:
            attempt()
        assert error.value.code == "exception_closed"
    assert (desk(), OutgoingMessage.objects.count()) == before


def test_a_warehouse_user_may_not_work_the_desk(warehouse_user: Any) -> None:
    found = lost_parcel()
    before = desk()

    from sellerdesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        resolve_exception(exception=found, outcome="wait", note="", actor=warehouse_user)
    assert desk() == before


# --- API -----------------------------------------------------------------------------------


def test_the_desk_by_api(agent_api: Any, agent: Any) -> None:
    found = lost_parcel()

    listed = agent_api.get("/api/v1/logistics/exceptions", kind="lost")
    assigned = agent_api.post("/api/v1/logistics/exceptions/assign", {"ids": [found.pk], "assignee": "agent"})
    contacted = agent_api.post(f"/api/v1/logistics/exceptions/{found.pk}/contact", {"text": "您的包裹丢了，马上补发"})
    resolved = agent_api.post(f"/api/v1/logistics/exceptions/{found.pk}/resolve", {"outcome": "reship", "note": "补发"})

    assert [e["id"] for e in listed.json()] == [found.pk]
    assert assigned.json()[0]["assignee"] == "agent"
    assert contacted.json()["contacted_at"] is not None
    assert (resolved.json()["outcome"], resolved.json()["closed_at"] is not None) == ("reship", True)
    told = OutgoingMessage.objects.filter(kind="parcel_problem").order_by("channel")
    assert [(message.channel, message.text) for message in told] == [
        ("in_site", "您的包裹丢了，马上补发"),
        ("sms", "您的包裹丢了，马上补发"),
    ]
    assert agent_api.get("/api/v1/logistics/exceptions").json() == []


def test_api_failures_change_nothing(agent_api: Any) -> None:
    found = lost_parcel()
    before = (desk(), OutgoingMessage.objects.count())

    assert_error(
        agent_api.post("/api/v1/logistics/exceptions/assign", {"ids": [found.pk], "assignee": "ghost"}),
        422,
        "validation_error",
    )
    assert_error(
        agent_api.post("/api/v1/logistics/exceptions/assign", {"ids": [999999], "assignee": "agent"}),
        422,
        "validation_error",
    )
    assert_error(agent_api.post("/api/v1/logistics/exceptions/999999/contact", {}), 404, "not_found")
    assert_error(
        agent_api.post(f"/api/v1/logistics/exceptions/{found.pk}/resolve", {"outcome": "forward"}),
        422,
        "validation_error",
    )
    assert_error(
        agent_api.post(f"/api/v1/logistics/exceptions/{found.pk}/resolve", {"outcome": "wait", "x": 1}),
        422,
        "validation_error",
    )
    assert_error(agent_api.get("/api/v1/logistics/exceptions", kind="nope"), 422, "validation_error")
    assert (desk(), OutgoingMessage.objects.count()) == before


# --- shipments -----------------------------------------------------------------------------


def test_create_shipment_keeps_the_carrier_s_answer() -> None:
    shipment = booked(carrier="SF", payment_method="cod")

    assert (shipment.status, shipment.cod_amount, shipment.weight_grams) == ("created", Decimal("59.00"), 800)
    assert shipment.tracking_number.startswith("SF")
    assert shipment.label["receiver"]["city"] == "杭州市"
    assert shipment.label["cod_amount"] == "59.00"
    assert OrderEvent.objects.get(order=shipment.order, type="shipment").data["action"] == "created"


def test_a_second_parcel_of_the_same_order_gets_its_own_number() -> None:
    first = booked()
    second = actions.create_shipment(
        order=first.order, carrier=first.carrier, parcel=actions.Parcel(weight_grams=500), actor=None
    )

    assert second.tracking_number != first.tracking_number


def test_a_carrier_without_cod_is_refused_for_a_cod_order_and_nothing_is_written() -> None:
    order = approved_order(payment_method="cod")

    with pytest.raises(ValidationFailed) as error:
        actions.create_shipment(
            order=order, carrier=Carrier.objects.get(code="ZTO"), parcel=actions.Parcel(), actor=None
        )

    assert error.value.fields == {"carrier": "中通快递 does not collect cash on delivery"}
    assert Shipment.objects.count() == 0


def test_an_unreviewed_order_cannot_be_booked() -> None:
    from tests.factories import place

    approved_order()  # makes the SKU
    order = place(("TEE", 1))

    with pytest.raises(InvalidTransition):
        actions.create_shipment(
            order=order, carrier=Carrier.objects.get(code="ZTO"), parcel=actions.Parcel(), actor=None
        )
    assert Shipment.objects.count() == 0


def test_out_of_area_is_refused_by_api_and_nothing_is_written(agent_api: Any) -> None:
    from sellerdesk.orders.actions import Address

    order = approved_order(address=Address("西藏自治区", "阿里地区", "改则县", "1 号"))

    response = agent_api.post(f"/api/v1/orders/{order.number}/shipments", {"carrier": "ZTO"})

    assert_error(response, 409, "out_of_area")
    assert Shipment.objects.count() == 0


def test_booking_by_api_uses_the_chosen_carrier(agent_api: Any) -> None:
    order = approved_order()

    response = agent_api.post(f"/api/v1/orders/{order.number}/shipments", {"weight_grams": 700})

    assert response.status_code == 201
    assert (response.json()["carrier"], response.json()["status"]) == ("YUNDA", "created")


def test_intercept_stops_a_parcel_not_handed_over(agent: Any) -> None:
    shipment = booked()

    actions.intercept(shipment=shipment, actor=agent, reason="买家取消")

    assert (fresh(shipment).status, fresh(shipment).is_intercepted) == ("intercepted", True)
    with pytest.raises(Conflict) as error:
        actions.mark_handed_over(shipment=shipment, actor=agent)
    assert error.value.code == "shipment_intercepted"
    assert fresh(shipment).handed_over_at is None
    assert list(ShipmentLog.objects.filter(shipment=shipment).values_list("type", flat=True)) == [
        "created",
        "intercepted",
    ]


def test_a_parcel_handed_over_cannot_be_intercepted(agent_api: Any) -> None:
    shipment = shipped()

    response = agent_api.post(f"/api/v1/shipments/{shipment.pk}/intercept", {"reason": "买家取消"})

    assert_error(response, 409, "shipment_not_interceptable")
    assert (fresh(shipment).status, fresh(shipment).is_intercepted) == ("handed_over", False)


@pytest.mark.parametrize(
    ("language", "suggestion"),
    [
        ("zh-hans", "电话联系顾客致歉并补发（或按顾客意愿退款）；向快递索赔。"),
        ("en", "Phone the buyer, apologise and reship (or refund if they prefer); claim the loss from the carrier."),
    ],
)
def test_the_desk_and_its_api_read_the_suggestion_in_the_readers_language(
    agent_api: Any, agent: Any, language: str, suggestion: str
) -> None:
    # given a lost parcel on the desk: its suggestion kept as a code, the carrier's words as they came
    found = lost_parcel()
    assert (found.suggestion, found.suggestion_data) == ("", {"code": "exception_suggestion_lost"})
    carriers_words = found.detail
    assert carriers_words.endswith("快件遗失") and found.detail_data == {}

    # when a reader of each language opens the desk and its API
    client = Client()
    client.force_login(agent)
    page = client.get("/logistics/exceptions/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    listed = agent_api.client.get("/api/v1/logistics/exceptions", HTTP_ACCEPT_LANGUAGE=language).json()

    # then each reads the same suggestion in their language, and the carrier's words unchanged
    assert suggestion in page and carriers_words in page
    assert [(e["suggestion"], e["detail"]) for e in listed] == [(suggestion, carriers_words)]


def test_a_scan_the_carrier_described_in_no_words_reads_in_the_readers_language() -> None:
    detail = messages.message("exception_scan_detail", kind="lost", location="杭州市")

    with translation.override("zh-hans"):
        assert messages.render(detail) == "杭州市: 丢失"
    with translation.override("en"):
        assert messages.render(detail) == "杭州市: Lost"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_desk_preselects_no_outcome_that_costs_money(agent: Any, language: str) -> None:
    """Issue 17 D: every card used to offer 补发 (reship) preselected; an outcome that costs
    money is never preselected — the agent picks one, and a resolve without one is refused."""
    import re

    found = lost_parcel()
    client = Client()
    client.force_login(agent)

    page = client.get("/logistics/exceptions/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    select = re.search(r'<select name="outcome"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None and "required" in select.group(0)
    options = re.findall(r"<option([^>]*)>", select.group(1))
    assert options[0] == ' value="" selected disabled'
    assert [attrs for attrs in options[1:] if "selected" in attrs] == []

    before = desk()
    client.post(f"/logistics/exceptions/{found.pk}/resolve/", {"outcome": "", "note": ""})
    assert desk() == before


def test_a_refused_resolution_keeps_what_was_typed_on_its_card(agent: Any) -> None:
    """Issue 17 (walkthrough): a bad extra fee ("1e3") redirected to the desk and lost the
    outcome, fee and note typed; the desk comes back (422) with them on the card and
    nothing written."""
    found = lost_parcel()
    client = Client()
    client.force_login(agent)
    before = desk()

    answer = client.post(
        f"/logistics/exceptions/{found.pk}/resolve/",
        {"outcome": "reship", "extra_fee": "1e3", "note": "买家同意补发", "next": "/logistics/exceptions/?state=open"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = answer.content.decode()
    assert answer.status_code == 422
    assert "Extra fee: enter an amount like 12.00." in page
    assert 'value="1e3"' in page and 'value="买家同意补发"' in page
    assert '<option value="reship" selected>' in page
    assert desk() == before
