"""Two reminder sweeps at once on PostgreSQL, and a sweep racing payments: each unpaid
order is reminded exactly once (the database's one reminder per order), one message and
one note each, and no order paid before its claim is reminded."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.actions import Buyer
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType
from sellerdesk.reminders.actions import sweep_reminders
from sellerdesk.reminders.models import PaymentReminder
from tests.factories import make_sku, place
from tests.pg.test_concurrency import run_together
from tests.support.clock import TEST_NOW

ORDERS = 300
DAY = TEST_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
ELEVEN = DAY.replace(hour=11, minute=3)


def _place_unpaid(count: int) -> list[Order]:
    make_sku("REMIND-1", stock=10_000)
    return [
        place(
            ("REMIND-1", 1),
            buyer=Buyer(f"买家{index}", f"139{index:08d}", f"buyer-{index}"),
            placed_at=DAY.replace(hour=8),
        )
        for index in range(count)
    ]


def _assert_once() -> None:
    assert not PaymentReminder.objects.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()
    notes = OrderEvent.objects.filter(type=OrderEventType.PAYMENT_REMINDED)
    assert not notes.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()
    messages = OutgoingMessage.objects.filter(kind="payment_reminder")
    assert not messages.values("order").annotate(n=Count("pk")).filter(n__gt=1).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_remind_each_order_once(shop: Any) -> None:
    _place_unpaid(ORDERS)

    outcomes = run_together(threads=2, rounds=1, work=lambda _index: sweep_reminders(now=ELEVEN))

    assert outcomes.errors == []
    assert sum(outcomes.results) == ORDERS
    assert PaymentReminder.objects.count() == ORDERS
    assert OrderEvent.objects.filter(type=OrderEventType.PAYMENT_REMINDED).count() == ORDERS
    assert OutgoingMessage.objects.filter(kind="payment_reminder").count() == ORDERS
    _assert_once()
    assert sweep_reminders(now=ELEVEN) == 0


@pytest.mark.django_db(transaction=True)
def test_a_sweep_racing_payments_never_reminds_an_order_paid_before_its_claim(shop: Any) -> None:
    from sellerdesk.payments.actions import record_payment

    orders = _place_unpaid(ORDERS)
    to_pay = orders[::3]

    def work(index: int) -> int:
        if index == 0:
            return sweep_reminders(now=ELEVEN)
        for order in to_pay:
            record_payment(order=order, amount=order.total, method="online", reference=f"R-{order.number}", actor=None)
        return 0

    outcomes = run_together(threads=2, rounds=1, work=work)

    assert outcomes.errors == []
    _assert_once()
    # Every reminder of a paid order was claimed before the payment (its paid_at is set:
    # the payment saw the reminder), never after it.
    paid_ids = {order.pk for order in to_pay}
    for order_id, paid_at in PaymentReminder.objects.filter(order_id__in=paid_ids).values_list("order_id", "paid_at"):
        assert paid_at is not None, order_id
    unpaid_reminded = PaymentReminder.objects.exclude(order_id__in=paid_ids).count()
    assert unpaid_reminded == ORDERS - len(to_pay)
