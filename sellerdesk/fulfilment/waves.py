"""Which allocated orders go into a wave (波次), and where their units are picked from.

The rules are data (`WaveRules`): a carrier, a cut-off time, single-item orders
together (or only multi-item ones), a zone, and the most orders and items a wave may
hold. `plan_wave` reads, never writes: the preview shows its plan, and creating a wave
(fulfilment.actions.create_wave) makes the same plan again under locks and writes it.

Units are assigned to bins in route order (`Bin.route_order`, then the bin code) from
what the bins hold (`BinStock`), less what orders already being picked or packed will
take from them (their pick lines; the bins go down only when those orders ship). Units
on hand but not in any bin are picked last, from the receiving area (bin None).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.fulfilment.models import PickLine
from sellerdesk.fulfilment.states import ORDERS_IN_WAREHOUSE, ORDERS_TO_PICK
from sellerdesk.inventory.models import Bin, BinStock, Warehouse
from sellerdesk.logistics.choice import choose_carrier
from sellerdesk.orders.models import Order, OrderLine

# Where the units not put away in a bin sort: after every bin on the route.
UNBINNED_ROUTE = 2_000_000_000
MAX_WAVE_ORDERS = 1000
SINGLE_ITEM_CHOICES = ("any", "only", "exclude")
# Statuses whose pick lines still hold units in the bins (they leave the bins on shipping).
IN_FLIGHT = ORDERS_IN_WAREHOUSE


@dataclass(frozen=True)
class WaveRules:
    """How a wave is built. Empty values leave a rule out."""

    carrier: str = ""  # only orders going with this carrier (the agent's choice, else the rules')
    cutoff: datetime | None = None  # only orders paid (or placed, when unpaid COD) by then
    single_item: str = "any"  # any | only (single-item orders together) | exclude
    zone: str = ""  # only orders whose every unit is in bins of this zone
    max_orders: int = 50
    max_items: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat() if self.cutoff else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WaveRules:
        cutoff = data.get("cutoff")
        return cls(
            carrier=data.get("carrier", ""),
            cutoff=parse_datetime(cutoff) if isinstance(cutoff, str) else cutoff,
            single_item=data.get("single_item", "any"),
            zone=data.get("zone", ""),
            max_orders=data.get("max_orders", 50),
            max_items=data.get("max_items"),
        )


def check_rules(rules: WaveRules) -> None:
    bad: dict[str, str] = {}
    if rules.single_item not in SINGLE_ITEM_CHOICES:
        bad["single_item"] = _("one of %(values)s") % {"values": ", ".join(SINGLE_ITEM_CHOICES)}
    if isinstance(rules.max_orders, bool) or not 1 <= rules.max_orders <= MAX_WAVE_ORDERS:
        bad["max_orders"] = _("between 1 and %(max)s") % {"max": MAX_WAVE_ORDERS}
    if rules.max_items is not None and (isinstance(rules.max_items, bool) or not 1 <= rules.max_items <= 100_000):
        bad["max_items"] = _("between 1 and 100000")
    if rules.cutoff is not None and rules.cutoff.tzinfo is None:
        bad["cutoff"] = _("give the time with its offset")
    if len(rules.carrier) > 20:
        bad["carrier"] = _("at most %(limit)s characters") % {"limit": 20}
    if len(rules.zone) > 20:
        bad["zone"] = _("at most %(limit)s characters") % {"limit": 20}
    if bad:
        raise ValidationFailed(bad)


@dataclass(frozen=True)
class Assignment:
    """Units of one order line taken from one bin (None: not in a bin)."""

    order_line_id: int
    sku_id: int
    bin_id: int | None
    route_order: int
    quantity: int


@dataclass
class PlannedOrder:
    order_id: int
    number: str
    items: int
    carrier: str
    assignments: list[Assignment] = field(default_factory=list)


@dataclass
class WavePlan:
    warehouse: Warehouse
    rules: WaveRules
    orders: list[PlannedOrder]
    # Allocated orders of the warehouse the rules looked at, and why the others were left out.
    considered: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def order_count(self) -> int:
        return len(self.orders)

    @property
    def item_count(self) -> int:
        return sum(order.items for order in self.orders)


def _supply(warehouse_id: int, sku_ids: Iterable[int], *, exclude_order_ids: Sequence[int] = ()) -> dict[int, Any]:
    """Free units per SKU, bin by bin in route order: [bin id, route order, zone, free]."""
    sku_ids = sorted(set(sku_ids))
    if not sku_ids:
        return {}
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    in_flight = (
        PickLine.objects.filter(
            sku_id__in=sku_ids,
            bin__warehouse_id=warehouse_id,
            entry__order__status__in=IN_FLIGHT,
        )
        .exclude(entry__order_id__in=list(exclude_order_ids))
        .values_list("bin_id", "sku_id", "quantity")
    )
    for bin_id, sku_id, quantity in in_flight:
        claimed[(bin_id, sku_id)] += quantity
    supply: dict[int, list[list[Any]]] = defaultdict(list)
    rows = (
        BinStock.objects.filter(sku_id__in=sku_ids, bin__warehouse_id=warehouse_id, bin__is_active=True, quantity__gt=0)
        .order_by("bin__route_order", "bin__code")
        .values_list("sku_id", "bin_id", "bin__route_order", "bin__zone", "quantity")
    )
    for sku_id, bin_id, route_order, zone, quantity in rows:
        free = quantity - claimed.get((bin_id, sku_id), 0)
        if free > 0:
            supply[sku_id].append([bin_id, route_order, zone, free])
    return supply


def _assign(
    lines: Sequence[tuple[int, int, int]], supply: dict[int, list[list[Any]]], zone: str
) -> list[Assignment] | None:
    """Take the lines' units from the bins in route order; None (and nothing taken) when
    a zone is asked for and some unit is outside it."""
    taken: list[tuple[list[Any], int]] = []
    assignments: list[Assignment] = []
    for line_id, sku_id, quantity in lines:
        left = quantity
        for row in supply.get(sku_id, ()):
            if left == 0:
                break
            free = row[3] - sum(amount for taken_row, amount in taken if taken_row is row)
            if free <= 0:
                continue
            amount = min(free, left)
            taken.append((row, amount))
            assignments.append(Assignment(line_id, sku_id, row[0], row[1], amount))
            left -= amount
        if left:
            assignments.append(Assignment(line_id, sku_id, None, UNBINNED_ROUTE, left))
    if zone:
        zones = {row[2] for row, _amount in taken}
        if any(assignment.bin_id is None for assignment in assignments) or zones - {zone}:
            return None
    for row, amount in taken:
        row[3] -= amount
    return assignments


def candidate_orders(warehouse: Warehouse, rules: WaveRules) -> list[tuple[int, str, str]]:
    """(id, number, carrier) of allocated orders of the warehouse within the cut-off, oldest first."""
    orders = Order.objects.filter(status__in=ORDERS_TO_PICK, warehouse=warehouse).annotate(
        ready_at=Coalesce("paid_at", "approved_at", "created_at")
    )
    if rules.cutoff is not None:
        orders = orders.filter(ready_at__lte=rules.cutoff)
    return list(orders.order_by("ready_at", "pk").values_list("pk", "number", "carrier"))


def _carrier_of(order_id: int, agreed: str) -> str:
    """The carrier an agent recorded on the order, else the shop's rules' choice."""
    if agreed:
        return agreed

    order = Order.objects.select_related("shop").get(pk=order_id)
    chosen = choose_carrier(order).carrier
    return chosen.code if chosen else ""


def plan_wave(
    *, warehouse: Warehouse, rules: WaveRules, only_order_ids: Sequence[int] | None = None, chunk: int = 2000
) -> WavePlan:
    """The orders the rules take, oldest first, and where each unit is picked from."""
    check_rules(rules)
    candidates = candidate_orders(warehouse, rules)
    if only_order_ids is not None:
        wanted = set(only_order_ids)
        candidates = [row for row in candidates if row[0] in wanted]
    plan = WavePlan(warehouse=warehouse, rules=rules, orders=[], considered=len(candidates))
    left_out: dict[str, int] = defaultdict(int)
    items_so_far = 0
    supply: dict[int, Any] = {}
    for start in range(0, len(candidates), chunk):
        if len(plan.orders) >= rules.max_orders:
            break
        batch = candidates[start : start + chunk]
        lines: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for line_id, order_id, sku_id, reserved in (
            OrderLine.objects.filter(order_id__in=[row[0] for row in batch], reserved_quantity__gt=0)
            .filter(Q(warehouse=warehouse) | Q(warehouse__isnull=True))
            .order_by("order_id", "position")
            .values_list("pk", "order_id", "sku_id", "reserved_quantity")
        ):
            lines[order_id].append((line_id, sku_id, reserved))
        new_skus = {sku_id for order_lines in lines.values() for _l, sku_id, _q in order_lines} - set(supply)
        fresh = _supply(warehouse.pk, new_skus)
        for sku_id in new_skus:
            supply[sku_id] = fresh.get(sku_id, [])
        for order_id, number, agreed_carrier in batch:
            if len(plan.orders) >= rules.max_orders:
                break
            order_lines = lines.get(order_id, [])
            items = sum(quantity for _l, _s, quantity in order_lines)
            if not items:
                left_out["nothing_to_pick"] += 1
                continue
            if rules.single_item == "only" and items != 1:
                left_out["single_item"] += 1
                continue
            if rules.single_item == "exclude" and items == 1:
                left_out["single_item"] += 1
                continue
            if rules.max_items is not None and items_so_far + items > rules.max_items:
                left_out["max_items"] += 1
                continue
            carrier = agreed_carrier
            if rules.carrier:
                carrier = _carrier_of(order_id, agreed_carrier)
                if carrier != rules.carrier:
                    left_out["carrier"] += 1
                    continue
            assignments = _assign(order_lines, supply, rules.zone)
            if assignments is None:
                left_out["zone"] += 1
                continue
            plan.orders.append(PlannedOrder(order_id, number, items, carrier, assignments))
            items_so_far += items
    plan.left_out = dict(left_out)
    return plan


def bins_by_id(bin_ids: Iterable[int | None]) -> dict[int, Bin]:
    ids = {bin_id for bin_id in bin_ids if bin_id is not None}
    return {found.pk: found for found in Bin.objects.filter(pk__in=ids)} if ids else {}


__all__ = ["WavePlan", "WaveRules", "check_rules", "plan_wave"]
