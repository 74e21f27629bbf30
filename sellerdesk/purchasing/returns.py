"""Returns to suppliers (退供, seed 003: "仓管人员按一定期限,统一将货物退回供货商").

Defective units that after-sales inspection sends back to their supplier are gathered
into one open batch per supplier and warehouse, each line with the document it came
from (the case number), why, and the storage names of the buyer's photos (printed with
the batch). Sending the batch takes its units out of defective stock through the stock
ledger (one `defective` movement per SKU, document = the batch number, under the
StockLevel row lock); closing it records what the supplier credited.

open → sent → closed; every step is audited (core.audit, kind "supplier_return").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import require
from sellerdesk.core.transitions import TransitionTable
from sellerdesk.inventory.actions import remove_defective
from sellerdesk.inventory.models import Warehouse
from sellerdesk.purchasing.models import SupplierReturn, SupplierReturnLine, SupplierReturnStatus, SupplierSku

SUPPLIER_RETURN = "supplier_return"
MAX_QUANTITY = 1_000_000
MAX_PHOTOS = 50


class SupplierReturnAction(StrEnum):
    SEND = "send"
    CLOSE = "close"


TABLE: TransitionTable[SupplierReturnStatus, SupplierReturnAction] = TransitionTable(
    entity="return to supplier",
    statuses=SupplierReturnStatus,
    moves={
        (SupplierReturnStatus.OPEN, SupplierReturnAction.SEND): SupplierReturnStatus.SENT,
        (SupplierReturnStatus.SENT, SupplierReturnAction.CLOSE): SupplierReturnStatus.CLOSED,
    },
)

LINE_ADDED = "supplier_return_line_added"
SENT = "supplier_return_sent"
CLOSED = "supplier_return_closed"
LEFT_FOR_SUPPLIER = "stock_returned_to_supplier"

register_audit_code(
    LINE_ADDED,
    SUPPLIER_RETURN,
    gettext_lazy("%(quantity)s × %(sku)s from %(document)s added to return %(number)s."),
    example={"number": "TG26120612345678", "sku": "CUP-01", "quantity": 2, "document": "AS26120612345678"},
)
register_audit_code(
    SENT,
    SUPPLIER_RETURN,
    gettext_lazy("Return %(number)s sent to the supplier (%(units)s units) %(carrier)s %(tracking_number)s"),
    example={"number": "TG26120612345678", "units": 3, "carrier": "SF", "tracking_number": "SF1234567890"},
)
register_audit_code(
    CLOSED,
    SUPPLIER_RETURN,
    gettext_lazy("Return %(number)s closed; credited by the supplier: %(credit)s"),
    format=lambda p: {**p, "credit": p.get("credit") or "—"},
    example={"number": "TG26120612345678", "credit": "118.00"},
)
messages.register(
    LEFT_FOR_SUPPLIER,
    gettext_lazy("Sent back to supplier %(supplier)s"),
    example={"supplier": "HZ-CUPS"},
)


def _new_number(at: datetime) -> str:
    return dated_number("TG", at)


def supplier_for(sku_id: int) -> SupplierSku | None:
    """The supplier a SKU goes back to: the preferred one, else the cheapest (active only)."""
    return (
        SupplierSku.objects.filter(sku_id=sku_id, supplier__is_active=True)
        .select_related("supplier")
        .order_by("-is_preferred", "cost", "pk")
        .first()
    )


def _check_line(
    *, sku_id: int, warehouse_id: int, quantity: int, document: str, reason: str, photos: Sequence[str]
) -> None:
    bad: dict[str, str] = {}
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
        bad["quantity"] = _("a whole number from 1 to %(max)s") % {"max": MAX_QUANTITY}
    document = (document or "").strip()
    if not document or len(document) > 64:
        bad["document"] = _("is required (at most 64 characters)")
    if len(reason or "") > 300:
        bad["reason"] = _("at most %(max)s characters") % {"max": 300}
    if len(photos) > MAX_PHOTOS or any(not isinstance(name, str) or not name or len(name) > 255 for name in photos):
        bad["photos"] = _("up to %(max)s stored file names") % {"max": MAX_PHOTOS}
    if not Sku.objects.filter(pk=sku_id).exists():
        bad["sku_id"] = _("no such SKU")
    if not Warehouse.objects.filter(pk=warehouse_id).exists():
        bad["warehouse_id"] = _("no such warehouse")
    if bad:
        raise ValidationFailed(bad)


def _open_batch(*, supplier_id: int, warehouse_id: int, at: datetime) -> SupplierReturn:
    """The open batch of this supplier and warehouse, locked; created when there is none
    (the database keeps it to one: a concurrent creator wins and its batch is used)."""
    for _attempt in range(3):
        batch = (
            SupplierReturn.objects.select_for_update()
            .filter(supplier_id=supplier_id, warehouse_id=warehouse_id, status=SupplierReturnStatus.OPEN)
            .first()
        )
        if batch is not None:
            return batch
        try:
            with transaction.atomic():
                return SupplierReturn.objects.create(
                    number=_new_number(at), supplier_id=supplier_id, warehouse_id=warehouse_id, created_at=at
                )
        except IntegrityError:
            continue  # another open batch (or number) appeared meanwhile: read it again
    raise RuntimeError("could not open a return batch")


@transaction.atomic
def add_to_supplier_return(
    *,
    sku_id: int,
    warehouse_id: int,
    quantity: int,
    document: str,
    reason: str = "",
    photos: list[str],
    actor: User | None,
    at: datetime | None = None,
) -> SupplierReturn:
    """Gather `quantity` defective units of a SKU (already in defective stock at the
    warehouse) into the open return batch of its supplier (preferred, else cheapest) at
    that warehouse, with the document they came from and the buyer's photos' storage
    names. The same document and SKU twice add up on one line.

    ValidationFailed naming the field for bad input, and for a SKU no active supplier
    supplies (the units then stay in defective stock: choose another disposition)."""
    require(actor, "purchasing.receive")
    photos = list(photos or [])
    _check_line(
        sku_id=sku_id, warehouse_id=warehouse_id, quantity=quantity, document=document, reason=reason, photos=photos
    )
    supplier_sku = supplier_for(sku_id)
    if supplier_sku is None:
        code = Sku.objects.filter(pk=sku_id).values_list("code", flat=True).first()
        raise ValidationFailed(
            {
                "disposition": _("no active supplier supplies %(sku)s: keep it in defective stock or scrap it")
                % {"sku": code}
            }
        )
    at = at or timezone.now()
    document = document.strip()
    batch = _open_batch(supplier_id=supplier_sku.supplier_id, warehouse_id=warehouse_id, at=at)
    line = SupplierReturnLine.objects.filter(batch=batch, sku_id=sku_id, document=document).first()
    if line is None:
        SupplierReturnLine.objects.create(
            batch=batch, sku_id=sku_id, quantity=quantity, document=document, reason=(reason or "")[:300], photos=photos
        )
    else:
        line.quantity += quantity
        line.photos = line.photos + [name for name in photos if name not in line.photos]
        line.save(update_fields=["quantity", "photos"])
    record(
        object_kind=SUPPLIER_RETURN,
        object_id=batch.number,
        code=LINE_ADDED,
        actor=actor,
        at=at,
        number=batch.number,
        sku=supplier_sku.sku.code,
        quantity=quantity,
        document=document,
    )
    return batch


def _locked(batch: SupplierReturn) -> SupplierReturn:
    found = SupplierReturn.objects.select_for_update().select_related("supplier").filter(pk=batch.pk).first()
    if found is None:
        raise NotFound(_("No such return to supplier."))
    return found


@transaction.atomic
def send_supplier_return(
    *,
    batch: SupplierReturn,
    carrier: str = "",
    tracking_number: str = "",
    actor: User | None,
    at: datetime | None = None,
) -> SupplierReturn:
    """Send the batch back: its units leave defective stock through the ledger (one
    `defective` movement per SKU, document = the batch number), in SKU order. Conflict
    when the warehouse holds fewer defective units than the batch lists (nothing moves)."""
    require(actor, "purchasing.receive")
    carrier = (carrier or "").strip()
    tracking_number = (tracking_number or "").strip()
    bad: dict[str, str] = {}
    if len(carrier) > 50:
        bad["carrier"] = _("at most %(max)s characters") % {"max": 50}
    if len(tracking_number) > 64:
        bad["tracking_number"] = _("at most %(max)s characters") % {"max": 64}
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    batch = _locked(batch)
    batch.status = TABLE.next_status(batch.status, SupplierReturnAction.SEND)
    units: dict[int, int] = defaultdict(int)
    for sku_id, quantity in batch.lines.values_list("sku_id", "quantity"):
        units[sku_id] += quantity
    if not units:
        raise Conflict("supplier_return_empty", _("The return %(number)s has no goods.") % {"number": batch.number})
    note = messages.message(LEFT_FOR_SUPPLIER, supplier=batch.supplier.code)
    # One SKU after another in id order: the stock rows' lock order.
    for sku_id in sorted(units):
        remove_defective(
            sku_id=sku_id,
            warehouse_id=batch.warehouse_id,
            quantity=units[sku_id],
            document=batch.number,
            actor=actor,
            at=at,
            note_data=note,
        )
    batch.sent_at = at
    batch.sent_by = actor
    batch.carrier = carrier
    batch.tracking_number = tracking_number
    batch.save(update_fields=["status", "sent_at", "sent_by", "carrier", "tracking_number"])
    record(
        object_kind=SUPPLIER_RETURN,
        object_id=batch.number,
        code=SENT,
        actor=actor,
        at=at,
        number=batch.number,
        units=sum(units.values()),
        carrier=carrier,
        tracking_number=tracking_number,
    )
    return batch


def _credit(value: object) -> Decimal | None:
    if value is None:
        return None
    # core.money, the one reader: no "1e3", NaN, Infinity or float.
    try:
        return parse_money(value if isinstance(value, (Decimal, int)) else str(value))
    except NotMoney:
        raise ValidationFailed({"credit_amount": _("an amount of 0.00 or more with at most 2 decimals")}) from None


@transaction.atomic
def close_supplier_return(
    *, batch: SupplierReturn, credit_amount: Decimal | None, actor: User | None, at: datetime | None = None
) -> SupplierReturn:
    """Close a sent batch with what the supplier credited (None: not known or nothing)."""
    require(actor, "purchasing.edit")
    credit = _credit(credit_amount)
    at = at or timezone.now()
    batch = _locked(batch)
    batch.status = TABLE.next_status(batch.status, SupplierReturnAction.CLOSE)
    batch.closed_at = at
    batch.credit_amount = credit
    batch.save(update_fields=["status", "closed_at", "credit_amount"])
    record(
        object_kind=SUPPLIER_RETURN,
        object_id=batch.number,
        code=CLOSED,
        actor=actor,
        at=at,
        number=batch.number,
        credit=str(credit) if credit is not None else "",
    )
    return batch


def units_of(batch: SupplierReturn) -> int:
    return sum(batch.lines.values_list("quantity", flat=True))
