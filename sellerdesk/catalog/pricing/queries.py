"""The price a line should have, from the price lists; and reads of the lists themselves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import FilteredRelation, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import PriceList, Sku
from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.money import to_money
from sellerdesk.core.permissions import require


@dataclass(frozen=True)
class PriceQuote:
    """The expected unit price of a line and where it comes from: the SKU's list price
    (`source="list"`, no price list, no tier) or a tier of a price list."""

    unit_price: Decimal
    source: Literal["list", "price_list"]
    price_list_id: int | None = None
    min_quantity: int | None = None


@dataclass(frozen=True)
class PriceRequest:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class _Tier:
    price_list_id: int
    specificity: int
    min_quantity: int
    unit_price: Decimal


def _specificity(*, has_level: bool, has_shop: bool) -> int:
    """level + shop > level > shop > everyone."""
    return (2 if has_level else 0) + (1 if has_shop else 0)


def expected_unit_prices(
    requests: Sequence[PriceRequest], *, level_id: int | None, shop_id: int | None, at: datetime | None = None
) -> list[PriceQuote]:
    """The expected unit price of each requested line, in the same order, in one query.

    For a line, the candidates are the tiers of the SKU in the price lists that apply:
    active, valid at `at` (valid_from ≤ at < valid_to), for this shop or every shop, for
    this customer level or every customer. The tier whose min_quantity ≤ quantity is
    taken from the most specific list (level + shop > level > shop > everyone; between
    lists equally specific, the newest), the highest such tier of that list. A list with
    no tier reaching down to the quantity is passed over for the next one; when no list
    prices the line, the SKU's list price is the quote. An unknown SKU id raises NotFound.
    """
    if not requests:
        return []
    at = at or timezone.now()
    applies = _scope_condition(level_id=level_id, shop_id=shop_id, at=at)
    rows = (
        Sku.objects.filter(pk__in=sorted({request.sku_id for request in requests}))
        .order_by()
        # Every tier of the SKU comes back; the join to its list is made only where the list
        # applies, so a tier of a list that does not apply has no list id.
        .annotate(applying_list=FilteredRelation("price_list_items__price_list", condition=applies))
        .values_list(
            "pk",
            "price",
            "applying_list__id",
            "applying_list__shop_id",
            "applying_list__level_id",
            "price_list_items__min_quantity",
            "price_list_items__unit_price",
        )
    )
    list_prices: dict[int, Decimal] = {}
    tiers: dict[int, list[_Tier]] = defaultdict(list)
    for sku_id, list_price, price_list_id, list_shop_id, list_level_id, min_quantity, unit_price in rows:
        list_prices[sku_id] = to_money(list_price)
        if price_list_id is not None:
            specificity = _specificity(has_level=list_level_id is not None, has_shop=list_shop_id is not None)
            tiers[sku_id].append(_Tier(price_list_id, specificity, min_quantity, to_money(unit_price)))
    for candidates in tiers.values():
        # Best first: the most specific list, the newest of equals, its highest tier.
        candidates.sort(key=lambda tier: (-tier.specificity, -tier.price_list_id, -tier.min_quantity))
    quotes = []
    for request in requests:
        if request.sku_id not in list_prices:
            raise NotFound(_("No SKU with id %(id)s.") % {"id": request.sku_id}, details={"sku_id": request.sku_id})
        quotes.append(_quote(list_prices[request.sku_id], tiers.get(request.sku_id, []), request.quantity))
    return quotes


def _scope_condition(*, level_id: int | None, shop_id: int | None, at: datetime) -> Q:
    prefix = "price_list_items__price_list__"
    condition = (
        Q(**{f"{prefix}is_active": True})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": at}))
        & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": at}))
    )
    every_shop = Q(**{f"{prefix}shop_id__isnull": True})
    condition &= every_shop | Q(**{f"{prefix}shop_id": shop_id}) if shop_id is not None else every_shop
    everyone = Q(**{f"{prefix}level_id__isnull": True})
    condition &= everyone | Q(**{f"{prefix}level_id": level_id}) if level_id is not None else everyone
    return condition


def _quote(list_price: Decimal, candidates: list[_Tier], quantity: int) -> PriceQuote:
    for tier in candidates:
        if tier.min_quantity <= quantity:
            return PriceQuote(tier.unit_price, "price_list", tier.price_list_id, tier.min_quantity)
    return PriceQuote(list_price, "list")


def expected_unit_price(
    *, sku: Sku, quantity: int, level_id: int | None, shop_id: int | None, at: datetime | None = None
) -> PriceQuote:
    """The expected unit price of one line; see expected_unit_prices."""
    return expected_unit_prices([PriceRequest(sku.pk, quantity)], level_id=level_id, shop_id=shop_id, at=at)[0]


def price_matches(line_unit_price: Decimal, quote: PriceQuote) -> bool:
    """Whether a line's unit price is the quoted one, to the cent."""
    return to_money(line_unit_price) == to_money(quote.unit_price)


def get_price_list(*, price_list_id: int, actor: User | None) -> PriceList:
    require(actor, "catalog.view")
    found = (
        PriceList.objects.select_related("shop", "level")
        .prefetch_related("items__sku")
        .filter(pk=price_list_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No price list %(id)s.") % {"id": price_list_id}, details={"id": price_list_id})
    return found


def price_lists(*, actor: User | None) -> list[PriceList]:
    require(actor, "catalog.view")
    return list(PriceList.objects.select_related("shop", "level").prefetch_related("items__sku").order_by("pk"))
