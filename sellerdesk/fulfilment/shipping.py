"""Labels, the scan-out and the intercept (截单).

- `print_label`: only for an order whose packing check is complete. The parcel is booked
  with the carrier (an agent's choice on the order, else the shop's rules:
  logistics.choice), the Shipment keeps the carrier's label data, and the order moves
  picking → packed. Printing again returns the same booking.
- `scan_out`: the parcel's tracking number is scanned as it is handed to the carrier:
  the shipment is handed over, the order is shipped (orders.actions.ship_order: stock
  leaves on-hand) and the buyer's message is recorded. An intercepted, cancelled or
  already handed-over parcel, or an unknown number, is refused and nothing changes.
- `cancel_and_intercept`: the buyer cancels before hand-over: every booked parcel of the
  order is intercepted at the carrier and the order is cancelled, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import hooks
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment import states as wave_states
from sellerdesk.fulfilment.actions import DISPATCH, PACK, close_wave_if_done
from sellerdesk.fulfilment.events import packed_event
from sellerdesk.fulfilment.models import PickLine, WaveOrder
from sellerdesk.fulfilment.packing import check_of, packable_entry
from sellerdesk.inventory import actions as stock
from sellerdesk.inventory.models import BinStock
from sellerdesk.logistics import actions as logistics
from sellerdesk.logistics import states as shipment_states
from sellerdesk.logistics.choice import require_choice
from sellerdesk.logistics.hooks import ParcelShipped
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentStatus
from sellerdesk.logistics.states import ShipmentAction
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderAction, next_status


def _carrier_for(entry: WaveOrder, code: str | None, actor: User | None) -> Carrier:
    wanted = (code or "").strip() or entry.carrier or entry.order.carrier
    if wanted:
        carrier = Carrier.objects.filter(code=wanted).first() if "\x00" not in wanted else None
        if carrier is None:
            raise ValidationFailed({"carrier": _("unknown carrier %(code)s") % {"code": wanted}})
        return carrier
    order = Order.objects.select_related("shop").get(pk=entry.order_id)
    return require_choice(order, actor=actor)


def _pending_booking(order: Order) -> Shipment | None:
    """A booking of the order's parcel not yet packed: still requested (a request cut short,
    or another print under way) or booked since by the worker. Taken up, not booked again."""
    return (
        Shipment.objects.filter(order_id=order.pk, is_intercepted=False)
        .filter(status__in=shipment_states.statuses_allowing(ShipmentAction.BOOK) | shipment_states.NOT_HANDED_OVER)
        .order_by("-created_at", "-pk")
        .first()
    )


def active_shipment(order: Order) -> Shipment | None:
    """The order's booked parcel not yet handed over, if any."""
    return (
        Shipment.objects.select_related("carrier")
        .filter(order_id=order.pk, status__in=shipment_states.NOT_HANDED_OVER, is_intercepted=False)
        .order_by("-created_at", "-pk")
        .first()
    )


def print_label(
    *,
    order: Order,
    actor: User | None,
    carrier: str | None = None,
    scenario: str | None = None,
    at: datetime | None = None,
) -> Shipment:
    """Book the parcel of a fully checked order and move it to packed; refuses (409
    not_checked, naming what is missing) an order whose check is not complete. The carrier
    is called between two transactions (logistics.booking): the booking is recorded, the
    carrier asked, and the order packed once it has answered. A refusal by the carrier
    leaves the order picking (the refused booking and its reason stay on its parcels); a
    booking left requested or booked by the worker since is taken up, not booked again."""
    require(actor, PACK)
    at = at or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("shop").get(pk=order.pk)
        if locked.status == wave_states.PACKED_ORDER:
            existing = active_shipment(locked)
            if existing is not None:
                return existing
        entry = packable_entry(locked, lock=True)
        check = check_of(entry)
        if not check.is_complete:
            missing = [{"sku": line.sku_code, "missing": line.missing} for line in check.missing]
            what = ", ".join(f"{line.missing} × {line.sku_code}" for line in check.missing) or _("the weight")
            raise Conflict(
                "not_checked",
                _("Order %(number)s is not fully checked: %(what)s still to scan. No label for it yet.")
                % {"number": locked.number, "what": what},
                details={"missing": missing, "weight_required": check.weight_required},
            )
        pending = _pending_booking(locked)
        if pending is None:
            chosen = _carrier_for(entry, carrier, actor)
            options = {"scenario": scenario} if scenario else {}
            weight = entry.weight_grams or entry.expected_weight_grams or None
            parcel = logistics.Parcel(weight_grams=weight, options=options)
            pending = logistics.request_booking(order=locked, carrier=chosen, parcel=parcel, actor=actor, at=at)
    # No transaction is open while the carrier is asked.
    shipment = logistics.book_requested(shipment=pending, actor=actor, at=at)
    chosen = shipment.carrier
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("shop").get(pk=order.pk)
        if locked.status == wave_states.PACKED_ORDER:
            existing = active_shipment(locked)
            if existing is not None:
                return existing  # a twin request packed it while the carrier answered
        entry = packable_entry(locked, lock=True)
        before = locked.status
        locked.status = next_status(locked.status, OrderAction.PACK)
        locked.save(update_fields=["status"])
        entry.packed_at = at
        entry.carrier = chosen.code
        entry.save(update_fields=["packed_at", "carrier"])
        packed_event(
            locked,
            before=before,
            wave=entry.wave.number,
            carrier_code=chosen.code,
            carrier_name=chosen.name,
            tracking_number=shipment.tracking_number,
            actor=actor,
            at=at,
        )
    return shipment


