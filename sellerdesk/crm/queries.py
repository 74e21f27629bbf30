"""Reads of the customer page and its API: the profile with everything kept about the
customer, the purchase history with its totals, the conversations and after-sales cases.

The CRM sits above orders, after-sales and the service desk, so this is where the three
are read together (customers, below them, cannot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from sellerdesk.aftersales.models import Case
from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.crm.buyers import same_buyer
from sellerdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerGroup,
    CustomerNote,
    CustomerTag,
)
from sellerdesk.customers.queries import text_match
from sellerdesk.orders.models import Order
from sellerdesk.service.models import Conversation
from sellerdesk.shops.access import limit_to_visible_shops, visible_shop_ids

# How many of the newest orders, conversations, cases and timeline rows the page lists.
RECENT = 20
TIMELINE_ROWS = 100


@dataclass(frozen=True)
class PurchaseHistory:
    """The customer's buying, counted once per order the buyer placed: an order merged
    into another (合单) and an order split into parts (拆单) are counted through the order
    they became, never twice.

    `orders`: orders placed; `paid_orders`: of those, with money received; `paid` and
    `refunded`: money received and refunded; `net` = paid − refunded; `average_order` =
    paid / paid_orders (None without a paid order); first and last: when the buyer placed
    their first and last order (the originals' times, not a merge's)."""

    orders: int
    paid_orders: int
    paid: Decimal
    refunded: Decimal
    net: Decimal
    average_order: Decimal | None
    first_order_at: datetime | None
    last_order_at: datetime | None


@dataclass(frozen=True)
class CustomerProfile:
    """Everything the customer page shows. `conversations` and `cases` are None when the
    reader may not see them (service.view, aftersales.view)."""

    customer: Customer
    addresses: list[CustomerAddress]
    tags: list[CustomerTag]
    notes: list[CustomerNote]
    groups: list[CustomerGroup]
    history: PurchaseHistory
    recent_orders: list[Order]
    conversations: list[Conversation] | None
    conversation_count: int
    cases: list[Case] | None
    case_count: int
    events: list[CustomerEvent]
    same_buyer: list[Customer]


def get_customer(*, customer_id: int, actor: User | None) -> Customer:
    """The customer with its shop, level and agent; NotFound when there is none or it is
    a customer of a shop the actor may not see (shops.access)."""
    require(actor, "customers.view")
    customer = (
        limit_to_visible_shops(Customer.objects.all(), actor)
        .select_related("shop", "level", "agent", "merged_into")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(_("No customer %(id)s.") % {"id": customer_id}, details={"id": customer_id})
    return customer


def buyer_orders(customer: Customer) -> QuerySet[Order]:
    """The orders that stand for what the buyer placed: not merged into another order and
    not split into parts."""
    split = Order.objects.filter(split_from=OuterRef("pk"))
    return Order.objects.filter(customer=customer, merged_into__isnull=True).exclude(Exists(split))


def purchase_history(customer: Customer) -> PurchaseHistory:
    """The customer's totals (see PurchaseHistory), in two aggregate queries."""
    sums = buyer_orders(customer).aggregate(
        orders=Count("pk"),
        paid_orders=Count("pk", filter=Q(paid_amount__gt=0)),
        paid=Sum("paid_amount"),
        refunded=Sum("refunded_amount"),
    )
    times = Order.objects.filter(customer=customer).aggregate(first=Min("created_at"), last=Max("created_at"))
    paid = to_money(sums["paid"] or ZERO)
    refunded = to_money(sums["refunded"] or ZERO)
    return PurchaseHistory(
        orders=sums["orders"],
        paid_orders=sums["paid_orders"],
        paid=paid,
        refunded=refunded,
        net=paid - refunded,
        average_order=to_money(paid / sums["paid_orders"]) if sums["paid_orders"] else None,
        first_order_at=times["first"],
        last_order_at=times["last"],
    )


def customer_profile(*, customer_id: int, actor: User | None) -> CustomerProfile:
    """The customer page's data for `actor` (customers.view), a fixed number of queries
    whatever the customer's history."""
    customer = get_customer(customer_id=customer_id, actor=actor)
    conversations: list[Conversation] | None = None
    conversation_count = 0
    if has_permission(actor, "service.view"):
        found = Conversation.objects.filter(customer=customer).select_related("assignee", "shop")
        conversation_count = found.count()
        conversations = list(found.order_by("-last_message_at", "-pk")[:RECENT])
    cases: list[Case] | None = None
    case_count = 0
    if has_permission(actor, "aftersales.view"):
        open_cases = Case.objects.filter(customer=customer).select_related("order", "assignee")
        case_count = open_cases.count()
        cases = list(open_cases.order_by("-created_at", "-pk")[:RECENT])
    return CustomerProfile(
        customer=customer,
        addresses=list(CustomerAddress.objects.filter(customer=customer).order_by("-is_default", "pk")),
        tags=list(customer.tags.order_by("name", "pk")),
        notes=list(CustomerNote.objects.filter(customer=customer).select_related("author")),
        groups=list(customer.groups.order_by("name", "pk")),
        history=purchase_history(customer),
        recent_orders=list(Order.objects.filter(customer=customer).order_by("-created_at", "-pk")[:RECENT]),
        conversations=conversations,
        conversation_count=conversation_count,
        cases=cases,
        case_count=case_count,
        events=list(
            CustomerEvent.objects.filter(customer=customer)
            .select_related("actor")
            .order_by("-at", "-pk")[:TIMELINE_ROWS]
        ),
        # The same buyer in the other shops the actor may see, not beyond.
        same_buyer=same_buyer(customer, visible=visible_shop_ids(actor)),
    )


@dataclass(frozen=True)
class CustomerListFilters:
    """The customer list's filters, as parsed from the page's query string: `q` as in
    customers.queries.search_customers, plus the customer number (or C + id), the
    shop's code, the level's code, a tag's and a buyer group's id."""

    q: str = ""
    shop: str = ""
    level: str = ""
    tag: int | None = None
    group: int | None = None


def customer_list(*, filters: CustomerListFilters, actor: User | None) -> QuerySet[Customer]:
    """The customers matching `filters` of the shops the actor may see, newest first; a
    duplicate merged into another customer is left out (the customer it went into is listed)."""
    require(actor, "customers.view")
    customers = limit_to_visible_shops(Customer.objects.all(), actor)
    customers = customers.select_related("shop", "level", "agent").filter(merged_into__isnull=True)
    if filters.shop:
        customers = customers.filter(shop__code=filters.shop)
    if filters.level:
        customers = customers.filter(level__code=filters.level)
    if filters.tag is not None:
        customers = customers.filter(tags__id=filters.tag)
    if filters.group is not None:
        customers = customers.filter(groups__id=filters.group)
    text = filters.q.strip()
    if text:
        customers = customers.filter(text_match(text))
    return customers.order_by("-created_at", "-pk")
