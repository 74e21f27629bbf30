"""Every write of suppliers and stock purchase orders: create, edit, send, customs,
receive, cancel, close. (Dropship purchase orders are written by purchasing.dropship.)

A purchase order for stock moves draft → sent → [customs → cleared] → partially_received
→ received; it can be cancelled before anything arrives and closed short afterwards.
Sending puts its units in transit at its warehouse; receiving turns them into on-hand
(good) and defective (damaged); cancelling and closing take what is still outstanding
out of transit again. Each action runs in one transaction, locks the purchase order
first and the stock rows in SKU order after it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import hooks
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import to_money
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import MAX_MONEY
from sellerdesk.inventory.actions import add_in_transit, default_warehouse, receive_stock, remove_in_transit
from sellerdesk.inventory.hooks import StockArrived
from sellerdesk.inventory.models import Bin, Warehouse
from sellerdesk.purchasing.hooks import PurchaseOrderSent
from sellerdesk.purchasing.models import (
    PurchaseKind,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderLine,
    PurchaseStatus,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierSku,
)
from sellerdesk.purchasing.states import (
    STOCK,
    STOCK_TRANSITIONS,
    PurchaseAction,
    page_actions,
    status_after_receipt,
)

logger = logging.getLogger("sellerdesk.purchasing")

MAX_LINES = 500
MAX_QUANTITY = 1_000_000
MAX_LEAD_TIME_DAYS = 365

S = PurchaseStatus

# The transition table of stock purchase orders lives in purchasing.states.
TRANSITIONS = STOCK_TRANSITIONS


def next_status(current: str, action: PurchaseAction) -> PurchaseStatus:
    """The stock purchase order's status after `action`; InvalidTransition if not allowed."""
    return STOCK.next_status(current, action)


def allowed_actions(purchase_order: PurchaseOrder) -> list[str]:
    """What the purchase order's page offers (the table, plus the customs gate)."""
    if purchase_order.kind != PurchaseKind.STOCK:
        return []
    allowed = page_actions(purchase_order.status)
    if "customs" in allowed and not purchase_order.requires_customs:
        allowed.remove("customs")
    if "clear" in allowed and purchase_order.customs_cleared_at is not None:
        allowed.remove("clear")
    if "receive" in allowed and not is_cleared(purchase_order):
        allowed.remove("receive")
    if "cancel" in allowed and has_receipts(purchase_order):
        allowed.remove("cancel")
    return allowed


def is_cleared(purchase_order: PurchaseOrder) -> bool:
    return not purchase_order.requires_customs or purchase_order.customs_cleared_at is not None


def has_receipts(purchase_order: PurchaseOrder) -> bool:
    return purchase_order.receipts.exists()


def purchase_event(purchase_order: PurchaseOrder, kind: str, *, actor: User | None, at: datetime, **data: Any) -> None:
    """The audit record of a purchase order's change, in its own table."""
    PurchaseOrderEvent.objects.create(
        purchase_order=purchase_order, type=kind, actor=actor, at=at, data=json.loads(json.dumps(data, default=str))
    )


def new_number(prefix: str, at: datetime) -> str:
    """PO/RC + yymmdd + 8 random digits: dated for people, random against collisions."""
    return dated_number(prefix, at)


def _unique_number(model: type[PurchaseOrder] | type[Receipt], prefix: str, at: datetime) -> str:
    for _attempt in range(5):
        number = new_number(prefix, at)
        if not model.objects.filter(number=number).exists():
            return number
    raise RuntimeError("could not find a free document number")


# ---------------------------------------------------------------- suppliers


_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class SupplierData:
    code: str
    name: str
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    lead_time_days: int = 7
    is_overseas: bool = False
    is_active: bool = True
    note: str = ""


