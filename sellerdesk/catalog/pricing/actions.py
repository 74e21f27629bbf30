"""Writes of price lists: create, replace (with all their tiers) and delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import PriceList, PriceListItem, Sku
from sellerdesk.core import dates
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import to_money
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import CustomerLevel
from sellerdesk.shops.models import Shop

MAX_TIERS = 1000


@dataclass(frozen=True)
class TierDraft:
    sku_code: str
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PriceListDraft:
    """A whole price list as sent: `shop_code` / `level_code` empty mean every shop / customer."""

    name: str
    shop_code: str = ""
    level_code: str = ""
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    is_active: bool = True
    items: list[TierDraft] = field(default_factory=list)


@dataclass(frozen=True)
class _Resolved:
    shop: Shop | None
    level: CustomerLevel | None
    skus: dict[str, Sku]


def _resolve(draft: PriceListDraft) -> _Resolved:
    """The draft's shop, level and SKUs, or a ValidationFailed naming every bad field."""
    errors: dict[str, str] = {}
    name = draft.name.strip()
    if not name or len(name) > 100:
        errors["name"] = _("enter a name of at most 100 characters")
    shop = None
    if draft.shop_code:
        shop = Shop.objects.filter(code=draft.shop_code).first()
        if shop is None:
            errors["shop"] = _("unknown shop %(code)s") % {"code": draft.shop_code}
    level = None
    if draft.level_code:
        # A level of the list's shop wins over a global level with the same code.
        candidates = CustomerLevel.objects.filter(code=draft.level_code).filter(
            Q(shop__isnull=True) | Q(shop__code=draft.shop_code) if draft.shop_code else Q(shop__isnull=True)
        )
        level = min(candidates, key=lambda found: found.shop_id is None, default=None)
        if level is None:
            errors["level"] = _("unknown customer level %(code)s for this shop") % {"code": draft.level_code}
    # A year such as 568 is a slip, and would be shown with that year's offset (core.dates).
    bad_dates = {}
    for name, moment in (("valid_from", draft.valid_from), ("valid_to", draft.valid_to)):
        try:
            if moment is not None:
                dates.check_datetime(moment)
        except dates.NotADate as error:
            bad_dates[name] = str(error)
    errors.update(bad_dates)
    if not bad_dates and draft.valid_from and draft.valid_to and draft.valid_to <= draft.valid_from:
        errors["valid_to"] = _("must be after valid_from")
    if len(draft.items) > MAX_TIERS:
        errors["items"] = _("at most %(count)d tiers") % {"count": MAX_TIERS}
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in={item.sku_code for item in draft.items})}
    first_of_tier: dict[tuple[str, int], int] = {}
    for index, item in enumerate(draft.items):
        if item.sku_code not in skus:
            errors[f"items[{index}].sku"] = _("unknown SKU %(code)s") % {"code": item.sku_code}
        if item.min_quantity < 1:
            errors[f"items[{index}].min_quantity"] = _("must be at least 1")
        elif (item.sku_code, item.min_quantity) in first_of_tier:
            errors[f"items[{index}].min_quantity"] = _(
                "items[%(other)d] has a tier of %(sku)s from %(quantity)d already"
            ) % {
                "other": first_of_tier[(item.sku_code, item.min_quantity)],
                "sku": item.sku_code,
                "quantity": item.min_quantity,
            }
        else:
            first_of_tier[(item.sku_code, item.min_quantity)] = index
        if not item.unit_price.is_finite() or item.unit_price < 0:
            errors[f"items[{index}].unit_price"] = _("must not be negative")
        elif item.unit_price != item.unit_price.quantize(Decimal("0.01")):
            errors[f"items[{index}].unit_price"] = _("at most 2 decimal places")
    if errors:
        raise ValidationFailed(errors)
    return _Resolved(shop, level, skus)


def _write_items(price_list: PriceList, draft: PriceListDraft, skus: dict[str, Sku]) -> None:
    PriceListItem.objects.bulk_create(
        [
            PriceListItem(
                price_list=price_list,
                sku=skus[item.sku_code],
                min_quantity=item.min_quantity,
                unit_price=to_money(item.unit_price),
            )
            for item in draft.items
        ]
    )


def create_price_list(*, actor: User | None, draft: PriceListDraft) -> PriceList:
    """A new price list with its tiers. Every field is checked first: an unknown shop,
    level or SKU, a tier below 1 or doubled, a negative price, or a validity that ends
    before it starts is a ValidationFailed naming the field, and nothing is written."""
    require(actor, "prices.edit")
    resolved = _resolve(draft)
    with transaction.atomic():
        price_list = PriceList.objects.create(
            name=draft.name.strip(),
            shop=resolved.shop,
            level=resolved.level,
            valid_from=draft.valid_from,
            valid_to=draft.valid_to,
            is_active=draft.is_active,
        )
        _write_items(price_list, draft, resolved.skus)
    return price_list


def replace_price_list(*, actor: User | None, price_list: PriceList, draft: PriceListDraft) -> PriceList:
    """The price list made exactly as `draft` says, its tiers replaced; checked as in
    create_price_list, and nothing changes when a check fails."""
    require(actor, "prices.edit")
    resolved = _resolve(draft)
    with transaction.atomic():
        price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
        price_list.name = draft.name.strip()
        price_list.shop = resolved.shop
        price_list.level = resolved.level
        price_list.valid_from = draft.valid_from
        price_list.valid_to = draft.valid_to
        price_list.is_active = draft.is_active
        price_list.save()
        price_list.items.all().delete()
        _write_items(price_list, draft, resolved.skus)
    return price_list


def delete_price_list(*, actor: User | None, price_list: PriceList) -> None:
    require(actor, "prices.edit")
    with transaction.atomic():
        PriceList.objects.filter(pk=price_list.pk).delete()
