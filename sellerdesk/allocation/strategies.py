"""Allocation strategies: which warehouse ships an order. Pure functions of the order's
needs and the stock, registered by name (`Shop.allocation_strategy`), so a test can
check the whole rule table without a database and a shop can plug in its own.

`region_priority` (the default):

1. the warehouses serving the address's province (`Warehouse.serves`) that have every
   line, counting the units the order itself already holds there; the lowest
   `priority` wins (then the lowest id);
2. otherwise any warehouse that has every line, by priority;
3. otherwise, when every line can be placed whole in some warehouse, a split: each
   line (by position) goes to the first warehouse in the same preference order that
   still has room for it, and the order is split into one part per warehouse;
4. otherwise a stockout: the order waits at the warehouse (in preference order) that
   can hold the most of its units; what it has there stays reserved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.inventory.queries import WarehouseInfo


@dataclass(frozen=True)
class NeedLine:
    """A line to allocate: `reserved` units of it are held at `warehouse_id` already."""

    line_id: int
    sku_id: int
    quantity: int
    warehouse_id: int | None = None
    reserved: int = 0


@dataclass(frozen=True)
class AllocationContext:
    province: str
    lines: Sequence[NeedLine]
    warehouses: Sequence[WarehouseInfo]
    # Units free for ordinary orders per (sku_id, warehouse_id), not counting this order's own.
    free: dict[tuple[int, int], int]


@dataclass(frozen=True)
class Plan:
    """`kind` is "single" (every line from `warehouse_id`), "split" (`parts`: warehouse id
    → line ids) or "short" (wait at `warehouse_id`, `short` units missing per line id)."""

    kind: str
    warehouse_id: int | None = None
    parts: dict[int, list[int]] = field(default_factory=dict)
    short: dict[int, int] = field(default_factory=dict)


Strategy = Callable[[AllocationContext], Plan]
_STRATEGIES: dict[str, Strategy] = {}


def register(name: str) -> Callable[[Strategy], Strategy]:
    def add(function: Strategy) -> Strategy:
        _STRATEGIES[name] = function
        return function

    return add


def get_strategy(name: str) -> Strategy:
    try:
        return _STRATEGIES[name or "region_priority"]
    except KeyError:
        raise ValidationFailed(
            {"allocation_strategy": _("unknown allocation strategy %(name)s") % {"name": name}}
        ) from None


def strategy_names() -> list[str]:
    return sorted(_STRATEGIES)


# The built-in strategies' names for people; a plugged-in one without a label shows its code.
_LABELS = {
    "region_priority": gettext_lazy(
        "Nearest warehouse first: one serving the address with every line, else by priority"
    ),
    "priority_only": gettext_lazy("By priority only: the first warehouse with every line, wherever the address is"),
}


def strategy_label(name: str) -> str:
    """The strategy's name for people, in the active language."""
    return str(_LABELS.get(name, name))


def capacity(context: AllocationContext, warehouse_id: int) -> dict[int, int]:
    """Units of each SKU the order could take at a warehouse: free plus its own there."""
    room: dict[int, int] = {}
    for line in context.lines:
        if line.sku_id not in room:
            room[line.sku_id] = context.free.get((line.sku_id, warehouse_id), 0)
        if line.warehouse_id == warehouse_id:
            room[line.sku_id] += line.reserved
    return room


def _has_every_line(context: AllocationContext, warehouse_id: int) -> bool:
    room = capacity(context, warehouse_id)
    needed: dict[int, int] = {}
    for line in context.lines:
        needed[line.sku_id] = needed.get(line.sku_id, 0) + line.quantity
    return all(room[sku_id] >= quantity for sku_id, quantity in needed.items())


def preference(context: AllocationContext) -> list[WarehouseInfo]:
    """Serving warehouses first, each group by priority, then id."""
    return sorted(context.warehouses, key=lambda w: (not w.serves(context.province), w.priority, w.id))


@register("region_priority")
def region_priority(context: AllocationContext) -> Plan:
    ordered = preference(context)
    for warehouse in ordered:
        if _has_every_line(context, warehouse.id):
            return Plan("single", warehouse_id=warehouse.id)
    rooms = {warehouse.id: capacity(context, warehouse.id) for warehouse in ordered}
    parts: dict[int, list[int]] = {}
    for line in sorted(context.lines, key=lambda line: line.line_id):
        for warehouse in ordered:
            if rooms[warehouse.id][line.sku_id] >= line.quantity:
                rooms[warehouse.id][line.sku_id] -= line.quantity
                parts.setdefault(warehouse.id, []).append(line.line_id)
                break
        else:
            return _short_plan(context, ordered)
    return Plan("split", parts=parts)


def _short_plan(context: AllocationContext, ordered: list[WarehouseInfo]) -> Plan:
    best: tuple[int, int] | None = None
    best_short: dict[int, int] = {}
    for index, warehouse in enumerate(ordered):
        room = capacity(context, warehouse.id)
        covered = 0
        short: dict[int, int] = {}
        for line in sorted(context.lines, key=lambda line: line.line_id):
            take = min(line.quantity, room[line.sku_id])
            room[line.sku_id] -= take
            covered += take
            if take < line.quantity:
                short[line.line_id] = line.quantity - take
        if best is None or covered > best[0]:
            best, best_short = (covered, index), short
    if best is None:
        return Plan("short", warehouse_id=None, short={line.line_id: line.quantity for line in context.lines})
    return Plan("short", warehouse_id=ordered[best[1]].id, short=best_short)


@register("priority_only")
def priority_only(context: AllocationContext) -> Plan:
    """Ignore regions: the lowest-priority warehouse with every line, else as region_priority."""
    flat = AllocationContext(
        "", context.lines, [WarehouseInfo(w.id, w.priority) for w in context.warehouses], context.free
    )
    return region_priority(flat)