def _check_supplier(data: SupplierData, *, exclude_pk: int | None = None) -> None:
    bad: dict[str, str] = {}
    if not data.code or len(data.code) > 40 or not _CODE_RE.match(data.code):
        bad["code"] = _("1 to 40 letters, digits, - or _")
    if not data.name.strip() or len(data.name) > 100:
        bad["name"] = _("enter a name of at most 100 characters")
    for name, limit in (("contact_name", 50), ("phone", 30), ("address", 300), ("note", 300)):
        if len(getattr(data, name)) > limit:
            bad[name] = _("at most %(n)s characters") % {"n": limit}
    if data.email:
        try:
            validate_email(data.email)
        except DjangoValidationError:
            bad["email"] = _("not an email address")
    if not 0 <= data.lead_time_days <= MAX_LEAD_TIME_DAYS:
        bad["lead_time_days"] = _("between 0 and %(n)s days") % {"n": MAX_LEAD_TIME_DAYS}
    if bad:
        raise ValidationFailed(bad)
    others = Supplier.objects.filter(code=data.code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Conflict(
            "duplicate_supplier",
            _("A supplier with code %(code)s exists already.") % {"code": data.code},
            details={"code": data.code},
        )


@transaction.atomic
def create_supplier(*, data: SupplierData, actor: User | None) -> Supplier:
    require(actor, "suppliers.edit")
    _check_supplier(data)
    supplier = Supplier.objects.create(
        code=data.code,
        name=data.name.strip(),
        contact_name=data.contact_name.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        address=data.address.strip(),
        lead_time_days=data.lead_time_days,
        is_overseas=data.is_overseas,
        is_active=data.is_active,
        note=data.note.strip(),
    )
    logger.info("supplier %s created", supplier.code, extra={"actor": actor.pk if actor else None})
    return supplier


@transaction.atomic
def update_supplier(*, supplier: Supplier, data: SupplierData, actor: User | None) -> Supplier:
    require(actor, "suppliers.edit")
    _check_supplier(data, exclude_pk=supplier.pk)
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    for name in (
        "code",
        "name",
        "contact_name",
        "phone",
        "email",
        "address",
        "lead_time_days",
        "is_overseas",
        "is_active",
        "note",
    ):
        value = getattr(data, name)
        setattr(supplier, name, value.strip() if isinstance(value, str) else value)
    supplier.save()
    logger.info("supplier %s updated", supplier.code, extra={"actor": actor.pk if actor else None})
    return supplier


@transaction.atomic
def delete_supplier(*, supplier: Supplier, actor: User | None) -> None:
    """Only a supplier never ordered from can go; others are deactivated instead."""
    require(actor, "suppliers.edit")
    if supplier.purchase_orders.exists() or supplier.members.exists():
        raise Conflict(
            "supplier_in_use",
            _("%(name)s has purchase orders or logins; deactivate it instead.") % {"name": supplier.name},
        )
    supplier.skus.all().delete()
    supplier.delete()


@dataclass(frozen=True)
class SupplierSkuData:
    cost: Decimal
    supplier_code: str = ""
    min_order_quantity: int = 1
    is_preferred: bool = False
    is_dropship: bool = False
    restock_date: date | None = None


@transaction.atomic
def set_supplier_sku(*, supplier: Supplier, sku: Sku, data: SupplierSkuData, actor: User | None) -> SupplierSku:
    """Record (or change) a SKU the supplier supplies. Making it preferred makes every
    other supplier of that SKU not preferred: suggestions go to one supplier."""
    require(actor, "suppliers.edit")
    bad: dict[str, str] = {}
    if data.cost < 0 or data.cost > MAX_MONEY or data.cost != to_money(data.cost):
        bad["cost"] = _("an amount of at least 0.00 with 2 decimals")
    if not 1 <= data.min_order_quantity <= MAX_QUANTITY:
        bad["min_order_quantity"] = _("between 1 and %(n)s") % {"n": MAX_QUANTITY}
    if len(data.supplier_code) > 64:
        bad["supplier_code"] = _("at most %(n)s characters") % {"n": 64}
    if bad:
        raise ValidationFailed(bad)
    if data.is_preferred:
        SupplierSku.objects.filter(sku=sku, is_preferred=True).exclude(supplier=supplier).update(is_preferred=False)
    item, _created = SupplierSku.objects.update_or_create(
        supplier=supplier,
        sku=sku,
        defaults={
            "cost": to_money(data.cost),
            "supplier_code": data.supplier_code.strip(),
            "min_order_quantity": data.min_order_quantity,
            "is_preferred": data.is_preferred,
            "is_dropship": data.is_dropship,
            "restock_date": data.restock_date,
        },
    )
    return item


@transaction.atomic
def remove_supplier_sku(*, supplier: Supplier, sku: Sku, actor: User | None) -> None:
    require(actor, "suppliers.edit")
    deleted, _rows = SupplierSku.objects.filter(supplier=supplier, sku=sku).delete()
    if not deleted:
        raise NotFound(_("%(supplier)s does not supply %(sku)s.") % {"supplier": supplier.name, "sku": sku.code})


# ---------------------------------------------------------------- drafts


@dataclass(frozen=True)
class LineDraft:
    """A line to order: the SKU by code, how many, at what cost (None: the supplier's cost)."""

    sku: str
    quantity: int
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class PurchaseDraft:
    supplier: Supplier
    lines: Sequence[LineDraft]
    warehouse: Warehouse | None = None  # None: the default warehouse
    expected_at: date | None = None
    note: str = ""
    requires_customs: bool | None = None  # None: whether the supplier imports from abroad


def _checked_lines(
    supplier: Supplier, lines: Sequence[LineDraft], *, allow_empty: bool = False
) -> list[PurchaseOrderLine]:
    """The lines as unsaved rows, or ValidationFailed naming every bad one by its path."""
    bad: dict[str, str] = {}
    if not lines and not allow_empty:
        bad["lines"] = _("add at least one line")
    if len(lines) > MAX_LINES:
        bad["lines"] = _("at most %(n)s lines") % {"n": MAX_LINES}
    skus = {sku.code: sku for sku in Sku.objects.filter(code__in=[line.sku for line in lines])}
    costs = {
        item.sku_id: item.cost for item in SupplierSku.objects.filter(supplier=supplier, sku__in=list(skus.values()))
    }
    seen: set[str] = set()
    rows: list[PurchaseOrderLine] = []
    for index, line in enumerate(lines):
        sku = skus.get(line.sku)
        if sku is None:
            bad[f"lines[{index}].sku"] = _("unknown SKU %(code)s") % {"code": line.sku}
            continue
        if line.sku in seen:
            bad[f"lines[{index}].sku"] = _("%(code)s is on another line already") % {"code": line.sku}
        seen.add(line.sku)
        if not 1 <= line.quantity <= MAX_QUANTITY:
            bad[f"lines[{index}].quantity"] = _("between 1 and %(n)s") % {"n": MAX_QUANTITY}
        cost = line.unit_cost if line.unit_cost is not None else costs.get(sku.pk)
        if cost is None:
            bad[f"lines[{index}].unit_cost"] = _("%(supplier)s has no cost for %(code)s: enter one") % {
                "supplier": supplier.name,
                "code": sku.code,
            }
            continue
        if cost < 0 or cost > MAX_MONEY or cost != to_money(cost):
            bad[f"lines[{index}].unit_cost"] = _("an amount of at least 0.00 with 2 decimals")
            continue
        rows.append(PurchaseOrderLine(sku=sku, quantity=line.quantity, unit_cost=to_money(cost)))
    if bad:
        raise ValidationFailed(bad)
    return rows


def _checked_head(draft: PurchaseDraft) -> Warehouse:
    bad: dict[str, str] = {}
    if not draft.supplier.is_active:
        bad["supplier"] = _("%(name)s is not active") % {"name": draft.supplier.name}
    warehouse = draft.warehouse or default_warehouse()
    if not warehouse.is_active:
        bad["warehouse"] = _("%(name)s is not active") % {"name": warehouse.name}
    if len(draft.note) > 500:
        bad["note"] = _("at most %(n)s characters") % {"n": 500}
    if bad:
        raise ValidationFailed(bad)
    return warehouse


def create_purchase_order(*, draft: PurchaseDraft, actor: User | None, at: datetime | None = None) -> PurchaseOrder:
    """A draft purchase order for stock. ValidationFailed names every bad field; nothing is written then."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    warehouse = _checked_head(draft)
    rows = _checked_lines(draft.supplier, draft.lines)
    with transaction.atomic():
        purchase_order = PurchaseOrder.objects.create(
            number=_unique_number(PurchaseOrder, "PO", at),
            supplier=draft.supplier,
            kind=PurchaseKind.STOCK,
            status=S.DRAFT,
            warehouse=warehouse,
            expected_at=draft.expected_at,
            note=draft.note.strip(),
            created_at=at,
            created_by=actor,
            requires_customs=draft.supplier.is_overseas if draft.requires_customs is None else draft.requires_customs,
        )
        for row in rows:
            row.purchase_order = purchase_order
        PurchaseOrderLine.objects.bulk_create(rows)
        purchase_event(purchase_order, "created", actor=actor, at=at, lines=len(rows))
    return purchase_order


def _locked(purchase_order: PurchaseOrder) -> PurchaseOrder:
    # Only the purchase order's row: the warehouse is a nullable join (a dropship purchase
    # has none), and PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    return (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "warehouse")
        .get(pk=purchase_order.pk)
    )


def _stock_only(purchase_order: PurchaseOrder, action: str) -> None:
    if purchase_order.kind != PurchaseKind.STOCK:
        raise InvalidTransition(current=purchase_order.status, action=action, entity="dropship purchase order")


def update_purchase_order(
    *, purchase_order: PurchaseOrder, draft: PurchaseDraft, actor: User | None, at: datetime | None = None
) -> PurchaseOrder:
    """Replace a draft's head and lines with `draft`'s (only drafts can be edited)."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    warehouse = _checked_head(draft)
    rows = _checked_lines(draft.supplier, draft.lines)
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "edit")
        next_status(purchase_order.status, PurchaseAction.EDIT)
        purchase_order.supplier = draft.supplier
        purchase_order.warehouse = warehouse
        purchase_order.expected_at = draft.expected_at
        purchase_order.note = draft.note.strip()
        if draft.requires_customs is not None:
            purchase_order.requires_customs = draft.requires_customs
        purchase_order.save(update_fields=["supplier", "warehouse", "expected_at", "note", "requires_customs"])
        purchase_order.lines.all().delete()
        for row in rows:
            row.purchase_order = purchase_order
        PurchaseOrderLine.objects.bulk_create(rows)
        purchase_event(purchase_order, "edited", actor=actor, at=at, lines=len(rows))
    return purchase_order


