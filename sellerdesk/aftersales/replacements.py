"""Goods going out for a case: an exchange's replacement (换货), reissued parts (补发) and
repaired goods (维修) leave as an order through the usual spine (stock reserved,
allocation, wave, pack, ship), linked to the case as its replacement order. The case
moves to "replacement shipped" when that order ships (aftersales.subscribers).

An exchange's replacement is due within the policy's working days (Mon–Fri) of the
return's arrival; `late_replacements` lists those past it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import notices, states
from sellerdesk.aftersales.common import locked_case
from sellerdesk.aftersales.events import move, register_case_code, write_case_event
from sellerdesk.aftersales.models import Case, CaseLine, CaseStatus, CaseType
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO
from sellerdesk.core.permissions import require
from sellerdesk.logistics.actions import MAX_EXTENSION_DAYS, extend_auto_confirm
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import AWAITING_RECEIPT

REPLACEMENT_PLACED = "replacement_placed"
REPAIR_STARTED = "repair_started"
REPLACEMENT_SHIPPED = "replacement_shipped"

register_case_code(
    REPLACEMENT_PLACED,
    gettext_lazy("Replacement order %(replacement)s placed"),
    example={"replacement": "2612021234567890"},
)
register_case_code(
    REPAIR_STARTED,
    gettext_lazy("Sent to repair: %(note)s"),
    example={"action": "repair", "status_before": "inspected", "status_after": "repairing", "note": "更换拉链"},
)
register_case_code(
    REPLACEMENT_SHIPPED,
    gettext_lazy("Replacement order %(replacement)s shipped: %(carrier)s %(tracking_number)s"),
    example={
        "action": "ship_replacement",
        "status_before": "inspected",
        "status_after": "replacement_shipped",
        "replacement": "2612021234567890",
        "carrier": "SF",
        "tracking_number": "SF1234567890",
    },
)

# The types whose case sends goods out, and from which status each may send them.
SENDS_GOODS = frozenset({CaseType.EXCHANGE, CaseType.REISSUE, CaseType.REPAIR})
SENDS_FROM = {
    CaseType.EXCHANGE: CaseStatus.INSPECTED,
    CaseType.REISSUE: CaseStatus.APPROVED,
    CaseType.REPAIR: CaseStatus.REPAIRING,
}


def replacement_due(start: datetime, working_days: int) -> datetime:
    """`working_days` working days (Monday to Friday, local time) after `start`, at the same
    time of day; a start on a weekend counts from the Monday after."""
    local = timezone.localtime(start)
    due = local
    added = 0
    while added < working_days:
        due += timedelta(days=1)
        if due.weekday() < 5:
            added += 1
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


def _units_to_send(case: Case, line: CaseLine) -> int:
    # What came back is what goes out again; reissued parts never came back.
    if case.type == CaseType.REISSUE:
        return line.quantity
    return line.received or line.quantity


@transaction.atomic
def send_replacement(*, case: Case, actor: User | None, at: datetime | None = None) -> Order:
    """Place the case's goods as a new order at price 0 (paid: nothing to pay), to the
    original order's buyer and address, and approve it so that it goes on to allocation,
    the wave, packing and shipping like any approved order. An exchange sends each line's
    replacement SKU (or the same one) once its return is inspected, a reissue once
    approved, a repair once repairing. Called again, it answers with the order placed."""
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    case = locked_case(case)
    if case.replacement_order_id:
        return Order.objects.get(pk=case.replacement_order_id)
    if case.type not in SENDS_GOODS:
        raise Conflict(
            "case_sends_no_goods",
            _("A case of this type sends no goods out."),
            details={"type": case.type},
        )
    if case.status != SENDS_FROM[CaseType(case.type)] or not states.allows(case.status, CaseAction.SHIP_REPLACEMENT):
        raise Conflict(
            "replacement_not_due",
            _("Case %(case)s cannot send its goods while it is %(status)s.")
            % {"case": case.number, "status": CaseStatus(case.status).label},
            details={"current_status": case.status, "needs": SENDS_FROM[CaseType(case.type)]},
        )
    original = case.order
    lines = list(CaseLine.objects.filter(case=case).select_related("sku", "replacement_sku").order_by("pk"))
    drafts = [
        order_actions.LineDraft(
            (line.replacement_sku or line.sku).code if case.type == CaseType.EXCHANGE else line.sku.code,
            _units_to_send(case, line),
            unit_price=ZERO,
        )
        for line in lines
        if _units_to_send(case, line) > 0
    ]
    if not drafts:
        raise ValidationFailed({"lines": _("the case has no units to send")})
    draft = order_actions.OrderDraft(
        buyer=order_actions.Buyer(original.buyer_name, original.buyer_phone, original.buyer_nickname),
        address=order_actions.Address(original.province, original.city, original.district, original.address_detail),
        lines=drafts,
        shop=original.shop.code,
        source="manual",
        payment_method="online",
        shipping_method=original.shipping_method,
        shipping_fee=ZERO,
        placed_at=at,
    )
    # Nothing to pay: orders places it paid, waiting for review. The review's price-list
    # rule would hold every line at 0 for a supervisor, though the case's approval is the
    # decision to send these goods for nothing: it is approved here, and goes on from
    # approval (allocation, wave, pack, ship) as any approved order does.
    order = order_actions.place_order(draft=draft, actor=actor)
    order = order_actions.approve_order(order=order, actor=actor, at=at)
    case.replacement_order = order
    fields = ["replacement_order"]
    if case.type == CaseType.EXCHANGE and case.replacement_due_at is None:
        case.replacement_due_at = replacement_due(
            case.received_at or at, policy_for(case.shop_id).replacement_working_days
        )
        fields.append("replacement_due_at")
    case.save(update_fields=fields)
    write_case_event(case, REPLACEMENT_PLACED, actor=actor, at=at, replacement=order.number, order_id=order.pk)
    notices.tell_buyer(case, notices.REPLACEMENT_PLACED, at=at, replacement=order.number)
    return order


@transaction.atomic
def start_repair(*, case: Case, actor: User | None, note: str = "", at: datetime | None = None) -> Case:
    """A repair's goods, inspected, go to be repaired; they come back to the buyer with
    `send_replacement`."""
    require(actor, "aftersales.handle")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed({"note": _("at most 500 characters")})
    at = at or timezone.now()
    case = locked_case(case)
    if case.type != CaseType.REPAIR:
        raise Conflict("not_a_repair", _("Only a repair case goes to repair."), details={"type": case.type})
    policy = policy_for(case.shop_id)
    case.repair_note = note
    case.due_at = replacement_due(at, max(policy.replacement_working_days, 1))
    move(
        case,
        CaseAction.REPAIR,
        actor=actor,
        at=at,
        update_fields=("repair_note", "due_at"),
        code=REPAIR_STARTED,
        note=note,
    )
    return case


def extend_for_exchange(case: Case, *, actor: User | None, at: datetime) -> None:
    """While an exchange runs, the original order's receipt does not confirm itself: its
    automatic confirmation moves past the return's arrival and the replacement's time."""
    order = case.order
    if order.status not in AWAITING_RECEIPT or order.auto_confirm_at is None:
        return
    policy = policy_for(case.shop_id)
    days = min(policy.return_arrival_days + policy.replacement_working_days + 7, MAX_EXTENSION_DAYS)
    extend_auto_confirm(
        order=order,
        days=days,
        reason=_("Exchange %(case)s under way") % {"case": case.number},
        actor=actor,
        at=at,
    )


def record_replacement_shipped(*, order: Order, at: datetime) -> Case | None:
    """The replacement order of a case shipped: the case moves to replacement shipped and
    the buyer is told (in the shipping transaction; aftersales.subscribers)."""
    found = Case.objects.filter(replacement_order_id=order.pk).first()
    if found is None:
        return None
    case = locked_case(found)
    if not states.allows(case.status, CaseAction.SHIP_REPLACEMENT):
        return case
    case.due_at = None
    move(
        case,
        CaseAction.SHIP_REPLACEMENT,
        actor=None,
        at=at,
        update_fields=("due_at",),
        code=REPLACEMENT_SHIPPED,
        replacement=order.number,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
    )
    notices.tell_buyer(
        case, notices.REPLACEMENT_SHIPPED, at=at, carrier=order.carrier, tracking_number=order.tracking_number
    )
    return case


def late_replacements(*, now: datetime) -> QuerySet[Case]:
    """Exchanges whose replacement is past its due time and has not shipped, oldest due first."""
    return (
        Case.objects.filter(
            type=CaseType.EXCHANGE,
            replacement_due_at__lt=now,
            status__in=[CaseStatus.RECEIVED, CaseStatus.INSPECTED],
        )
        .select_related("order")
        .order_by("replacement_due_at", "pk")
    )


__all__ = [
    "extend_for_exchange",
    "late_replacements",
    "record_replacement_shipped",
    "replacement_due",
    "send_replacement",
    "start_repair",
]
