"""A shop's after-sales policy: its AfterSalesPolicy row over the defaults of
settings.SELLERDESK["AFTERSALES"] (every seed number is a setting, per shop).

`policy_for(shop)` is what the actions read; `update_policy` is how staff change it
(audited as a shop-settings event, aftersales.configure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sellerdesk.aftersales.models import AfterSalesPolicy, CaseType, Payer, Reason
from sellerdesk.core.audit import changes_of, register_settings_code, settings_changed
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import to_money
from sellerdesk.core.permissions import require
from sellerdesk.shops.models import Shop

POLICY_SAVED = "aftersales_policy_saved"

register_settings_code(
    POLICY_SAVED,
    gettext_noop("After-sales policy of %(shop)s saved."),
    AfterSalesPolicy,
    example={"shop": "main", "shop_name": "主店", "changes": {"no_reason_days": [7, 15]}},
)

# The model's own defaults, for the numbers settings do not name.
_MODEL_DEFAULTS = {f.name: f.default for f in AfterSalesPolicy._meta.concrete_fields if f.name != "id"}


@dataclass(frozen=True)
class Policy:
    """The after-sales rules one shop works by (see AfterSalesPolicy for each field)."""

    no_reason_days: int
    no_reason_from: str  # "delivery" | "receipt"
    window_days: dict[str, int] = field(default_factory=dict)
    return_shipping_payer: dict[str, str] = field(default_factory=dict)
    inspection_reasons: frozenset[str] = frozenset()
    agent_approval_limit: Decimal = Decimal("200.00")
    response_hours: int = 48
    return_arrival_days: int = 10
    replacement_working_days: int = 2
    follow_up_days: int = 3

    def window_for(self, case_type: str) -> int:
        """Days a case of this type may be opened after delivery (0: no limit of days,
        as for a refund before shipping, which is bounded by the shipping itself)."""
        return int(self.window_days.get(str(case_type), 0))

    def payer_for(self, reason: str) -> str:
        """Who pays the return postage for this reason (the seller unless the policy says the buyer)."""
        return self.return_shipping_payer.get(str(reason), Payer.SELLER)

    def needs_inspection(self, reason: str) -> bool:
        return str(reason) in self.inspection_reasons


def _defaults() -> dict[str, Any]:
    conf = settings.SELLERDESK.get("AFTERSALES", {})
    return {
        "no_reason_days": int(conf.get("NO_REASON_DAYS", _MODEL_DEFAULTS["no_reason_days"])),
        "no_reason_from": str(conf.get("NO_REASON_FROM", _MODEL_DEFAULTS["no_reason_from"])),
        "window_days": {str(k): int(v) for k, v in conf.get("WINDOW_DAYS", {}).items()},
        "return_shipping_payer": {str(k): str(v) for k, v in conf.get("RETURN_SHIPPING_PAYER", {}).items()},
        "inspection_reasons": frozenset(conf.get("INSPECTION_REASONS", ())),
        "agent_approval_limit": to_money(
            Decimal(str(conf.get("AGENT_APPROVAL_LIMIT", _MODEL_DEFAULTS["agent_approval_limit"])))
        ),
        "response_hours": int(conf.get("RESPONSE_HOURS", _MODEL_DEFAULTS["response_hours"])),
        "return_arrival_days": int(conf.get("RETURN_ARRIVAL_DAYS", _MODEL_DEFAULTS["return_arrival_days"])),
        "replacement_working_days": int(
            conf.get("REPLACEMENT_WORKING_DAYS", _MODEL_DEFAULTS["replacement_working_days"])
        ),
        "follow_up_days": int(conf.get("FOLLOW_UP_DAYS", _MODEL_DEFAULTS["follow_up_days"])),
    }


def _merged(row: AfterSalesPolicy | None) -> Policy:
    values = _defaults()
    if row is not None:
        for name in (
            "no_reason_days",
            "no_reason_from",
            "agent_approval_limit",
            "response_hours",
            "return_arrival_days",
            "replacement_working_days",
            "follow_up_days",
        ):
            values[name] = getattr(row, name)
        # The per-key tables are merged key by key: a row names only what the shop changed.
        values["window_days"] = {**values["window_days"], **{str(k): int(v) for k, v in row.window_days.items()}}
        values["return_shipping_payer"] = {
            **values["return_shipping_payer"],
            **{str(k): str(v) for k, v in row.return_shipping_payer.items()},
        }
        # An empty list on the row (as a new row has) means "as the defaults say".
        if row.inspection_reasons:
            values["inspection_reasons"] = frozenset(str(r) for r in row.inspection_reasons)
    values["agent_approval_limit"] = to_money(values["agent_approval_limit"])
    return Policy(**values)


def policy_for(shop: Shop | int) -> Policy:
    """The shop's policy: its row, if it has one, over the settings' defaults."""
    shop_id = shop if isinstance(shop, int) else shop.pk
    return _merged(AfterSalesPolicy.objects.filter(shop_id=shop_id).first())


# --- changing it ---------------------------------------------------------------------------

_INTEGER_FIELDS = {
    "no_reason_days": (0, 365),
    "response_hours": (1, 24 * 30),
    "return_arrival_days": (1, 365),
    "replacement_working_days": (0, 60),
    "follow_up_days": (0, 365),
}
EDITABLE = frozenset(
    {
        *_INTEGER_FIELDS,
        "no_reason_from",
        "window_days",
        "return_shipping_payer",
        "inspection_reasons",
        "agent_approval_limit",
    }
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _cleaned(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The fields as the row keeps them, and what is wrong, by field path."""
    clean: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for name, value in fields.items():
        if name not in EDITABLE:
            bad[name] = _("not a field of the after-sales policy")
        elif name in _INTEGER_FIELDS:
            low, high = _INTEGER_FIELDS[name]
            if not _is_int(value) or not low <= value <= high:
                bad[name] = _("a whole number from %(low)s to %(high)s") % {"low": low, "high": high}
            else:
                clean[name] = value
        elif name == "no_reason_from":
            if value not in ("delivery", "receipt"):
                bad[name] = _("one of delivery, receipt")
            else:
                clean[name] = value
        elif name == "agent_approval_limit":
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                amount = Decimal("-1")
            if (
                isinstance(value, (bool, float))
                or not amount.is_finite()
                or amount < 0
                or amount > Decimal("9999999.99")
            ):
                bad[name] = _("an amount from 0.00 to 9999999.99")
            elif amount != amount.quantize(Decimal("0.01")):
                bad[name] = _("at most 2 decimal places")
            else:
                clean[name] = to_money(amount)
        elif name == "window_days":
            if not isinstance(value, Mapping):
                bad[name] = _("days per case type")
                continue
            for key, days in value.items():
                if key not in CaseType.values:
                    bad[f"window_days.{key}"] = _("unknown case type")
                elif not _is_int(days) or not 0 <= days <= 3650:
                    bad[f"window_days.{key}"] = _("a whole number from %(low)s to %(high)s") % {"low": 0, "high": 3650}
            clean[name] = dict(value)
        elif name == "return_shipping_payer":
            if not isinstance(value, Mapping):
                bad[name] = _("who pays per reason")
                continue
            for key, payer in value.items():
                if key not in Reason.values:
                    bad[f"return_shipping_payer.{key}"] = _("unknown reason")
                elif payer not in Payer.values:
                    bad[f"return_shipping_payer.{key}"] = _("one of %(values)s") % {"values": ", ".join(Payer.values)}
            clean[name] = dict(value)
        elif name == "inspection_reasons":
            if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
                bad[name] = _("a list of reasons")
                continue
            unknown = sorted(str(reason) for reason in value if reason not in Reason.values)
            if unknown:
                bad[name] = _("unknown reasons: %(reasons)s") % {"reasons": ", ".join(unknown)}
            clean[name] = sorted(set(value))
    return clean, bad


