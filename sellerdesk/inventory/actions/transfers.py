"""Transfers (调拨) between warehouses: draft → shipped (in transit) → received, or
cancelled. Shipping takes only available units from the source (never units reserved
for orders); receiving puts them on hand at the destination and lets allocation use them.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from sellerdesk.inventory.actions.stock import lock_levels, trim_bins_to_on_hand
from sellerdesk.inventory.availability import available_covers
from sellerdesk.inventory.hooks import StockArrived
from sellerdesk.inventory.models import (
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


@transaction.atomic
def receive_transfer(*, transfer: Transfer, actor: User | None, at: datetime | None = None) -> Transfer:
    """The units arrive: on hand at the destination, no longer in transit. Then orders
    waiting for these SKUs there (stockouts, backorders) are allocated, in the same
    transaction."""
    require(actor, "stock.transfer")
    transfer = _locked(transfer, TransferAction.RECEIVE)
    at = at or timezone.now()
    lines = _lines(transfer)
    target = transfer.to_warehouse_id
    levels = lock_levels([(line.sku_id, target) for line in lines])
    movements = []
    for line in lines:
        arrived = min(line.quantity, levels[(line.sku_id, target)].in_transit)
        StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=target).update(
            on_hand=F("on_hand") + line.quantity, in_transit=F("in_transit") - arrived
        )
        movements.append(
            _movement(
                line,
                target,
                MovementKind.TRANSFER_IN,
                transfer,
                actor,
                at,
                on_hand_delta=line.quantity,
                in_transit_delta=-arrived,
            )
        )
    StockMovement.objects.bulk_create(movements)
    TransferLine.objects.filter(transfer=transfer).update(received=F("quantity"))
    transfer.status, transfer.received_at = next_transfer_status(transfer.status, TransferAction.RECEIVE), at
    transfer.save(update_fields=["status", "received_at"])
    events.transfer_event(transfer, events.TRANSFER_RECEIVED, actor=actor, at=at)
    hooks.emit(StockArrived(sku_ids=tuple(line.sku_id for line in lines), warehouse_id=target, actor=actor, at=at))
    return transfer


@transaction.atomic
def cancel_transfer(*, transfer: Transfer, actor: User | None, at: datetime | None = None) -> Transfer:
    """A draft is dropped; a shipped transfer's units go back on hand at the source."""
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
            gone = min(line.quantity, levels[(line.sku_id, target)].in_transit)
            StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=target).update(in_transit=F("in_transit") - gone)
            StockLevel.objects.filter(sku_id=line.sku_id, warehouse_id=source).update(
                on_hand=F("on_hand") + line.quantity
            )
            back = _movement(line, source, MovementKind.TRANSFER_IN, transfer, actor, at, on_hand_delta=line.quantity)
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
