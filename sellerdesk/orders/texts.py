"""The texts orders stores as a code and parameters outside the timeline: why an order
closed (Order.close_reason_data), how a hold was resolved (OrderHold.resolution_data) and
why money goes back (a refund's reason). Rendered when read (core.messages); imported by
`OrdersConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages

CLOSED_NOT_PAID = "closed_not_paid"
CLOSED_MERGED_INTO = "closed_merged_into"
CLOSED_SPLIT_BACK = "closed_split_back"
CLOSED_SPLIT_INTO = "closed_split_into"
HOLD_APPROVED = "hold_approved"
HOLD_ADDRESS_CORRECTED = "hold_address_corrected"
HOLD_CARRIER_CHOSEN = "hold_carrier_chosen"
REFUND_LINES_CHANGED = "refund_lines_changed"
HOLD_BALANCE_DUE = "hold_balance_due"

messages.register(CLOSED_NOT_PAID, gettext_lazy("Not paid in time"))
messages.register(CLOSED_MERGED_INTO, gettext_lazy("merged into %(number)s"), example={"number": "2612060001"})
messages.register(
    CLOSED_SPLIT_BACK,
    gettext_lazy("split back into %(numbers)s"),
    format=lambda data: {"numbers": ", ".join(data.get("numbers", []))},
    example={"numbers": ["2612060001", "2612060002"]},
)
messages.register(
    CLOSED_SPLIT_INTO,
    gettext_lazy("split into %(numbers)s"),
    format=lambda data: {"numbers": ", ".join(data.get("numbers", []))},
    example={"numbers": ["2612060001-1", "2612060001-2"]},
)
messages.register(HOLD_APPROVED, gettext_lazy("Approved"))
messages.register(HOLD_ADDRESS_CORRECTED, gettext_lazy("address corrected"))
messages.register(HOLD_CARRIER_CHOSEN, gettext_lazy("carrier chosen"))
messages.register(REFUND_LINES_CHANGED, gettext_lazy("order lines changed"))
messages.register(
    HOLD_BALANCE_DUE, gettext_lazy("The buyer owes ¥%(due)s after the order changed."), example={"due": "20.00"}
)

# Why an order ended as refused (Order.close_reason_data, logistics on a carrier's scan).
REFUSED_BY_BUYER = "refused_by_buyer"
RETURNED_UNDELIVERED = "returned_undelivered"
messages.register(
    REFUSED_BY_BUYER,
    gettext_lazy("The buyer refused parcel %(tracking_number)s"),
    example={"tracking_number": "SF100"},
)
messages.register(
    RETURNED_UNDELIVERED,
    gettext_lazy("Parcel %(tracking_number)s came back to the seller"),
    example={"tracking_number": "SF100"},
)
