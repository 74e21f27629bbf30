"""Reads of orders shared by the API and the staff UI."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import NotFound
from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.core.limits import MAX_ID
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer
from sellerdesk.orders.expressions import PHONE_TAIL_DIGITS, PhoneTail
from sellerdesk.orders.hooks import ORDERS_BY_TRACKING
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import OPEN_STATUSES, OrderStatus
from sellerdesk.shops.access import limit_to_visible_shops

# A pasted list: at most this many numbers, in at most this many characters.
NUMBERS_MAX = 200
NUMBERS_MAX_CHARS = 6000
UNASSIGNED = "-"
# What separates pasted numbers: whitespace, commas, semicolons, the Chinese comma, full
# stop and enumeration comma, vertical bars.
_LIST_SEPARATORS = re.compile(r"[\s,;|，、；。]+")
_LIST_PUNCTUATION = re.compile(r"[\n\r\t,;|，、；。]")
# A number pasted with plain spaces between: letters, digits and dashes, 8 or more long
# (order numbers, platform numbers and tracking numbers are; a phone typed "138 0013 8000"
# or a name "Li Wei" is not).
_NUMBER_LIKE = re.compile(r"^[A-Za-z0-9_-]{8,}$")


def number_list(text: str) -> list[str] | None:
    """The numbers of a pasted list, in order and without repeats, or None when `text` is
    one search term. A list is two or more terms separated by newlines, commas, semicolons
    or Chinese punctuation (，、；。), or by spaces when every term looks like a number."""
    terms = list(dict.fromkeys(term for term in _LIST_SEPARATORS.split(text.strip()) if term))
    if len(terms) < 2:
        return None
    if _LIST_PUNCTUATION.search(text.strip()) or all(_NUMBER_LIKE.match(term) for term in terms):
        return terms
    return None


class OrderFilters(Schema):
    status: OrderStatus | None = None
    q: str = Field(default="", max_length=100)
    # Many order, platform order or tracking numbers pasted at once (see `number_list`).
    numbers: str = Field(default="", max_length=NUMBERS_MAX_CHARS)
    shop: str = Field(default="", max_length=40)
    # An assignee's username, or UNASSIGNED for the orders nobody is assigned.
    assignee: str = Field(default="", max_length=150)
    date_from: date | None = None
    date_to: date | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    # API only: a saved view's filters (orders.saved_views) instead of the ones above.
    view: int | None = Field(default=None, ge=1, le=MAX_ID)

    @field_validator("numbers")
    @classmethod
    def _at_most_numbers_max(cls, value: str) -> str:
        # The same count as the list is read with (repeats once), so the page's form and this agree.
        if len(number_list(value) or []) > NUMBERS_MAX:
            raise ValueError(f"at most {NUMBERS_MAX} numbers at once")
        return value


def get_order(*, number: str, actor: User | None) -> Order:
    require(actor, "orders.view")
    order = None
    if "\x00" not in number:
        # An order of a shop the actor may not see is not found, as if it did not exist.
        visible = limit_to_visible_shops(Order.objects.all(), actor)
        order = visible.select_related("shop", "assignee").prefetch_related("lines").filter(number=number).first()
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": number}, details={"number": number})
    return order


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_orders(filters: OrderFilters) -> QuerySet[Order]:
    """The orders the filters select (unordered by intent: callers order them); `q` as
    `matching_order_ids` says."""
    orders = Order.objects.all()
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.shop:
        orders = orders.filter(shop__code=filters.shop)
    if filters.date_from:
        orders = orders.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        orders = orders.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.assignee == UNASSIGNED:
        orders = orders.filter(assignee__isnull=True)
    elif filters.assignee:
        # PostgreSQL refuses NUL in a string: no username has one.
        orders = orders.filter(assignee__username=filters.assignee) if "\x00" not in filters.assignee else orders.none()
    ids = matching_order_ids(filters.q)
    if ids is not None:
        orders = orders.filter(pk__in=ids)
    if filters.numbers.strip():
        orders = orders.filter(pk__in=orders_by_numbers(_listed(filters.numbers)))
    return orders


def _listed(text: str) -> list[str]:
    return (number_list(text) or [text.strip()])[:NUMBERS_MAX]


def _codes(numbers: Sequence[str]) -> list[str]:
    return sorted({code for number in numbers for code in (number, number.upper()) if "\x00" not in code})


def _union_with_parcels(branches: list[QuerySet[Any]], codes: list[str]) -> QuerySet[Any]:
    """One UNION of the branches' order ids and of the orders whose parcels carry one of
    `codes` as tracking number (logistics answers that, when installed)."""
    try:
        by_tracking = ORDERS_BY_TRACKING.get()
    except PortNotProvided:
        pass
    else:
        branches.append(by_tracking(codes))
    first, *others = branches
    return first.union(*others)


def orders_by_numbers(numbers: Sequence[str]) -> QuerySet[Any]:
    """The ids of the orders whose order number, platform order number or tracking number
    (the order's or one of its parcels') is one of `numbers` (exactly, or in capitals), as
    one subquery: a UNION of indexed lookups, like `matching_order_ids`."""
    codes = _codes(numbers)
    own = Order.objects.order_by()
    branches: list[QuerySet[Any]] = [
        own.filter(number__in=codes).values("pk"),
        own.filter(external_id__in=codes).values("pk"),
        own.filter(tracking_number__in=codes).values("pk"),
    ]
    return _union_with_parcels(branches, codes)


def numbers_not_found(text: str, *, actor: User | None) -> list[str]:
    """The numbers of the pasted list `text` that find no order the actor may see (in the
    order pasted)."""
    numbers = _listed(text)
    codes = _codes(numbers)
    known: set[str] = set()
    visible = limit_to_visible_shops(Order.objects.all(), actor)
    for row in visible.filter(
        Q(number__in=codes) | Q(external_id__in=codes) | Q(tracking_number__in=codes)
    ).values_list("number", "external_id", "tracking_number"):
        known.update(row)
    missing = [number for number in numbers if number not in known and number.upper() not in known]
    try:
        by_tracking = ORDERS_BY_TRACKING.get()
    except PortNotProvided:
        return missing
    # A parcel's tracking number (a return, a second parcel) is asked per number left: the
    # port answers order ids, not which number found them; at most NUMBERS_MAX small lookups.
    return [number for number in missing if not visible.filter(pk__in=by_tracking(_codes([number]))).exists()]


# The shortest prefix of a name or nickname searched as a prefix (one CJK character or one
# letter would select a large part of the orders and help nobody).
MIN_PREFIX = 2
PREFIX_LIMIT = 500
_PHONE_SEPARATORS = str.maketrans("", "", " -()")


def phone_digits(text: str) -> str:
    """The digits of a phone number as typed ("138 0013-8000", "+86 138 0013 8000"),
    without China's country code before a mobile number: "" if it is not one."""
    digits = text.translate(_PHONE_SEPARATORS).removeprefix("+")
    if not digits.isdigit():
        return ""
    for code in ("0086", "86"):
        if digits.startswith(code) and len(digits) == len(code) + 11:
            return digits[len(code) :]
    return digits


