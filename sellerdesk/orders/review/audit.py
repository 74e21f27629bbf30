"""The audit events of a shop's review and allocation settings (core.audit, kind
"shop_settings"): one writer each, and the renderers of their codes (registered on
import; `OrdersConfig.ready()` imports this module)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from sellerdesk.core.audit import SHOP_SETTINGS, changes_text, record, register_audit_code
from sellerdesk.core.messages import Params
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.shops.models import ReviewSettings, Shop

REVIEW_SETTINGS_CHANGED = "review_settings_changed"
ALLOCATION_SETTINGS_CHANGED = "allocation_settings_changed"


def _saved(template: str, model: type[Any]) -> Any:
    def render(data: Params) -> str:
        text = _(template) % {"shop": data.get("shop_name", data.get("shop", ""))}
        changes = changes_text(model, data.get("changes", {}))
        return f"{text} {changes}" if changes else text

    return render


# The msgids are marked where they are first written (orders/views_review.py).
register_audit_code(
    REVIEW_SETTINGS_CHANGED,
    SHOP_SETTINGS,
    render=_saved("Review settings of %(shop)s saved.", ReviewSettings),
    example={"shop": "main", "shop_name": "主店", "changes": {"auto_approve": [True, False]}},
)
register_audit_code(
    ALLOCATION_SETTINGS_CHANGED,
    SHOP_SETTINGS,
    render=_saved("Allocation settings of %(shop)s saved.", Shop),
    example={"shop": "main", "shop_name": "主店", "changes": {"is_b2b": [False, True]}},
)


def review_settings_changed_event(
    shop: Shop, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    return record(
        object_kind=SHOP_SETTINGS,
        object_id=shop.code,
        code=REVIEW_SETTINGS_CHANGED,
        actor=actor,
        at=at,
        shop=shop.code,
        shop_name=shop.name,
        changes=changes,
    )


def allocation_settings_changed_event(
    shop: Shop, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    return record(
        object_kind=SHOP_SETTINGS,
        object_id=shop.code,
        code=ALLOCATION_SETTINGS_CHANGED,
        actor=actor,
        at=at,
        shop=shop.code,
        shop_name=shop.name,
        changes=changes,
    )
