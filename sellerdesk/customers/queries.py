"""Reads of customers shared by the API and the staff UI (credit used on orders: orders.queries)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sellerdesk.core.errors import NotFound
from sellerdesk.core.hooks import Port
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.shops.access import limit_to_visible_shops

# What a customer owes on open orders: orders (a layer above) provides it, see
# orders.queries.credit_used. Customers' own reads and API ask through this port.
CREDIT_USED: Port[Callable[[Customer], Decimal]] = Port("credit a customer uses on open orders")


class CustomerFilters(Schema):
    q: str = Field(default="", max_length=100)
    shop: str = Field(default="", max_length=40)
    level: str = Field(default="", max_length=40)
    page: int = Field(default=1, ge=1, le=100_000)


def get_customer(*, customer_id: int, actor: User | None) -> Customer:
    require(actor, "customers.view")
    # Another shop's customer is not found (shops.access).
    visible = limit_to_visible_shops(Customer.objects.all(), actor)
    customer = visible.select_related("shop", "level", "agent").filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No customer %(id)s.") % {"id": customer_id}, details={"id": customer_id})
    return customer


def text_match(text: str) -> Q:
    """What a customer search box's `text` (trimmed, not empty) finds: the nickname, name,
    phone or customer number exactly, a name or nickname by its start (2 characters or
    more), a phone by its last digits (4 or more), and "C000123", the number shown for a
    customer without one of its own (Customer.display_number)."""
    match = Q(nickname=text) | Q(name=text) | Q(phone=text) | Q(number=text)
    if len(text) >= 2:
        match |= Q(name__startswith=text) | Q(nickname__startswith=text)
    if len(text) >= 4 and text.isdigit():
        match |= Q(phone__endswith=text)
    if text[:1] in "Cc" and text[1:].isdigit() and len(text) <= 19:
        match |= Q(pk=int(text[1:]), number="")
    return match


def search_customers(*, filters: CustomerFilters, actor: User | None, page_size: int | None = None) -> Page[Customer]:
    """Newest first, of the shops the actor may see; `q` as `text_match` says."""
    require(actor, "customers.view")
    visible = limit_to_visible_shops(Customer.objects.all(), actor)
    customers: QuerySet[Customer] = visible.select_related("shop", "level", "agent")
    if filters.shop:
        customers = customers.filter(shop__code=filters.shop)
    if filters.level:
        customers = customers.filter(level__code=filters.level)
    text = filters.q.strip()
    if text:
        customers = customers.filter(text_match(text))
    paginator = Paginator(customers.order_by("-created_at", "-pk"), page_size or settings.ORDERS_PAGE_SIZE)
    return paginator.get_page(filters.page)


def levels(*, actor: User | None, shop_code: str = "") -> list[CustomerLevel]:
    """Every customer level, or those usable in one shop (its own and the global ones)."""
    require(actor, "customers.view")
    found = CustomerLevel.objects.select_related("shop")
    if shop_code:
        found = found.filter(Q(shop__isnull=True) | Q(shop__code=shop_code))
    return list(found.order_by("rank", "code", "pk"))
