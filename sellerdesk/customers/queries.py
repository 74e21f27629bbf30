"""Reads of customers shared by the API, the staff UI and the review rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus

# Orders in these states no longer draw on credit: a closed order is owed nothing and a
# completed one is settled. Every other state, including ones added later, is open.
_SETTLED_STATUSES = (OrderStatus.CLOSED, OrderStatus.COMPLETED)


class CustomerFilters(Schema):
    q: str = Field(default="", max_length=100)
    shop: str = Field(default="", max_length=40)
    level: str = Field(default="", max_length=40)
    page: int = Field(default=1, ge=1, le=100_000)


def get_customer(*, customer_id: int, actor: User | None) -> Customer:
    require(actor, "customers.view")
    customer = Customer.objects.select_related("shop", "level", "agent").filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No customer %(id)s.") % {"id": customer_id}, details={"id": customer_id})
    return customer


def search_customers(*, filters: CustomerFilters, actor: User | None, page_size: int | None = None) -> Page[Customer]:
    """Newest first; `q` matches nickname, name or phone exactly, a name by its start, a
    phone by its last digits (at least 4)."""
    require(actor, "customers.view")
    customers: QuerySet[Customer] = Customer.objects.select_related("shop", "level", "agent")
    if filters.shop:
        customers = customers.filter(shop__code=filters.shop)
    if filters.level:
        customers = customers.filter(level__code=filters.level)
    text = filters.q.strip()
    if text:
        customers = customers.filter(
            Q(nickname=text)
            | Q(name=text)
            | Q(phone=text)
            | (Q(name__startswith=text) | Q(nickname__startswith=text) if len(text) >= 2 else Q(pk__in=[]))
            | (Q(phone__endswith=text) if len(text) >= 4 and text.isdigit() else Q(pk__in=[]))
        )
    paginator = Paginator(customers.order_by("-created_at", "-pk"), page_size or settings.ORDERS_PAGE_SIZE)
    return paginator.get_page(filters.page)


def levels(*, actor: User | None, shop_code: str = "") -> list[CustomerLevel]:
    """Every customer level, or those usable in one shop (its own and the global ones)."""
    require(actor, "customers.view")
    found = CustomerLevel.objects.select_related("shop")
    if shop_code:
        found = found.filter(Q(shop__isnull=True) | Q(shop__code=shop_code))
    return list(found.order_by("rank", "code", "pk"))


def credit_used(customer: Customer, *, exclude_order_id: int | None = None) -> Decimal:
    """What the customer still owes on open orders: the sum of total - paid over their
    orders that are neither closed nor completed and not paid in full (one query).

    Every unpaid open order counts, whatever its payment method: goods shipped against
    a balance are credit given. `exclude_order_id` leaves out one order, e.g. the one
    being reviewed, so that it can be checked against the credit that remains.
    """
    balance = ExpressionWrapper(
        F("total") - F("paid_amount"), output_field=DecimalField(max_digits=14, decimal_places=2)
    )
    orders = Order.objects.filter(customer_id=customer.pk, total__gt=F("paid_amount")).exclude(
        status__in=_SETTLED_STATUSES
    )
    if exclude_order_id is not None:
        orders = orders.exclude(pk=exclude_order_id)
    owed = orders.aggregate(owed=Sum(balance))["owed"]
    return to_money(owed) if owed is not None else ZERO


def remaining_credit(customer: Customer, *, exclude_order_id: int | None = None) -> Decimal:
    """The credit limit less the credit used; never below 0.00."""
    return max(to_money(customer.credit_limit) - credit_used(customer, exclude_order_id=exclude_order_id), ZERO)


@dataclass(frozen=True)
class CreditCheck:
    is_within: bool
    remaining: Decimal
    over_by: Decimal


def check_credit(customer: Customer, amount: Decimal, *, exclude_order_id: int | None = None) -> CreditCheck:
    """Whether `amount` more on credit stays within the customer's remaining credit.

    A customer without credit (limit 0.00) is within only for an amount of 0.00.
    """
    remaining = remaining_credit(customer, exclude_order_id=exclude_order_id)
    amount = to_money(amount)
    over_by = max(amount - remaining, ZERO)
    return CreditCheck(is_within=over_by == ZERO, remaining=remaining, over_by=over_by)
