"""Quick replies: placeholders filled from the buyer's current order, scopes, shortcuts,
usage counts, spreadsheet import and export, the starter set."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentStatus
from sellerdesk.orders.models import Order
from sellerdesk.service import quickreplies
from sellerdesk.service.models import Conversation, ConversationChannel
from sellerdesk.shops.models import default_shop
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)


def conversation_for(order: Order | None = None, **fields: Any) -> Conversation:
    values: dict[str, Any] = {
        "shop": order.shop if order is not None else default_shop(),
        "customer": order.customer if order is not None else None,
        "order": order,
        "channel": ConversationChannel.WEB,
        "created_at": AT,
        "last_message_at": AT,
    }
    values.update(fields)
    return Conversation.objects.create(**values)


@pytest.fixture
def dress_order(db: Any) -> Order:
    dress = make_sku("DRESS-XS", price="128.00", name="吊带裙", attributes={"尺码": "XS", "颜色": "玫红"})
    tee = make_sku("TEE", price="59.00", name="T恤", attributes={})
    return place((dress.code, 1), (tee.code, 2))


def test_fill_every_placeholder_from_the_order(dress_order: Order) -> None:
    Order.objects.filter(pk=dress_order.pk).update(
        carrier="顺丰速运", tracking_number="SF1234567890", promised_ship_date=date(2026, 11, 8)
    )
    dress_order.refresh_from_db()
    agent = make_user("hua", "agent", "阿华")
    conversation = conversation_for(dress_order, assignee=agent)
    body = (
        "{buyer_name}您好，订单{order_number}：\n{goods}\n共¥{total}，{carrier} {tracking_number}，"
        "预计{promised_ship_date}发货。{shop_name} {agent_name} {{不是占位符}}"
    )
    assert quickreplies.fill(body, conversation) == (
        f"张三您好，订单{dress_order.number}：\n吊带裙 玫红/XS ×1\nT恤 ×2\n共¥246.00，顺丰速运 SF1234567890，"
        f"预计11月8日发货。{dress_order.shop.name} 阿华 {{不是占位符}}"
    )


def test_pay_by_in_shanghai_time_and_in_english(dress_order: Order) -> None:
    deadline = datetime(2026, 11, 10, 8, 30, tzinfo=ZoneInfo("UTC"))
    Order.objects.filter(pk=dress_order.pk).update(pay_deadline=deadline)
    dress_order.refresh_from_db()
    assert quickreplies.fill("{pay_by}", conversation_for(dress_order)) == "11月10日 16:30"
    assert quickreplies.fill("{pay_by}", conversation_for(dress_order, language="en")) == "10 Nov 16:30"


def test_the_buyers_newest_order_when_the_conversation_names_none(dress_order: Order) -> None:
    conversation = conversation_for(None, customer=dress_order.customer)
    assert quickreplies.fill("{order_number}", conversation) == dress_order.number


def test_carrier_and_tracking_from_the_shipment_by_the_carriers_name(dress_order: Order) -> None:
    carrier = Carrier.objects.create(code="zto", name="中通快递")
    Shipment.objects.create(
        order=dress_order, carrier=carrier, tracking_number="ZT778899", status=ShipmentStatus.values[0], created_at=AT
    )
    Order.objects.filter(pk=dress_order.pk).update(carrier="zto")
    assert quickreplies.fill("{carrier}:{tracking_number}", conversation_for(dress_order)) == "中通快递:ZT778899"


def test_agent_who_inserts_the_reply_signs_it(dress_order: Order) -> None:
    agent = make_user("mei", "agent", "小美")
    assert quickreplies.fill("客服{agent_name}", conversation_for(dress_order), agent=agent) == "客服小美"


def test_unknown_placeholder_is_named(dress_order: Order) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{buyer_name} {coupon_code} {order_no", conversation_for(dress_order))
    message = caught.value.fields["body"]
    assert "{coupon_code}" in message
    assert "{order_no" in message
    assert "{buyer_name}" not in message.split("(")[0]


def test_values_the_conversation_lacks_are_refused_not_left_blank(db: Any) -> None:
    conversation = conversation_for(None, contact_name="小李")
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{buyer_name} {order_number} {agent_name}", conversation)
    message = caught.value.fields["body"]
    assert "{order_number}: the conversation has no order" in message
    assert "{agent_name}: no agent is answering the conversation" in message
    assert quickreplies.fill("{buyer_name}您好", conversation) == "小李您好"


def test_not_yet_shipped_order_has_no_tracking_number(dress_order: Order) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{tracking_number}", conversation_for(dress_order))
    assert (
        caught.value.fields["body"] == f"{{tracking_number}}: the order {dress_order.number} has no tracking number yet"
    )


def test_an_unknown_buyer_is_addressed_as_taobao_does(db: Any) -> None:
    assert quickreplies.fill("{buyer_name}", conversation_for(None, language="en")) == "dear customer"


def test_total_has_two_places(dress_order: Order) -> None:
    Order.objects.filter(pk=dress_order.pk).update(total=Decimal("99.5"))
    dress_order.refresh_from_db()
    assert quickreplies.fill("{total}", conversation_for(dress_order)) == "99.50"
    assert timezone.is_aware(AT)
