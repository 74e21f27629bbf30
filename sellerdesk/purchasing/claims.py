"""Claims on dropship suppliers (索赔): money the seller wants back from a supplier for goods
it shipped to a buyer who was then refunded (an after-sales case on a dropshipped line).

A claim is one row per purchase order and document (the refund's number): asking twice
for the same document is the same claim. It opens `open`; the supplier's answer and the
money (accepted, settled, rejected) are recorded on it later.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.orders.models import Order
from sellerdesk.purchasing.models import (
    PurchaseKind,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseStatus,
    SupplierClaim,
)

# A dropship purchase whose goods the supplier has sent to the buyer (and maybe been settled).
SHIPPED_BY_SUPPLIER = (PurchaseStatus.SHIPPED, PurchaseStatus.SETTLED, PurchaseStatus.CLOSED)


def claim_from_supplier(
    *, purchase_order: PurchaseOrder, document: str, amount: Decimal, reason: str, at: datetime
) -> SupplierClaim:
    """Claim `amount` back from the purchase order's supplier for `document` (a refund's
    number), in the caller's transaction. The same purchase order and document answer the
    claim made the first time. ValidationFailed for an amount of 0 or less, or a document
    or reason too long; nothing is written then."""
    amount = to_money(amount)
    bad: dict[str, str] = {}
    if amount <= ZERO:
        bad["amount"] = _("must be more than 0")
    if not document or len(document) > 64:
        bad["document"] = _("between 1 and 64 characters")
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        claim, _created = SupplierClaim.objects.get_or_create(
            purchase_order=purchase_order,
            document=document,
            defaults={
                "supplier_id": purchase_order.supplier_id,
                "amount": amount,
                "reason": reason[:300],
                "created_at": at,
            },
        )
    return claim


@dataclass(frozen=True)
class ClaimLine:
    """Units of a SKU refunded to the buyer."""

    sku_id: int
    quantity: int


def claim_dropshipped(
    *, order: Order, document: str, lines: Sequence[ClaimLine], reason: str, at: datetime
) -> list[SupplierClaim]:
    """Claim back, from each dropship supplier that shipped the order's goods, the cost of
    the refunded units it shipped (its purchase line's unit cost × the units, at most the
    units it shipped). One claim per purchase order for the document; none when nothing
    refunded was dropshipped."""
    wanted: dict[int, int] = {}
    for line in lines:
        if line.quantity > 0:
            wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
    if not wanted:
        return []
    purchases = PurchaseOrder.objects.filter(
        kind=PurchaseKind.DROPSHIP, for_order=order, status__in=SHIPPED_BY_SUPPLIER
    ).order_by("pk")
    purchase_lines = PurchaseOrderLine.objects.filter(purchase_order__in=purchases, sku_id__in=wanted).order_by(
        "purchase_order_id", "pk"
    )
    owed: dict[int, Decimal] = {}
    for purchase_line in purchase_lines:
        units = min(wanted.get(purchase_line.sku_id, 0), purchase_line.quantity)
        if units <= 0:
            continue
        wanted[purchase_line.sku_id] -= units
        owed[purchase_line.purchase_order_id] = owed.get(purchase_line.purchase_order_id, ZERO) + (
            purchase_line.unit_cost * units
        )
    return [
        claim_from_supplier(purchase_order=purchase, document=document, amount=owed[purchase.pk], reason=reason, at=at)
        for purchase in purchases
        if owed.get(purchase.pk, ZERO) > ZERO
    ]
