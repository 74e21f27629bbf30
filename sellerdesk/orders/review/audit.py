"""The audit events of a shop's review and allocation settings (core.audit, kind
"shop_settings"): one writer each, and the renderers of their codes (registered on
import; `OrdersConfig.ready()` imports this module)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sellerdesk.core.audit import register_settings_code, settings_changed
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.shops.models import ReviewSettings, Shop

REVIEW_SETTINGS_CHANGED = "review_settings_changed"
ALLOCATION_SETTINGS_CHANGED = "allocation_settings_changed"


# The msgids are marked where they are first written (orders/views_review.py).
register_settings_code(
    REVIEW_SETTINGS_CHANGED,
    "Review settings of %(shop)s saved.",
    ReviewSettings,
    example={"shop": "main", "shop_name": "主店", "changes": {"auto_approve": [True, False]}},
)
register_settings_code(
    ALLOCATION_SETTINGS_CHANGED,
    "Allocation settings of %(shop)s saved.",
    Shop,
    example={"shop": "main", "shop_name": "主店", "changes": {"is_b2b": [False, True]}},
)


def review_settings_changed_event(
    shop: Shop, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    return settings_changed(shop, REVIEW_SETTINGS_CHANGED, changes=changes, actor=actor, at=at)


def allocation_settings_changed_event(
    shop: Shop, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    return settings_changed(shop, ALLOCATION_SETTINGS_CHANGED, changes=changes, actor=actor, at=at)
