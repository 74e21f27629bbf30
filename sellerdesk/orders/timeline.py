"""How the order timeline reads: the renderers of the event codes orders owns, and the
timeline entry the order page and the API show.

Imported by `OrdersConfig.ready()`, so the codes are registered before any event is
written or read. Upper apps register their own codes in their `events.py` (logistics,
fulfilment, allocation); this module never imports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.messages import Params
from sellerdesk.orders.events import register_event_code
from sellerdesk.orders.models import FlagColor, OrderEvent, OrderEventType, PaymentMethod
from sellerdesk.orders.review.rules import reason_label
from sellerdesk.orders.states import OrderStatus


def status_label(value: str | None) -> str:
    try:
        return str(OrderStatus(value or "").label)
    except ValueError:
        return value or ""


def method_label(value: str) -> str:
    try:
        return str(PaymentMethod(value).label)
    except ValueError:
        return value


def flag_label(value: str) -> str:
    try:
        return str(FlagColor(value).label)
    except ValueError:
        return value


# --- the renderers of orders' own codes ---------------------------------------------------


def _placed(data: Params) -> str:
    lines = data.get("lines", [])
    return _("%(count)s line(s), %(items)s item(s), total ¥%(total)s") % {
        "count": len(lines),
        "items": sum(int(line.get("quantity", 0)) for line in lines),
        "total": data.get("total", ""),
    }


def _price_changed(data: Params) -> str:
    changes = "; ".join(
        f"{line.get('sku', '')} ¥{line.get('before', '')} → ¥{line.get('after', '')}" for line in data.get("lines", [])
    )
    text = _("%(changes)s. Total ¥%(before)s → ¥%(after)s") % {
        "changes": changes,
        "before": data.get("total_before", ""),
        "after": data.get("total_after", ""),
    }
    if data.get("reason"):
        text += " · " + _("reason: %(reason)s") % {"reason": data["reason"]}
    return text


def _payment_recorded(data: Params) -> str:
    text = _("¥%(amount)s (%(method)s), ¥%(paid)s paid so far") % {
        "amount": data.get("amount", ""),
        "method": method_label(data.get("method", "")),
        "paid": data.get("paid_amount", ""),
    }
    if data.get("reference"):
        text += " · " + _("reference %(reference)s") % {"reference": data["reference"]}
    return text


def _receipt_confirmed(data: Params) -> str:
    return _("Confirmed automatically when the time was up") if data.get("automatic") else ""


def _closed(data: Params) -> str:
    reason = data.get("reason", "")
    if isinstance(reason, dict):  # a reason the system gave, stored as a code
        reason = messages.render(reason)
    if data.get("action") == "expire":
        return str(reason) if reason else _("Not paid in time")
    return _("Cancelled: %(reason)s") % {"reason": reason}


def _refund_recorded(data: Params) -> str:
    reason = data.get("reason", "")
    return _("¥%(amount)s to refund · %(reason)s") % {
        "amount": data.get("amount", ""),
        "reason": messages.render(reason) if isinstance(reason, dict) else reason,
    }


def _held(data: Params) -> str:
    reasons = "; ".join(
        # A rule's sentence is a code (read in the reader's language); a typed one, as typed.
        f"{reason_label(reason.get('code', ''))}: {messages.text(reason.get('message', ''))}"
        for reason in data.get("reasons", [])
    )
    template = _("Held automatically: %(reasons)s") if data.get("automatic") else _("Held: %(reasons)s")
    return template % {"reasons": reasons}


def _approved(data: Params) -> str:
    if data.get("automatic"):
        return _("Approved automatically; rules passed: %(rules)s") % {
            "rules": ", ".join(reason_label(code) for code in data.get("rules_passed", []))
        }
    if data.get("released") is not None:
        text = _("Released from the exception queue")
        return text + (" · " + str(data["note"]) if data.get("note") else "")
    return ""


def _flagged(data: Params) -> str:
    after = data.get("after", {})
    if not after.get("color"):
        return _("Flag cleared")
    return _("%(color)s flag: %(reason)s") % {"color": flag_label(after["color"]), "reason": after.get("reason", "")}


def _joined(address: Any) -> str:
    return "".join(address.values()) if isinstance(address, dict) else str(address or "")


register_event_code(
    OrderEventType.PLACED,
    OrderEventType.PLACED,
    render=_placed,
    example={"total": "118.00", "lines": [{"sku": "TEE-RED-M", "quantity": 2, "unit_price": "59.00"}]},
)
register_event_code(
    OrderEventType.PRICE_CHANGED,
    OrderEventType.PRICE_CHANGED,
    render=_price_changed,
    example={
        "lines": [{"sku": "TEE-RED-M", "before": "59.00", "after": "49.00"}],
        "total_before": "118.00",
        "total_after": "98.00",
        "reason": "老客户",
    },
)
register_event_code(
    OrderEventType.PAYMENT_RECORDED,
    OrderEventType.PAYMENT_RECORDED,
    render=_payment_recorded,
    example={"amount": "50.00", "method": "remittance", "paid_amount": "50.00", "reference": "B-1"},
)
register_event_code(
    OrderEventType.SHIPPED,
    OrderEventType.SHIPPED,
    gettext_lazy("%(carrier)s, tracking number %(tracking)s"),
    # The carrier's name as it was when the order shipped; events written before name its code.
    format=lambda data: {
        "carrier": data.get("carrier_name") or data.get("carrier", ""),
        "tracking": data.get("tracking_number", ""),
    },
    example={"carrier": "SF", "carrier_name": "顺丰速运", "tracking_number": "SF100"},
)
register_event_code(
    OrderEventType.RECEIPT_CONFIRMED,
    OrderEventType.RECEIPT_CONFIRMED,
    render=_receipt_confirmed,
    example={"automatic": True},
)
register_event_code(
    OrderEventType.CLOSED, OrderEventType.CLOSED, render=_closed, example={"action": "cancel", "reason": "买家不要了"}
)
register_event_code(
    OrderEventType.REFUND_RECORDED,
    OrderEventType.REFUND_RECORDED,
    render=_refund_recorded,
    example={"amount": "10.00", "reason": "退差价"},
)
register_event_code(
    OrderEventType.NOTE_ADDED,
    OrderEventType.NOTE_ADDED,
    render=lambda data: str(data.get("text", "")),
    example={"text": "已催付"},
    verbatim=True,
)
register_event_code(
    OrderEventType.HELD,
    OrderEventType.HELD,
    render=_held,
    example={"automatic": False, "reasons": [{"code": "manual", "message": "改地址"}]},
)
register_event_code(
    OrderEventType.APPROVED, OrderEventType.APPROVED, render=_approved, example={"released": 1, "note": "已确认"}
)
register_event_code(
    OrderEventType.REVIEWED,
    OrderEventType.REVIEWED,
    gettext_lazy("No problem found; waiting for approval by hand"),
    example={"automatic": True},
)
register_event_code(
    OrderEventType.FLAGGED,
    OrderEventType.FLAGGED,
    render=_flagged,
    example={"after": {"color": "red", "reason": "催发货"}, "before": {}},
)
register_event_code(
    OrderEventType.LINES_CHANGED,
    OrderEventType.LINES_CHANGED,
    gettext_lazy("Lines changed; total ¥%(before)s → ¥%(after)s"),
    format=lambda data: {"before": data.get("total_before", ""), "after": data.get("total_after", "")},
    example={"total_before": "118.00", "total_after": "59.00"},
)
register_event_code(
    OrderEventType.ADDRESS_CORRECTED,
    OrderEventType.ADDRESS_CORRECTED,
    gettext_lazy("Address corrected: %(before)s → %(after)s"),
    format=lambda data: {"before": _joined(data.get("before")), "after": _joined(data.get("after"))},
    example={"before": {"province": "浙江省", "city": "杭州市"}, "after": {"province": "浙江省", "city": "宁波市"}},
)
register_event_code(
    OrderEventType.CARRIER_CHOSEN,
    OrderEventType.CARRIER_CHOSEN,
    gettext_lazy("Carrier: %(before)s → %(after)s"),
    format=lambda data: {"before": data.get("before") or "-", "after": data.get("after", "")},
    example={"before": "", "after": "SF"},
)
register_event_code(
    OrderEventType.REFUSED,
    OrderEventType.REFUSED,
    render=lambda data: messages.text(data.get("reason", "")),
    example={"reason": {"code": "refused_by_buyer", "tracking_number": "SF100"}},
)
register_event_code(
    OrderEventType.RESTOCKED,
    OrderEventType.RESTOCKED,
    gettext_lazy("Back on hand: %(lines)s"),
    format=lambda data: {
        "lines": ", ".join(f"{line.get('sku', '')} × {line.get('quantity', '')}" for line in data.get("lines", []))
    },
    example={"lines": [{"sku": "TEE-RED-M", "quantity": 2}]},
)
# Types whose title says it all; upper apps writing them add facts as parameters.
for _silent in (
    OrderEventType.PAID,
    OrderEventType.DELIVERED,
    OrderEventType.MERGED,
    OrderEventType.MERGED_INTO,
    OrderEventType.UNMERGED,
    OrderEventType.SPLIT,
    OrderEventType.ALLOCATED,
    OrderEventType.STOCKOUT,
    OrderEventType.STOCKOUT_HANDLED,
    OrderEventType.DROPSHIP_ORDERED,
    OrderEventType.DROPSHIP_PAID,
    OrderEventType.DROPSHIP_SHIPPED,
    OrderEventType.DROPSHIP_SETTLED,
    OrderEventType.DROPSHIP_CANCELLED,
):
    register_event_code(_silent, _silent)


# --- the timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    code: str
    title: str
    text: str
    actor: str
    status_before: str
    status_after: str


def event_code(event: OrderEvent) -> str:
    """The event's code; rows written before codes existed have their type as code."""
    return str((event.data or {}).get("code") or event.type)


def describe_event(event: OrderEvent) -> str:
    """A sentence for the timeline, in the active (the reader's) language, from the
    event's code and parameters."""
    return messages.render(event.data or {}, default_code=event.type)


def event_title(event: OrderEvent) -> str:
    try:
        return str(OrderEventType(event.type).label)
    except ValueError:
        return event.type


def timeline_entry(event: OrderEvent) -> TimelineEntry:
    """One line of the order's timeline as the reader sees it (their language)."""
    data = event.data or {}
    return TimelineEntry(
        at=event.at,
        kind=event.type,
        code=event_code(event),
        title=event_title(event),
        text=describe_event(event),
        actor=event.actor.signature if event.actor else _("System"),
        status_before=status_label(data["status_before"]) if data.get("status_before") else "",
        status_after=status_label(data["status_after"]) if data.get("status_after") else "",
    )
