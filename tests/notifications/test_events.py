"""Every event writes its messages to the outbox in its own transaction (notifications.events):
exactly one message per channel, keyed by the event; nothing when the event rolls back;
nothing more when the event is replayed; the review batch's confirmations in one INSERT;
webhooks for the endpoints that hear the event; a sent purchase order emailed with its PDF."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core import hooks, messages
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics.carriers.base import CarrierTrackingEvent
from sellerdesk.logistics.models import Shipment
from sellerdesk.logistics.tracking import record_events
from sellerdesk.notifications import aftersales as aftersales_messages
from sellerdesk.notifications import events, outbox, rules
from sellerdesk.notifications.models import BuyerPreference, NotificationSettings, OutgoingMessage, WebhookEndpoint
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.hooks import OrderPaid
from sellerdesk.orders.models import Order
from sellerdesk.orders.review import actions as review
from sellerdesk.payments.actions import record_payment
from sellerdesk.portal import auth
from sellerdesk.purchasing import actions as purchasing
from sellerdesk.purchasing.models import PurchaseOrder
from sellerdesk.shops.models import Shop
from tests.factories import place
from tests.logistics.helpers import carriers, shipped
from tests.review.conftest import AFTER_BUFFER, T0, paid
from tests.support.clock import TEST_NOW

OUTBOX_INSERT = 'INSERT INTO "notifications_outgoingmessage"'


def local(day_of: datetime, hour: int, minute: int = 0) -> datetime:
    """`day_of`'s local date at hour:minute (Asia/Shanghai)."""
    zone = timezone.get_default_timezone()
    return timezone.make_aware(datetime.combine(timezone.localtime(day_of, zone).date(), time(hour, minute)), zone)


NIGHT = local(TEST_NOW, 23, 30)


def rows(**filters: Any) -> list[tuple[Any, ...]]:
    return list(
        OutgoingMessage.objects.filter(**filters)
        .order_by("kind", "channel", "pk")
        .values_list("kind", "channel", "recipient", "status", "idempotency_key")
    )


def unpaid(**fields: Any) -> Order:
    return place(("TEE-RED-M", 2), placed_at=T0, **fields)


def pay(order: Order, at: datetime = T0) -> None:
    record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=None, at=at)


@pytest.fixture
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


# --- paid: one per channel, in the event's transaction, once -------------------------------


def test_paid_writes_one_message_per_channel_keyed_by_the_event(tee: Sku) -> None:
    order = unpaid()
    BuyerPreference.objects.create(customer_id=order.customer_id, email="zhang@example.com")

    pay(order)

    key = f"paid:{order.number}"
    assert rows(order=order) == [
        ("paid", "email", "zhang@example.com", "queued", f"{key}:email"),
        ("paid", "in_site", str(order.customer_id), "queued", f"{key}:in_site"),
    ]
    message = OutgoingMessage.objects.get(order=order, channel="email")
    assert (message.params["total"], message.params["goods"]) == ("118.00", "红色T恤 M × 2")
    assert message.created_at == T0 and "118.00" in message.text and order.number in message.subject


def test_a_payment_rolled_back_takes_its_messages_with_it(tee: Sku) -> None:
    order = unpaid()

    with pytest.raises(RuntimeError), transaction.atomic():
        pay(order)
        assert len(rows(order=order, kind="paid")) == 1  # written inside the payment's transaction
        raise RuntimeError("the payment fails after the hook")

    assert rows(order=order) == []
    assert Order.objects.get(pk=order.pk).status == "unpaid"


def test_a_replayed_payment_event_writes_nothing_more(tee: Sku) -> None:
    order = unpaid()
    pay(order)
    before = rows()

    hooks.emit(OrderPaid(order=Order.objects.get(pk=order.pk), actor=None, at=T0 + timedelta(minutes=5)))

    assert rows() == before


