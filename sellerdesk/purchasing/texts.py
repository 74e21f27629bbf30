"""The texts purchasing stores as a code and parameters (a hold's resolution), rendered
when read (core.messages). Imported by `PurchasingConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sellerdesk.core import messages

HOLD_DROPSHIP_CREATED = "hold_dropship_created"

messages.register(HOLD_DROPSHIP_CREATED, gettext_lazy("Dropship purchase created"))
