"""The timeline is rendered when read, in the reader's language: a zh-Hans reader and an en
reader see the same stored event each in their own language, for every registered code
(a code written without a renderer is refused, and a new code is tested here by itself)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape

from sellerdesk.core import messages
from sellerdesk.core.models import User
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders.events import build_event, event_codes, event_type_of, write_event
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.orders.timeline import describe_event, timeline_entry
from sellerdesk.shops.models import Shop
from tests.conftest import ApiClient
from tests.factories import make_sku, place

EVENT_CODES = event_codes()
RENDERERS = {renderer.code: renderer for renderer in messages.renderers()}


def example_event(code: str) -> OrderEvent:
    event_type = event_type_of(code)
    return build_event(1, event_type, actor=None, at=timezone.now(), code=code, **RENDERERS[code].example)


def in_language(language: str, event: OrderEvent) -> tuple[str, str]:
    with translation.override(language):
        entry = timeline_entry(event)
    return entry.title, entry.text


def test_every_event_type_is_written_with_a_registered_code() -> None:
    assert {event_type_of(code) for code in EVENT_CODES} == set(OrderEventType)


@pytest.mark.parametrize("code", EVENT_CODES)
def test_each_event_code_reads_in_the_readers_language(code: str) -> None:
    event = example_event(code)

    zh_title, zh_text = in_language("zh-hans", event)
    en_title, en_text = in_language("en", event)

    assert zh_title != en_title
    assert "%(" not in zh_text + en_text
    renderer = RENDERERS[code]
    if renderer.template is not None or renderer.render is not None:
        assert en_text, code  # a code with a sentence renders one from its example
        if not renderer.verbatim:
            assert zh_text != en_text


@pytest.mark.parametrize("code", sorted(RENDERERS))
def test_every_registered_message_renders_in_both_languages(code: str) -> None:
    data = {"code": code, **RENDERERS[code].example}

    with translation.override("zh-hans"):
        chinese = messages.render(data)
    with translation.override("en"):
        english = messages.render(data)

    assert "%(" not in chinese + english
    if RENDERERS[code].template is not None and not RENDERERS[code].verbatim:
        assert chinese != english


def test_a_code_without_a_renderer_cannot_be_written() -> None:
    with pytest.raises(LookupError):
        build_event(1, OrderEventType.SHIPMENT, actor=None, at=timezone.now(), code="label_printed_twice")
    with pytest.raises(LookupError):  # a registered code, but of another type
        build_event(1, OrderEventType.SHIPMENT, actor=None, at=timezone.now(), code="tracking")


def test_a_types_own_code_is_not_repeated_in_the_data() -> None:
    event = build_event(1, OrderEventType.SHIPPED, actor=None, at=timezone.now(), carrier="SF", tracking_number="1")
    coded = build_event(
        1, OrderEventType.SHIPMENT, actor=None, at=timezone.now(), code="label_cancelled", tracking_number="1"
    )

    assert event.data == {"carrier": "SF", "tracking_number": "1"}
    assert coded.data == {"code": "label_cancelled", "tracking_number": "1"}


def test_a_legacy_sentence_is_shown_as_it_was() -> None:
    event = OrderEvent(type="shipment", data={"code": "legacy", "legacy_text": "已向 顺丰 下单"})

    assert in_language("en", event)[1] == in_language("zh-hans", event)[1] == "已向 顺丰 下单"


# --- the order page and the API, a zh-Hans and an en reader -------------------------------


@pytest.fixture
def order_with_every_event(db: Any) -> Order:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-RED-M", price="59.00", stock=10)
    order = place(("TEE-RED-M", 2))
    for code in EVENT_CODES:
        write_event(order, event_type_of(code), code=code, actor=None, at=timezone.now(), **RENDERERS[code].example)
    return order


def expected(language: str, order: Order) -> list[str]:
    with translation.override(language):
        return [describe_event(event) for event in order.events.order_by("at", "pk")]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_order_page_shows_every_event_in_the_readers_language(
    language: str, agent: User, order_with_every_event: Order
) -> None:
    client = Client()
    client.force_login(agent)
    other = "en" if language == "zh-hans" else "zh-hans"

    page = client.get(f"/orders/{order_with_every_event.number}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    mine, theirs = expected(language, order_with_every_event), expected(other, order_with_every_event)
    assert [text for text in mine if escape(text) not in page] == []
    assert [text for text, own in zip(theirs, mine, strict=True) if text != own and escape(text) in page] == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_events_api_renders_every_event_in_the_requests_language(
    language: str, agent_api: ApiClient, order_with_every_event: Order
) -> None:
    response = agent_api.client.get(
        f"/api/v1/orders/{order_with_every_event.number}/events", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 200
    assert [event["text"] for event in response.json()] == expected(language, order_with_every_event)
    assert expected(language, order_with_every_event) != expected(
        "en" if language == "zh-hans" else "zh-hans", order_with_every_event
    )


def test_a_detail_the_system_worded_is_read_in_the_readers_language() -> None:
    detail = messages.message("no_update_detail", hours=48, last_at="2026-12-04T10:00:00+08:00")
    event = build_event(
        1,
        OrderEventType.LOGISTICS_EXCEPTION,
        actor=None,
        at=timezone.now(),
        code="exception_detected",
        tracking_number="SF1",
        kind="no_update",
        detail=detail,
    )

    with translation.override("en"):
        english = describe_event(event)
    with translation.override("zh-hans"):
        chinese = describe_event(event)

    assert english == "Parcel SF1: No tracking update — No tracking update for 48 hours (last at 2026-12-04 10:00)"
    assert chinese != english and "48" in chinese and "2026-12-04 10:00" in chinese


@pytest.mark.django_db
@pytest.mark.parametrize(("carrier", "reads"), [("SF", "顺丰速运"), ("顺丰", "顺丰速运"), ("某某快递", "某某快递")])
def test_the_shipped_event_names_the_carrier_not_its_code(carrier: str, reads: str) -> None:
    """Issue 17 D (walkthrough): the order page named the carrier (顺丰速运) while its
    timeline said "SF, tracking number …": the shipped event reads the carrier's name,
    or what the order was given when logistics knows no such carrier."""
    from sellerdesk.orders.actions import ship_order
    from tests.api.helpers import advance
    from tests.logistics.helpers import carriers

    carriers()
    make_sku("TEE", price="59.00", stock=10)
    order = ship_order(order=advance(place(("TEE", 1)), "approved"), actor=None, carrier=carrier, tracking_number="SF1")

    with translation.override("en"):
        assert describe_event(order.events.get(type=OrderEventType.SHIPPED)) == f"{reads}, tracking number SF1"
