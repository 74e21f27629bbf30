"""The texts purchasing stores as a code and parameters (a hold's resolution), rendered
when read (core.messages). Imported by `PurchasingConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages

HOLD_DROPSHIP_CREATED = "hold_dropship_created"
HOLD_NO_SUPPLIER = "hold_dropship_no_supplier"

messages.register(HOLD_DROPSHIP_CREATED, gettext_lazy("Dropship purchase created"))
messages.register(
    HOLD_NO_SUPPLIER,
    gettext_lazy(
        "No supplier ships the dropship SKU(s) %(skus)s: add a dropship supplier for them, "
        "then create the dropship purchase on the dropship screen."
    ),
    format=lambda data: {"skus": ", ".join(data.get("skus", []))},
    example={"skus": ["LAMP-DS"]},
)
