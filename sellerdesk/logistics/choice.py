"""Carrier choice (选快递) per shop, by rules, with the reason in words.

For an order: every active carrier the shop uses is checked against the address
(coverage, 超区), cash on delivery, and its heaviest parcel; the carriers left are
priced from the cost table (first weight + each additional kilogram, by province) and
ranked by the shop's preference (cheapest or fastest). The carrier the buyer asked for
(order.instructions.preferred_carrier) wins when it passes the checks and the shop
honours such requests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from sellerdesk.core.addresses import canonical_division
from sellerdesk.core.errors import Conflict
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.logistics.models import Carrier, CarrierRate, ChoiceStrategy, LogisticsSettings
from sellerdesk.logistics.queries import can_reach
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop


@dataclass(frozen=True)
class Option:
    carrier: Carrier
    is_eligible: bool
    why_not: str  # empty when eligible
    cost: Decimal | None  # None: no price in the cost table
    transit_days: int


@dataclass(frozen=True)
class Choice:
    carrier: Carrier | None
    reason: str
    alternatives: list[Option]
    weight_grams: int


def settings_for(shop: Shop) -> LogisticsSettings:
    found, _created = LogisticsSettings.objects.get_or_create(shop=shop)
    return found


def order_weight(order: Order) -> int:
    """Grams: the SKUs' weights times the quantities (a SKU without a weight counts 0)."""
    return sum((line.sku.weight_grams or 0) * line.quantity for line in order.lines.select_related("sku"))


def price(rate: CarrierRate, weight_grams: int) -> Decimal:
    extra_kg = max(0, math.ceil((weight_grams - rate.first_weight_grams) / 1000))
    return rate.first_price + rate.additional_price_per_kg * extra_kg


def rates_by_carrier(province: str) -> dict[int, CarrierRate]:
    """Each carrier's rate for the province: the province's own row, else its blank (default) row."""
    area = canonical_division(province)
    name = area.province if area else province
    chosen: dict[int, CarrierRate] = {}
    for rate in CarrierRate.objects.filter(province__in=[name, ""]).order_by("carrier_id", "-province"):
        chosen.setdefault(rate.carrier_id, rate)
    return chosen


def _options(order: Order, weight: int, shop_settings: LogisticsSettings) -> list[Option]:
    needs_cod = order.payment_method == "cod"
    rates = rates_by_carrier(order.province)
    disabled = set(shop_settings.disabled_carriers or [])
    options = []
    for carrier in Carrier.objects.filter(is_active=True).order_by("code"):
        rate = rates.get(carrier.pk)
        cost = price(rate, weight) if rate else None
        why_not = ""
        if carrier.code in disabled:
            why_not = _("not used by this shop")
        elif not can_reach(carrier, order.province, order.city, order.district):
            why_not = _("does not deliver to %(area)s (超区)") % {
                "area": f"{order.province}{order.city}{order.district}"
            }
        elif needs_cod and not carrier.supports_cod:
            why_not = _("does not collect cash on delivery")
        elif carrier.max_weight_grams is not None and weight > carrier.max_weight_grams:
            why_not = _("carries at most %(max)s g; the parcel weighs %(weight)s g") % {
                "max": carrier.max_weight_grams,
                "weight": weight,
            }
        options.append(Option(carrier, not why_not, why_not, cost, carrier.transit_days))
    return options


def _rank_key(option: Option, strategy: str) -> tuple[Decimal, Decimal, Decimal, str]:
    unpriced = Decimal(1 if option.cost is None else 0)
    cost = option.cost if option.cost is not None else Decimal("0")
    days = Decimal(option.transit_days)
    if strategy == ChoiceStrategy.FASTEST:
        return (days, unpriced, cost, option.carrier.code)
    return (unpriced, cost, days, option.carrier.code)


def _describe(option: Option) -> str:
    cost = _("¥%(cost)s") % {"cost": option.cost} if option.cost is not None else _("no price in the cost table")
    return _("%(carrier)s: %(cost)s, about %(days)s day(s)") % {
        "carrier": option.carrier.name,
        "cost": cost,
        "days": option.transit_days,
    }


def choose_carrier(order: Order, *, actor: User | None = None) -> Choice:
    """The carrier for an order and why; `carrier` None with the reason when none fits."""
    require(actor, "logistics.view")
    shop_settings = settings_for(order.shop)
    weight = order_weight(order)
    options = _options(order, weight, shop_settings)
    eligible = sorted((o for o in options if o.is_eligible), key=lambda o: _rank_key(o, shop_settings.strategy))
    ranked = eligible + [o for o in options if not o.is_eligible]
    requested = order.buyer_instructions.preferred_carrier
    requested_option = next((o for o in options if o.carrier.code == requested), None)
    prefix = ""
    if requested and shop_settings.honour_requested_carrier:
        if requested_option is not None and requested_option.is_eligible:
            reason = _("The buyer asked for %(carrier)s. %(details)s.") % {
                "carrier": requested_option.carrier.name,
                "details": _describe(requested_option),
            }
            return Choice(requested_option.carrier, reason, ranked, weight)
        why = requested_option.why_not if requested_option else _("not a carrier of this shop")
        prefix = _("The buyer asked for %(carrier)s, but it %(why)s. ") % {
            "carrier": requested_option.carrier.name if requested_option else requested,
            "why": why,
        }
    if not eligible:
        reason = prefix + _("No carrier fits: %(reasons)s.") % {
            "reasons": "; ".join(f"{o.carrier.name} {o.why_not}" for o in options) or _("no active carrier")
        }
        return Choice(None, reason, ranked, weight)
    best = eligible[0]
    why_best = (
        _("Fastest of %(count)s carriers that fit") if shop_settings.strategy == ChoiceStrategy.FASTEST else None
    ) or _("Cheapest of %(count)s carriers that fit")
    reason = prefix + (why_best % {"count": len(eligible)}) + " — " + _describe(best) + "."
    if order.payment_method == "cod":
        reason += " " + _("Collects cash on delivery.")
    return Choice(best.carrier, reason, ranked, weight)


def require_choice(order: Order, *, actor: User | None = None) -> Carrier:
    choice = choose_carrier(order, actor=actor)
    if choice.carrier is None:
        raise Conflict("no_carrier", choice.reason, details={"order": order.number})
    return choice.carrier