def add_lines(
    *, purchase_order: PurchaseOrder, lines: Sequence[LineDraft], actor: User | None, at: datetime | None = None
) -> PurchaseOrder:
    """Fill a draft with more lines (an imported list): a SKU already on it gets the
    quantity added and the new cost; others become new lines."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "edit")
        next_status(purchase_order.status, PurchaseAction.EDIT)
        rows = _checked_lines(purchase_order.supplier, lines)
        existing = {line.sku_id: line for line in purchase_order.lines.select_for_update()}
        new_rows: list[PurchaseOrderLine] = []
        for row in rows:
            line = existing.get(row.sku_id)
            if line is None:
                row.purchase_order = purchase_order
                new_rows.append(row)
                continue
            if line.quantity + row.quantity > MAX_QUANTITY:
                raise ValidationFailed(
                    {"lines": _("%(code)s: more than %(n)s units") % {"code": row.sku.code, "n": MAX_QUANTITY}}
                )
            line.quantity += row.quantity
            line.unit_cost = row.unit_cost
            line.save(update_fields=["quantity", "unit_cost"])
        if len(existing) + len(new_rows) > MAX_LINES:
            raise ValidationFailed({"lines": _("at most %(n)s lines") % {"n": MAX_LINES}})
        PurchaseOrderLine.objects.bulk_create(new_rows)
        purchase_event(purchase_order, "lines_added", actor=actor, at=at, lines=len(rows))
    return purchase_order


# ---------------------------------------------------------------- moves


def _in_transit_lines(purchase_order: PurchaseOrder) -> list[tuple[int, int]]:
    """(sku id, outstanding units) per line, in SKU order (the lock order of stock rows)."""
    rows = [(line.sku_id, line.outstanding) for line in purchase_order.lines.all()]
    return sorted((sku_id, units) for sku_id, units in rows if units > 0)


def send_purchase_order(
    *, purchase_order: PurchaseOrder, actor: User | None, at: datetime | None = None
) -> PurchaseOrder:
    """draft → sent: the purchase order is emailed to the supplier with its PDF (written to
    the outbox in this transaction, sent after the commit: PurchaseOrderSent) and the
    ordered units are in transit at the warehouse from now on. A supplier without an email
    address refuses the send (422 on `supplier.email`) and nothing changes."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "send")
        status = next_status(purchase_order.status, PurchaseAction.SEND)
        if purchase_order.warehouse_id is None:
            raise ValidationFailed({"warehouse": _("choose the warehouse the goods go to")})
        email = purchase_order.supplier.email.strip()
        if not email:
            # Sending is emailing the supplier: without an address nothing could go out,
            # and a purchase order marked sent that the supplier never got is worse.
            raise ValidationFailed(
                {
                    "supplier.email": _("%(supplier)s has no email address: add one to send the purchase order")
                    % {"supplier": purchase_order.supplier.name}
                }
            )
        lines = _in_transit_lines(purchase_order)
        if not lines:
            raise ValidationFailed({"lines": _("add at least one line")})
        for sku_id, units in lines:
            add_in_transit(
                sku_id=sku_id,
                warehouse_id=purchase_order.warehouse_id,
                quantity=units,
                document=purchase_order.number,
                actor=actor,
                at=at,
            )
        purchase_order.status, purchase_order.sent_at = status, at
        purchase_order.save(update_fields=["status", "sent_at"])
        purchase_event(purchase_order, "sent", actor=actor, at=at, email=email)
        hooks.emit(PurchaseOrderSent(purchase_order=purchase_order, email=email, actor=actor, at=at))
    return purchase_order