def _snapshot(row: AfterSalesPolicy) -> dict[str, Any]:
    return {name: getattr(row, name) for name in EDITABLE}


@transaction.atomic
def update_policy(
    *, shop: Shop, fields: Mapping[str, Any], actor: User | None, at: datetime | None = None
) -> AfterSalesPolicy:
    """Change the shop's after-sales policy (aftersales.configure). Each field is checked
    (ValidationFailed naming it, nothing written); the shop's first change writes its row
    with the values it was working by, so the fields not changed keep their meaning. The
    change is audited with each changed field's before and after."""
    require(actor, "aftersales.configure")
    clean, bad = _cleaned(fields)
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    row = AfterSalesPolicy.objects.select_for_update().filter(shop=shop).first()
    if row is None:
        current = policy_for(shop)
        row = AfterSalesPolicy.objects.create(
            shop=shop,
            no_reason_days=current.no_reason_days,
            no_reason_from=current.no_reason_from,
            window_days=dict(current.window_days),
            return_shipping_payer=dict(current.return_shipping_payer),
            inspection_reasons=sorted(current.inspection_reasons),
            agent_approval_limit=current.agent_approval_limit,
            response_hours=current.response_hours,
            return_arrival_days=current.return_arrival_days,
            replacement_working_days=current.replacement_working_days,
            follow_up_days=current.follow_up_days,
        )
    before = _snapshot(row)
    if "window_days" in clean:
        clean["window_days"] = {**row.window_days, **clean["window_days"]}
    if "return_shipping_payer" in clean:
        clean["return_shipping_payer"] = {**row.return_shipping_payer, **clean["return_shipping_payer"]}
    for name, value in clean.items():
        setattr(row, name, value)
    after = _snapshot(row)
    changes = changes_of(before, after)
    if not changes:
        return row
    row.save(update_fields=sorted(clean))
    settings_changed(shop, POLICY_SAVED, changes=changes, actor=actor, at=at)
    return row


__all__ = ["EDITABLE", "POLICY_SAVED", "Policy", "policy_for", "update_policy"]