def _prefix(field: str, text: str) -> Q:
    """`field` starts with `text`, in the form the database's index serves: LIKE 'x%' on
    PostgreSQL (the varchar_pattern_ops index of db_index), a range on SQLite (its LIKE is
    case-blind and uses no index on a case-sensitive column; UTF-8 sorts a prefix's
    extensions below the prefix followed by the highest code point)."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": text, f"{field}__lt": text + "\U0010ffff"})
    return Q(**{f"{field}__startswith": text})


def matching_order_ids(q: str) -> QuerySet[Any] | None:
    """The ids of the orders `q` finds, as one subquery; None for a blank `q` (no filter).

    The one search semantics of the order list and the search box: `q` (trimmed) is
    - the order number, the external (marketplace) order id, exactly;
    - the buyer's nickname or name, exactly or as a prefix (MIN_PREFIX characters or more);
    - the buyer's phone: exactly as stored; its last 4 digits; 5 or more digits as the
      end of the number (separators and a leading + are ignored);
    - a tracking number, of the order or of any of its parcels (logistics, through the
      ORDERS_BY_TRACKING port), exactly or in capitals;
    - a SKU code of one of its lines, exactly or in capitals, when the catalog has
      that code;
    a prefix finds at most PREFIX_LIMIT orders on PostgreSQL.

    Each kind is its own indexed SELECT and the subquery is their UNION, so that every
    branch uses its index on PostgreSQL and SQLite alike (an OR of them would not: one
    branch without an index or a subquery turns it into a scan of every order). The
    indexes are in orders migration 0018 and logistics' shipment_tracking_idx.
    """
    text = q.strip()
    if not text:
        return None
    if "\x00" in text:  # PostgreSQL refuses NUL in a string: nobody's key has one
        return Order.objects.none().values("pk")
    codes = sorted({text, text.upper()})
    own = Order.objects.order_by()
    branches: list[QuerySet[Any]] = [
        own.filter(number=text).values("pk"),
        own.filter(external_id=text).values("pk"),
        own.filter(buyer_nickname=text).values("pk"),
        own.filter(buyer_name=text).values("pk"),
        own.filter(buyer_phone=text).values("pk"),
        own.filter(tracking_number__in=codes).values("pk"),
    ]
    # A SKU code matches thousands of lines; asked only when the catalog has it (one
    # unique-index lookup), so that PostgreSQL does not plan every other search for
    # thousands of rows (it would scan the orders instead of reading a few by id).
    skus = list(Sku.objects.filter(code__in=codes).values_list("code", flat=True))
    if skus:
        branches.append(OrderLine.objects.order_by().filter(sku_code__in=skus).values("order_id"))
    if len(text) >= MIN_PREFIX:
        for field in ("buyer_nickname", "buyer_name"):
            prefixed = own.filter(_prefix(field, text)).values("pk")
            if connection.features.supports_slicing_ordering_in_compound:
                # A short prefix may be shared by a large part of the buyers ("tb…" is
                # every Taobao default nickname): at most PREFIX_LIMIT orders of it, the
                # first in that field's order. SQLite cannot limit inside a UNION; a small
                # shop's prefixes are cheap there.
                prefixed = prefixed.order_by(field, "pk")[:PREFIX_LIMIT]
            branches.append(prefixed)
    digits = phone_digits(text)
    if len(digits) >= PHONE_TAIL_DIGITS:
        # The last 4 digits are indexed (order_phone_tail_idx); a longer tail is found
        # through them and checked whole.
        tail = own.alias(phone_tail=PhoneTail("buyer_phone")).filter(phone_tail=digits[-PHONE_TAIL_DIGITS:])
        if len(digits) > PHONE_TAIL_DIGITS:
            tail = tail.filter(buyer_phone__endswith=digits)
        branches.append(tail.values("pk"))
    return _union_with_parcels(branches, codes)


def newest_orders_by_ids(ids: Sequence[int]) -> list[Order]:
    """These orders with their shop and lines, in the order of `ids`."""
    rows = {
        order.pk: order
        for order in Order.objects.filter(pk__in=ids).select_related("shop", "assignee").prefetch_related("lines")
    }
    return [rows[pk] for pk in ids if pk in rows]


class _IdsFirstPaginator(Paginator):
    """A page of a search read in two steps: the page's ids, sorted through the
    (id, created_at, status) index alone (order_search_page_idx), then those few orders. In one
    step PostgreSQL reads the row of every order found before sorting: thousands for a
    SKU code (117 ms against 28 ms at 1,000,000 orders)."""

    def __init__(self, orders: QuerySet[Order], per_page: int) -> None:
        super().__init__(orders, per_page)
        self.orders = orders

    def page(self, number: Any) -> Page[Order]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.orders.values_list("pk", flat=True)[bottom:top])
        return Page(newest_orders_by_ids(ids), number, self)


def matching_numbers(*, filters: OrderFilters, actor: User | None, limit: int) -> list[str]:
    """The numbers of the orders `filters` select on every page (newest first, as the list
    shows them), at most `limit`: the order list's "all matching orders"."""
    require(actor, "orders.view")
    orders = limit_to_visible_shops(filter_orders(filters), actor).order_by("-created_at", "-pk")
    return list(orders.values_list("number", flat=True)[:limit])


def search_orders(*, filters: OrderFilters, actor: User | None, page_size: int | None = None) -> Page[Order]:
    """Newest first; `q` as `matching_order_ids` says."""
    require(actor, "orders.view")
    orders = limit_to_visible_shops(filter_orders(filters), actor).order_by("-created_at", "-pk")
    if filters.q.strip() or filters.numbers.strip():
        paginator: Paginator = _IdsFirstPaginator(orders, page_size or settings.ORDERS_PAGE_SIZE)
    else:
        orders = orders.select_related("shop", "assignee").prefetch_related("lines")
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