def find_parcel(tracking_number: str) -> Shipment:
    number = (tracking_number or "").strip()
    if not number or len(number) > 64 or "\x00" in number:
        raise ValidationFailed({"tracking_number": _("scan the tracking number on the label")})
    shipment = (
        Shipment.objects.select_related("carrier", "order")
        .filter(tracking_number=number)
        .order_by("-created_at", "-pk")
        .first()
    )
    if shipment is None:
        raise NotFound(
            _("Unknown tracking number %(number)s: no label of ours has it.") % {"number": number},
            details={"tracking_number": number},
        )
    return shipment


def _refuse_hand_over(shipment: Shipment) -> None:
    number, order = shipment.tracking_number, shipment.order.number
    if shipment.is_intercepted or shipment.status == ShipmentStatus.INTERCEPTED:
        raise Conflict(
            "shipment_intercepted",
            _("STOP — parcel %(number)s was intercepted (截单): order %(order)s was cancelled. Do not hand it over.")
            % {"number": number, "order": order},
            details={"tracking_number": number, "order": order},
        )
    if shipment.status == ShipmentStatus.CANCELLED:
        raise Conflict(
            "shipment_cancelled",
            _("Label %(number)s was cancelled; do not hand over a parcel with it.") % {"number": number},
            details={"tracking_number": number, "order": order},
        )
    if not shipment_states.TABLE.allows(shipment.status, ShipmentAction.HAND_OVER):
        raise Conflict(
            "already_handed_over",
            _("Parcel %(number)s was handed over already.") % {"number": number},
            details={"tracking_number": number, "order": order, "current_status": shipment.status},
        )


def _take_from_bins(order: Order) -> None:
    """The picked units leave the bins they were picked from, before the order ships (so
    that shipping, which trims bins only above on-hand, does not take them twice). The
    stock rows are locked first, in the stock writers' order."""
    entry = WaveOrder.objects.filter(order=order).order_by("-pk").first()
    if entry is None:
        return
    picks = [
        (line.sku_id, line.bin, line.picked_quantity or 0)
        for line in PickLine.objects.filter(entry=entry, bin__isnull=False, picked_quantity__gt=0)
        .select_related("bin")
        .order_by("sku_id", "bin_id")
        if line.bin is not None
    ]
    if not picks:
        return
    stock.lock_levels({(sku_id, bin.warehouse_id) for sku_id, bin, _picked in picks})
    for sku_id, bin, picked in picks:
        held = BinStock.objects.filter(bin=bin, sku_id=sku_id).values_list("quantity", flat=True).first()
        taken = min(held or 0, picked)
        if taken:
            stock.add_to_bin(bin=bin, sku_id=sku_id, quantity=-taken)


def scan_out(*, tracking_number: str, actor: User | None, at: datetime | None = None) -> Shipment:
    """Hand a labelled parcel to the carrier: the order ships and the buyer is told."""
    require(actor, DISPATCH)
    at = at or timezone.now()
    shipment = find_parcel(tracking_number)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.order_id)
        shipment = Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)
        _refuse_hand_over(shipment)
        if order.status != wave_states.PACKED_ORDER:
            raise Conflict(
                "not_packed",
                _("Order %(order)s is %(status)s; only a packed order is handed over.")
                % {"order": order.number, "status": order.status},
                details={"order": order.number, "current_status": order.status},
            )
        logistics.mark_handed_over(shipment=shipment, actor=actor, at=at)
        _take_from_bins(order)
        shipped = order_actions.ship_order(
            order=order, actor=actor, carrier=shipment.carrier.code, tracking_number=shipment.tracking_number, at=at
        )
        for wave_id in WaveOrder.objects.filter(order=order).values_list("wave_id", flat=True):
            close_wave_if_done(wave_id, at=at)
        # The buyer is told on commit (notifications).
        hooks.emit(
            ParcelShipped(
                order_id=shipped.pk, tracking_number=shipment.tracking_number, carrier_name=shipment.carrier.name, at=at
            )
        )
    return Shipment.objects.select_related("carrier", "order").get(pk=shipment.pk)


def cancel_and_intercept(
    *, order: Order, actor: User | None, reason: str, at: datetime | None = None
) -> tuple[Order, list[Shipment]]:
    """The buyer cancels an order not yet handed over: its booked parcels are stopped (截单)
    and the order is closed, or nothing happens (an order already shipped: 409)."""
    require(actor, "orders.cancel")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("say why the order is cancelled")})
    at = at or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        next_status(locked.status, OrderAction.CANCEL)
        intercepted = [
            logistics.intercept(shipment=shipment, actor=actor, reason=reason, at=at)
            for shipment in Shipment.objects.filter(
                order=locked, status__in=shipment_states.statuses_allowing(ShipmentAction.INTERCEPT)
            ).order_by("pk")
        ]
        closed = order_actions.cancel_order(order=locked, actor=actor, reason=reason, at=at)
        for wave_id in WaveOrder.objects.filter(order=locked).values_list("wave_id", flat=True):
            close_wave_if_done(wave_id, at=at)
    return closed, intercepted