def _take_out_of_transit(purchase_order: PurchaseOrder, *, actor: User | None, at: datetime) -> None:
    if STOCK.allows(purchase_order.status, PurchaseAction.SEND) or purchase_order.warehouse_id is None:
        return  # a draft (not sent yet) never put anything in transit
    for sku_id, units in _in_transit_lines(purchase_order):
        remove_in_transit(
            sku_id=sku_id,
            warehouse_id=purchase_order.warehouse_id,
            quantity=units,
            document=purchase_order.number,
            actor=actor,
            at=at,
        )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > 300:
        raise ValidationFailed({"reason": _("at most %(n)s characters") % {"n": 300}})
    return reason


def cancel_purchase_order(
    *, purchase_order: PurchaseOrder, actor: User | None, reason: str = "", at: datetime | None = None
) -> PurchaseOrder:
    """Cancel before anything was received; what was in transit is no longer expected."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "cancel")
        status = next_status(purchase_order.status, PurchaseAction.CANCEL)
        if has_receipts(purchase_order):
            raise Conflict(
                "purchase_order_received",
                _("Goods of %(number)s were received already: close it short instead.")
                % {"number": purchase_order.number},
            )
        _take_out_of_transit(purchase_order, actor=actor, at=at)
        purchase_order.status, purchase_order.closed_at = status, at
        purchase_order.save(update_fields=["status", "closed_at"])
        purchase_event(purchase_order, "cancelled", actor=actor, at=at, reason=reason)
    return purchase_order


def close_purchase_order(
    *, purchase_order: PurchaseOrder, actor: User | None, reason: str = "", at: datetime | None = None
) -> PurchaseOrder:
    """Close short: the supplier will not send the rest; the outstanding units leave transit."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "close")
        status = next_status(purchase_order.status, PurchaseAction.CLOSE)
        outstanding = {line.sku.code: line.outstanding for line in purchase_order.lines.select_related("sku")}
        _take_out_of_transit(purchase_order, actor=actor, at=at)
        purchase_order.status, purchase_order.closed_at = status, at
        purchase_order.save(update_fields=["status", "closed_at"])
        purchase_event(purchase_order, "closed", actor=actor, at=at, reason=reason, outstanding=outstanding)
    return purchase_order


