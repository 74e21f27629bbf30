"""Reads of waves: the pick list (拣货单) in route order, the sort list (分拣单) per order
slot, the steps and their times, and the waves themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment.models import PickLine, Wave, WaveOrder, WaveStep
from sellerdesk.fulfilment.waves import UNBINNED_ROUTE

VIEW = "orders.view"


def get_wave(*, number: str, actor: User | None) -> Wave:
    require(actor, VIEW)
    wave = None
    if "\x00" not in number:
        wave = Wave.objects.select_related("warehouse", "created_by", "picked_by").filter(number=number).first()
    if wave is None:
        raise NotFound(_("No wave %(number)s.") % {"number": number}, details={"number": number})
    return wave


def recent_waves(*, actor: User | None, limit: int = 50) -> QuerySet[Wave]:
    require(actor, VIEW)
    return Wave.objects.select_related("warehouse").order_by("-created_at", "-pk")[:limit]


@dataclass(frozen=True)
class PickStop:
    """One stop on the route: a bin (None: not in a bin), a SKU and the units in all."""

    bin_id: int | None
    bin_code: str
    zone: str
    sku_id: int
    sku_code: str
    sku_name: str
    attributes: str
    barcode: str
    quantity: int
    picked_quantity: int | None


def _attributes(value: object) -> str:
    return " ".join(f"{key}:{item}" for key, item in value.items()) if isinstance(value, dict) else ""


def pick_list(wave: Wave) -> list[PickStop]:
    """The wave's units summed per bin and SKU, in route order (units not in a bin last)."""
    rows = (
        PickLine.objects.filter(wave=wave)
        .values(
            "bin_id", "bin__code", "bin__zone", "route_order", "sku_id", "sku__code", "sku__name", "sku__attributes"
        )
        .annotate(total=Sum("quantity"), picked=Sum("picked_quantity"))
        .order_by("route_order", "bin__code", "sku__code")
    )
    barcodes = dict(
        PickLine.objects.filter(wave=wave).values_list("sku_id", "sku__barcode").distinct().order_by("sku_id")
    )
    return [
        PickStop(
            bin_id=row["bin_id"],
            bin_code=row["bin__code"] or (_("not in a bin") if row["route_order"] == UNBINNED_ROUTE else ""),
            zone=row["bin__zone"] or "",
            sku_id=row["sku_id"],
            sku_code=row["sku__code"],
            sku_name=row["sku__name"],
            attributes=_attributes(row["sku__attributes"]),
            barcode=barcodes.get(row["sku_id"]) or "",
            quantity=row["total"],
            picked_quantity=row["picked"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class SortItem:
    sku_code: str
    sku_name: str
    attributes: str
    quantity: int


@dataclass
class SortSlot:
    """What goes into one order's slot (basket) when the wave is sorted."""

    slot: int
    order_number: str
    order_status: str
    buyer_name: str
    carrier: str
    status_label: str = ""
    items: list[SortItem] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(item.quantity for item in self.items)


def sort_list(wave: Wave) -> list[SortSlot]:
    slots: dict[int, SortSlot] = {}
    for entry in WaveOrder.objects.filter(wave=wave).select_related("order").order_by("slot"):
        slots[entry.pk] = SortSlot(
            entry.slot,
            entry.order.number,
            entry.order.status,
            entry.order.buyer_name,
            entry.carrier,
            str(entry.order.get_status_display()),
        )
    rows = (
        PickLine.objects.filter(wave=wave)
        .values("entry_id", "sku__code", "sku__name", "sku__attributes")
        .annotate(total=Sum("quantity"))
        .order_by("entry_id", "sku__code")
    )
    for row in rows:
        slots[row["entry_id"]].items.append(
            SortItem(row["sku__code"], row["sku__name"], _attributes(row["sku__attributes"]), row["total"])
        )
    return sorted(slots.values(), key=lambda slot: slot.slot)


def steps(wave: Wave) -> list[WaveStep]:
    return list(WaveStep.objects.filter(wave=wave).select_related("worker").order_by("started_at", "pk"))


def current_entry(order_id: int) -> WaveOrder | None:
    """The order's place in its latest wave."""
    return (
        WaveOrder.objects.select_related("wave", "order")
        .filter(order_id=order_id)
        .order_by("-wave__created_at", "-pk")
        .first()
    )
