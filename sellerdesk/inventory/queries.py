from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from sellerdesk.inventory.models import StockLevel


@dataclass(frozen=True)
class StockFigures:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def stock_of(sku_id: int) -> StockFigures:
    """Stock of a SKU summed over all warehouses."""
    sums = StockLevel.objects.filter(sku_id=sku_id).aggregate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    return StockFigures(on_hand=sums["on_hand"] or 0, reserved=sums["reserved"] or 0)


def stock_by_sku(sku_ids: list[int]) -> dict[int, StockFigures]:
    rows = (
        StockLevel.objects.filter(sku_id__in=sku_ids)
        .values("sku_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    )
    return {row["sku_id"]: StockFigures(row["on_hand"], row["reserved"]) for row in rows}
