"""What a dropship supplier sees of the buyer it ships to (issue 17 A5).

The supplier needs the buyer's name, phone and address to ship. Once the purchase has
been settled for more than SELLERDESK["DROPSHIP"]["HIDE_BUYER_AFTER_DAYS"] days it needs
them no more: its pages and API then show them masked (the name's first character, the
phone's last four digits, the province and city), with a sentence saying why. Nothing
is deleted: the seller's own pages keep showing the order as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.orders.models import Order
from sellerdesk.purchasing.models import PurchaseKind, PurchaseOrder


@dataclass(frozen=True)
class ShipTo:
    """The buyer as the supplier sees them: in full, or masked (`masked_reason` says why)."""

    name: str
    phone: str
    address: str
    no_price_slip: bool
    masked_reason: str | None = None


def hide_buyer_after() -> timedelta:
    days = settings.SELLERDESK.get("DROPSHIP", {}).get("HIDE_BUYER_AFTER_DAYS", 30)
    return timedelta(days=days)


def is_buyer_hidden(purchase: PurchaseOrder, *, now: datetime | None = None) -> bool:
    """Whether the supplier no longer sees the buyer: settled longer ago than the setting."""
    settled_at = purchase.settled_at
    return settled_at is not None and settled_at <= (now or timezone.now()) - hide_buyer_after()


def mask_name(name: str) -> str:
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    return "*" * max(len(digits) - 4, 3) + digits[-4:] if len(digits) > 4 else "****"


def ship_to_for_supplier(purchase: PurchaseOrder, *, now: datetime | None = None) -> ShipTo | None:
    """Where the supplier ships a dropship purchase (None for a stock purchase or one
    without an order): the buyer in full, or masked once settled long enough ago."""
    order: Order | None = purchase.for_order
    if purchase.kind != PurchaseKind.DROPSHIP or order is None:
        return None
    no_price_slip = order.buyer_instructions.no_price_slip
    if not is_buyer_hidden(purchase, now=now):
        return ShipTo(order.buyer_name, order.buyer_phone, order.address_text, no_price_slip)
    reason = _(
        "The buyer's details are hidden: this purchase was settled more than %(days)s days ago, "
        "and the supplier no longer needs them."
    ) % {"days": hide_buyer_after().days}
    return ShipTo(
        name=mask_name(order.buyer_name),
        phone=mask_phone(order.buyer_phone),
        address=f"{order.province}{order.city} ***",
        no_price_slip=no_price_slip,
        masked_reason=reason,
    )
