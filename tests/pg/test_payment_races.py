"""Issue 17 B: payment notifications racing on a real PostgreSQL, from real threads.

A gateway that retries sends the same notification again before the first answer
arrives; both must get the idempotent success, and the money is recorded once. A
transaction id already recorded for another order is a conflict, whoever wins."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.test import Client

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from tests.api.helpers import notification, sign
from tests.factories import make_sku, place
from tests.pg.test_concurrency import run_together

ORDERS = 8
COPIES = 4


def _notify(body: bytes) -> tuple[int, dict[str, Any]]:
    answer = Client().post(
        "/api/v1/payments/notify/simulated", data=body, content_type="application/json", HTTP_X_SIGNATURE=sign(body)
    )
    return answer.status_code, answer.json()


def _unpaid_orders(count: int) -> list[Order]:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    make_sku("TEE-RED-M", price="59.00", stock=100)
    return [place(("TEE-RED-M", 2)) for _ in range(count)]


def test_identical_notifications_at_the_same_moment_all_succeed_once(shop: Any) -> None:
    """Issue 17 B: two (here four) identical notifications at once all get 200; one
    records the payment, the others answer `duplicate` with its id; never a 409."""
    orders = _unpaid_orders(ORDERS)
    bodies = [notification(order.number, "118.00", f"GW-{order.number}") for order in orders]

    # COPIES threads each send every order's notification, in the same order: the copies
    # of one notification arrive together.
    outcomes = run_together(COPIES, ORDERS, lambda index: (index % ORDERS, *_notify(bodies[index % ORDERS])))

    assert outcomes.errors == []
    assert sorted(status for _, status, _ in outcomes.results) == [200] * (ORDERS * COPIES)
    for position, order in enumerate(orders):
        answers = [answer for index, _, answer in outcomes.results if index == position]
        payment = Payment.objects.get(order=order)
        assert Counter(answer["status"] for answer in answers) == {"recorded": 1, "duplicate": COPIES - 1}
        assert {answer["payment_id"] for answer in answers} == {payment.pk}
        order.refresh_from_db()
        assert (order.status, order.paid_amount) == ("pending_review", Decimal("118.00"))
    assert Payment.objects.count() == ORDERS


def test_one_transaction_id_for_two_orders_at_once_is_one_payment_and_a_conflict(shop: Any) -> None:
    """Issue 17 B: the same transaction id sent for two orders at the same moment pays
    one of them; the other is refused with 409 transaction_conflict, never `duplicate`."""
    pairs = [_unpaid_orders(2) if index == 0 else [place(("TEE-RED-M", 2)) for _ in range(2)] for index in range(4)]
    bodies = [
        [notification(order.number, "118.00", f"GW-SHARED-{pair_index}") for order in pair]
        for pair_index, pair in enumerate(pairs)
    ]

    outcomes = run_together(
        2, len(pairs), lambda index: (index, *_notify(bodies[index % len(pairs)][index // len(pairs)]))
    )

    assert outcomes.errors == []
    for pair_index, pair in enumerate(pairs):
        answers = [(status, answer) for index, status, answer in outcomes.results if index % len(pairs) == pair_index]
        assert sorted(status for status, _ in answers) == [200, 409]
        assert [answer["status"] for status, answer in answers if status == 200] == ["recorded"]
        assert [answer["code"] for status, answer in answers if status == 409] == ["transaction_conflict"]
        assert Payment.objects.filter(reference=f"GW-SHARED-{pair_index}").count() == 1
        statuses = sorted(Order.objects.get(pk=order.pk).status for order in pair)
        assert statuses == ["pending_review", "unpaid"]
