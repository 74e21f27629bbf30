"""Applying a marketplace order (marketplaces.apply): created through place_order and
paid through record_payment, the same record again unchanged, an older one stale, a
cancellation, a refund and a payment moving our order through the orders' own actions,
refusals returned with their reason and nothing written."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sellerdesk.core import messages
from sellerdesk.inventory.models import StockLevel
from sellerdesk.marketplaces.apply import apply_market_order, fingerprint, order_money, plan_orders
from sellerdesk.marketplaces.models import MarketplaceOrder
from sellerdesk.marketplaces.records import MarketLine, MarketOrder
from sellerdesk.orders.actions import close_expired_order
from sellerdesk.orders.models import Order, OrderEvent, OrderHold, OrderLine
from sellerdesk.payments.models import Payment, PaymentKind
from sellerdesk.reminders.actions import due_candidates, settings_for
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 3, 8, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def tmall(db: Any, default_shop: Shop) -> Shop:  # noqa: F811
    make_sku("TEE-RED-M", price="59.00", stock=10)
    make_sku("MUG-WHITE", price="30.00", stock=10)
    return Shop.objects.create(code="tmall", name="天猫店", platform="tmall")


def record(external_id: str = "T1001", **fields: Any) -> MarketOrder:
    values: dict[str, Any] = {
        "external_id": external_id,
        "status": "paid",
        "buyer_nick": "tb_buyer",
        "receiver_name": "李四",
        "phone": "13900139000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 90 号",
        "lines": (MarketLine("TEE-RED-M", "红色T恤 M", 2, Decimal("59.00"), 3),),
        "goods_total": Decimal("118.00"),
        "shipping_fee": Decimal("0.00"),
        "paid_amount": Decimal("118.00"),
        "created_at": AT,
        "paid_at": AT + timedelta(minutes=1),
        "modified_at": AT + timedelta(minutes=1),
        "line_numbers": (2,),
    }
    values.update(fields)
    return MarketOrder(**values)


def apply(shop: Shop, market: MarketOrder, **kwargs: Any) -> Any:
    return apply_market_order(shop=shop, record=market, source="file", actor=None, at=AT + timedelta(hours=1), **kwargs)


def reserved(code: str) -> int:
    return sum(level.reserved for level in StockLevel.objects.filter(sku__code=code))


def test_a_paid_record_creates_a_paid_order_through_the_actions_and_again_changes_nothing(tmall: Shop) -> None:
    applied = apply(tmall, record())

    assert applied.action == "created"
    order = Order.objects.get(shop=tmall, external_id="T1001")
    assert (order.source, order.status, order.payment_status) == ("marketplace", "pending_review", "paid")
    assert (order.total, order.paid_amount, order.buyer_nickname) == (Decimal("118.00"), Decimal("118.00"), "tb_buyer")
    payment = Payment.objects.get(order=order)
    assert (payment.reference, payment.amount, payment.gateway) == ("tmall:T1001", Decimal("118.00"), "tmall")
    assert reserved("TEE-RED-M") == 2
    kept = MarketplaceOrder.objects.get(order=order)
    assert (kept.status, kept.source, kept.fingerprint) == ("paid", "file", fingerprint(record()))

    events = OrderEvent.objects.filter(order=order).count()
    again = apply(tmall, replace(record(), line_numbers=(7,)))  # the same order in another file

    assert (again.action, again.order.pk) == ("unchanged", order.pk)
    assert Order.objects.filter(external_id="T1001").count() == 1
    assert Payment.objects.count() == 1
    assert OrderEvent.objects.filter(order=order).count() == events
    assert reserved("TEE-RED-M") == 2


def test_an_order_level_discount_is_spread_over_the_lines_to_the_cent(tmall: Shop) -> None:
    market = record(
        lines=(
            MarketLine("TEE-RED-M", "T恤", 3, Decimal("59.00"), 2),
            MarketLine("MUG-WHITE", "杯子", 1, Decimal("30.00"), 3),
        ),
        goods_total=Decimal("207.00"),
        shipping_fee=Decimal("8.00"),
        paid_amount=Decimal("205.00"),  # 10.00 off the goods (a shop coupon)
    )
    lines, shipping = order_money(market)
    assert shipping == Decimal("8.00")
    assert sum(line.unit_price * line.quantity for line in lines) == Decimal("197.00")  # type: ignore[operator]

    applied = apply(tmall, market)

    order = applied.order
    assert (order.total, order.paid_amount, order.payment_status) == (Decimal("205.00"), Decimal("205.00"), "paid")
    stored = list(OrderLine.objects.filter(order=order).order_by("position").values_list("sku_code", "quantity"))
    assert sum(q for code, q in stored if code == "TEE-RED-M") == 3
    assert sum(q for code, q in stored if code == "MUG-WHITE") == 1


def test_cancelled_and_elsewhere_shipped_records_create_nothing(tmall: Shop) -> None:
    skipped = [
        apply(tmall, record(number, status=status)) for number, status in (("C1", "cancelled"), ("S1", "shipped"))
    ]

    assert [(applied.action, applied.changes[0]["code"]) for applied in skipped] == [
        ("skipped", "market_skip_cancelled"),
        ("skipped", "market_skip_shipped_elsewhere"),
    ]
    assert not Order.objects.filter(shop=tmall).exists()
    assert not MarketplaceOrder.objects.exists()
    assert reserved("TEE-RED-M") == 0


def unpaid(external_id: str = "U1", **fields: Any) -> MarketOrder:
    """A record the marketplace still awaits the payment of (等待买家付款)."""
    values: dict[str, Any] = {"status": "unpaid", "paid_amount": Decimal("0.00"), "paid_at": None, "modified_at": AT}
    values.update(fields)
    return record(external_id, **values)


def test_an_unpaid_record_creates_an_order_awaiting_payment_with_its_deadline_and_stock_held(tmall: Shop) -> None:
    tmall.payment_window_days = 3  # the seller set it to the marketplace's window
    tmall.save(update_fields=["payment_window_days"])

    applied = apply(tmall, unpaid())

    assert (applied.action, applied.changes) == ("created", [{"code": "market_change_created", "status": "unpaid"}])
    order = Order.objects.get(shop=tmall, external_id="U1")
    assert (order.source, order.status, order.payment_status) == ("marketplace", "unpaid", "unpaid")
    assert (order.total, order.paid_amount) == (Decimal("118.00"), Decimal("0.00"))
    assert order.pay_deadline == AT + timedelta(days=3)  # placed on the marketplace at AT
    assert not Payment.objects.filter(order=order).exists()
    assert reserved("TEE-RED-M") == 2
    assert MarketplaceOrder.objects.get(order=order).status == "unpaid"
    # An agent's payment reminder (催付) picks it up like any unpaid order of the shop.
    remindable = due_candidates(settings_for(tmall), now=AT + timedelta(hours=2))
    assert [candidate.order_id for candidate in remindable] == [order.pk]
    # The same record again changes nothing.
    assert apply(tmall, unpaid()).action == "unchanged"
    assert reserved("TEE-RED-M") == 2


def test_a_later_paid_record_pays_the_unpaid_order(tmall: Shop) -> None:
    order = apply(tmall, unpaid()).order

    applied = apply(tmall, record("U1", modified_at=AT + timedelta(hours=2)))

    assert (applied.action, [change["code"] for change in applied.changes]) == (
        "updated",
        ["market_change_paid", "market_change_status"],
    )
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.paid_amount) == ("pending_review", "paid", Decimal("118.00"))
    assert order.pay_deadline is None
    payment = Payment.objects.get(order=order)
    assert (payment.reference, payment.amount, payment.gateway) == ("tmall:U1", Decimal("118.00"), "tmall")
    assert (order.flag_color, reserved("TEE-RED-M")) == ("", 2)
    assert due_candidates(settings_for(tmall), now=AT + timedelta(hours=3)) == []


def test_a_later_cancelled_record_closes_the_unpaid_order_and_frees_its_stock(tmall: Shop) -> None:
    order = apply(tmall, unpaid()).order
    assert reserved("TEE-RED-M") == 2

    applied = apply(tmall, unpaid(status="cancelled", modified_at=AT + timedelta(hours=2)))

    assert applied.action == "updated"
    assert applied.changes[0]["code"] == "market_change_cancelled"
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.paid_amount) == ("closed", "unpaid", Decimal("0.00"))
    assert order.close_reason_data["code"] == "market_closed_on_marketplace"
    assert reserved("TEE-RED-M") == 0
    assert not Payment.objects.filter(order=order).exists()  # nothing was paid, nothing refunded


def test_a_payment_after_our_deadline_closed_the_order_reopens_nothing_and_is_flagged(tmall: Shop) -> None:
    order = apply(tmall, unpaid()).order
    assert close_expired_order(order_id=order.pk, now=order.pay_deadline + timedelta(minutes=1))
    assert reserved("TEE-RED-M") == 0
    paid_late = record("U1", modified_at=AT + timedelta(days=8))

    plans = plan_orders(shop=tmall, records=[paid_late])
    with translation.override("en"):  # the flag's reason does not follow the active language
        applied = apply(tmall, paid_late)

    assert [change["code"] for change in plans[0].changes] == ["market_change_attention", "market_change_status"]
    assert plans[0].changes[0]["said"] == "paid_after_closed"
    assert (applied.action, applied.changes) == ("updated", plans[0].changes)
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.paid_amount) == ("closed", "unpaid", Decimal("0.00"))
    assert order.close_reason_data["code"] != "market_closed_on_marketplace"  # still closed by our deadline
    assert not Payment.objects.filter(order=order).exists()
    assert reserved("TEE-RED-M") == 0
    said = OrderEvent.objects.filter(order=order, data__code="market_said").get()
    assert said.data["said"] == "paid_after_closed"
    with translation.override(settings.LANGUAGE_CODE):
        site_sentence = messages.render(said.data)
    with translation.override("en"):
        assert "nothing was reopened" in messages.render(said.data)
        assert "nothing was reopened" in messages.render(plans[0].changes[0])  # the preview's sentence
    assert (order.flag_color, order.flag_reason) == ("red", site_sentence)
    # A later record of the same order (shipped on the marketplace) writes no second note.
    apply(tmall, record("U1", status="shipped", modified_at=AT + timedelta(days=9)))
    assert OrderEvent.objects.filter(order=order, data__code="market_said").count() == 1


def test_the_marketplaces_own_closing_after_our_deadline_closed_the_order_needs_nobody(tmall: Shop) -> None:
    order = apply(tmall, unpaid()).order
    assert close_expired_order(order_id=order.pk, now=order.pay_deadline + timedelta(minutes=1))

    applied = apply(tmall, unpaid(status="cancelled", modified_at=AT + timedelta(days=7, hours=1)))

    assert [change["code"] for change in applied.changes] == ["market_change_status"]
    order.refresh_from_db()
    assert (order.status, order.flag_color) == ("closed", "")
    assert not OrderEvent.objects.filter(order=order, data__code="market_said").exists()
    assert MarketplaceOrder.objects.get(order=order).status == "cancelled"


def test_a_payment_of_another_amount_than_ours_pays_the_order_and_is_flagged(tmall: Shop) -> None:
    order = apply(tmall, unpaid()).order

    applied = apply(tmall, record("U1", paid_amount=Decimal("100.00"), modified_at=AT + timedelta(hours=2)))

    assert [change.get("said") for change in applied.changes if change["code"] == "market_change_attention"] == [
        "paid_other_amount"
    ]
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.flag_color) == ("pending_review", "paid", "red")
    assert OrderEvent.objects.filter(order=order, data__code="market_said", data__said="paid_other_amount").exists()


def test_an_unknown_sku_and_too_little_stock_are_refused_with_their_lines_and_nothing_written(tmall: Shop) -> None:
    unknown = apply(tmall, record("X1", lines=(MarketLine("NOPE-1", "?", 1, Decimal("59.00"), 4),)))
    short = apply(tmall, record("X2", lines=(MarketLine("TEE-RED-M", "T恤", 11, Decimal("59.00"), 5),)))

    assert unknown.action == short.action == "refused"
    assert (unknown.refused.code, unknown.refused.line, unknown.refused.params) == (
        "market_unknown_sku",
        4,
        {"sku": "NOPE-1"},
    )
    assert (short.refused.code, short.refused.line, short.refused.field) == ("market_not_enough_stock", 5, "quantity")
    with translation.override("en"):
        assert messages.render({"code": short.refused.code, **short.refused.params}) == "Not enough stock of TEE-RED-M"
    assert not Order.objects.filter(shop=tmall).exists()
    assert not MarketplaceOrder.objects.exists()
    assert reserved("TEE-RED-M") == 0


def test_a_later_cancellation_cancels_the_unshipped_order_and_books_the_marketplaces_refund(tmall: Shop) -> None:
    order = apply(tmall, record()).order
    later = record(status="cancelled", refund="refunded", modified_at=AT + timedelta(hours=2))

    applied = apply(tmall, later)

    assert applied.action == "updated"
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.refunded_amount) == ("closed", "refunded", Decimal("118.00"))
    refund = Payment.objects.get(order=order, kind=PaymentKind.REFUND)
    assert (refund.gateway, refund.amount) == ("", Decimal("118.00"))  # booked; no gateway asked
    assert order.close_reason_data["code"] == "market_closed_on_marketplace"
    assert reserved("TEE-RED-M") == 0
    assert apply(tmall, later).action == "unchanged"


def test_an_older_record_is_stale_and_changes_nothing(tmall: Shop) -> None:
    order = apply(tmall, record(modified_at=AT + timedelta(hours=3))).order
    older = record(status="cancelled", modified_at=AT + timedelta(hours=2))

    assert apply(tmall, older).action == "stale"
    order.refresh_from_db()
    assert order.status == "pending_review"
    assert MarketplaceOrder.objects.get(order=order).status == "paid"


def test_a_refund_requested_before_review_holds_the_order(tmall: Shop) -> None:
    order = apply(tmall, record()).order

    applied = apply(tmall, record(refund="requested", modified_at=AT + timedelta(hours=2)))

    assert applied.action == "updated"
    order.refresh_from_db()
    assert order.status == "on_hold"
    hold = OrderHold.objects.get(order=order)
    assert (hold.reason, hold.message_data["code"]) == ("marketplace", "market_hold_refund")


def test_a_refund_after_shipping_is_flagged_for_a_person_not_acted_on(tmall: Shop) -> None:
    order = advance(apply(tmall, record()).order, "shipped")

    apply(tmall, record(status="shipped", refund="requested", modified_at=AT + timedelta(hours=2)))

    order.refresh_from_db()
    assert (order.status, order.flag_color) == ("shipped", "red")
    said = OrderEvent.objects.filter(order=order, data__code="market_said").get()
    with translation.override("en"):
        assert "refund" in messages.render(said.data)


def test_an_order_placed_unpaid_another_way_is_paid_when_the_marketplace_says_paid(tmall: Shop) -> None:
    order = place(("TEE-RED-M", 2), shop="tmall", external_id="T1001")

    applied = apply(tmall, record())

    assert applied.action == "updated"
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("pending_review", "paid")
    assert Payment.objects.get(order=order).reference == "tmall:T1001"
    assert Order.objects.filter(external_id="T1001").count() == 1


def test_the_plan_writes_nothing_and_foresees_what_applying_does(tmall: Shop) -> None:
    apply(tmall, record("OLD1"))
    records = [
        record("N1"),
        record("N2", lines=(MarketLine("TEE-RED-M", "T恤", 7, Decimal("59.00"), 9),)),  # 2 + 2 + 7 > 10
        record("OLD1"),
        record("OLD1", status="cancelled", modified_at=AT + timedelta(hours=5)),
        unpaid("U1"),  # 2 more: 10 - 2 (OLD1) - 2 (N1) leaves 6
        record("X1", lines=(MarketLine("NOPE", "?", 1, Decimal("1.00"), 12),)),
        record("C1", status="cancelled"),
    ]
    counts = (Order.objects.count(), OrderEvent.objects.count(), StockLevel.objects.get(sku__code="TEE-RED-M").reserved)

    plans = plan_orders(shop=tmall, records=records)

    assert [plan.action for plan in plans] == ["create", "refuse", "unchanged", "update", "create", "refuse", "skip"]
    assert plans[1].refused.code == "market_not_enough_stock"
    assert plans[3].changes[0]["code"] == "market_change_cancelled"
    assert plans[4].changes == [{"code": "market_change_created", "status": "unpaid"}]
    assert plans[6].changes == [{"code": "market_skip_cancelled"}]
    assert plans[5].as_json()["refused"]["line"] == 12
    assert counts == (
        Order.objects.count(),
        OrderEvent.objects.count(),
        StockLevel.objects.get(sku__code="TEE-RED-M").reserved,
    )


def test_planning_a_thousand_records_takes_a_few_queries(tmall: Shop) -> None:
    records = [record(f"B{index}") for index in range(1000)]
    with CaptureQueriesContext(connection) as queries:
        plans = plan_orders(shop=tmall, records=records)
    assert len(plans) == 1000
    assert len(queries) <= 12


def test_a_record_for_a_user_without_the_permission_is_refused_not_raised(tmall: Shop) -> None:
    warehouse = make_user("wh", "warehouse")
    applied = apply_market_order(shop=tmall, record=record(), source="file", actor=warehouse, at=AT)
    assert applied.action == "refused"
    assert not Order.objects.filter(shop=tmall).exists()


def test_a_cancellation_of_a_held_order_cancels_it_and_answers_its_holds(tmall: Shop) -> None:
    order = apply(tmall, record()).order
    apply(tmall, record(refund="requested", modified_at=AT + timedelta(hours=2)))

    apply(tmall, record(status="cancelled", refund="refunded", modified_at=AT + timedelta(hours=3)))

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("closed", Decimal("118.00"))
    hold = OrderHold.objects.get(order=order)
    assert hold.resolved_at is not None
    assert hold.resolution_data["code"] == "market_closed_on_marketplace"
