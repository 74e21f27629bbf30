"""Reads of orders shared by the API and the staff UI."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus


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
