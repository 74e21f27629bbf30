"""Credit used and remaining: the unpaid balance of a customer's open orders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.customers.models import Customer
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import CreditCheck, check_credit, credit_used, remaining_credit
from sellerdesk.payments.actions import record_payment
from tests.factories import make_sku, place

BUYER = order_actions.Buyer("李四", "13900139000", "wholesale_li")


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="59.00", stock=1000)


def order_of_li(quantity: int, **fields: Any) -> Order:
    """An order of `quantity` × TEE at 59.00 by the same buyer."""
    return place(("TEE", quantity), buyer=BUYER, **fields)


def li() -> Customer:
    customer = Customer.objects.get(identity="wholesale_li")
    customer.credit_limit = Decimal("1000.00")
    customer.is_b2b = True
    return customer


def pay(order: Order, amount: str, reference: str) -> None:
    record_payment(order=order, amount=Decimal(amount), method="remittance", reference=reference, actor=None)


def test_open_unpaid_and_partly_paid_orders_use_credit(tee: Any) -> None:
    # given an unpaid order (118.00), a partly paid one (295.00, 95.00 paid) and a COD one (59.00)
    order_of_li(2)
    pay(order_of_li(5), "95.00", "R1")
    order_of_li(1, payment_method="cod")
    # when the credit is computed
    customer = li()
    # then every open balance counts
    assert credit_used(customer) == Decimal("377.00")
    assert remaining_credit(customer) == Decimal("623.00")


def test_paid_closed_and_completed_orders_use_no_credit(tee: Any) -> None:
    # given a paid order, a cancelled one, and a paid order shipped and completed
    pay(order_of_li(2), "118.00", "R1")
    order_actions.cancel_order(order=order_of_li(3), actor=None, reason="重拍")
    done = order_of_li(1)
    pay(done, "59.00", "R2")
    order_actions.approve_order(order=done, actor=None)
    order_actions.ship_order(order=done, actor=None, carrier="顺丰", tracking_number="SF1")
    order_actions.confirm_receipt(order=done, actor=None)
    # when the credit is computed
    customer = li()
    # then nothing is owed
    assert credit_used(customer) == Decimal("0.00")
    assert remaining_credit(customer) == Decimal("1000.00")


def test_a_shipped_order_still_owing_uses_credit_until_completed(tee: Any) -> None:
    # given a COD order (59.00) that has shipped: the money is still out
    cod = order_of_li(1, payment_method="cod")
    order_actions.approve_order(order=cod, actor=None)
    order_actions.ship_order(order=cod, actor=None, carrier="顺丰", tracking_number="SF2")
    # then it counts
    assert credit_used(li()) == Decimal("59.00")


def test_other_customers_orders_do_not_count(tee: Any) -> None:
    order_of_li(1)
    place(("TEE", 4))  # another buyer
    assert credit_used(li()) == Decimal("59.00")


def test_one_order_can_be_left_out(tee: Any) -> None:
    # given two unpaid orders, the second being reviewed
    order_of_li(2)
    reviewed = order_of_li(10)
    customer = li()
    # then the credit used without it is that of the first only
    assert credit_used(customer, exclude_order_id=reviewed.pk) == Decimal("118.00")
    assert check_credit(customer, reviewed.total, exclude_order_id=reviewed.pk) == CreditCheck(
        is_within=True, remaining=Decimal("882.00"), over_by=Decimal("0.00")
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.00", CreditCheck(True, Decimal("882.00"), Decimal("0.00"))),
        ("882.00", CreditCheck(True, Decimal("882.00"), Decimal("0.00"))),
        ("882.01", CreditCheck(False, Decimal("882.00"), Decimal("0.01"))),
        ("1500.00", CreditCheck(False, Decimal("882.00"), Decimal("618.00"))),
    ],
)
def test_check_credit_against_what_remains(tee: Any, amount: str, expected: CreditCheck) -> None:
    # given 118.00 used of 1000.00
    order_of_li(2)
    # when an amount is checked
    # then it is within up to the remaining credit, and over by the rest
    assert check_credit(li(), Decimal(amount)) == expected


def test_a_customer_without_credit_is_within_only_for_nothing(tee: Any) -> None:
    # given a customer with the default credit limit 0.00 and no open order
    pay(order_of_li(1), "59.00", "R1")
    customer = Customer.objects.get(identity="wholesale_li")
    # then nothing remains and any amount is over
    assert remaining_credit(customer) == Decimal("0.00")
    assert check_credit(customer, Decimal("0.01")) == CreditCheck(False, Decimal("0.00"), Decimal("0.01"))
    assert check_credit(customer, Decimal("0")) == CreditCheck(True, Decimal("0.00"), Decimal("0.00"))


def test_remaining_credit_never_goes_below_zero(tee: Any) -> None:
    # given 1180.00 owed against a limit of 1000.00
    order_of_li(20)
    customer = li()
    assert credit_used(customer) == Decimal("1180.00")
    assert remaining_credit(customer) == Decimal("0.00")
    assert check_credit(customer, Decimal("1.00")).over_by == Decimal("1.00")


def test_credit_used_is_one_query(tee: Any, django_assert_num_queries: Any) -> None:
    order_of_li(2)
    order_of_li(3)
    customer = li()
    with django_assert_num_queries(1):
        assert credit_used(customer) == Decimal("295.00")


def test_intake_still_creates_customers_with_default_terms(tee: Any) -> None:
    # given a new buyer's first order (customers are inserted by raw SQL on the hot path)
    order_of_li(1)
    # then the new profile fields have their defaults
    customer = Customer.objects.get(identity="wholesale_li")
    assert (customer.order_count, customer.level, customer.is_b2b, customer.credit_limit) == (
        1,
        None,
        False,
        Decimal("0.00"),
    )
    assert (customer.payment_terms_days, customer.discount_note, customer.agent, customer.delivery_area) == (
        0,
        "",
        None,
        "",
    )
