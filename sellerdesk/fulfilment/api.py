"""/api/v1: waves (preview, create, read), pick and sort lists, picking steps and the pick
confirmation, the packing check (scans, weight), labels, the scan-out, the intercept, and
the documents as application/pdf. Parse, call one action or query, answer."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from sellerdesk.catalog.models import Sku
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment import actions, documents, packing, picking, shipping
from sellerdesk.fulfilment.models import Wave, WaveOrder
from sellerdesk.fulfilment.waves import WavePlan, WaveRules, bins_by_id, plan_wave
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.api_shipments import ShipmentOut, shipment_out
from sellerdesk.logistics.models import Shipment, ShipmentStatus
from sellerdesk.logistics.states import NOT_BOOKED
from sellerdesk.orders.models import Order
from sellerdesk.orders.queries import get_order

router = Router(tags=["fulfilment"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value) if value else None


# --- waves -------------------------------------------------------------------------------


class WaveRulesIn(Strict):
    warehouse: str | None = Field(
        default=None, min_length=1, max_length=40, description="default: the default warehouse"
    )
    carrier: str = Field(default="", max_length=20, description="only orders going with this carrier")
    cutoff: datetime | None = Field(default=None, description="only orders paid by then")
    single_item: Literal["any", "only", "exclude"] = "any"
    zone: str = Field(default="", max_length=20, description="only orders whose every unit is in this zone")
    max_orders: StrictInt = Field(default=50, ge=1, le=1000)
    max_items: StrictInt | None = Field(default=None, ge=1, le=100_000)


class StopOut(BaseModel):
    bin: str
    zone: str
    sku: str
    name: str
    attributes: str
    barcode: str
    quantity: int
    picked: int | None


class PlannedOrderOut(BaseModel):
    slot: int
    number: str
    items: int
    carrier: str


class PreviewOut(BaseModel):
    warehouse: str
    order_count: int
    item_count: int
    considered: int
    left_out: dict[str, int]
    orders: list[PlannedOrderOut]
    pick_list: list[StopOut]


class WaveOrderOut(BaseModel):
    slot: int
    number: str
    status: str
    carrier: str
    items: int
    checked_at: datetime | None
    packed_at: datetime | None


class StepOut(BaseModel):
    step: str
    worker: str
    started_at: datetime
    finished_at: datetime | None
    seconds: int | None


class WaveOut(BaseModel):
    number: str
    warehouse: str
    mode: str
    status: str
    rules: dict[str, Any]
    order_count: int
    item_count: int
    created_at: datetime
    picked_at: datetime | None
    orders: list[WaveOrderOut]
    steps: list[StepOut]


def _warehouse(code: str | None) -> Warehouse:
    if code is None:
        return default_warehouse()
    found = Warehouse.objects.filter(code=code).first() if "\x00" not in code else None
    if found is None:
        raise ValidationFailed({"warehouse": _("unknown warehouse %(code)s") % {"code": code}})
    return found


def _rules(payload: WaveRulesIn) -> WaveRules:
    return WaveRules(
        carrier=payload.carrier.strip(),
        cutoff=payload.cutoff,
        single_item=payload.single_item,
        zone=payload.zone.strip(),
        max_orders=payload.max_orders,
        max_items=payload.max_items,
    )


def preview_out(plan: WavePlan) -> dict[str, Any]:
    totals: dict[tuple[int | None, int], int] = defaultdict(int)
    routes: dict[int | None, int] = {}
    for planned in plan.orders:
        for assignment in planned.assignments:
            totals[(assignment.bin_id, assignment.sku_id)] += assignment.quantity
            routes[assignment.bin_id] = assignment.route_order
    bins = bins_by_id(routes)

    skus = {sku.pk: sku for sku in Sku.objects.filter(pk__in={sku_id for _b, sku_id in totals})}

    def key(item: tuple[tuple[int | None, int], int]) -> tuple[int, str, str]:
        (bin_id, sku_id), _quantity = item
        return (routes[bin_id], bins[bin_id].code if bin_id in bins else "", skus[sku_id].code)

    return {
        "warehouse": plan.warehouse.code,
        "order_count": plan.order_count,
        "item_count": plan.item_count,
        "considered": plan.considered,
        "left_out": plan.left_out,
        "orders": [
            {"slot": slot, "number": p.number, "items": p.items, "carrier": p.carrier}
            for slot, p in enumerate(plan.orders, start=1)
        ],
        "pick_list": [
            {
                "bin": bins[bin_id].code if bin_id in bins else "",
                "zone": bins[bin_id].zone if bin_id in bins else "",
                "sku": skus[sku_id].code,
                "name": skus[sku_id].name,
                "attributes": skus[sku_id].attributes_text,
                "barcode": skus[sku_id].barcode or "",
                "quantity": quantity,
                "picked": None,
            }
            for (bin_id, sku_id), quantity in sorted(totals.items(), key=key)
        ],
    }


def wave_out(wave: Wave) -> dict[str, Any]:
    entries = WaveOrder.objects.filter(wave=wave).select_related("order").order_by("slot")
    return {
        "number": wave.number,
        "warehouse": wave.warehouse.code,
        "mode": wave.mode,
        "status": wave.status,
        "rules": wave.rules,
        "order_count": wave.order_count,
        "item_count": wave.item_count,
        "created_at": local(wave.created_at),
        "picked_at": local(wave.picked_at),
        "orders": [
            {
                "slot": entry.slot,
                "number": entry.order.number,
                "status": entry.order.status,
                "carrier": entry.carrier,
                "items": entry.item_count,
                "checked_at": local(entry.checked_at),
                "packed_at": local(entry.packed_at),
            }
            for entry in entries
        ],
        "steps": [step_out(step) for step in picking.steps(wave)],
    }


def step_out(step: Any) -> dict[str, Any]:
    return {
        "step": step.step,
        "worker": step.worker.username,
        "started_at": local(step.started_at),
        "finished_at": local(step.finished_at),
        "seconds": step.seconds,
    }


def stop_out(stop: picking.PickStop) -> dict[str, Any]:
    return {
        "bin": stop.bin_code if stop.bin_id is not None else "",
        "zone": stop.zone,
        "sku": stop.sku_code,
        "name": stop.sku_name,
        "attributes": stop.attributes,
        "barcode": stop.barcode,
        "quantity": stop.quantity,
        "picked": stop.picked_quantity,
    }


@router.post("/waves/preview", response={200: PreviewOut, **ERROR_RESPONSES})
def preview_wave(request: HttpRequest, payload: WaveRulesIn) -> Any:
    require(actor_of(request), "orders.view")
    return preview_out(plan_wave(warehouse=_warehouse(payload.warehouse), rules=_rules(payload)))


@router.post("/waves", response={201: WaveOut, **ERROR_RESPONSES})
def create_wave(request: HttpRequest, payload: WaveRulesIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        wave = actions.create_wave(
            warehouse=_warehouse(payload.warehouse), rules=_rules(payload), actor=actor_of(request)
        )
        return 201, wave_out(wave)

    return idempotent(request, produce)


@router.get("/waves", response={200: list[WaveOut], **ERROR_RESPONSES})
def list_waves(request: HttpRequest) -> Any:
    return [wave_out(wave) for wave in picking.recent_waves(actor=actor_of(request))]


def _wave(request: HttpRequest, number: str) -> Wave:
    return picking.get_wave(number=number, actor=actor_of(request))


@router.get("/waves/{number}", response={200: WaveOut, **ERROR_RESPONSES})
def get_wave(request: HttpRequest, number: str) -> Any:
    return wave_out(_wave(request, number))


@router.get("/waves/{number}/pick-list", response={200: list[StopOut], **ERROR_RESPONSES})
def get_pick_list(request: HttpRequest, number: str) -> Any:
    return [stop_out(stop) for stop in picking.pick_list(_wave(request, number))]


class SortItemOut(BaseModel):
    sku: str
    name: str
    attributes: str
    quantity: int


class SortSlotOut(BaseModel):
    slot: int
    order: str
    status: str
    buyer: str
    carrier: str
    items: list[SortItemOut]


@router.get("/waves/{number}/sort-list", response={200: list[SortSlotOut], **ERROR_RESPONSES})
def get_sort_list(request: HttpRequest, number: str) -> Any:
    return [
        {
            "slot": slot.slot,
            "order": slot.order_number,
            "status": slot.order_status,
            "buyer": slot.buyer_name,
            "carrier": slot.carrier,
            "items": [
                {"sku": item.sku_code, "name": item.sku_name, "attributes": item.attributes, "quantity": item.quantity}
                for item in slot.items
            ],
        }
        for slot in picking.sort_list(_wave(request, number))
    ]


@router.post("/waves/{number}/steps/{step}/{move}", response={200: StepOut, **ERROR_RESPONSES})
def wave_step(
    request: HttpRequest, number: str, step: Literal["pick", "sort", "pack"], move: Literal["start", "finish"]
) -> Any:
    wave, actor = _wave(request, number), actor_of(request)
    if move == "start":
        return step_out(actions.start_step(wave=wave, step=step, actor=actor))
    return step_out(actions.finish_step(wave=wave, step=step, actor=actor))


class PickedIn(Strict):
    bin: str = Field(default="", max_length=40, description="blank: units not in a bin")
    sku: str = Field(min_length=1, max_length=64)
    picked: StrictInt = Field(ge=0, le=1_000_000)


class PickConfirmIn(Strict):
    lines: list[PickedIn] = Field(default_factory=list, max_length=5000, description="only the stops picked short")


@router.post("/waves/{number}/pick-confirm", response={200: WaveOut, **ERROR_RESPONSES})
def confirm_pick(request: HttpRequest, number: str, payload: PickConfirmIn) -> Any:
    wave = _wave(request, number)
    stops = {
        (stop.bin_code if stop.bin_id is not None else "", stop.sku_code): stop for stop in picking.pick_list(wave)
    }
    picked: dict[tuple[int | None, int], int] = {}
    bad: dict[str, str] = {}
    for index, line in enumerate(payload.lines):
        stop = stops.get((line.bin.strip(), line.sku.strip()))
        if stop is None:
            bad[f"lines[{index}]"] = _("not a stop of this pick list")
        elif (stop.bin_id, stop.sku_id) in picked:
            bad[f"lines[{index}]"] = _("given twice")
        else:
            picked[(stop.bin_id, stop.sku_id)] = line.picked
    if bad:
        raise ValidationFailed(bad)
    return wave_out(actions.confirm_pick(wave=wave, actor=actor_of(request), picked=picked))


@router.post("/orders/{number}/pick", response={201: WaveOut, **ERROR_RESPONSES})
def pick_order(request: HttpRequest, number: str) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        return 201, wave_out(actions.pick_order(order=get_order(number=number, actor=actor), actor=actor))

    return idempotent(request, produce)


# --- packing -------------------------------------------------------------------------------


class CheckLineOut(BaseModel):
    sku: str
    name: str
    attributes: str
    barcode: str
    expected: int
    scanned: int


class PackingWishesOut(BaseModel):
    """What the buyer asked of the parcel, read from their message (orders.instructions)."""

    buyer_message: str
    no_price_slip: bool
    no_invoice: bool
    is_gift: bool
    fragile: bool
    reinforced_packaging: bool
    delivery_notes: list[str]
    # A part of the message no rule understood: the packer reads it.
    unrecognised: str


class CheckOut(BaseModel):
    order: str
    wave: str
    slot: int
    units_expected: int
    units_scanned: int
    is_complete: bool
    checked_at: datetime | None
    weight_grams: int | None
    expected_weight_grams: int
    tolerance_grams: int
    weight_required: bool
    # False when a SKU to pack has no weight: the scale has nothing to check against.
    can_check_weight: bool
    skus_without_weight: list[str]
    wishes: PackingWishesOut
    lines: list[CheckLineOut]


def _wishes_out(order: Any) -> dict[str, Any]:
    wishes = order.buyer_instructions
    return {
        "buyer_message": order.buyer_message,
        "no_price_slip": wishes.no_price_slip,
        "no_invoice": wishes.no_invoice,
        "is_gift": wishes.is_gift,
        "fragile": wishes.fragile,
        "reinforced_packaging": wishes.reinforced_packaging,
        "delivery_notes": list(wishes.delivery_notes),
        "unrecognised": wishes.unrecognised,
    }


def check_out(check: packing.PackCheck) -> dict[str, Any]:
    entry = check.entry
    return {
        "order": entry.order.number,
        "wave": entry.wave.number,
        "slot": entry.slot,
        "units_expected": check.units_expected,
        "units_scanned": check.units_scanned,
        "is_complete": check.is_complete,
        "checked_at": local(entry.checked_at),
        "weight_grams": entry.weight_grams,
        "expected_weight_grams": entry.expected_weight_grams,
        "tolerance_grams": check.tolerance_grams,
        "weight_required": check.weight_required,
        "can_check_weight": check.can_check_weight,
        "skus_without_weight": check.skus_without_weight,
        "wishes": _wishes_out(entry.order),
        "lines": [
            {
                "sku": line.sku_code,
                "name": line.name,
                "attributes": line.attributes,
                "barcode": line.barcode,
                "expected": line.expected,
                "scanned": line.scanned,
            }
            for line in check.lines
        ],
    }


class ScanIn(Strict):
    code: str = Field(min_length=1, max_length=64)


class ScanOut(BaseModel):
    sku: str
    message: str
    check: CheckOut


@router.get("/orders/{number}/packing", response={200: CheckOut, **ERROR_RESPONSES})
def get_packing_check(request: HttpRequest, number: str) -> Any:
    actor = actor_of(request)
    return check_out(packing.packing_check(order=get_order(number=number, actor=actor), actor=actor))


@router.post("/orders/{number}/packing/scans", response={200: ScanOut, **ERROR_RESPONSES})
def scan_unit(request: HttpRequest, number: str, payload: ScanIn) -> Any:
    actor = actor_of(request)
    result = packing.scan_item(order=get_order(number=number, actor=actor), code=payload.code, actor=actor)
    return {"sku": result.sku.code, "message": result.message, "check": check_out(result.check)}


class WeightIn(Strict):
    weight_grams: StrictInt = Field(ge=1, le=1_000_000)


@router.post("/orders/{number}/packing/weight", response={200: CheckOut, **ERROR_RESPONSES})
def record_weight(request: HttpRequest, number: str, payload: WeightIn) -> Any:
    actor = actor_of(request)
    check = packing.record_weight(order=get_order(number=number, actor=actor), grams=payload.weight_grams, actor=actor)
    return check_out(check)


# --- labels, scan-out, intercept ---------------------------------------------------------------


class LabelIn(Strict):
    carrier: str | None = Field(default=None, min_length=1, max_length=20, description="default: the chosen carrier")
    scenario: str | None = Field(default=None, max_length=20, description="simulated carrier only")


@router.post("/orders/{number}/label", response={201: ShipmentOut, **ERROR_RESPONSES})
def print_label(request: HttpRequest, number: str, payload: LabelIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        shipment = shipping.print_label(
            order=get_order(number=number, actor=actor), actor=actor, carrier=payload.carrier, scenario=payload.scenario
        )
        return 201, shipment_out(shipment)

    # The carrier is called between the booking's own commits; a twin request takes up the same booking.
    return idempotent(request, produce, in_transaction=False)


class ScanOutIn(Strict):
    tracking_number: str = Field(min_length=1, max_length=64)


class HandedOverOut(BaseModel):
    tracking_number: str
    carrier: str
    order: str
    order_status: str
    shipment_status: str


@router.post("/scan-out", response={200: HandedOverOut, **ERROR_RESPONSES})
def scan_out(request: HttpRequest, payload: ScanOutIn) -> Any:
    shipment = shipping.scan_out(tracking_number=payload.tracking_number, actor=actor_of(request))
    return {
        "tracking_number": shipment.tracking_number,
        "carrier": shipment.carrier.code,
        "order": shipment.order.number,
        "order_status": shipment.order.status,
        "shipment_status": shipment.status,
    }


class InterceptIn(Strict):
    reason: str = Field(min_length=1, max_length=200)


class InterceptOut(BaseModel):
    order: str
    status: str
    intercepted: list[str]


@router.post("/orders/{number}/intercept", response={200: InterceptOut, **ERROR_RESPONSES})
def intercept(request: HttpRequest, number: str, payload: InterceptIn) -> Any:
    actor = actor_of(request)
    order, stopped = shipping.cancel_and_intercept(
        order=get_order(number=number, actor=actor), actor=actor, reason=payload.reason
    )
    return {"order": order.number, "status": order.status, "intercepted": [s.tracking_number for s in stopped]}


# --- documents --------------------------------------------------------------------------------


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


WaveDocument = Literal["pick-list", "sort-list", "packing-slips", "labels"]


@router.get("/waves/{number}/documents/{kind}", response={**ERROR_RESPONSES}, summary="A wave's document as PDF")
def wave_document(request: HttpRequest, number: str, kind: WaveDocument) -> HttpResponse:
    wave = _wave(request, number)
    return pdf_response(documents.wave_document(wave, kind), f"{wave.number}-{kind}.pdf")


def order_label_shipment(order: Order) -> Shipment:
    shipment = (
        Shipment.objects.filter(order=order, is_intercepted=False)
        .exclude(status__in=(ShipmentStatus.CANCELLED, *NOT_BOOKED))
        .select_related("carrier", "order")
        .order_by("-created_at", "-pk")
        .first()
    )
    if shipment is None:
        raise NotFound(
            _("Order %(number)s has no label yet.") % {"number": order.number}, details={"number": order.number}
        )
    return shipment


@router.get(
    "/orders/{number}/documents/{kind}", response={**ERROR_RESPONSES}, summary="An order's packing slip or label as PDF"
)
def order_document(request: HttpRequest, number: str, kind: Literal["packing-slip", "label"]) -> HttpResponse:
    order = get_order(number=number, actor=actor_of(request))
    if kind == "label":
        return pdf_response(documents.labels_pdf([order_label_shipment(order)]), f"{order.number}-label.pdf")
    return pdf_response(documents.packing_slips_pdf([order]), f"{order.number}-packing-slip.pdf")


__all__ = ["router"]