def record_customs(
    *,
    purchase_order: PurchaseOrder,
    actor: User | None,
    documents: str,
    prepayment: Decimal | None,
    at: datetime | None = None,
) -> PurchaseOrder:
    """Imported goods enter clearance (报关): the documents filed and the duties prepaid."""
    require(actor, "purchasing.edit")
    at = at or timezone.now()
    bad: dict[str, str] = {}
    if not documents.strip():
        bad["documents"] = _("list the customs documents (packing list, invoice, declaration number…)")
    elif len(documents) > 500:
        bad["documents"] = _("at most %(n)s characters") % {"n": 500}
    if prepayment is not None and (prepayment < 0 or prepayment > MAX_MONEY or prepayment != to_money(prepayment)):
        bad["prepayment"] = _("an amount of at least 0.00 with 2 decimals")
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "customs")
        status = next_status(purchase_order.status, PurchaseAction.CUSTOMS)
        if not purchase_order.requires_customs:
            raise Conflict(
                "customs_not_required",
                _("%(number)s does not go through customs.") % {"number": purchase_order.number},
            )
        if purchase_order.customs_cleared_at is not None:
            raise Conflict(
                "customs_cleared",
                _("%(number)s has cleared customs already.") % {"number": purchase_order.number},
            )
        purchase_order.status = status
        purchase_order.customs_documents = documents.strip()
        purchase_order.customs_prepayment = to_money(prepayment) if prepayment is not None else None
        purchase_order.save(update_fields=["status", "customs_documents", "customs_prepayment"])
        purchase_event(
            purchase_order,
            "customs",
            actor=actor,
            at=at,
            documents=purchase_order.customs_documents,
            prepayment=str(purchase_order.customs_prepayment) if prepayment is not None else None,
        )
    return purchase_order


