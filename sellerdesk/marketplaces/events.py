"""The stored texts of the marketplaces app (core.messages): refused rows' reasons, a
failed import's error, the events written on orders by imports and pushes. Each code is
registered once, in `register_texts`, called from `MarketplacesConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sellerdesk.core import messages

# (code, template, example parameters). Helpers append their codes here.
TEXTS: list[tuple[str, object, dict[str, object]]] = [
    ("market_file_unreadable", _("The file could not be read: %(detail)s"), {"detail": "x"}),
]


def register_texts() -> None:
    for code, template, example in TEXTS:
        if not messages.is_registered(code):
            messages.register(code, template, example=dict(example))  # type: ignore[arg-type]
