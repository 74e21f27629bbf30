"""Order actions taken from a conversation (owner H5): the agent cancels an unpaid order,
corrects its address, changes a colour or size while it waits in the hold buffer,
reminds the buyer to pay, extends the receipt confirmation, opens an after-sales case or
writes a note on the order — without leaving the chat.

Each function is the existing action of the order's app, called with the agent as the
actor, so its permission is checked there and it writes the order's own timeline row;
around it, this module checks that the agent may reply in the conversation (its shop)
and that the order is the buyer's, and writes the conversation's timeline row in the
same transaction. A refusal anywhere leaves both timelines and the order as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import actions as aftersales_actions
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseSource, CaseType
from sellerdesk.core.errors import InvalidTransition, ValidationFailed
from sellerdesk.core.messages import Params
from sellerdesk.core.models import User
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import changes as order_changes
from sellerdesk.orders.changes import LineChange, NewAddress
from sellerdesk.orders.events import register_event_code, write_event
from sellerdesk.orders.models import Order, OrderEventType, OrderNote
from sellerdesk.orders.states import OrderStatus
from sellerdesk.reminders import actions as reminder_actions
from sellerdesk.reminders.models import PaymentReminder
from sellerdesk.service import access, events
from sellerdesk.service.models import Conversation

# --- the conversation's timeline codes ---------------------------------------------------------

ORDER_CANCELLED = "service_order_cancelled"
ORDER_ADDRESS_CHANGED = "service_order_address_changed"
ORDER_ITEMS_CHANGED = "service_order_items_changed"
ORDER_PAYMENT_REMINDED = "service_order_payment_reminded"
ORDER_RECEIPT_EXTENDED = "service_order_receipt_extended"
ORDER_CASE_OPENED = "service_order_case_opened"
ORDER_NOTE_ADDED = "service_order_note_added"
# On the order's timeline: after-sales writes its case's own timeline, not the order's.
CASE_OPENED_FROM_CONVERSATION = "service_case_opened"


def _case_type_label(data: Params) -> str:
    value = data.get("type", "")
    return str(CaseType(value).label) if value in CaseType.values else str(value)


def _channel_label(value: str) -> str:
    labels = {"sms": _("SMS"), "im": _("Chat"), "phone": _("Phone call")}
    return str(labels.get(value, value))


events.register_code(
    ORDER_CANCELLED,
    gettext_lazy("Order %(order)s cancelled: %(reason)s"),
    format=lambda data: {"order": data.get("order", ""), "reason": data.get("reason", "")},
    example={"order": "20261206000001", "reason": "买家拍错了"},
)
events.register_code(
    ORDER_ADDRESS_CHANGED,
    gettext_lazy("Address of order %(order)s corrected"),
    format=lambda data: {"order": data.get("order", "")},
    example={"order": "20261206000001"},
)
events.register_code(
    ORDER_ITEMS_CHANGED,
    gettext_lazy("Goods of order %(order)s changed: %(before)s → %(after)s"),
    format=lambda data: {
        "order": data.get("order", ""),
        "before": data.get("sku_before", ""),
        "after": data.get("sku_after", ""),
    },
    example={"order": "20261206000001", "sku_before": "TEE-RED-M", "sku_after": "TEE-RED-L"},
)
events.register_code(
    ORDER_PAYMENT_REMINDED,
    gettext_lazy("Buyer reminded to pay order %(order)s (%(channel)s)"),
    format=lambda data: {"order": data.get("order", ""), "channel": _channel_label(data.get("channel", ""))},
    example={"order": "20261206000001", "channel": "im"},
)
events.register_code(
    ORDER_RECEIPT_EXTENDED,
    gettext_lazy("Receipt confirmation of order %(order)s extended by %(days)s day(s)"),
    format=lambda data: {"order": data.get("order", ""), "days": data.get("days", "")},
    example={"order": "20261206000001", "days": 3},
)
events.register_code(
    ORDER_CASE_OPENED,
    gettext_lazy("After-sales case %(case)s (%(type)s) opened for order %(order)s"),
    format=lambda data: {"case": data.get("case", ""), "type": _case_type_label(data), "order": data.get("order", "")},
    example={"case": "AS20261206001", "type": "return_refund", "order": "20261206000001"},
)
events.register_code(
    ORDER_NOTE_ADDED,
    gettext_lazy("Note on order %(order)s: %(text)s"),
    format=lambda data: {"order": data.get("order", ""), "text": data.get("text", "")},
    example={"order": "20261206000001", "text": "买家要求周末送"},
)
register_event_code(
    CASE_OPENED_FROM_CONVERSATION,
    OrderEventType.NOTE_ADDED,
    gettext_lazy("After-sales case %(case)s (%(type)s) opened from service conversation #%(conversation)s"),
    format=lambda data: {
        "case": data.get("case", ""),
        "type": _case_type_label(data),
        "conversation": data.get("conversation", ""),
    },
    example={"case": "AS20261206001", "type": "exchange", "conversation": 12},
)


# --- checks ---------------------------------------------------------------------------------------


def _check(conversation: Conversation, order: Order, actor: User | None) -> None:
    """The agent may reply in this conversation (its shop) and the order is the buyer's:
    the conversation's customer's, or the conversation's own order when no customer is known."""
    access.require_access(actor, conversation, permission="service.reply")
    if conversation.customer_id is not None:
        is_theirs = order.customer_id == conversation.customer_id
    else:
        is_theirs = order.pk == conversation.order_id
    if not is_theirs:
        raise ValidationFailed({"order": _("order %(number)s is not this buyer's") % {"number": order.number}})