def clear_customs(
    *, purchase_order: PurchaseOrder, actor: User | None, cleared_at: datetime | None = None
) -> PurchaseOrder:
    """The goods cleared customs (清关) at `cleared_at`: from now on they can be received."""
    require(actor, "purchasing.edit")
    cleared_at = cleared_at or timezone.now()
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _stock_only(purchase_order, "clear")
        status = next_status(purchase_order.status, PurchaseAction.CLEAR)
        if purchase_order.customs_cleared_at is not None:
            raise Conflict(
                "customs_cleared",
                _("%(number)s has cleared customs already.") % {"number": purchase_order.number},
            )
        purchase_order.status, purchase_order.customs_cleared_at = status, cleared_at
        purchase_order.save(update_fields=["status", "customs_cleared_at"])
        purchase_event(purchase_order, "cleared", actor=actor, at=cleared_at)
    return purchase_order


# ---------------------------------------------------------------- receiving


@dataclass(frozen=True)
class ReceiveLine:
    """What arrived of one SKU: good and damaged units; a reason when more than ordered."""

    sku: str
    good: int
    damaged: int = 0
    reason: str = ""
    bin: str = ""  # a bin code of the warehouse; empty: the receipt's bin


@dataclass
class ReceivingCheck:
    """The receipt as the action will write it, line by line (also shown before posting)."""

    line: PurchaseOrderLine
    good: int
    damaged: int
    over: int
    reason: str
    bin: Bin | None
    from_in_transit: int = field(default=0)


def _bins(warehouse: Warehouse, codes: set[str]) -> dict[str, Bin]:
    return {bin.code: bin for bin in Bin.objects.filter(warehouse=warehouse, code__in=codes, is_active=True)}


