"""Customer merges racing order intake and payments on a real PostgreSQL: every order and
every yuan ends on the customer kept, no deadlock, nothing counted twice or lost."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Max, Sum

from sellerdesk.crm.merging import merge_customers
from sellerdesk.customers.models import Customer
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.factories import make_sku, make_user, place
from tests.pg.test_concurrency import run_together

TAOBAO = order_actions.Buyer("张三", "13800138000", "zhang_tb")
BY_PHONE = order_actions.Buyer("张三", "13800138000", "")


@pytest.mark.django_db(transaction=True)
def test_a_merge_racing_orders_of_the_duplicate_leaves_every_order_on_the_kept_customer(shop: Any) -> None:
    # given one buyer under two identities, one order each
    make_sku("TEE", price="50.00", stock=1000)
    owner = make_user("owner", "owner")
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    keep, duplicate = Customer.objects.get(identity="zhang_tb"), Customer.objects.get(identity="tel:13800138000")

    def work(index: int) -> str:
        if index == 13:  # the merge, in the middle of the orders
            merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
            return "merged"
        return place(("TEE", 1), buyer=BY_PHONE).number

    # when 39 orders by the duplicate's phone arrive from 8 threads while the merge runs
    outcomes = run_together(threads=8, rounds=5, work=work)

    # then nothing failed, and every order and its count are the kept customer's
    assert outcomes.errors == []
    assert "merged" in outcomes.results
    assert set(Order.objects.values_list("customer_id", flat=True)) == {keep.pk}
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert Order.objects.count() == 41
    assert (keep.order_count, duplicate.order_count, duplicate.merged_into_id) == (41, 0, keep.pk)
    assert keep.last_order_at == Order.objects.aggregate(last=Max("created_at"))["last"]
    assert Customer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_merge_racing_payments_of_the_duplicate_counts_each_payment_once_on_the_kept_customer(shop: Any) -> None:
    # given 24 unpaid orders of the duplicate (50.00 each) and one of the kept customer
    make_sku("TEE", price="50.00", stock=1000)
    owner = make_user("owner", "owner")
    place(("TEE", 1), buyer=TAOBAO)
    orders = [place(("TEE", 1), buyer=BY_PHONE) for _ in range(24)]
    keep, duplicate = Customer.objects.get(identity="zhang_tb"), Customer.objects.get(identity="tel:13800138000")

    def work(index: int) -> str:
        if index == 10:
            time.sleep(0.01)
            merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
            return "merged"
        order = orders[index if index < 10 else index - 1]
        record_payment(order=order, amount=Decimal("50.00"), method="remittance", reference=f"R{index}", actor=None)
        return order.number

    # when the duplicate's orders are paid from 5 threads while the merge runs (payments
    # lock the order, then count the money to its customer; the merge locks in that order)
    outcomes = run_together(threads=5, rounds=5, work=work)

    # then no deadlock, and each payment counts once, on the kept customer
    assert outcomes.errors == []
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert (keep.total_spent, duplicate.total_spent) == (Decimal("1200.00"), Decimal("0.00"))
    assert Order.objects.aggregate(paid=Sum("paid_amount"))["paid"] == Decimal("1200.00")
    assert (keep.order_count, duplicate.order_count) == (25, 0)
