"""Stock counts (盘点): snapshot what the system expects, enter what was counted, post
the differences to the ledger as adjustments.

Posting applies each difference (counted - expected) to on-hand as it is *now*, not
the snapshot: orders shipped while the count ran are not counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import hooks, messages
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import require
from sellerdesk.inventory import events, texts
from sellerdesk.inventory.actions.stock import lock_levels, trim_bins_to_on_hand
from sellerdesk.inventory.hooks import StockShortfall
from sellerdesk.inventory.models import (
    Bin,
    BinStock,
    MovementKind,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Warehouse,
)
from sellerdesk.inventory.states import CountAction, next_count_status

MAX_COUNT = 10_000_000
MAX_COUNT_LINES = 5000


def new_count_number(at: datetime) -> str:
    return dated_number("PD", at)


def _bin_lines(warehouse: Warehouse, bins: list[Bin], skus: list[Sku] | None) -> list[StockCountLine]:
    bad = {
        f"bins[{index}]": _("bin %(bin)s is in another warehouse") % {"bin": bin.code}
        for index, bin in enumerate(bins)
        if bin.warehouse_id != warehouse.pk
    }
    if bad:
        raise ValidationFailed(bad)
    ordered = sorted({bin.pk: bin for bin in bins}.values(), key=lambda bin: (bin.route_order, bin.code))
    rows = BinStock.objects.filter(bin__in=ordered)
    rows = rows.filter(sku__in=skus) if skus is not None else rows.filter(quantity__gt=0)
    held = {(row.bin_id, row.sku_id): row.quantity for row in rows}
    lines = []
    for bin in ordered:
        if skus is not None:
            sku_ids = sorted({sku.pk for sku in skus})
        else:
            sku_ids = sorted(sku_id for bin_id, sku_id in held if bin_id == bin.pk)
        lines += [StockCountLine(bin=bin, sku_id=sku_id, expected=held.get((bin.pk, sku_id), 0)) for sku_id in sku_ids]
    return lines


@transaction.atomic
def start_count(
    *,
    warehouse: Warehouse,
    skus: list[Sku] | None = None,
    bins: list[Bin] | None = None,
    note: str = "",
    actor: User | None,
    at: datetime | None = None,
) -> StockCount:
    """Open a count of a warehouse and snapshot the expected quantities: per SKU (the
    given SKUs, or every SKU the warehouse has a stock row for), or per bin and SKU when
    bins are given (what the bins hold, or the given SKUs in each of those bins)."""
    require(actor, "stock.count")
    if len(note) > 200:
        raise ValidationFailed({"note": _("at most %(limit)s characters") % {"limit": 200}})
    at = at or timezone.now()
    if bins:
        lines = _bin_lines(warehouse, bins, skus)
    else:
        levels = StockLevel.objects.filter(warehouse=warehouse)
        if skus is not None:
            on_hand = dict(levels.filter(sku__in=skus).values_list("sku_id", "on_hand"))
            sku_ids = sorted({sku.pk for sku in skus})
        else:
            rows = levels.filter(on_hand__gt=0) | levels.filter(reserved__gt=0)
            on_hand = dict(rows.values_list("sku_id", "on_hand"))
            sku_ids = list(Sku.objects.filter(pk__in=on_hand).order_by("code").values_list("pk", flat=True))
        lines = [StockCountLine(sku_id=sku_id, expected=on_hand.get(sku_id, 0)) for sku_id in sku_ids]
    if not lines:
        raise ValidationFailed({"skus": _("there is nothing to count: choose SKUs or bins with stock")})
    if len(lines) > MAX_COUNT_LINES:
        raise ValidationFailed({"skus": _("at most %(max)s lines per count") % {"max": MAX_COUNT_LINES}})
    count = StockCount.objects.create(
        number=new_count_number(at), warehouse=warehouse, note=note.strip(), created_at=at, created_by=actor
    )
    for line in lines:
        line.count = count
    StockCountLine.objects.bulk_create(lines)
    events.count_event(count, events.COUNT_STARTED, actor=actor, at=at, lines=len(lines))
    return count


def _locked(count: StockCount, action: CountAction) -> StockCount:
    """The count, locked; InvalidTransition if the table has no `action` from its status."""
    locked = StockCount.objects.select_for_update(no_key=True).get(pk=count.pk)
    next_count_status(locked.status, action)
    return locked


@transaction.atomic
def enter_counts(*, count: StockCount, counted: Mapping[int, int | None], actor: User | None) -> StockCount:
    """Record counted quantities by line id (None clears one). All or nothing: an unknown
    line or a negative count is a ValidationFailed naming `counted.<line id>`."""
    require(actor, "stock.count")
    count = _locked(count, CountAction.COUNT)
    line_ids = set(count.lines.values_list("pk", flat=True))
    bad: dict[str, str] = {}
    for line_id, value in counted.items():
        if line_id not in line_ids:
            bad[f"counted.{line_id}"] = _("no such line in this count")
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT
        ):
            bad[f"counted.{line_id}"] = _("must be a whole number, 0 or more")
    if bad:
        raise ValidationFailed(bad)
    by_value: dict[int | None, list[int]] = defaultdict(list)
    for line_id, value in counted.items():
        by_value[value].append(line_id)
    for value, ids in by_value.items():
        StockCountLine.objects.filter(count=count, pk__in=ids).update(counted=value)
    events.count_event(count, events.COUNTS_ENTERED, actor=actor, at=timezone.now(), lines=len(counted))
    return count


@transaction.atomic
def post_count(*, count: StockCount, actor: User | None, at: datetime | None = None) -> StockCount:
    """Write every difference as an adjustment. Where the count leaves on-hand below
    what is reserved for orders, those orders first give the missing units up (they
    become stockout orders); if they cannot, nothing is posted (Conflict
    `stock_below_reserved`)."""
    require(actor, "stock.count")
    count = _locked(count, CountAction.POST)
    at = at or timezone.now()
    lines = list(count.lines.select_related("sku", "bin"))
    missing = {f"counted.{line.pk}": _("not counted yet") for line in lines if line.counted is None}
    if missing:
        raise ValidationFailed(missing, _("Enter a count for every line before posting."))
    warehouse_id = count.warehouse_id
    changed = [line for line in lines if line.difference]
    deltas: dict[int, int] = defaultdict(int)
    for line in changed:
        deltas[line.sku_id] += line.difference or 0
    _release_shortfalls(count, deltas, actor, at)
    levels = lock_levels([(sku_id, warehouse_id) for sku_id in deltas])
    codes = {line.sku_id: line.sku.code for line in lines}
    movements: list[StockMovement] = []
    for sku_id, delta in sorted(deltas.items()):
        level = levels[(sku_id, warehouse_id)]
        new_on_hand = max(level.on_hand + delta, 0)
        if new_on_hand < level.reserved:
            raise Conflict(
                "stock_below_reserved",
                _("%(reserved)s units of %(sku)s are reserved for orders; on hand cannot go below that.")
                % {"reserved": level.reserved, "sku": codes[sku_id]},
                details={"sku": codes[sku_id], "reserved": level.reserved, "on_hand": new_on_hand},
            )
        actual = new_on_hand - level.on_hand
        if actual:
            StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + actual)
        sku_lines = [line for line in changed if line.sku_id == sku_id]
        if actual == delta:
            movements += [
                _adjustment(count, line.sku_id, line.bin, line.difference or 0, actor, at) for line in sku_lines
            ]
        elif actual:
            movements.append(_adjustment(count, sku_id, None, actual, actor, at))
    for line in changed:
        if line.bin is not None:
            row, _created = BinStock.objects.get_or_create(bin=line.bin, sku_id=line.sku_id)
            # Clamped at 0: units shipped from the bin during the count are gone already.
            BinStock.objects.filter(pk=row.pk).update(quantity=max(row.quantity + (line.difference or 0), 0))
    trim_bins_to_on_hand({(sku_id, warehouse_id) for sku_id in deltas})
    StockMovement.objects.bulk_create(movements)
    count.status, count.posted_at, count.posted_by = next_count_status(count.status, CountAction.POST), at, actor
    count.save(update_fields=["status", "posted_at", "posted_by"])
    events.count_event(count, events.COUNT_POSTED, actor=actor, at=at, adjustments=len(movements))
    return count


def _adjustment(
    count: StockCount, sku_id: int, bin: Bin | None, delta: int, actor: User | None, at: datetime
) -> StockMovement:
    return StockMovement(
        sku_id=sku_id,
        warehouse_id=count.warehouse_id,
        bin=bin,
        kind=MovementKind.ADJUST,
        on_hand_delta=delta,
        document=count.number,
        actor=actor,
        note_data=messages.message(texts.STOCK_COUNT),
        at=at,
    )


def _release_shortfalls(count: StockCount, deltas: Mapping[int, int], actor: User | None, at: datetime) -> None:
    """Orders holding units the count did not find give them up before on-hand drops.
    Called before the stock rows are locked here: releasing locks orders, then stock."""
    falling = [sku_id for sku_id, delta in deltas.items() if delta < 0]
    if not falling:
        return
    levels = StockLevel.objects.filter(warehouse_id=count.warehouse_id, sku_id__in=falling).order_by("sku_id")
    for level in levels:
        shortfall = level.reserved - max(level.on_hand + deltas[level.sku_id], 0)
        if shortfall > 0:
            hooks.emit(
                StockShortfall(
                    sku_id=level.sku_id,
                    warehouse_id=count.warehouse_id,
                    quantity=shortfall,
                    document=count.number,
                    actor=actor,
                    at=at,
                )
            )


@transaction.atomic
def cancel_count(*, count: StockCount, actor: User | None) -> StockCount:
    require(actor, "stock.count")
    count = _locked(count, CountAction.CANCEL)
    count.status = next_count_status(count.status, CountAction.CANCEL)
    count.save(update_fields=["status"])
    events.count_event(count, events.COUNT_CANCELLED, actor=actor, at=timezone.now())
    return count