def test_the_buyers_language_is_their_choice(tee: Sku, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    order = unpaid()
    BuyerPreference.objects.create(customer_id=order.customer_id, language="en")

    pay(order)

    message = OutgoingMessage.objects.get(order=order, kind="paid")
    assert message.language == "en" and message.text.startswith("Hello 张三, we received your payment")


# --- the confirmation: the review batch in one INSERT, the same rows as one by one ---------


def test_the_review_batch_writes_every_confirmation_in_one_insert(tee: Sku) -> None:
    orders = [paid(("TEE-RED-M", 1)) for _ in range(6)]
    endpoint = WebhookEndpoint.objects.create(url="https://erp.example/hook", secret="s", events=["order.confirmed"])

    with CaptureQueriesContext(connection) as queries:
        result = review.review_batch(order_ids=[order.pk for order in orders], now=AFTER_BUFFER)

    assert result.approved == 6
    inserts = [query["sql"] for query in queries.captured_queries if query["sql"].startswith(OUTBOX_INSERT)]
    assert len(inserts) == 1
    for order in orders:
        key = f"confirmed:{order.number}"
        assert rows(order=order, kind="order_confirmation") == [
            ("order_confirmation", "im", order.buyer_nickname, "queued", f"{key}:im"),
            ("order_confirmation", "in_site", str(order.customer_id), "queued", f"{key}:in_site"),
        ]
        assert rows(order=order, kind="webhook_event") == [
            ("webhook_event", "webhook", endpoint.url, "queued", f"{key}:webhook:{endpoint.pk}")
        ]


def _written() -> list[tuple[Any, ...]]:
    return list(
        OutgoingMessage.objects.exclude(kind="paid")
        .order_by("idempotency_key")
        .values_list(
            "idempotency_key",
            "order_id",
            "customer_id",
            "shop_id",
            "channel",
            "recipient",
            "kind",
            "language",
            "subject",
            "text",
            "params",
            "attachments",
            "transactional",
            "status",
            "next_attempt_at",
            "last_error",
            "webhook_id",
            "created_at",
        )
    )


def test_the_batch_writes_what_one_by_one_would_at_night_and_over_the_cap(tee: Sku, default_shop: Shop) -> None:
    # The shop confirms by SMS too (held at night) and caps a buyer at 2 a day per channel;
    # one buyer has three orders in the batch, another chose English and an email address.
    NotificationSettings.objects.create(
        shop=default_shop, daily_cap=2, channels={"order_confirmation": ["sms", "in_site", "email"]}
    )
    same = order_actions.Buyer("李四", "13900139000", "lisi")
    orders = [paid(("TEE-RED-M", 1), buyer=same) for _ in range(3)]
    orders.append(paid(("TEE-RED-M", 2), buyer_message="不要放价格单"))
    BuyerPreference.objects.create(customer_id=orders[-1].customer_id, language="en", email="w@example.com")
    WebhookEndpoint.objects.create(url="https://erp.example/all", secret="s", events=[])

    with transaction.atomic():
        point = transaction.savepoint()
        for order in orders:
            events.tell_order_confirmed(order=order, at=NIGHT)
        one_by_one = _written()
        transaction.savepoint_rollback(point)

    assert _written() == []
    assert events.tell_orders_confirmed(order_ids=[order.pk for order in orders], at=NIGHT) == 4
    assert _written() == one_by_one
    # what the rules said: the SMS wait for the morning, the buyer's third is over the cap
    sms = OutgoingMessage.objects.filter(channel="sms", order__in=orders[:3]).order_by("order_id")
    morning = rules.next_morning(default_shop, NIGHT)
    assert morning > NIGHT
    assert [(m.status, m.next_attempt_at) for m in sms] == [
        ("queued", morning),
        ("queued", morning),
        ("suppressed", None),
    ]


def test_an_approval_rolled_back_confirms_nothing(tee: Sku, owner: User) -> None:
    order = paid(("TEE-RED-M", 1))

    with pytest.raises(RuntimeError), transaction.atomic():
        order_actions.approve_order(order=order, actor=owner, at=AFTER_BUFFER)
        assert len(rows(order=order, kind="order_confirmation")) == 2
        raise RuntimeError("something after the approval fails")

    assert rows(order=order, kind="order_confirmation") == []


def test_confirming_again_writes_nothing(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    events.tell_orders_confirmed(order_ids=[order.pk], at=AFTER_BUFFER)
    before = rows()

    assert events.tell_orders_confirmed(order_ids=[order.pk], at=AFTER_BUFFER) == 0
    events.tell_order_confirmed(order=order, at=AFTER_BUFFER + timedelta(minutes=1))

    assert rows() == before


# --- parcels: shipped, in transit (once), delivered; return parcels say nothing ------------


@pytest.fixture
def parcel(default_shop: Shop, english: None) -> Shipment:
    carriers()
    shipment = shipped()
    BuyerPreference.objects.create(customer_id=shipment.order.customer_id, email="zhang@example.com")
    return shipment


def scan(shipment: Shipment, event_id: str, kind: str, at: datetime, location: str = "杭州转运中心") -> None:
    record_events(
        shipment=shipment,
        events=[CarrierTrackingEvent(event_id, shipment.tracking_number, kind, at, location)],
        source="poll",
        now=at,
    )


def test_in_transit_is_told_once_per_parcel_and_delivered_once(parcel: Shipment) -> None:
    order, number = parcel.order, parcel.tracking_number
    at = timezone.now() - timedelta(days=1)

    scan(parcel, "e1", "picked_up", at)
    scan(parcel, "e2", "departed", at + timedelta(hours=2), "上海转运中心")
    scan(parcel, "e3", "arrived", at + timedelta(hours=6), "上海分拨中心")

    key = f"in_transit:{order.number}:{number}"
    assert rows(order=order, kind="in_transit") == [
        ("in_transit", "email", "zhang@example.com", "queued", f"{key}:email"),
        ("in_transit", "in_site", str(order.customer_id), "queued", f"{key}:in_site"),
    ]
    told = OutgoingMessage.objects.get(order=order, kind="in_transit", channel="in_site")
    assert told.params["location"] == "杭州转运中心" and number in told.text

    scan(parcel, "e4", "out_for_delivery", at + timedelta(hours=20))
    scan(parcel, "e5", "delivered", at + timedelta(hours=22))
    scan(parcel, "e5", "delivered", at + timedelta(hours=22))  # the carrier repeats itself

    key = f"delivered:{order.number}:{number}"
    assert [(channel, status, k) for _kind, channel, _to, status, k in rows(order=order, kind="delivered")] == [
        ("email", "queued", f"{key}:email"),
        ("in_site", "queued", f"{key}:in_site"),
        ("sms", "queued", f"{key}:sms"),
    ]
    assert len(rows(order=order, kind="in_transit")) == 2


def test_a_return_parcel_tells_the_buyer_nothing(parcel: Shipment) -> None:
    Shipment.objects.filter(pk=parcel.pk).update(direction="return")
    at = timezone.now() - timedelta(days=1)

    scan(parcel, "r1", "picked_up", at)
    scan(parcel, "r2", "delivered", at + timedelta(hours=5))

    assert rows(order=parcel.order, kind__in=("in_transit", "delivered")) == []


def test_shipped_is_told_once_per_parcel_and_its_sms_waits_for_the_morning(
    parcel: Shipment, default_shop: Shop
) -> None:
    order = parcel.order

    events.tell_parcel_shipped(order=order, tracking_number="YT1", carrier_name="圆通速递", at=NIGHT)
    events.tell_parcel_shipped(order=order, tracking_number="YT1", carrier_name="圆通速递", at=NIGHT)

    sms = OutgoingMessage.objects.get(
        order=order, kind="parcel_shipped", channel="sms", idempotency_key__contains="YT1"
    )
    assert (sms.status, sms.next_attempt_at) == ("queued", rules.next_morning(default_shop, NIGHT))
    assert OutgoingMessage.objects.filter(idempotency_key__startswith=f"shipped:{order.number}:YT1:").count() == 3


# --- after-sales progress and refund done -------------------------------------------------


def test_after_sales_news_reaches_the_portal_and_the_shops_channels_once(tee: Sku) -> None:
    order = unpaid()
    BuyerPreference.objects.create(customer_id=order.customer_id, language="en")
    text = messages.message("aftersales_notice_approved", case="AS1", order=order.number)

    portal = aftersales_messages.record_case_message(order=order, text_data=text, at=T0)
    again = aftersales_messages.record_case_message(order=order, text_data=text, at=T0)

    assert again == portal and portal.channel == "in_site"
    assert [(channel, status) for _k, channel, _to, status, _key in rows(order=order, kind="aftersales")] == [
        ("in_site", "queued"),
        ("sms", "queued"),
    ]
    assert portal.params["progress"] == "Your after-sales request AS1 was approved"  # the buyer's language
    assert (portal.idempotency_key or "").startswith("aftersales:AS1:aftersales_notice_approved:")


def test_refund_done_is_told_once_per_refund(tee: Sku) -> None:
    order = unpaid()

    first = aftersales_messages.record_refund_done(
        order=order, case_number="AS1", refund_number="RF1", amount=Decimal("59.00"), at=T0
    )
    aftersales_messages.record_refund_done(
        order=order, case_number="AS1", refund_number="RF1", amount=Decimal("59.00"), at=T0 + timedelta(hours=1)
    )

    assert first.idempotency_key == "refund_done:RF1:in_site" and first.params["refund_amount"] == "59.00"
    assert [key for *_rest, key in rows(order=order, kind="refund_done")] == [
        "refund_done:RF1:in_site",
        "refund_done:RF1:sms",
    ]


# --- one-time codes: by SMS at once, even at night ----------------------------------------


def test_a_sign_in_code_goes_at_once_even_at_night(tee: Sku) -> None:
    order = unpaid()

    asked = auth.request_code(order_number=order.number, phone=order.buyer_phone, at=NIGHT)

    message = OutgoingMessage.objects.get(kind="one_time_code")
    assert (message.channel, message.status, message.next_attempt_at) == ("sms", "queued", NIGHT)
    assert asked.code is not None and asked.code in message.text


# --- webhooks -----------------------------------------------------------------------------


def test_an_order_event_goes_to_every_active_endpoint_that_hears_it(tee: Sku, default_shop: Shop) -> None:
    other = Shop.objects.create(code="other", name="别家店")
    hears = WebhookEndpoint.objects.create(url="https://erp.example/paid", secret="s", events=["order.paid"])
    every = WebhookEndpoint.objects.create(url="https://erp.example/all", secret="s", shop=default_shop)
    WebhookEndpoint.objects.create(url="https://erp.example/off", secret="s", events=["order.paid"], active=False)
    WebhookEndpoint.objects.create(url="https://erp.example/ship", secret="s", events=["order.shipped"])
    WebhookEndpoint.objects.create(url="https://other.example/paid", secret="s", shop=other)
    order = unpaid()

    pay(order)

    delivered = OutgoingMessage.objects.filter(kind="webhook_event").order_by("webhook_id")
    assert [(m.channel, m.recipient, m.idempotency_key, m.status) for m in delivered] == [
        ("webhook", endpoint.url, f"paid:{order.number}:webhook:{endpoint.pk}", "queued") for endpoint in (hears, every)
    ]
    data = delivered[0].params["data"]
    assert delivered[0].params["event"] == "order.paid"
    assert (data["order"], data["paid_amount"], data["total"]) == (order.number, "118.00", "118.00")
    assert "13800138000" not in str(delivered[0].params)  # facts, no personal data

    hooks.emit(OrderPaid(order=Order.objects.get(pk=order.pk), actor=None, at=T0))
    assert OutgoingMessage.objects.filter(kind="webhook_event").count() == 2


# --- purchasing: "send" emails the purchase order with its PDF ----------------------------


@pytest.fixture
def draft(tee: Sku) -> PurchaseOrder:
    def make(email: str) -> PurchaseOrder:
        supplier = purchasing.create_supplier(
            data=purchasing.SupplierData(code=f"s{len(email)}", name="杭州服饰", email=email), actor=None
        )
        return purchasing.create_purchase_order(
            draft=purchasing.PurchaseDraft(
                supplier=supplier,
                warehouse=default_warehouse(),
                lines=[purchasing.LineDraft("TEE-RED-M", 10, Decimal("25.00"))],
            ),
            actor=None,
        )

    return make  # type: ignore[return-value]


def test_sending_a_purchase_order_emails_it_with_its_pdf(draft: Any, owner: User, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    purchase_order = draft("sales@hz-fushi.example.cn")

    purchasing.send_purchase_order(purchase_order=purchase_order, actor=None, at=NIGHT)

    message = OutgoingMessage.objects.get(kind="purchase_order")
    assert (message.channel, message.recipient, message.status, message.next_attempt_at) == (
        "email",
        "sales@hz-fushi.example.cn",
        "queued",
        NIGHT,  # to a supplier: never held for the night
    )
    assert message.idempotency_key == f"purchase_order:{purchase_order.number}:email"
    assert message.attachments == [
        {
            "kind": "purchase_order",
            "document": purchase_order.number,
            "name": f"{purchase_order.number}.pdf",
            "content_type": "application/pdf",
        }
    ]

    assert outbox.send_due(now=NIGHT + timedelta(seconds=1), worker="test") == 1

    sent = mail.outbox[-1]
    assert sent.to == ["sales@hz-fushi.example.cn"] and purchase_order.number in sent.subject
    name, content, content_type = sent.attachments[0]
    assert (name, content_type) == (f"{purchase_order.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert OutgoingMessage.objects.get(pk=message.pk).status == "sent"
    client = Client()
    client.force_login(owner)
    page = client.get(f"/purchasing/orders/{purchase_order.number}/").content.decode()
    assert 'data-testid="po-deliveries"' in page and 'data-status="sent"' in page
    assert "sales@hz-fushi.example.cn" in page


def test_a_supplier_without_an_email_refuses_the_send_and_nothing_changes(draft: Any) -> None:
    purchase_order = draft("")

    with pytest.raises(ValidationFailed) as refused:
        purchasing.send_purchase_order(purchase_order=purchase_order, actor=None)

    assert list(refused.value.fields) == ["supplier.email"]
    assert PurchaseOrder.objects.get(pk=purchase_order.pk).status == "draft"
    assert not StockLevel.objects.filter(in_transit__gt=0).exists()
    assert OutgoingMessage.objects.count() == 0


def test_a_send_rolled_back_emails_nothing(draft: Any) -> None:
    purchase_order = draft("sales@hz-fushi.example.cn")

    with pytest.raises(RuntimeError), transaction.atomic():
        purchasing.send_purchase_order(purchase_order=purchase_order, actor=None)
        raise RuntimeError("after the send")

    assert OutgoingMessage.objects.count() == 0


# --- what one buyer's message costs (the demo plays thousands) -----------------------------


def test_a_parcel_message_counts_the_daily_cap_once_and_writes_what_each_channel_would(
    parcel: Shipment, default_shop: Shop
) -> None:
    """Issue 17 D (the demo loads in under 30 s): a message about an order counts the buyer's
    messages of today once for all its channels, does not look up the carrier the event
    names nor read the buyer, and still caps each channel on its own count."""
    noon = local(TEST_NOW, 12)
    order = Order.objects.select_related("shop").get(pk=parcel.order_id)
    # The buyer had more SMS today than messages on the other channels: the cap is met there only.
    settings = NotificationSettings.objects.create(shop=default_shop, daily_cap=0)
    cap = 1 + max(rules.sent_today(order.customer_id, channel, noon) for channel in ("email", "in_site"))
    for earlier in range(cap - rules.sent_today(order.customer_id, "sms", noon)):
        outbox.notify(kind="parcel_shipped", order=order, params={}, at=noon, key=f"earlier{earlier}", channels=["sms"])
    assert rules.sent_today(order.customer_id, "sms", noon) == cap
    NotificationSettings.objects.filter(pk=settings.pk).update(daily_cap=cap)
    order = Order.objects.select_related("shop").get(pk=parcel.order_id)

    with CaptureQueriesContext(connection) as queries:
        events.tell_parcel_shipped(order=order, tracking_number="YT1", carrier_name="圆通速递", at=noon)

    sql = [query["sql"] for query in queries.captured_queries]
    assert len([q for q in sql if 'FROM "notifications_outgoingmessage"' in q and '"created_at" >=' in q]) == 1
    assert not [q for q in sql if '"logistics_carrier"' in q or 'FROM "customers_customer"' in q]
    key = f"shipped:{order.number}:YT1"
    assert [(channel, status, k) for _kind, channel, _to, status, k in rows(idempotency_key__startswith=key)] == [
        ("email", "queued", f"{key}:email"),
        ("in_site", "queued", f"{key}:in_site"),
        ("sms", "suppressed", f"{key}:sms"),
    ]
    sms = OutgoingMessage.objects.get(idempotency_key=f"{key}:sms")
    assert sms.last_error == rules.REASON_DAILY_CAP and sms.customer_id == order.customer_id
    assert sms.params["carrier"] == "圆通速递" and "圆通速递" in sms.text
