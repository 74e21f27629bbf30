"""The one search box (/search/, GET /api/v1/search): what a person has in hand finds the
orders, customers, after-sales cases and conversations it belongs to.

Orders are found by `orders.queries.matching_order_ids` (the order list's `q`, the same
semantics); the other kinds through the orders found and by their own keys, each as a
UNION of indexed SELECTs (see docs/search.md):
- customers: nickname, phone or customer number exactly, and the buyers of the orders
  found by a person's key (name, nickname, phone or its last digits);
- after-sales cases: the case number, a return parcel's tracking number, and the cases of
  the orders found;
- conversations: those of the orders found and of the customers found (within the shops
  an agent serves).
Each kind is searched only when the actor may view it, and only in the shops the actor
may see (shops.access): a user limited to shops finds nothing of another shop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from sellerdesk.aftersales.models import Case
from sellerdesk.core.models import User
from sellerdesk.core.permissions import has_permission
from sellerdesk.customers.models import Customer
from sellerdesk.logistics.queries import order_ids_by_tracking
from sellerdesk.orders.expressions import PHONE_TAIL_DIGITS, PhoneTail
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import matching_order_ids, newest_orders_by_ids, phone_digits
from sellerdesk.service.access import agent_shop_ids
from sellerdesk.service.models import Conversation
from sellerdesk.shops.access import visible_shop_ids

MAX_QUERY_LENGTH = 100
KINDS = ("orders", "customers", "cases", "conversations")
PERMISSION_OF = {
    "orders": "orders.view",
    "customers": "customers.view",
    "cases": "aftersales.view",
    "conversations": "service.view",
}


@dataclass
class Group:
    """Up to `limit` results of one kind, newest first; `more` when there are others."""

    kind: str
    items: list[Any] = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    """The groups the actor may view (in KINDS order, each possibly empty), and the order
    the page opens at once when `q` is one order's own key (its number, external id or a
    tracking number of it) and found that order alone."""

    q: str
    groups: dict[str, Group]
    exact_order: Order | None = None

    @property
    def total(self) -> int:
        return sum(len(group.items) for group in self.groups.values())


def _compiled(queryset: QuerySet[Any]) -> RawSQL:
    sql, params = queryset.query.sql_with_params()
    return RawSQL(sql, params)  # noqa: S611 -- SQL Django compiled, values as parameters


def _first(queryset: QuerySet[Any], limit: int) -> Group:
    rows = list(queryset[: limit + 1])
    return Group(kind="", items=rows[:limit], more=len(rows) > limit)


def _person_order_ids(text: str, digits: str) -> QuerySet[Any]:
    """The customer ids of the orders whose buyer `text` names (name or nickname exactly,
    a phone's end): through the orders' indexes, the customers table has none for these."""
    own = Order.objects.order_by()
    branches: list[QuerySet[Any]] = [
        own.filter(buyer_name=text).values("customer_id"),
        own.filter(buyer_nickname=text).values("customer_id"),
    ]
    if len(digits) >= PHONE_TAIL_DIGITS:
        tail = own.alias(phone_tail=PhoneTail("buyer_phone")).filter(phone_tail=digits[-PHONE_TAIL_DIGITS:])
        if len(digits) > PHONE_TAIL_DIGITS:
            tail = tail.filter(buyer_phone__endswith=digits)
        branches.append(tail.values("customer_id"))
    first, *others = branches
    return first.union(*others)


def _in_shops(queryset: QuerySet[Any], shop_ids: frozenset[int] | None) -> QuerySet[Any]:
    return queryset if shop_ids is None else queryset.filter(shop_id__in=shop_ids)


def _customers(text: str, digits: str, shop_ids: frozenset[int] | None) -> QuerySet[Customer]:
    own = Customer.objects.order_by()
    branches: list[QuerySet[Any]] = [
        own.filter(nickname=text).values("pk"),
        own.filter(phone__in=sorted({text, digits} - {""})).values("pk"),
        own.filter(number=text).values("pk"),
    ]
    branches.append(_person_order_ids(text, digits))
    first, *others = branches
    ids = first.union(*others)
    # A duplicate merged into another customer is found as the one it was merged into.
    return (
        _in_shops(Customer.objects.filter(pk__in=ids, merged_into__isnull=True), shop_ids)
        .select_related("shop", "level")
        .order_by("-last_order_at", "-pk")
    )


def _cases(text: str, order_ids: RawSQL, shop_ids: frozenset[int] | None) -> QuerySet[Case]:
    own = Case.objects.order_by()
    codes = sorted({text, text.upper()})
    ids = (
        own.filter(number__in=codes)
        .values("pk")
        .union(
            own.filter(return_tracking_number__in=codes).values("pk"),
            own.filter(order_id__in=order_ids).values("pk"),
        )
    )
    return (
        _in_shops(Case.objects.filter(pk__in=ids), shop_ids)
        .select_related("order", "customer")
        .order_by("-created_at", "-pk")
    )


def _conversations(
    actor: User | None, order_ids: RawSQL, customer_ids: RawSQL, shop_ids: frozenset[int] | None
) -> QuerySet[Any]:
    own = Conversation.objects.order_by()
    ids = own.filter(order_id__in=order_ids).values("pk").union(own.filter(customer_id__in=customer_ids).values("pk"))
    conversations = _in_shops(Conversation.objects.filter(pk__in=ids), shop_ids)
    shops = agent_shop_ids(actor)
    if shops is not None:
        conversations = conversations.filter(shop_id__in=shops)
    return conversations.select_related("shop", "customer").order_by("-last_message_at", "-pk")


def _exact_order(text: str, order: Order) -> bool:
    codes = {text, text.upper()}
    if order.number == text or order.external_id == text or order.tracking_number in codes:
        return True
    return order_ids_by_tracking(sorted(codes)).filter(order_id=order.pk).exists()


def search_everything(*, q: str, actor: User | None, limit: int = 10) -> SearchResults:
    """Search every kind the actor may view for `q` (trimmed; at most MAX_QUERY_LENGTH
    characters are read): at most `limit` of each kind, newest first, as the module
    docstring says. A blank `q` finds nothing. Never raises for a kind the actor may not
    view: that kind is left out of `groups`."""
    text = q.strip()[:MAX_QUERY_LENGTH]
    allowed = [kind for kind in KINDS if has_permission(actor, PERMISSION_OF[kind])]
    groups = {kind: Group(kind=kind) for kind in allowed}
    if not text or "\x00" in text:
        return SearchResults(q=text, groups=groups)
    matching = matching_order_ids(text)
    assert matching is not None  # text is not blank
    # Compiled once and reused as SQL by each kind: Django would clone and compile the
    # nested UNIONs again for every queryset that contains them (most of the time spent).
    order_ids = _compiled(matching)
    digits = phone_digits(text)
    shop_ids = visible_shop_ids(actor)
    customers = _customers(text, digits, shop_ids)
    exact_order = None
    if "orders" in groups:
        # The ids first, sorted from the (id, created_at, status) index, then those orders (as the
        # order list's pages: orders.queries._IdsFirstPaginator).
        ids = list(
            _in_shops(Order.objects.filter(pk__in=order_ids), shop_ids)
            .order_by("-created_at", "-pk")
            .values_list("pk", flat=True)[: limit + 1]
        )
        groups["orders"] = Group(kind="orders", items=newest_orders_by_ids(ids[:limit]), more=len(ids) > limit)
        found = groups["orders"].items
        if len(found) == 1 and _exact_order(text, found[0]):
            exact_order = found[0]
    if "customers" in groups:
        groups["customers"] = _first(customers, limit)
    if "cases" in groups:
        groups["cases"] = _first(_cases(text, order_ids, shop_ids), limit)
    if "conversations" in groups:
        customer_ids = _compiled(customers.values("pk").order_by())
        groups["conversations"] = _first(_conversations(actor, order_ids, customer_ids, shop_ids), limit)
    for kind, group in groups.items():
        group.kind = kind
    return SearchResults(q=text, groups=groups, exact_order=exact_order)
