"""One buyer across shops: the customers of other shops who are the same person.

A customer belongs to one shop; the same person buying in the seller's Taobao store and
own web shop is two customers. They are recognised by the same phone, or by the same
marketplace nickname on a shop of the same account system (a Taobao account is also the
buyer's Tmall account). Nicknames of the own web shop or of "other" channels are not a
marketplace identity, so only the phone links those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q

from sellerdesk.customers.models import Customer
from sellerdesk.shops.models import Platform

# Platforms whose buyers sign in with one account: the nickname is the same person there.
ACCOUNT_SYSTEMS: tuple[frozenset[str], ...] = (
    frozenset({Platform.TAOBAO, Platform.TMALL}),
    frozenset({Platform.JD}),
    frozenset({Platform.PINDUODUO}),
)


def _same_account_platforms(platform: str) -> frozenset[str]:
    for platforms in ACCOUNT_SYSTEMS:
        if platform in platforms:
            return platforms
    return frozenset()


def same_buyer(customer: Customer, *, visible: frozenset[int] | None = None) -> list[Customer]:
    """The customers of OTHER shops who are this buyer: the same phone, or the same
    nickname on a shop of the same marketplace account system; merged-away duplicates
    left out (their kept customer is found by its own identity). Each carries its totals
    (order_count, total_spent, last_order_at) and its shop; ordered by shop name. Only
    the shops in `visible` when given (shops.access.visible_shop_ids). One query."""
    match = Q()
    if customer.phone:
        match |= Q(phone=customer.phone)
    platforms = _same_account_platforms(customer.shop.platform)
    if customer.nickname and platforms:
        match |= Q(nickname=customer.nickname, shop__platform__in=sorted(platforms))
    if not match:
        return []
    found = Customer.objects.filter(match, merged_into__isnull=True)
    if visible is not None:
        found = found.filter(shop_id__in=visible)
    return list(
        found.exclude(shop_id=customer.shop_id).select_related("shop", "level").order_by("shop__name", "shop_id", "pk")
    )


@dataclass(frozen=True)
class BuyerTotals:
    """What one buyer bought over all the seller's shops (this customer and `same_buyer`)."""

    shops: int
    order_count: int
    total_spent: Decimal
    last_order_at: datetime | None


def buyer_totals(customer: Customer, others: list[Customer]) -> BuyerTotals:
    """The totals of `customer` and `others` (as returned by same_buyer) together."""
    everyone = [customer, *others]
    last = [one.last_order_at for one in everyone if one.last_order_at is not None]
    return BuyerTotals(
        shops=len({one.shop_id for one in everyone}),
        order_count=sum(one.order_count for one in everyone),
        total_spent=sum((one.total_spent for one in everyone), Decimal("0.00")),
        last_order_at=max(last, default=None),
    )
