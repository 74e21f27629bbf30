"""Reads of orders shared by the API and the staff UI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OPEN_STATUSES, OrderStatus


class OrderFilters(Schema):
    status: OrderStatus | None = None
    q: str = Field(default="", max_length=100)
    shop: str = Field(default="", max_length=40)
    date_from: date | None = None
    date_to: date | None = None
    page: int = Field(default=1, ge=1, le=100_000)


def get_order(*, number: str, actor: User | None) -> Order:
    require(actor, "orders.view")
    order = None
    if "\x00" not in number:
        order = Order.objects.select_related("shop").prefetch_related("lines").filter(number=number).first()
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": number}, details={"number": number})
    return order


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_orders(filters: OrderFilters) -> QuerySet[Order]:
    orders = Order.objects.all()
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.shop:
        orders = orders.filter(shop__code=filters.shop)
    if filters.date_from:
        orders = orders.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        orders = orders.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    text = filters.q.strip()
    if text:
        orders = orders.filter(
            Q(number=text)
            | Q(external_id=text)
            | Q(buyer_phone=text)
            | Q(tracking_number=text)
            | Q(buyer_name=text)
            | Q(buyer_nickname=text)
            | (Q(buyer_name__startswith=text) if len(text) >= 2 else Q(pk__in=[]))
            | (Q(buyer_phone__endswith=text) if len(text) >= 4 and text.isdigit() else Q(pk__in=[]))
        )
    return orders


def search_orders(*, filters: OrderFilters, actor: User | None, page_size: int | None = None) -> Page[Order]:
    """Newest first; `q` matches number, external id, buyer name, phone or tracking number."""
    require(actor, "orders.view")
    orders = filter_orders(filters).select_related("shop").prefetch_related("lines").order_by("-created_at", "-pk")
    paginator = Paginator(orders, page_size or settings.ORDERS_PAGE_SIZE)
    return paginator.get_page(filters.page)


# --- a customer's credit on open orders --------------------------------------------------

# Orders in these states no longer draw on credit: a closed order is owed nothing and a
# completed one is settled (the statuses the order table has no move from). Every other
# state, including ones added later, is open.
_SETTLED_STATUSES = frozenset(OrderStatus) - OPEN_STATUSES


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