def check_receipt(
    *, purchase_order: PurchaseOrder, lines: Sequence[ReceiveLine], bin: str = ""
) -> list[ReceivingCheck]:
    """Validate a receipt against the purchase order without writing anything.

    ValidationFailed for bad input (unknown SKU, negative or no units, unknown bin);
    Conflict("over_receipt") when more than outstanding arrives without a reason."""
    bad: dict[str, str] = {}
    if not lines:
        bad["lines"] = _("count at least one unit")
    if len(lines) > MAX_LINES:
        bad["lines"] = _("at most %(n)s lines") % {"n": MAX_LINES}
    warehouse = purchase_order.warehouse
    assert warehouse is not None
    bins = _bins(warehouse, {line.bin for line in lines if line.bin} | ({bin} if bin else set()))
    if bin and bin not in bins:
        bad["bin"] = _("no active bin %(code)s in %(warehouse)s") % {"code": bin, "warehouse": warehouse.name}
    by_sku = {line.sku.code: line for line in purchase_order.lines.select_related("sku")}
    seen: set[str] = set()
    checks: list[ReceivingCheck] = []
    over_lines: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        path = f"lines[{index}]"
        po_line = by_sku.get(line.sku)
        if po_line is None:
            bad[f"{path}.sku"] = _("%(code)s is not on purchase order %(number)s") % {
                "code": line.sku,
                "number": purchase_order.number,
            }
            continue
        if line.sku in seen:
            bad[f"{path}.sku"] = _("%(code)s is on another line already") % {"code": line.sku}
        seen.add(line.sku)
        bad.update(_receive_line_problems(line, path, bins=bins, warehouse=warehouse))
        if line.good < 0 or line.damaged < 0:
            continue
        check = _receiving_check(line, po_line, bin=bins.get(line.bin or bin))
        if check.over and not check.reason:
            over_lines.append(_over_line(check, path))
        checks.append(check)
    if lines and not bad and sum(check.good + check.damaged for check in checks) == 0:
        bad["lines"] = _("count at least one unit")
    if bad:
        raise ValidationFailed(bad)
    if over_lines:
        raise _over_receipt(over_lines)
    return checks


def _receive_line_problems(
    line: ReceiveLine, path: str, *, bins: dict[str, Bin], warehouse: Warehouse
) -> dict[str, str]:
    """What is wrong with the figures, reason and bin of one line of a receipt, by field."""
    bad: dict[str, str] = {}
    if line.good < 0:
        bad[f"{path}.good"] = _("must be 0 or more")
    if line.damaged < 0:
        bad[f"{path}.damaged"] = _("must be 0 or more")
    if line.good > MAX_QUANTITY or line.damaged > MAX_QUANTITY:
        bad[f"{path}.good"] = _("at most %(n)s") % {"n": MAX_QUANTITY}
    if len(line.reason) > 300:
        bad[f"{path}.reason"] = _("at most %(n)s characters") % {"n": 300}
    if line.bin and line.bin not in bins:
        bad[f"{path}.bin"] = _("no active bin %(code)s in %(warehouse)s") % {
            "code": line.bin,
            "warehouse": warehouse.name,
        }
    return bad


def _receiving_check(line: ReceiveLine, po_line: PurchaseOrderLine, *, bin: Bin | None) -> ReceivingCheck:
    """One line as it will be received: units beyond what is outstanding are `over`, the
    rest leave transit."""
    total = line.good + line.damaged
    outstanding = po_line.outstanding
    return ReceivingCheck(
        line=po_line,
        good=line.good,
        damaged=line.damaged,
        over=max(total - outstanding, 0),
        reason=line.reason.strip(),
        bin=bin,
        from_in_transit=min(total, outstanding),
    )


def _over_line(check: ReceivingCheck, path: str) -> dict[str, Any]:
    total = check.good + check.damaged
    return {
        "sku": check.line.sku.code,
        "ordered": check.line.quantity,
        "outstanding": check.line.outstanding,
        "receiving": total,
        "over": check.over,
        "field": f"{path}.reason",
    }


def _over_receipt(over_lines: list[dict[str, Any]]) -> Conflict:
    """The refusal of units over the order that come without a reason."""
    return Conflict(
        "over_receipt",
        _("More than ordered of %(skus)s: give a reason to accept the extra units.")
        % {"skus": ", ".join(item["sku"] for item in over_lines)},
        details={
            "lines": over_lines,
            "fields": {item["field"]: _("give a reason for the extra units") for item in over_lines},
        },
    )


def _check_receivable(purchase_order: PurchaseOrder) -> str:
    _stock_only(purchase_order, "receive")
    status = next_status(purchase_order.status, PurchaseAction.RECEIVE)
    if not is_cleared(purchase_order):
        raise Conflict(
            "customs_not_cleared",
            _("%(number)s has not cleared customs: record the clearance before receiving.")
            % {"number": purchase_order.number},
            details={"status": purchase_order.status},
        )
    return status


