"""Transfers (调拨) between warehouses: draft → shipped (in transit) → received (in
parts, each put away into one or several bins, if the units arrive so), or cancelled.
Shipping takes only available units from the source (never units reserved for orders);
receiving puts them on hand at the destination and lets allocation use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import hooks, messages
from sellerdesk.core.errors import InsufficientStock, ShortLine, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import require
from sellerdesk.inventory import events, texts
from sellerdesk.inventory.actions.stock import add_to_bin, lock_levels, trim_bins_to_on_hand
from sellerdesk.inventory.availability import available_covers
from sellerdesk.inventory.hooks import StockArrived
from sellerdesk.inventory.models import (
    Bin,
    MovementKind,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    TransferStatus,
    Warehouse,
)
from sellerdesk.inventory.states import TransferAction, next_transfer_status

MAX_TRANSFER_LINES = 200
MAX_QUANTITY = 10_000_000


def new_transfer_number(at: datetime) -> str:
    return dated_number("DB", at)


def _short_lines(transfer: Transfer, lines: Sequence[tuple[Sku, int]]) -> list[ShortLine]:
    levels = {
        level.sku_id: level
        for level in StockLevel.objects.filter(
            warehouse=transfer.from_warehouse, sku_id__in=[sku.pk for sku, _q in lines]
        )
    }
    short = []
    for sku, quantity in lines:
        level = levels.get(sku.pk)
        available = max(level.available, 0) if level else 0
        if available < quantity:
            short.append(ShortLine(sku.code, quantity, available))
    return short


@transaction.atomic
def create_transfer(
    *,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    lines: list[tuple[Sku, int]],
    for_order: str = "",
    note: messages.Text = "",
    actor: User | None,
    at: datetime | None = None,
) -> Transfer:
    """A draft transfer. The same SKU on several lines is one line. The source must have
    the units available now (InsufficientStock otherwise); they leave it only when the
    transfer is shipped, which checks again. `note` is what a person typed, or the code
    and parameters of a note the system gives (rendered when read)."""
    require(actor, "stock.transfer")
    bad: dict[str, str] = {}
    if from_warehouse.pk == to_warehouse.pk:
        bad["to_warehouse"] = _("choose a warehouse other than the source")
    for name, warehouse in (("from_warehouse", from_warehouse), ("to_warehouse", to_warehouse)):
        if not warehouse.is_active:
            bad[name] = _("warehouse %(code)s is not active") % {"code": warehouse.code}
    if not lines:
        bad["lines"] = _("add at least one line")
    if len(lines) > MAX_TRANSFER_LINES:
        bad["lines"] = _("at most %(max)s lines") % {"max": MAX_TRANSFER_LINES}
    merged: dict[int, tuple[Sku, int]] = {}
    for index, (sku, quantity) in enumerate(lines):
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
            bad[f"lines[{index}].quantity"] = _("must be 1 or more")
            continue
        previous = merged.get(sku.pk)
        merged[sku.pk] = (sku, quantity + (previous[1] if previous else 0))
    if len(for_order) > 20:
        bad["for_order"] = _("at most %(limit)s characters") % {"limit": 20}
    typed_note, coded_note = messages.typed_or_coded(note)
    if len(typed_note) > 200:
        bad["note"] = _("at most %(limit)s characters") % {"limit": 200}
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    transfer = Transfer(
        number=new_transfer_number(at),
        from_warehouse=from_warehouse,
        to_warehouse=to_warehouse,
        for_order=for_order.strip(),
        note=typed_note.strip(),
        note_data=coded_note,
        created_at=at,
        created_by=actor,
    )
    ordered = [merged[sku_id] for sku_id in sorted(merged)]
    short = _short_lines(transfer, ordered)
    if short:
        raise InsufficientStock(short)
    transfer.save()
    TransferLine.objects.bulk_create(
        [TransferLine(transfer=transfer, sku=sku, quantity=quantity) for sku, quantity in ordered]
    )
    events.transfer_event(transfer, events.TRANSFER_CREATED, actor=actor, at=at)
    return transfer


def _locked(transfer: Transfer, action: TransferAction) -> Transfer:
    """The transfer, locked; InvalidTransition if the table has no `action` from its status."""
    locked = (
        Transfer.objects.select_for_update(of=("self",), no_key=True)
        .select_related("from_warehouse", "to_warehouse")
        .get(pk=transfer.pk)
    )
    next_transfer_status(locked.status, action)
    return locked


def _lines(transfer: Transfer) -> list[TransferLine]:
    return list(transfer.lines.select_related("sku").order_by("sku_id"))


def _movement(
    line: TransferLine,
    warehouse_id: int,
    kind: str,
    transfer: Transfer,
    actor: User | None,
    at: datetime,
    **deltas: int,
) -> StockMovement:
    return StockMovement(
        sku_id=line.sku_id,
        warehouse_id=warehouse_id,
        kind=kind,
        document=transfer.number,
        actor=actor,
        at=at,
        **deltas,
    )


@transaction.atomic
def ship_transfer(*, transfer: Transfer, actor: User | None, at: datetime | None = None) -> Transfer:
    """Units leave the source (only available ones, checked by the database in the same
    UPDATE) and are in transit to the destination. Any short line refuses the whole
    transfer with InsufficientStock and changes nothing."""
    require(actor, "stock.transfer")
    transfer = _locked(transfer, TransferAction.SHIP)
    at = at or timezone.now()
    lines = _lines(transfer)
    source, target = transfer.from_warehouse_id, transfer.to_warehouse_id
    lock_levels([(line.sku_id, warehouse_id) for line in lines for warehouse_id in (source, target)])
    short = []
    for line in lines:
        taken = (
            StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=source)
            .filter(available_covers(line.quantity))
            .update(on_hand=F("on_hand") - line.quantity)
        )
        if taken != 1:
            short.append(line)
    if short:
        # The transaction rolls back what was taken from the other lines.
        raise InsufficientStock(_short_lines(transfer, [(line.sku, line.quantity) for line in short]))
    for line in lines:
        StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=target).update(
            in_transit=F("in_transit") + line.quantity
        )
    trim_bins_to_on_hand({(line.sku_id, source) for line in lines})
    movements = []
    for line in lines:
        movements.append(
            _movement(line, source, MovementKind.TRANSFER_OUT, transfer, actor, at, on_hand_delta=-line.quantity)
        )
        movements.append(
            _movement(line, target, MovementKind.IN_TRANSIT, transfer, actor, at, in_transit_delta=line.quantity)
        )
    StockMovement.objects.bulk_create(movements)
    transfer.status, transfer.shipped_at = next_transfer_status(transfer.status, TransferAction.SHIP), at
    transfer.save(update_fields=["status", "shipped_at"])
    events.transfer_event(transfer, events.TRANSFER_SHIPPED, actor=actor, at=at)
    return transfer


@dataclass(frozen=True)
class BinPart:
    """Units of a transfer line put away into one bin of the destination as they arrive."""

    bin: Bin
    quantity: int


@dataclass(frozen=True)
class LineReceipt:
    """Units of one SKU of the transfer that arrived now; `bins` say where some (or all)
    of them are put away, the rest stay unbinned on hand until someone puts them away."""

    sku_id: int
    quantity: int
    bins: tuple[BinPart, ...] = ()


def _check_receipts(
    transfer: Transfer, lines: Sequence[TransferLine], receipts: Sequence[LineReceipt]
) -> dict[int, LineReceipt]:
    """The receipts by SKU id, checked against what is still in transit; ValidationFailed
    naming every bad field otherwise (nothing written)."""
    by_sku = {line.sku_id: line for line in lines}
    bad: dict[str, str] = {}
    found: dict[int, LineReceipt] = {}
    for index, receipt in enumerate(receipts):
        path = f"lines[{index}]"
        line = by_sku.get(receipt.sku_id)
        if line is None:
            bad[f"{path}.sku"] = _("this SKU is not on the transfer")
            continue
        if receipt.sku_id in found:
            bad[f"{path}.sku"] = _("this SKU is given twice")
            continue
        left = line.quantity - line.received
        quantity = receipt.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= left:
            bad[f"{path}.quantity"] = _("between 0 and %(left)s (still in transit)") % {"left": left}
            continue
        binned = 0
        for number, part in enumerate(receipt.bins):
            if part.bin.warehouse_id != transfer.to_warehouse_id:
                bad[f"{path}.bins[{number}].bin"] = _("bin %(bin)s is in another warehouse") % {"bin": part.bin.code}
            if isinstance(part.quantity, bool) or not isinstance(part.quantity, int) or part.quantity < 1:
                bad[f"{path}.bins[{number}].quantity"] = _("must be 1 or more")
            else:
                binned += part.quantity
        if binned > quantity:
            bad[f"{path}.bins"] = _("%(binned)s units put away, but %(quantity)s received") % {
                "binned": binned,
                "quantity": quantity,
            }
        found[receipt.sku_id] = receipt
    if bad:
        raise ValidationFailed(bad)
    return found


@transaction.atomic
def receive_transfer(
    *,
    transfer: Transfer,
    actor: User | None,
    at: datetime | None = None,
    receipts: Sequence[LineReceipt] | None = None,
) -> Transfer:
    """Units arrive: on hand at the destination (into the bins given, else unbinned), no
    longer in transit. Without `receipts`, every unit still in transit arrives; with them,
    only those (a partial receipt: the rest stays in transit, to be received later or sent
    back by cancelling). The transfer is received once every unit is. Orders waiting for
    these SKUs there (stockouts, backorders) are then allocated, in the same transaction."""
    require(actor, "stock.transfer")
    # Receiving in part is allowed wherever receiving is (named so in a refusal).
    transfer = _locked(transfer, TransferAction.RECEIVE)
    at = at or timezone.now()
    lines = _lines(transfer)
    if receipts is None:
        receipts = [LineReceipt(line.sku_id, line.quantity - line.received) for line in lines]
    checked = _check_receipts(transfer, lines, receipts)
    target = transfer.to_warehouse_id
    levels = lock_levels([(line.sku_id, target) for line in lines])
    movements = []
    arrived_skus = []
    for line in lines:
        receipt = checked.get(line.sku_id)
        if receipt is None or receipt.quantity == 0:
            continue
        in_transit = min(receipt.quantity, levels[(line.sku_id, target)].in_transit)
        StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=target).update(
            on_hand=F("on_hand") + receipt.quantity, in_transit=F("in_transit") - in_transit
        )
        # One ledger row per bin the units went into, and one for those left unbinned.
        parts: list[tuple[Bin | None, int]] = [(part.bin, part.quantity) for part in receipt.bins]
        unbinned = receipt.quantity - sum(quantity for _bin, quantity in parts)
        if unbinned:
            parts.append((None, unbinned))
        for bin, quantity in parts:
            if bin is not None:
                add_to_bin(bin=bin, sku_id=line.sku_id, quantity=quantity)
            leaving_transit = min(quantity, in_transit)
            in_transit -= leaving_transit
            movement = _movement(
                line,
                target,
                MovementKind.TRANSFER_IN,
                transfer,
                actor,
                at,
                on_hand_delta=quantity,
                in_transit_delta=-leaving_transit,
            )
            movement.bin = bin
            movements.append(movement)
        TransferLine.objects.filter(pk=line.pk).update(received=F("received") + receipt.quantity)
        line.received += receipt.quantity
        arrived_skus.append(line.sku_id)
    StockMovement.objects.bulk_create(movements)
    left = sum(line.quantity - line.received for line in lines)
    units = sum(receipt.quantity for receipt in checked.values())
    if left == 0:
        transfer.status, transfer.received_at = next_transfer_status(transfer.status, TransferAction.RECEIVE), at
        transfer.save(update_fields=["status", "received_at"])
        events.transfer_event(transfer, events.TRANSFER_RECEIVED, actor=actor, at=at)
    elif units:
        events.transfer_event(transfer, events.TRANSFER_PART_RECEIVED, actor=actor, at=at, units=units, left=left)
    if arrived_skus:
        hooks.emit(StockArrived(sku_ids=tuple(arrived_skus), warehouse_id=target, actor=actor, at=at))
    return transfer


@transaction.atomic
def cancel_transfer(*, transfer: Transfer, actor: User | None, at: datetime | None = None) -> Transfer:
    """A draft is dropped; a shipped transfer's units not received yet go back on hand at
    the source (those received in part stay at the destination)."""
    require(actor, "stock.transfer")
    transfer = _locked(transfer, TransferAction.CANCEL)
    at = at or timezone.now()
    returned: tuple[int, ...] | None = None  # the SKUs whose units a shipped transfer brings back
    if transfer.status == TransferStatus.SHIPPED:
        lines = _lines(transfer)
        returned = tuple(line.sku_id for line in lines)
        source, target = transfer.from_warehouse_id, transfer.to_warehouse_id
        levels = lock_levels([(line.sku_id, warehouse_id) for line in lines for warehouse_id in (source, target)])
        movements = []
        note = messages.message(texts.TRANSFER_CANCELLED)
        for line in lines:
            # Units received already (a partial receipt) stay at the destination.
            coming_back = line.quantity - line.received
            if coming_back == 0:
                continue
            gone = min(coming_back, levels[(line.sku_id, target)].in_transit)
            StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=target).update(in_transit=F("in_transit") - gone)
            StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=source).update(
                on_hand=F("on_hand") + coming_back
            )
            back = _movement(line, source, MovementKind.TRANSFER_IN, transfer, actor, at, on_hand_delta=coming_back)
            back.note_data = note
            movements.append(back)
            if gone:
                away = _movement(line, target, MovementKind.IN_TRANSIT, transfer, actor, at, in_transit_delta=-gone)
                away.note_data = note
                movements.append(away)
        StockMovement.objects.bulk_create(movements)
    transfer.status = next_transfer_status(transfer.status, TransferAction.CANCEL)
    transfer.save(update_fields=["status"])
    events.transfer_event(transfer, events.TRANSFER_CANCELLED, actor=actor, at=at)
    if returned is not None:
        hooks.emit(StockArrived(sku_ids=returned, warehouse_id=transfer.from_warehouse_id, actor=actor, at=at))
    return transfer
