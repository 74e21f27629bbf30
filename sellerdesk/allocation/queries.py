"""Reads of allocation: the stockout list, restock dates, and the B2B customer ranking.

B2B ranking (who gets short stock first), highest first:
1. the customer's level rank (`CustomerLevel.rank`, none = 0);
2. contract terms: a customer with a credit limit or payment terms (a standing
   contract) before one without;
3. history: more completed orders first;
4. then first come, first served (paid, else placed; then order id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Min, QuerySet

from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.hooks import RESTOCK_DATES
from sellerdesk.orders.models import Order, Shortage
from sellerdesk.orders.states import OrderStatus

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CustomerRank:
    customer_id: int
    level: str
    level_rank: int
    has_terms: bool
    credit_limit: Decimal
    payment_terms_days: int
    completed_orders: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.level_rank, int(self.has_terms), self.completed_orders)


def customer_ranks(customer_ids: Sequence[int]) -> dict[int, CustomerRank]:
    ids = sorted(set(customer_ids))
    completed = dict(
        Order.objects.filter(customer_id__in=ids, status=OrderStatus.COMPLETED)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values_list("customer_id", "n")
    )
    ranks = {}
    for customer in Customer.objects.filter(pk__in=ids).select_related("level"):
        ranks[customer.pk] = CustomerRank(
            customer_id=customer.pk,
            level=customer.level.name if customer.level else "",
            level_rank=customer.level.rank if customer.level else 0,
            has_terms=customer.credit_limit > ZERO or customer.payment_terms_days > 0,
            credit_limit=customer.credit_limit,
            payment_terms_days=customer.payment_terms_days,
            completed_orders=completed.get(customer.pk, 0),
        )
    return ranks


def _served_at(order: Order) -> datetime:
    return order.paid_at or order.created_at


def rank_orders(orders: Sequence[Order]) -> list[Order]:
    """Orders of B2B customers, best-ranked first (see the module docstring)."""
    ranks = customer_ranks([order.customer_id for order in orders])

    def key(order: Order) -> tuple:
        rank = ranks.get(order.customer_id)
        best = rank.key if rank else (0, 0, 0)
        return (-best[0], -best[1], -best[2], _served_at(order), order.pk)

    return sorted(orders, key=key)


@dataclass(frozen=True)
class StockoutFilter:
    sku: str = ""
    shop: str = ""
    option: str = ""  # a ShortageOption value, or "none" for not yet handled
    is_open: bool | None = True


def stockout_orders(*, actor: User | None, filters: StockoutFilter, limit: int = 200) -> list[Order]:
    """Orders with shortages (open ones by default), newest detection last, each with
    `.shortage_rows` (its shortages, each with `.restock_date`)."""
    require(actor, "orders.view")
    shortages: QuerySet[Shortage] = Shortage.objects.all()
    if filters.is_open is True:
        shortages = shortages.filter(resolved_at__isnull=True)
    elif filters.is_open is False:
        shortages = shortages.filter(resolved_at__isnull=False)
    if filters.sku:
        shortages = shortages.filter(sku__code=filters.sku)
    if filters.shop:
        shortages = shortages.filter(order__shop__code=filters.shop)
    if filters.option == "none":
        shortages = shortages.filter(option="")
    elif filters.option:
        shortages = shortages.filter(option=filters.option)
    order_ids = list(
        shortages.values("order_id").annotate(first=Min("detected_at")).order_by("first", "order_id")[:limit]
    )
    ids = [row["order_id"] for row in order_ids]
    orders = {order.pk: order for order in Order.objects.filter(pk__in=ids).select_related("shop", "warehouse")}
    rows = list(
        shortages.filter(order_id__in=ids).select_related("sku", "line", "handled_by").order_by("detected_at", "pk")
    )
    dates = RESTOCK_DATES.get()(sorted({row.sku_id for row in rows}))
    by_order: dict[int, list[Shortage]] = {}
    for row in rows:
        row.restock_date = dates.get(row.sku_id)  # type: ignore[attr-defined]
        by_order.setdefault(row.order_id, []).append(row)
    result = []
    for pk in ids:
        order = orders[pk]
        order.shortage_rows = by_order.get(pk, [])  # type: ignore[attr-defined]
        result.append(order)
    return result