def receive_purchase_order(
    *,
    purchase_order: PurchaseOrder,
    lines: Sequence[ReceiveLine],
    actor: User | None,
    bin: str = "",
    note: str = "",
    at: datetime | None = None,
) -> Receipt:
    """Receive a delivery (入库) against the purchase order.

    Good units go on hand (into the bin, when one is named); damaged units go to
    defective; both leave transit up to what was outstanding. Units over the order are
    accepted only with a reason and recorded as `over`. The purchase order becomes
    partially received or received, and allocation is told the stock arrived (presale
    lines and waiting stockout orders take it) in the same transaction.
    """
    require(actor, "purchasing.receive")
    at = at or timezone.now()
    if len(note) > 500:
        raise ValidationFailed({"note": _("at most %(n)s characters") % {"n": 500}})
    with transaction.atomic():
        purchase_order = _locked(purchase_order)
        _check_receivable(purchase_order)
        checks = check_receipt(purchase_order=purchase_order, lines=lines, bin=bin)
        assert purchase_order.warehouse_id is not None
        receipt = Receipt.objects.create(
            purchase_order=purchase_order,
            number=_unique_number(Receipt, "RC", at),
            received_at=at,
            received_by=actor,
            note=note.strip(),
        )
        _write_receipt_lines(receipt, checks, warehouse_id=purchase_order.warehouse_id, actor=actor, at=at)
        complete = all(line.outstanding == 0 for line in purchase_order.lines.all())
        purchase_order.status = status_after_receipt(purchase_order.status, is_complete=complete)
        purchase_order.save(update_fields=["status"])
        arrived = sorted({check.line.sku_id for check in checks if check.good > 0})
        if arrived:
            hooks.emit(
                StockArrived(sku_ids=tuple(arrived), warehouse_id=purchase_order.warehouse_id, actor=actor, at=at)
            )
        purchase_event(
            purchase_order,
            "received",
            actor=actor,
            at=at,
            receipt=receipt.number,
            lines=[
                {"sku": check.line.sku.code, "good": check.good, "damaged": check.damaged, "over": check.over}
                for check in checks
            ],
        )
    return receipt


def _write_receipt_lines(
    receipt: Receipt, checks: Sequence[ReceivingCheck], *, warehouse_id: int, actor: User | None, at: datetime
) -> None:
    """Each line with units: its receipt line, the stock received, the line's received
    figures; in SKU order (the stock rows' lock order)."""
    for check in sorted(checks, key=lambda item: item.line.sku_id):
        if check.good == check.damaged == 0:
            continue
        ReceiptLine.objects.create(
            receipt=receipt,
            line=check.line,
            good=check.good,
            damaged=check.damaged,
            over=check.over,
            reason=check.reason,
            bin=check.bin,
        )
        receive_stock(
            sku_id=check.line.sku_id,
            warehouse_id=warehouse_id,
            good=check.good,
            damaged=check.damaged,
            from_in_transit=check.from_in_transit,
            bin=check.bin,
            document=receipt.purchase_order.number,
            actor=actor,
            at=at,
        )
        check.line.received_good += check.good
        check.line.received_damaged += check.damaged
        check.line.save(update_fields=["received_good", "received_damaged"])


def create_purchase_orders(
    *, drafts: Sequence[PurchaseDraft], actor: User | None, at: datetime | None = None
) -> list[PurchaseOrder]:
    """Several drafts at once (from the suggestions), all or none; a bad field is named
    `orders[i].<path>`."""
    require(actor, "purchasing.edit")
    if not drafts:
        raise ValidationFailed({"orders": _("choose at least one line to order")})
    created: list[PurchaseOrder] = []
    with transaction.atomic():
        for index, draft in enumerate(drafts):
            try:
                created.append(create_purchase_order(draft=draft, actor=actor, at=at))
            except ValidationFailed as error:
                raise ValidationFailed({f"orders[{index}].{path}": why for path, why in error.fields.items()}) from None
    return created
