"""Customer merges racing order intake and payments on a real PostgreSQL: every order and
every yuan ends on the customer kept, no deadlock, nothing counted twice or lost."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Max, Sum

from sellerdesk.aftersales import actions as aftersales_actions
from sellerdesk.aftersales import refunds
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseLine, CaseStatus, Refund, RefundStatus
from sellerdesk.crm.merging import merge_customers
from sellerdesk.customers.models import Customer
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.payments.models import Payment, PaymentKind
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


def _delivered_case_of_duplicate(agent: Any) -> Case:
    """A paid, shipped and delivered order of the duplicate (2 × 50.00) with a received
    return of one unit, ready to refund."""
    order = place(("TEE", 2), buyer=BY_PHONE)
    record_payment(order=order, amount=order.total, method="online", reference=f"TX-{order.number}", actor=None)
    order = Order.objects.get(pk=order.pk)
    if order.status != "approved":
        order_actions.approve_order(order=order, actor=None)
    order_actions.ship_order(order=order, actor=None, carrier="SF", tracking_number=f"SF{order.number}")
    order_actions.deliver_order(order=order, actor=None)
    order = Order.objects.get(pk=order.pk)
    line = order.lines.get()
    case = aftersales_actions.open_case(
        order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line.pk, 1)], actor=agent
    )
    aftersales_actions.approve_case(case=case, actor=agent)
    CaseLine.objects.filter(case=case).update(received=1)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RECEIVED)
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db(transaction=True)
def test_a_merge_racing_refunds_of_the_duplicate_takes_every_refund_once(shop: Any) -> None:
    # given 8 delivered orders of the duplicate, each with a received return of one unit
    make_sku("TEE", price="50.00", stock=1000)
    owner = make_user("owner", "owner")
    agent = make_user("agent", "agent", "阿华")
    place(("TEE", 1), buyer=TAOBAO)
    cases = [_delivered_case_of_duplicate(agent) for _ in range(8)]
    keep, duplicate = Customer.objects.get(identity="zhang_tb"), Customer.objects.get(identity="tel:13800138000")

    def work(index: int) -> str:
        if index == 4:
            merge_customers(keep=keep, duplicates=[duplicate], actor=owner, reason="同一个人")
            return "merged"
        case = cases[index if index < 4 else index - 1]
        # a refund locks the case, then its order, then counts the money back on its customer
        return refunds.start_refund(case=Case.objects.get(pk=case.pk), actor=agent).number

    # when the 8 returns are refunded from 9 threads while the merge runs
    outcomes = run_together(threads=9, rounds=1, work=work)

    # then no deadlock, every refund went through once, and the money is on the kept customer
    assert outcomes.errors == []
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 8
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    paid = Payment.objects.filter(kind=PaymentKind.PAYMENT).aggregate(total=Sum("amount"))["total"]
    refunded = Payment.objects.filter(kind=PaymentKind.REFUND).aggregate(total=Sum("amount"))["total"]
    assert (paid, refunded) == (Decimal("800.00"), Decimal("400.00"))
    assert (keep.total_spent, duplicate.total_spent) == (Decimal("400.00"), Decimal("0.00"))
    assert set(Case.objects.values_list("customer_id", flat=True)) == {keep.pk}
