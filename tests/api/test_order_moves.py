"""The moves of an order through the API: cancel, approve, ship, deliver, confirm
receipt, price change, flag; and every move the state does not allow is 409."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from django.utils.dateparse import parse_datetime

from sellerdesk.catalog.models import Sku
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import MovementKind, StockMovement
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.states import OrderStatus
from sellerdesk.payments.models import Payment, PaymentKind
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, assert_error, assert_invalid, snapshot, stock
from tests.factories import place

SHIP = {"carrier": "顺丰", "tracking_number": "SF1234567890"}


def _last_event(order: Order) -> OrderEvent:
    event = order.events.order_by("at", "pk").last()
    assert event is not None
    return event


# --- cancel ------------------------------------------------------------------------


def test_cancel_closes_the_order_and_releases_stock(agent_api: Any, unpaid: Order) -> None:
    response = agent_api.post(f"/api/v1/orders/{unpaid.number}/cancel", {"reason": "买家不要了"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payment_status"], response.json()["allowed_actions"]) == (
        "closed",
        "unpaid",
        [],
    )
    assert stock("TEE-RED-M") == (100, 0)
    order = Order.objects.get()
    assert (order.close_reason, order.closed_at is not None) == ("买家不要了", True)
    assert list(StockMovement.objects.filter(kind=MovementKind.RELEASE).values_list("reserved_delta", "document")) == [
        (-2, order.number)
    ]
    event = _last_event(order)
    assert (event.type, event.actor.username, event.data) == (  # type: ignore[union-attr]
        "closed",
        "agent",
        {"status_before": "unpaid", "status_after": "closed", "reason": "买家不要了", "action": "cancel"},
    )
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("status", ["pending_review", "approved"])
def test_cancel_a_paid_order_records_a_refund(agent_api: Any, unpaid: Order, status: str) -> None:
    advance(unpaid, status)

    response = agent_api.post(f"/api/v1/orders/{unpaid.number}/cancel", {"reason": "缺货"})

    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["payment_status"], answer["paid_amount"], answer["refunded_amount"]) == (
        "closed",
        "refunded",
        "118.00",
        "118.00",
    )
    refund = Payment.objects.get(kind=PaymentKind.REFUND)
    assert (refund.amount, refund.order_id) == (Decimal("118.00"), unpaid.pk)
    assert stock("TEE-RED-M") == (100, 0)
    assert Customer.objects.get().total_spent == Decimal("0.00")
    assert [event.type for event in Order.objects.get().events.order_by("at", "pk")][-2:] == [
        "closed",
        "refund_recorded",
    ]


def test_cancel_a_cod_order_refunds_nothing(agent_api: Any, tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), payment_method="cod", source="cod")

    answer = agent_api.post(f"/api/v1/orders/{order.number}/cancel", {"reason": "地址不到"}).json()

    assert (answer["status"], answer["payment_status"]) == ("closed", "cod")
    assert Payment.objects.count() == 0
    assert stock("TEE-RED-M") == (100, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 201}, "reason"),
        ({"reason": None}, "reason"),
        ({"reason": "ok", "refund": False}, "refund"),
    ],
)
def test_cancel_needs_a_reason(agent_api: Any, unpaid: Order, body: dict[str, Any], field: str) -> None:
    before = snapshot()

    assert_invalid(agent_api.post(f"/api/v1/orders/{unpaid.number}/cancel", body), field)
    assert snapshot() == before


# --- approve, ship, deliver, confirm receipt ---------------------------------------


def test_approve_moves_review_to_approved(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "pending_review")

    response = agent_api.post(f"/api/v1/orders/{unpaid.number}/approve")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["allowed_actions"]) == ("approved", ["ship", "cancel"])
    assert Order.objects.get().approved_at is not None


def test_approve_a_cod_order(agent_api: Any, tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), payment_method="cod", source="cod")

    assert agent_api.post(f"/api/v1/orders/{order.number}/approve").json()["status"] == "approved"


@pytest.mark.parametrize(("method", "days"), [("express", 10), ("post", 30)])
def test_ship_takes_stock_off_hand_and_sets_auto_confirm(agent_api: Any, tee: Sku, method: str, days: int) -> None:
    order = advance(place(("TEE-RED-M", 2), shipping_method=method), "approved")

    response = agent_api.post(
        f"/api/v1/orders/{order.number}/ship", {"carrier": " 顺丰 ", "tracking_number": "SF123456"}
    )

    assert response.status_code == 200
    answer = response.json()
    assert (answer["status"], answer["carrier"], answer["tracking_number"]) == ("shipped", "顺丰", "SF123456")
    shipped = Order.objects.get()
    assert shipped.auto_confirm_at == shipped.shipped_at + timedelta(days=days)  # type: ignore[operator]
    answered = parse_datetime(answer["auto_confirm_at"])
    assert answered is not None and abs(answered - shipped.auto_confirm_at) < timedelta(milliseconds=1)  # type: ignore[operator]
    assert stock("TEE-RED-M") == (98, 0)
    assert list(
        StockMovement.objects.filter(kind=MovementKind.SHIP).values_list("on_hand_delta", "reserved_delta", "document")
    ) == [(-2, -2, order.number)]
    assert list(shipped.lines.values_list("reserved_quantity", flat=True)) == [0]


def test_ship_uses_the_shops_auto_confirm_days(agent_api: Any, tee: Sku) -> None:
    Shop.objects.create(code="slow", name="慢店", auto_confirm_express_days=15)
    order = advance(place(("TEE-RED-M", 1), shop="slow"), "approved")

    agent_api.post(f"/api/v1/orders/{order.number}/ship", SHIP)

    shipped = Order.objects.get()
    assert shipped.auto_confirm_at - shipped.shipped_at == timedelta(days=15)  # type: ignore[operator]


def test_warehouse_staff_may_ship(warehouse_api: Any, unpaid: Order) -> None:
    advance(unpaid, "approved")

    assert warehouse_api.post(f"/api/v1/orders/{unpaid.number}/ship", SHIP).json()["status"] == "shipped"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"carrier", "tracking_number"}),
        ({"carrier": "", "tracking_number": "SF123456"}, {"carrier"}),
        ({"carrier": "   ", "tracking_number": "SF123456"}, {"carrier"}),
        ({"carrier": "顺丰", "tracking_number": ""}, {"tracking_number"}),
        ({"carrier": "顺丰", "tracking_number": "SF 123"}, {"tracking_number"}),
        ({"carrier": "顺丰", "tracking_number": "顺丰123456"}, {"tracking_number"}),
        ({"carrier": "顺丰", "tracking_number": "S" * 65}, {"tracking_number"}),
        ({"carrier": "x" * 51, "tracking_number": "SF123456"}, {"carrier"}),
        ({"carrier": 1, "tracking_number": 123456}, {"carrier", "tracking_number"}),
    ],
)
def test_bad_shipping_details_are_422_and_change_nothing(
    agent_api: Any, unpaid: Order, body: dict[str, Any], fields: set[str]
) -> None:
    advance(unpaid, "approved")
    before = snapshot()

    assert_invalid(agent_api.post(f"/api/v1/orders/{unpaid.number}/ship", body), *fields)
    assert snapshot() == before


def test_deliver_then_confirm_receipt(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "shipped")

    delivered = agent_api.post(f"/api/v1/orders/{unpaid.number}/deliver")
    completed = agent_api.post(f"/api/v1/orders/{unpaid.number}/confirm-receipt")

    assert (delivered.status_code, delivered.json()["status"]) == (200, "delivered")
    assert (completed.status_code, completed.json()["status"], completed.json()["allowed_actions"]) == (
        200,
        "completed",
        [],
    )
    order = Order.objects.get()
    assert order.delivered_at is not None and order.completed_at is not None
    assert _last_event(order).data == {"status_before": "delivered", "status_after": "completed", "automatic": False}


def test_confirm_receipt_straight_from_shipped(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "shipped")

    assert agent_api.post(f"/api/v1/orders/{unpaid.number}/confirm-receipt").json()["status"] == "completed"


def test_the_whole_life_of_an_order_through_the_api(api: Any, tee: Sku) -> None:
    body = {
        "buyer": {"name": "张三", "phone": "13800138000"},
        "address": "浙江省杭州市西湖区文三路90号",
        "lines": [{"sku": "TEE-RED-M", "quantity": 2}],
    }
    number = api.post("/api/v1/orders", body).json()["number"]

    statuses = [
        api.post(
            f"/api/v1/orders/{number}/payments", {"amount": "118.00", "method": "online", "reference": "P1"}
        ).json()["order"]["status"],
        api.post(f"/api/v1/orders/{number}/approve").json()["status"],
        api.post(f"/api/v1/orders/{number}/ship", SHIP).json()["status"],
        api.post(f"/api/v1/orders/{number}/deliver").json()["status"],
        api.post(f"/api/v1/orders/{number}/confirm-receipt").json()["status"],
    ]

    assert statuses == ["pending_review", "approved", "shipped", "delivered", "completed"]
    assert [event["type"] for event in api.get(f"/api/v1/orders/{number}/events").json()] == [
        "placed",
        "payment_recorded",
        "paid",
        "approved",
        "shipped",
        "delivered",
        "receipt_confirmed",
    ]
    assert stock("TEE-RED-M") == (98, 0)


# --- price change ------------------------------------------------------------------


def test_price_change_on_an_unpaid_order_is_audited(agent_api: Any, tee: Sku, mug: Sku) -> None:
    order = place(("TEE-RED-M", 2), ("MUG-1", 1))

    response = agent_api.patch(
        f"/api/v1/orders/{order.number}/prices",
        {
            "lines": [{"position": 1, "unit_price": "50.00"}, {"position": 2, "unit_price": "25.50"}],
            "reason": "老客户优惠",
        },
    )

    assert response.status_code == 200
    answer = response.json()
    assert ([line["unit_price"] for line in answer["lines"]], answer["subtotal"], answer["total"]) == (
        ["50.00", "25.50"],
        "125.50",
        "125.50",
    )
    event = _last_event(order)
    assert (event.type, event.actor.username) == ("price_changed", "agent")  # type: ignore[union-attr]
    assert event.data == {
        "lines": [{"sku": "TEE-RED-M", "position": 1, "before": "59.00", "after": "50.00"}],
        "total_before": "143.50",
        "total_after": "125.50",
        "reason": "老客户优惠",
    }


def test_price_change_to_the_same_prices_writes_nothing(agent_api: Any, unpaid: Order) -> None:
    before = snapshot()

    response = agent_api.patch(
        f"/api/v1/orders/{unpaid.number}/prices", {"lines": [{"position": 1, "unit_price": "59"}]}
    )

    assert response.status_code == 200
    assert snapshot() == before


def test_paying_the_changed_total_pays_the_order(agent_api: Any, unpaid: Order) -> None:
    agent_api.patch(f"/api/v1/orders/{unpaid.number}/prices", {"lines": [{"position": 1, "unit_price": "40.00"}]})

    response = agent_api.post(
        f"/api/v1/orders/{unpaid.number}/payments", {"amount": "80.00", "method": "online", "reference": "P-80"}
    )

    assert response.json()["order"]["status"] == "pending_review"


def test_price_change_after_payment_is_409(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "pending_review")
    before = snapshot()

    response = agent_api.patch(
        f"/api/v1/orders/{unpaid.number}/prices", {"lines": [{"position": 1, "unit_price": "1.00"}]}
    )

    assert assert_error(response, 409, "invalid_transition") == {
        "current_status": "pending_review",
        "action": "reprice",
    }
    assert snapshot() == before


def test_price_change_below_what_is_already_paid_is_refused(agent_api: Any, unpaid: Order) -> None:
    agent_api.post(
        f"/api/v1/orders/{unpaid.number}/payments", {"amount": "50.00", "method": "online", "reference": "P1"}
    )
    before = snapshot()

    # 2 × 20.00 = 40.00 would be less than the 50.00 already paid: the order could never be paid.
    response = agent_api.patch(
        f"/api/v1/orders/{unpaid.number}/prices", {"lines": [{"position": 1, "unit_price": "20.00"}]}
    )

    assert response.status_code in (409, 422), response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"position": 1}]}, "lines[0].unit_price"),
        ({"lines": [{"position": 1, "unit_price": "-1.00"}]}, "lines[0].unit_price"),
        ({"lines": [{"position": 1, "unit_price": "1.001"}]}, "lines[0].unit_price"),
        ({"lines": [{"position": 1, "unit_price": 1.5}]}, "lines[0].unit_price"),
        ({"lines": [{"position": 0, "unit_price": "1.00"}]}, "lines[0].position"),
        ({"lines": [{"position": "1", "unit_price": "1.00"}]}, "lines[0].position"),
        ({"lines": [{"unit_price": "1.00"}]}, "lines[0].position"),
        ({"lines": [{"position": 5, "unit_price": "1.00"}]}, "lines[0].position"),
        (
            {"lines": [{"position": 1, "unit_price": "1.00"}, {"position": 1, "unit_price": "2.00"}]},
            "lines[1].position",
        ),
        ({"lines": "1.00"}, "lines"),
        ({"lines": [{"position": 1, "unit_price": "1.00"}], "discount": "5"}, "discount"),
    ],
)
def test_bad_price_changes_are_422_naming_the_field(
    agent_api: Any, unpaid: Order, body: dict[str, Any], field: str
) -> None:
    before = snapshot()

    assert_invalid(agent_api.patch(f"/api/v1/orders/{unpaid.number}/prices", body), field)
    assert snapshot() == before


def test_price_change_of_unknown_order_is_404(agent_api: Any) -> None:
    assert_error(
        agent_api.patch("/api/v1/orders/999/prices", {"lines": [{"position": 1, "unit_price": "1.00"}]}),
        404,
        "not_found",
    )


# --- flag --------------------------------------------------------------------------


def test_flag_an_order_and_clear_it(agent_api: Any, unpaid: Order) -> None:
    flagged = agent_api.post(f"/api/v1/orders/{unpaid.number}/flag", {"color": "red", "reason": " 加急 "})
    cleared = agent_api.post(f"/api/v1/orders/{unpaid.number}/flag", {"color": "", "reason": "ignored"})

    assert flagged.json()["flag"] == {"color": "red", "reason": "加急"}
    assert cleared.json()["flag"] == {"color": "", "reason": ""}
    events = list(Order.objects.get().events.filter(type="flagged").order_by("pk").values_list("data", flat=True))
    assert events == [
        {"before": {"color": "", "reason": ""}, "after": {"color": "red", "reason": "加急"}},
        {"before": {"color": "red", "reason": "加急"}, "after": {"color": "", "reason": ""}},
    ]


def test_flag_on_a_closed_order_is_allowed(agent_api: Any, unpaid: Order) -> None:
    advance(unpaid, "closed")

    assert (
        agent_api.post(f"/api/v1/orders/{unpaid.number}/flag", {"color": "blue", "reason": "复盘"}).status_code == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"color": "red"}, "reason"),
        ({"color": "red", "reason": "  "}, "reason"),
        ({"color": "pink", "reason": "x"}, "color"),
        ({}, "color"),
        ({"color": None, "reason": "x"}, "color"),
        ({"color": "red", "reason": "x" * 201}, "reason"),
    ],
)
def test_bad_flag_is_422_and_changes_nothing(agent_api: Any, unpaid: Order, body: dict[str, Any], field: str) -> None:
    before = snapshot()

    assert_invalid(agent_api.post(f"/api/v1/orders/{unpaid.number}/flag", body), field)
    assert snapshot() == before


# --- moves the state does not allow ------------------------------------------------

MOVES: dict[str, tuple[str, str, Any]] = {
    # action name in the error: (method, path suffix, body)
    "pay": ("post", "payments", {"amount": "1.00", "method": "online", "reference": "LATE-1"}),
    "reprice": ("patch", "prices", {"lines": [{"position": 1, "unit_price": "1.00"}]}),
    "cancel": ("post", "cancel", {"reason": "测试"}),
    "approve": ("post", "approve", None),
    "ship": ("post", "ship", SHIP),
    "deliver": ("post", "deliver", None),
    "confirm_receipt": ("post", "confirm-receipt", None),
}
ALLOWED = {
    "unpaid": {"pay", "reprice", "cancel"},
    "pending_review": {"approve", "cancel"},
    "approved": {"ship", "cancel"},
    "shipped": {"deliver", "confirm_receipt"},
    "delivered": {"confirm_receipt"},
    "completed": set(),
    "closed": set(),
}
ILLEGAL = [(status, action) for status, allowed in ALLOWED.items() for action in MOVES if action not in allowed]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_a_move_the_state_does_not_allow_is_409_naming_status_and_action(
    agent_api: Any, unpaid: Order, status: str, action: str
) -> None:
    order = advance(unpaid, status)
    before = snapshot()
    method, suffix, body = MOVES[action]

    response = getattr(agent_api, method)(f"/api/v1/orders/{order.number}/{suffix}", body)

    details = assert_error(response, 409, "invalid_transition")
    assert details == {"current_status": status, "action": action}
    # Issue 17 B: the message names the status by its label in the reader's language
    # (zh-hans by default), the code stays in the details.
    with translation.override("zh-hans"):
        label = str(OrderStatus(status).label)
    assert label in response.json()["message"]
    assert snapshot() == before


# sorted: a set's order changes with the hash seed, and pytest-xdist needs every worker to
# collect the same tests in the same order
@pytest.mark.parametrize(("status", "action"), [(s, a) for s, allowed in ALLOWED.items() for a in sorted(allowed)])
def test_every_allowed_move_works_through_the_api(agent_api: Any, unpaid: Order, status: str, action: str) -> None:
    order = advance(unpaid, status)
    method, suffix, body = MOVES[action]
    if action == "pay":
        body = {"amount": "118.00", "method": "online", "reference": "FULL-1"}

    response = getattr(agent_api, method)(f"/api/v1/orders/{order.number}/{suffix}", body)

    assert response.status_code == (201 if action == "pay" else 200), response.content


@pytest.mark.parametrize("suffix", ["cancel", "approve", "ship", "deliver", "confirm-receipt", "flag"])
def test_moves_on_an_unknown_order_are_404(agent_api: Any, suffix: str) -> None:
    body = {"cancel": {"reason": "x"}, "ship": SHIP, "flag": {"color": "red", "reason": "x"}}.get(suffix)

    assert_error(agent_api.post(f"/api/v1/orders/999/{suffix}", body), 404, "not_found")
