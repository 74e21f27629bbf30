"""The notes inventory writes on stock movements, as a code and parameters
(StockMovement.note_data), rendered when the ledger is read (core.messages). Imported by
`InventoryConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import messages

RESERVATION_MOVED = "note_reservation_moved"
NOT_FOUND_AT_PICKING = "note_not_found_at_picking"
STOCK_COUNT = "note_stock_count"
TRANSFER_CANCELLED = "note_transfer_cancelled"
UNITS_MOVED = "note_units_moved"

messages.register(
    RESERVATION_MOVED,
    gettext_lazy("moved from %(source)s to %(target)s"),
    example={"source": "2612060001", "target": "2612060002"},
)
messages.register(NOT_FOUND_AT_PICKING, gettext_lazy("not found at picking"))
messages.register(STOCK_COUNT, gettext_lazy("stock count"))
messages.register(TRANSFER_CANCELLED, gettext_lazy("transfer cancelled"))
messages.register(
    UNITS_MOVED,
    gettext_lazy("%(quantity)s units from %(source)s to %(target)s"),
    # A move from or to "no bin" names no bin code.
    format=lambda data: {
        "quantity": data.get("quantity", ""),
        "source": data.get("source") or _("no bin"),
        "target": data.get("target") or _("no bin"),
    },
    example={"quantity": 5, "source": "", "target": "A-01-01"},
)