def _record(
    conversation: Conversation, code: str, *, actor: User | None, at: datetime, order: Order, **data: Any
) -> None:
    events.record_event(
        conversation=conversation, code=code, actor=actor, at=at, order=order.number, order_id=order.pk, **data
    )


# --- the actions ----------------------------------------------------------------------------------


def cancel_unpaid(
    *, conversation: Conversation, order: Order, actor: User, reason: str, at: datetime | None = None
) -> Order:
    """Cancel the buyer's unpaid order (the buyer asked; orders.cancel), for `reason`.
    A paid order is refused (409): its money goes back through an after-sales case."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.UNPAID:
            raise InvalidTransition(current=locked.status, action="cancel_unpaid")
        order = order_actions.cancel_order(order=locked, actor=actor, reason=reason, at=at)
        _record(conversation, ORDER_CANCELLED, actor=actor, at=at, order=order, reason=reason.strip())
    return order


def change_address(
    *, conversation: Conversation, order: Order, actor: User, address: NewAddress, at: datetime | None = None
) -> Order:
    """Correct the address of the buyer's order not yet shipped (orders.changes.correct_address:
    the address is checked; 422 naming its bad fields)."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    with transaction.atomic():
        order = order_changes.correct_address(order=order, actor=actor, address=address, at=at)
        # The address itself is on the order's timeline; the conversation keeps the fact.
        _record(conversation, ORDER_ADDRESS_CHANGED, actor=actor, at=at, order=order)
    return order


def change_item(
    *,
    conversation: Conversation,
    order: Order,
    actor: User,
    line: int,
    sku: str,
    at: datetime | None = None,
) -> Order:
    """Swap the SKU of line `line` (its position) for `sku` — another colour or size — while
    the paid order waits in the hold buffer, not yet approved (orders.changes.change_order_lines:
    stock re-reserved, the difference in price owed or refunded)."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    sku = sku.strip()
    before = order.lines.filter(position=line).values_list("sku_code", flat=True).first()
    if before is None:
        raise ValidationFailed({"line": _("no line %(n)s on this order") % {"n": line}})
    if not sku:
        raise ValidationFailed({"sku": _("choose the colour or size wanted")})
    with transaction.atomic():
        order = order_changes.change_order_lines(
            order=order, actor=actor, changes=[LineChange(line=line, sku=sku)], at=at
        )
        _record(
            conversation,
            ORDER_ITEMS_CHANGED,
            actor=actor,
            at=at,
            order=order,
            line=line,
            sku_before=before,
            sku_after=sku,
        )
    return order


def remind_to_pay(
    *, conversation: Conversation, order: Order, actor: User, channel: str = "im", at: datetime | None = None
) -> PaymentReminder:
    """Remind the buyer to pay the order now (reminders.actions.remind_order: once per
    order; refused when paid, reminded already, or the buyer is not to be reminded)."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    with transaction.atomic():
        reminder = reminder_actions.remind_order(order=order, channel=channel, actor=actor, at=at)
        _record(conversation, ORDER_PAYMENT_REMINDED, actor=actor, at=at, order=order, channel=channel)
    return reminder


def extend_receipt(
    *, conversation: Conversation, order: Order, actor: User, days: int, reason: str = "", at: datetime | None = None
) -> Order:
    """Push the order's automatic receipt confirmation `days` later (orders.actions.extend_receipt),
    saying why (as the parcel desk does: the order's timeline shows it)."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationFailed({"reason": _("say why the confirmation is extended")})
    with transaction.atomic():
        order = order_actions.extend_receipt(order=order, actor=actor, days=days, reason=reason, at=at)
        _record(conversation, ORDER_RECEIPT_EXTENDED, actor=actor, at=at, order=order, days=days)
    return order


def open_case(
    *,
    conversation: Conversation,
    order: Order,
    actor: User,
    type: str,
    reason: str,
    lines: Sequence[LineRequest],
    description: str = "",
    requested_amount: Decimal | None = None,
    at: datetime | None = None,
) -> Case:
    """Open an after-sales case on the buyer's order (aftersales.actions.open_case, entered
    by the agent: its checks and its case timeline), noted on the order's timeline and the
    conversation's."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    with transaction.atomic():
        case = aftersales_actions.open_case(
            order=order,
            type=type,
            reason=reason,
            lines=lines,
            description=description,
            requested_amount=requested_amount,
            source=CaseSource.AGENT,
            actor=actor,
            at=at,
        )
        write_event(
            order,
            OrderEventType.NOTE_ADDED,
            code=CASE_OPENED_FROM_CONVERSATION,
            actor=actor,
            at=at,
            case=case.number,
            case_id=case.pk,
            type=case.type,
            conversation=conversation.pk,
        )
        _record(
            conversation,
            ORDER_CASE_OPENED,
            actor=actor,
            at=at,
            order=order,
            case=case.number,
            case_id=case.pk,
            type=case.type,
        )
    return case


def add_order_note(
    *, conversation: Conversation, order: Order, actor: User, text: str, at: datetime | None = None
) -> OrderNote:
    """Write a note on the buyer's order (orders.actions.add_note: 1–500 characters)."""
    _check(conversation, order, actor)
    at = at or timezone.now()
    with transaction.atomic():
        note = order_actions.add_note(order=order, actor=actor, text=text, at=at)
        _record(conversation, ORDER_NOTE_ADDED, actor=actor, at=at, order=order, text=note.text)
    return note


__all__ = [
    "CASE_OPENED_FROM_CONVERSATION",
    "add_order_note",
    "cancel_unpaid",
    "change_address",
    "change_item",
    "extend_receipt",
    "open_case",
    "remind_to_pay",
]
