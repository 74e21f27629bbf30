"""Purchase suggestions: what to order, from whom, and why.

Per SKU and warehouse the need is worked out from three sources, in this order, each
counting only what the earlier ones and the goods already on order leave uncovered:

1. presale (预售) demand: units of open presale lines not covered by goods in transit
   or by arrived units held for them (a presale line reserves against in-transit units,
   so this appears when a purchase order is cancelled or closed short under it);
2. stockouts (缺货): open shortage rows, beyond the in-transit units presale leaves free;
3. reorder points: when available (less the units held for presale) + the still-free
   in-transit units are at or below the level's reorder point, its reorder quantity (at
   least enough to get above the point).

The quantity is rounded up to the supplier's minimum order, and the lines are grouped by
the SKU's preferred supplier (else its cheapest) and warehouse: one draft purchase order
per group. Nothing here writes; `create_drafts` (in actions) turns the edited groups
into drafts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.orders.models import OrderLine, Shortage
from sellerdesk.orders.states import CLOSING_ACTIONS, OrderAction, OrderStatus, reachable_from
from sellerdesk.purchasing.models import Supplier, SupplierSku

# Orders whose presale lines still count as demand for goods: every status an order passes
# through from placing until the warehouse picks it or it ships, read from the order's table.
PRESALE_DEMAND_STATUSES = reachable_from(
    OrderStatus.UNPAID, without=CLOSING_ACTIONS | {OrderAction.PICK, OrderAction.SHIP}
)


@dataclass(frozen=True)
class Reason:
    source: str  # "presale" | "stockout" | "reorder" | "minimum"
    quantity: int
    text: str


@dataclass
class Suggestion:
    sku: Sku
    warehouse: Warehouse
    supplier: Supplier | None
    quantity: int
    unit_cost: Decimal | None
    min_order_quantity: int
    available: int
    in_transit: int
    reasons: list[Reason] = field(default_factory=list)

    @property
    def why(self) -> str:
        return "; ".join(reason.text for reason in self.reasons)


@dataclass
class SuggestionGroup:
    supplier: Supplier | None  # None: no supplier supplies these SKUs yet
    warehouse: Warehouse
    suggestions: list[Suggestion]

    @property
    def total(self) -> Decimal:
        return sum(((item.unit_cost or Decimal("0.00")) * item.quantity for item in self.suggestions), Decimal("0.00"))


Key = tuple[int, int]  # (sku id, warehouse id)


def _shortages() -> dict[Key, tuple[int, int]]:
    """Open shortage units and the number of orders, per (SKU, warehouse)."""
    fallback = default_warehouse().pk
    units: dict[Key, int] = defaultdict(int)
    orders: dict[Key, set[int]] = defaultdict(set)
    rows = Shortage.objects.filter(resolved_at__isnull=True).values_list(
        "sku_id", "line__warehouse_id", "order__warehouse_id", "order_id", "short_quantity"
    )
    for sku_id, line_warehouse, order_warehouse, order_id, short in rows.iterator():
        key = (sku_id, line_warehouse or order_warehouse or fallback)
        units[key] += short
        orders[key].add(order_id)
    return {key: (units[key], len(orders[key])) for key in units}


def _presale() -> dict[Key, int]:
    fallback = default_warehouse().pk
    demand: dict[Key, int] = defaultdict(int)
    rows = (
        OrderLine.objects.filter(presale_pending=True, order__status__in=PRESALE_DEMAND_STATUSES)
        .values("sku_id", "warehouse_id", "order__warehouse_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in rows:
        demand[(row["sku_id"], row["warehouse_id"] or row["order__warehouse_id"] or fallback)] += row["units"]
    return demand


def compute_suggestions(*, actor: User | None) -> list[SuggestionGroup]:
    """Every SKU that needs ordering, grouped by supplier and warehouse (see the module doc)."""
    require(actor, "purchasing.view")
    shortages = _shortages()
    presale = _presale()
    levels = _stock_levels(shortages, presale)
    keys = set(shortages) | set(presale) | set(levels)
    skus = Sku.objects.in_bulk({sku for sku, _w in keys})
    warehouses = Warehouse.objects.in_bulk({w for _s, w in keys})
    offers = _offers(list(skus))

    suggestions: list[Suggestion] = []
    for key in sorted(keys):
        sku, warehouse = skus.get(key[0]), warehouses.get(key[1])
        if sku is None or warehouse is None or sku.is_dropship:
            continue
        level: StockLevel | None = levels.get(key)
        reasons = _needs(level, presale_units=presale.get(key, 0), shortage=shortages.get(key, (0, 0)))
        if sum(reason.quantity for reason in reasons) <= 0:
            continue
        suggestions.append(_suggestion(sku, warehouse, level, reasons, offers.get(sku.pk, [])))
    return _grouped(suggestions)


def _stock_levels(shortages: dict[Key, tuple[int, int]], presale: dict[Key, int]) -> dict[Key, StockLevel]:
    """The stock rows with a reorder point, and those of every other key with a need."""
    levels = {
        (level.sku_id, level.warehouse_id): level
        for level in StockLevel.objects.filter(reorder_point__isnull=False).select_related("sku", "warehouse")
    }
    keys = set(shortages) | set(presale) | set(levels)
    missing = [key for key in keys if key not in levels]
    for other in StockLevel.objects.filter(
        sku_id__in={sku for sku, _w in missing}, warehouse_id__in={w for _s, w in missing}
    ).select_related("sku", "warehouse"):
        levels.setdefault((other.sku_id, other.warehouse_id), other)
    return levels


def _offers(sku_ids: list[int]) -> dict[int, list[SupplierSku]]:
    """Per SKU, the stock (not dropship) offers of active suppliers."""
    offers: dict[int, list[SupplierSku]] = defaultdict(list)
    for item in SupplierSku.objects.filter(
        sku_id__in=sku_ids, supplier__is_active=True, is_dropship=False
    ).select_related("supplier"):
        offers[item.sku_id].append(item)
    return offers


def _needs(level: StockLevel | None, *, presale_units: int, shortage: tuple[int, int]) -> list[Reason]:
    """Why (and how many) units of one SKU at one warehouse are needed: presale first,
    then stockouts, then the reorder point, each beyond what the earlier ones and the
    units in transit leave uncovered."""
    in_transit = level.in_transit if level else 0
    # Arrived units a presale line waits for are held from ordinary orders.
    available = level.free if level is not None else 0
    held = level.available - available if level is not None else 0
    reasons: list[Reason] = []
    presale_need = max(presale_units - in_transit - held, 0)
    if presale_need:
        reasons.append(
            Reason(
                "presale",
                presale_need,
                _("presale: %(demand)s sold, %(in_transit)s in transit")
                % {
                    "demand": presale_units,
                    "in_transit": in_transit,
                },
            )
        )
    free_in_transit = max(in_transit - presale_units, 0)
    short_units, short_orders = shortage
    short_need = max(short_units - free_in_transit, 0)
    if short_need:
        reasons.append(
            Reason(
                "stockout",
                short_need,
                _("stockout: %(units)s short on %(orders)s orders") % {"units": short_units, "orders": short_orders},
            )
        )
    free_in_transit = max(free_in_transit - short_units, 0)
    if level is not None and level.reorder_point is not None:
        position = max(available, 0) + free_in_transit
        if position <= level.reorder_point:
            reorder_need = max(level.reorder_quantity or 0, level.reorder_point - position + 1)
            reasons.append(
                Reason(
                    "reorder",
                    reorder_need,
                    _("%(position)s available + in transit ≤ reorder point %(point)s")
                    % {
                        "position": position,
                        "point": level.reorder_point,
                    },
                )
            )
    return reasons


def _suggestion(
    sku: Sku, warehouse: Warehouse, level: StockLevel | None, reasons: list[Reason], offers: list[SupplierSku]
) -> Suggestion:
    """The suggestion for a need: from the preferred (else cheapest) offer, rounded up to
    its minimum order."""
    need = sum(reason.quantity for reason in reasons)
    choices = sorted(offers, key=lambda offer: (not offer.is_preferred, offer.cost, offer.pk))
    offer: SupplierSku | None = choices[0] if choices else None
    minimum = offer.min_order_quantity if offer else 1
    if need < minimum:
        reasons.append(Reason("minimum", minimum - need, _("rounded up to the minimum order %(n)s") % {"n": minimum}))
        need = minimum
    return Suggestion(
        sku=sku,
        warehouse=warehouse,
        supplier=offer.supplier if offer else None,
        quantity=need,
        unit_cost=offer.cost if offer else None,
        min_order_quantity=minimum,
        available=level.free if level is not None else 0,
        in_transit=level.in_transit if level else 0,
        reasons=reasons,
    )


def _grouped(suggestions: list[Suggestion]) -> list[SuggestionGroup]:
    """One group per supplier and warehouse, suppliers by name, the unsupplied last."""
    groups: dict[tuple[int, int], SuggestionGroup] = {}
    for suggestion in suggestions:
        group_key = (suggestion.supplier.pk if suggestion.supplier else 0, suggestion.warehouse.pk)
        if group_key not in groups:
            groups[group_key] = SuggestionGroup(suggestion.supplier, suggestion.warehouse, [])
        groups[group_key].suggestions.append(suggestion)
    return sorted(
        groups.values(),
        key=lambda group: (group.supplier is None, group.supplier.name if group.supplier else "", group.warehouse.pk),
    )
