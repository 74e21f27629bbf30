"""The after-sales case's lifecycle: open, approve, reject, cancel, assign, note, message,
close. Each action checks its permission, locks the order and the case, moves the case
only through `events.move` (the transition table), writes its timeline and tells the
buyer (notices), in one transaction; when it refuses, nothing is written.

The return leg is in aftersales.returns, the goods going out in aftersales.replacements,
the money in aftersales.refunds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import notices, states
from sellerdesk.aftersales.common import locked_case
from sellerdesk.aftersales.events import locked, move, register_case_code, write_case_event
from sellerdesk.aftersales.models import (
    GOODS_COME_BACK,
    REFUND_TYPES,
    Case,
    CaseEvent,
    CaseLine,
    CaseMessage,
    CaseSource,
    CaseStatus,
    CaseType,
    Reason,
)
from sellerdesk.aftersales.policies import Policy, policy_for
from sellerdesk.aftersales.refunds import propose_refund, start_refund
from sellerdesk.aftersales.replacements import extend_for_exchange, send_replacement
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import DomainError, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.permissions import has_permission, require
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.orders.states import CLOSING_ACTIONS, OrderAction, OrderStatus, PaymentStatus, reachable_from
from sellerdesk.shops.access import limit_to_visible_shops

# --- timeline codes ------------------------------------------------------------------------

CASE_OPENED = "case_opened"
CASE_APPROVED = "case_approved"
CASE_REJECTED = "case_rejected"
CASE_ASSIGNED = "case_assigned"
CASE_MESSAGE = "case_message"


def _label(choices: type[CaseType] | type[Reason], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


register_case_code(
    CASE_OPENED,
    gettext_lazy("Opened: %(type)s, reason: %(reason)s"),
    format=lambda p: {"type": _label(CaseType, p.get("type", "")), "reason": _label(Reason, p.get("reason", ""))},
    example={"type": "return_refund", "reason": "quality", "lines": [{"order_line": 1, "quantity": 1}]},
)
register_case_code(
    CASE_APPROVED,
    gettext_lazy("Approved, ¥%(amount)s agreed"),
    example={"action": "approve", "status_before": "requested", "status_after": "approved", "amount": "118.00"},
)
register_case_code(
    CASE_REJECTED,
    gettext_lazy("Rejected: %(reason)s"),
    example={"action": "reject", "status_before": "requested", "status_after": "rejected", "reason": "超过七天"},
)
register_case_code(
    CASE_ASSIGNED,
    gettext_lazy("Assigned to %(assignee)s"),
    format=lambda p: {"assignee": p.get("assignee") or _("nobody")},
    example={"assignee": "阿华"},
)
register_case_code(
    CASE_MESSAGE,
    gettext_lazy("Message from %(author)s: %(body)s"),
    format=lambda p: {"author": _("the buyer") if p.get("from_buyer") else _("the shop"), "body": p.get("body", "")},
    example={"from_buyer": True, "body": "什么时候退款？"},
)

# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRequest:
    """One order line asked about: how many units, why (default: the case's reason), and
    for an exchange the SKU wanted instead (default: the same SKU)."""

    order_line_id: int
    quantity: int
    reason: str = ""
    replacement_sku_id: int | None = None


@dataclass(frozen=True)
class RefundableLine:
    """An order line as after-sales sees it: how many units went out (or were bought,
    before shipping), how many other live cases ask about, how many may still be asked."""

    order_line_id: int
    position: int
    sku_id: int
    sku_code: str
    name: str
    unit_price: Decimal
    ordered: int
    shipped: int
    in_live_cases: int
    askable: int


@dataclass(frozen=True)
class BulkResult:
    """The case numbers done, and why each refused one was refused."""

    done: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)


# --- what an order allows ------------------------------------------------------------------

# An order that has left the warehouse: shipped, delivered or received (the order table's).
# A refused order shipped too: its parcel came back, and money it took is refunded by a
# case (the parcel-problem desk's refund outcome, or the buyer's refund-only request).
SHIPPED_STATUSES = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.REFUSED})
# Paid and still to ship: a refund before shipping (发货前退款) is possible.
NOT_YET_SHIPPED = reachable_from(OrderStatus.PENDING_REVIEW, without=CLOSING_ACTIONS | {OrderAction.SHIP})
PAID_STATES = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})
# Cases whose units no longer count against the order line: refused, withdrawn, or closed
# without ever being approved (closed after a rejection, or a dispute ruled for the seller).
DEAD = Q(status__in=[CaseStatus.REJECTED, CaseStatus.CANCELED]) | Q(status=CaseStatus.CLOSED, approved_at__isnull=True)

TAKEN_OFF_THE_ORDER = Q(
    type=CaseType.REFUND_BEFORE_SHIPPING,
    status__in=[CaseStatus.REFUNDING, CaseStatus.REFUNDED, CaseStatus.CLOSED],
)

MAX_DESCRIPTION = 2000
MAX_NOTE = 500
MAX_MESSAGE = 2000


def is_shipped(order: Order) -> bool:
    return order.status in SHIPPED_STATUSES


def units_in_live_cases(order: Order, *, excluding: Case | None = None) -> dict[int, int]:
    """Units asked back per order line by the order's cases still counting (not dead)."""
    # A complaint's lines say what it is about; it asks no units back. A refund before
    # shipping, once under way, has taken its units off the order's lines (refunds).
    rows = (
        CaseLine.objects.filter(case__order=order)
        .exclude(case__type=CaseType.COMPLAINT)
        .exclude(case__in=Case.objects.filter(DEAD | TAKEN_OFF_THE_ORDER))
    )
    if excluding is not None:
        rows = rows.exclude(case=excluding)
    return {
        order_line_id: total or 0
        for order_line_id, total in rows.values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    }


def refundable_lines(order: Order) -> list[RefundableLine]:
    """Per order line: units shipped (0 until the order ships), units in live cases, and
    units still askable (shipped − live; before shipping: ordered − live)."""
    in_cases = units_in_live_cases(order)
    shipped = is_shipped(order)
    found = []
    for line in OrderLine.objects.filter(order=order).order_by("position"):
        out = line.quantity if shipped else 0
        live = in_cases.get(line.pk, 0)
        found.append(
            RefundableLine(
                order_line_id=line.pk,
                position=line.position,
                sku_id=line.sku_id,
                sku_code=line.sku_code,
                name=line.name,
                unit_price=line.unit_price,
                ordered=line.quantity,
                shipped=out,
                in_live_cases=live,
                askable=max((out if shipped else line.quantity) - live, 0),
            )
        )
    return found


def refundable_money(order: Order) -> Decimal:
    """What the buyer paid and has not had back."""
    return max(to_money(order.paid_amount - order.refunded_amount), ZERO)


def _local_date(at: datetime) -> str:
    return timezone.localtime(at).date().isoformat()


def _check_order_allows(
    order: Order, case_type: str, reason: str, policy: Policy, at: datetime, *, check_time: bool = True
) -> dict[str, str]:
    """Whether the order is where a case of this type may start, within the policy's time
    (unless `check_time` is off: the shop itself opens the case, for a parcel problem)."""
    if case_type == CaseType.REFUND_BEFORE_SHIPPING:
        if order.payment_status not in PAID_STATES or order.status not in NOT_YET_SHIPPED:
            return {"type": _("a refund before shipping is only for a paid order that has not shipped")}
        return {}
    if case_type == CaseType.COMPLAINT:
        start = order.delivered_at or order.completed_at or order.shipped_at or order.created_at
    else:
        if not is_shipped(order):
            return {"type": _("the order has not shipped yet: ask for a refund before shipping instead")}
        # Refund only (the parcel never came, say) counts from shipping; goods from delivery.
        if case_type == CaseType.REFUND_ONLY:
            start = order.shipped_at or order.created_at
        else:
            start = order.delivered_at or order.completed_at or order.shipped_at or order.created_at
    if not check_time:
        return {}
    days = policy.window_for(case_type)
    if days and at > start + timedelta(days=days):
        return {
            "type": _("the time for this kind of request ended on %(date)s (%(days)s days)")
            % {"date": _local_date(start + timedelta(days=days)), "days": days}
        }
    if reason == Reason.NO_REASON:
        if case_type not in (CaseType.RETURN_REFUND, CaseType.EXCHANGE):
            return {"reason": _("a return without reason is a return or an exchange")}
        begins = order.completed_at if policy.no_reason_from == "receipt" else order.delivered_at or order.completed_at
        # Before delivery (or receipt) the no-reason period has not begun: it is still open.
        if begins is not None and at > begins + timedelta(days=policy.no_reason_days):
            return {
                "reason": _("the %(days)s days for a return without reason ended on %(date)s")
                % {"days": policy.no_reason_days, "date": _local_date(begins + timedelta(days=policy.no_reason_days))}
            }
    return {}


def _check_lines(
    order: Order, case_type: str, lines: Sequence[LineRequest], reason: str
) -> tuple[list[CaseLine], dict[str, str]]:
    """The case's lines (unsaved) and what is wrong with the request's lines, by path."""
    bad: dict[str, str] = {}
    if not lines:
        if case_type != CaseType.COMPLAINT:
            bad["lines"] = _("name at least one line of the order and how many units")
        return [], bad
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    askable = {row.order_line_id: row.askable for row in refundable_lines(order)}
    if case_type == CaseType.COMPLAINT:
        askable = {line_id: line.quantity for line_id, line in order_lines.items()}
    wanted_skus = {line.replacement_sku_id for line in lines if line.replacement_sku_id is not None}
    active_skus = set(Sku.objects.filter(pk__in=wanted_skus, is_active=True).values_list("pk", flat=True))
    seen: set[int] = set()
    built: list[CaseLine] = []
    for index, request in enumerate(lines):
        path = f"lines[{index}]"
        line = order_lines.get(request.order_line_id)
        if line is None:
            bad[f"{path}.order_line_id"] = _("not a line of order %(order)s") % {"order": order.number}
            continue
        if request.order_line_id in seen:
            bad[f"{path}.order_line_id"] = _("this line is named twice")
            continue
        seen.add(request.order_line_id)
        quantity = request.quantity
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            bad[f"{path}.quantity"] = _("a whole number, 1 or more")
        elif quantity > askable.get(line.pk, 0):
            bad[f"{path}.quantity"] = _(
                "at most %(askable)s: %(out)s went out and %(asked)s are asked about in other cases"
            ) % {
                "askable": askable.get(line.pk, 0),
                "out": line.quantity,
                "asked": line.quantity - askable.get(line.pk, 0),
            }
        line_reason = request.reason or reason
        if line_reason not in Reason.values:
            bad[f"{path}.reason"] = _("unknown reason %(reason)s") % {"reason": line_reason}
        if request.replacement_sku_id is not None:
            if case_type != CaseType.EXCHANGE:
                bad[f"{path}.replacement_sku_id"] = _("only an exchange names a SKU to send instead")
            elif request.replacement_sku_id not in active_skus:
                bad[f"{path}.replacement_sku_id"] = _("no SKU on sale with id %(id)s") % {
                    "id": request.replacement_sku_id
                }
        if not bad:
            built.append(
                CaseLine(
                    order_line=line,
                    sku_id=line.sku_id,
                    quantity=quantity,
                    reason=line_reason,
                    replacement_sku_id=request.replacement_sku_id,
                    refund_amount=to_money(line.unit_price * quantity) if case_type in REFUND_TYPES else ZERO,
                )
            )
    return built, bad


def _new_number(at: datetime) -> str:
    return dated_number("AS", at, digits=8)


def _locked_order(order: Order) -> Order:
    return Order.objects.select_for_update().select_related("shop").get(pk=order.pk)


@transaction.atomic
def open_case(
    *,
    order: Order,
    type: str,
    reason: str,
    lines: Sequence[LineRequest],
    description: str = "",
    requested_amount: Decimal | None = None,
    source: str = CaseSource.AGENT,
    actor: User | None,
    by_buyer: bool = False,
    at: datetime | None = None,
) -> Case:
    """Open an after-sales case on the order. Refuses, writing nothing, with
    ValidationFailed naming each bad field: an order not where the type may start
    (refund before shipping: paid and not shipped; goods: shipped), past the policy's time
    for the type or for a return without reason, a line of another order, more units than
    went out less those in other live cases, a refund asked above what was paid and not
    refunded. The buyer is told. A buyer's own request (`by_buyer`, `actor` None) comes
    through the portal, which has checked the order is theirs."""
    return _open(
        order=order,
        type=type,
        reason=reason,
        lines=lines,
        description=description,
        requested_amount=requested_amount,
        source=source,
        actor=actor,
        by_buyer=by_buyer,
        at=at,
        check_time=True,
    )


def _open(
    *,
    order: Order,
    type: str,
    reason: str,
    lines: Sequence[LineRequest],
    description: str,
    requested_amount: Decimal | None,
    source: str,
    actor: User | None,
    by_buyer: bool,
    at: datetime | None,
    check_time: bool,
) -> Case:
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    bad: dict[str, str] = {}
    if type not in CaseType.values:
        bad["type"] = _("one of %(values)s") % {"values": ", ".join(CaseType.values)}
    if reason not in Reason.values:
        bad["reason"] = _("one of %(values)s") % {"values": ", ".join(Reason.values)}
    if source not in CaseSource.values:
        bad["source"] = _("one of %(values)s") % {"values": ", ".join(CaseSource.values)}
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        bad["description"] = _("at most %(n)s characters") % {"n": MAX_DESCRIPTION}
    if requested_amount is not None and (
        not isinstance(requested_amount, Decimal)
        or not requested_amount.is_finite()
        or requested_amount < 0
        or requested_amount != requested_amount.quantize(Decimal("0.01"))
    ):
        bad["requested_amount"] = _("an amount of 0.00 or more with at most 2 decimals")
    if bad:
        raise ValidationFailed(bad)
    order = _locked_order(order)
    policy = policy_for(order.shop_id)
    bad.update(_check_order_allows(order, type, reason, policy, at, check_time=check_time))
    case_lines, line_problems = _check_lines(order, type, lines, reason)
    bad.update(line_problems)
    if bad:
        raise ValidationFailed(bad)
    goods = to_money(sum((line.refund_amount for line in case_lines), ZERO))
    asked = to_money(requested_amount) if requested_amount is not None else goods
    if type in REFUND_TYPES or requested_amount is not None:
        available = refundable_money(order)
        if asked > available:
            raise ValidationFailed(
                {"requested_amount": _("at most %(amount)s: what was paid and not refunded") % {"amount": available}}
            )
    if by_buyer and source == CaseSource.AGENT:
        source = CaseSource.PORTAL
    case = Case(
        order=order,
        shop_id=order.shop_id,
        customer_id=order.customer_id,
        type=type,
        status=CaseStatus.REQUESTED,
        reason=reason,
        source=source,
        description=description,
        requested_amount=asked if type in REFUND_TYPES or requested_amount is not None else ZERO,
        due_at=at + timedelta(hours=policy.response_hours),
        created_at=at,
        created_by=actor,
    )
    for attempt in range(3):
        # Random digits after the date: a clash is rare, and drawn again.
        case.number = _new_number(at)
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            case.pk = None
            if attempt == 2:
                raise
    for line in case_lines:
        line.case = case
    CaseLine.objects.bulk_create(case_lines)
    write_case_event(
        case,
        CASE_OPENED,
        actor=actor,
        at=at,
        by_buyer=by_buyer,
        status_after=case.status,
        type=type,
        reason=reason,
        source=source,
        lines=[{"order_line": line.order_line_id, "quantity": line.quantity} for line in case_lines],
        requested_amount=str(case.requested_amount),
    )
    notices.tell_buyer(case, notices.OPENED, at=at, type=type, hours=policy.response_hours)
    return case


@transaction.atomic
def approve_case(
    *, case: Case, actor: User | None, amount: Decimal | None = None, note: str = "", at: datetime | None = None
) -> Case:
    """Approve a requested case. `amount` (default: what was asked) is the money agreed; above
    the shop's agent limit it needs aftersales.approve_large. Goods that come back (return,
    exchange, repair) then wait for the return parcel, due within the policy's days; a
    refund with nothing to come back goes to aftersales.refunds; a reissue is sent at once
    (aftersales.replacements). The buyer is told."""
    require(actor, "aftersales.handle")
    note = (note or "").strip()
    bad: dict[str, str] = {}
    if len(note) > MAX_NOTE:
        bad["note"] = _("at most %(n)s characters") % {"n": MAX_NOTE}
    if amount is not None and (
        not isinstance(amount, Decimal)
        or not amount.is_finite()
        or amount < 0
        or amount != amount.quantize(Decimal("0.01"))
    ):
        bad["amount"] = _("an amount of 0.00 or more with at most 2 decimals")
    if bad:
        raise ValidationFailed(bad)
    at = at or timezone.now()
    case = locked_case(case)
    states.next_status(case.status, CaseAction.APPROVE)  # refuse before anything is checked further
    agreed = to_money(amount) if amount is not None else case.requested_amount
    if agreed > ZERO and agreed > refundable_money(case.order):
        raise ValidationFailed(
            {
                "amount": _("at most %(amount)s: what was paid and not refunded")
                % {"amount": refundable_money(case.order)}
            }
        )
    policy = policy_for(case.shop_id)
    if agreed > policy.agent_approval_limit:
        require(actor, "aftersales.approve_large")
    case.approved_amount = agreed
    case.approved_at = at
    case.approved_by = actor
    case.approval_note = note
    case.due_at = at + timedelta(hours=policy.response_hours)
    move(
        case,
        CaseAction.APPROVE,
        actor=actor,
        at=at,
        update_fields=("approved_amount", "approved_at", "approved_by", "approval_note", "due_at"),
        code=CASE_APPROVED,
        amount=str(agreed),
        note=note,
    )
    if case.type in GOODS_COME_BACK:
        case.return_shipping_payer = policy.payer_for(case.reason)
        case.return_warehouse_id = case.order.warehouse_id or default_warehouse().pk
        case.due_at = at + timedelta(days=policy.return_arrival_days)
        move(
            case,
            CaseAction.AWAIT_RETURN,
            actor=actor,
            at=at,
            update_fields=("return_shipping_payer", "return_warehouse", "due_at"),
        )
        notices.tell_buyer(
            case, notices.SEND_IT_BACK, at=at, days=policy.return_arrival_days, payer=case.return_shipping_payer
        )
        if case.type == CaseType.EXCHANGE:
            extend_for_exchange(case, actor=actor, at=at)
    else:
        notices.tell_buyer(case, notices.APPROVED, at=at)
    if case.type in (CaseType.REFUND_BEFORE_SHIPPING, CaseType.REFUND_ONLY):
        # Nothing left to refund (all of it refunded already): the case stays approved,
        # and the agent closes it, rather than the approval failing.
        if propose_refund(case).total > ZERO:
            start_refund(case=case, actor=actor, at=at)
            case.refresh_from_db()
    elif case.type == CaseType.REISSUE:
        send_replacement(case=case, actor=actor, at=at)
        case.refresh_from_db()
    return case


@transaction.atomic
def reject_case(*, case: Case, actor: User | None, reason: str, at: datetime | None = None) -> Case:
    """Refuse a requested case, saying why (the buyer is told, and may dispute it)."""
    require(actor, "aftersales.handle")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": _("say why the request is refused")})
    if len(reason) > MAX_NOTE:
        raise ValidationFailed({"reason": _("at most %(n)s characters") % {"n": MAX_NOTE}})
    at = at or timezone.now()
    case = locked_case(case)
    case.rejection_reason = reason
    case.due_at = None
    move(
        case,
        CaseAction.REJECT,
        actor=actor,
        at=at,
        update_fields=("rejection_reason", "due_at"),
        code=CASE_REJECTED,
        reason=reason,
    )
    notices.tell_buyer(case, notices.REJECTED, at=at, reason=reason)
    return case


@transaction.atomic
def cancel_case(*, case: Case, actor: User | None, by_buyer: bool = False, at: datetime | None = None) -> Case:
    """Withdraw a case not yet under way (requested, approved, or awaiting a return that
    has not arrived): its units are free to be asked again."""
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    case = locked_case(case)
    case.due_at = None
    move(case, CaseAction.CANCEL, actor=actor, at=at, by_buyer=by_buyer, update_fields=("due_at",))
    notices.tell_buyer(case, notices.CANCELED, at=at)
    return case


def bulk_approve(*, case_ids: Sequence[int], actor: User | None, at: datetime | None = None) -> BulkResult:
    """Approve each case in its own transaction; one refused does not stop the others."""
    require(actor, "aftersales.handle")
    return _bulk(case_ids, actor, lambda case: approve_case(case=case, actor=actor, at=at))


def bulk_reject(*, case_ids: Sequence[int], actor: User | None, reason: str, at: datetime | None = None) -> BulkResult:
    """Refuse each case in its own transaction, with the same reason."""
    require(actor, "aftersales.handle")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": _("say why the requests are refused")})
    return _bulk(case_ids, actor, lambda case: reject_case(case=case, actor=actor, reason=reason, at=at))


def _bulk(case_ids: Sequence[int], actor: User | None, act: object) -> BulkResult:
    result = BulkResult()
    # Another shop's case is "no such case" to a user limited to shops (shops.access).
    visible = limit_to_visible_shops(Case.objects.filter(pk__in=list(case_ids)), actor)
    found = {case.pk: case for case in visible}
    for case_id in sorted(set(case_ids)):
        case = found.get(case_id)
        if case is None:
            result.refused[str(case_id)] = _("no such case")
            continue
        try:
            act(case)  # type: ignore[operator]
        except DomainError as refused:
            result.refused[case.number] = refused.message
        else:
            result.done.append(case.number)
    return result


@transaction.atomic
def assign_case(*, case: Case, assignee: User | None, actor: User | None, at: datetime | None = None) -> Case:
    """Give the case to a member of staff who may handle cases (None: to nobody)."""
    require(actor, "aftersales.handle")
    if assignee is not None and not has_permission(assignee, "aftersales.handle"):
        raise ValidationFailed(
            {"assignee": _("%(name)s may not handle after-sales cases") % {"name": assignee.username}}
        )
    at = at or timezone.now()
    case = locked(case)
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    write_case_event(
        case,
        CASE_ASSIGNED,
        actor=actor,
        at=at,
        buyer_visible=False,
        assignee=assignee.signature if assignee else "",
        assignee_id=assignee.pk if assignee else None,
    )
    return case


@transaction.atomic
def add_note(*, case: Case, actor: User | None, text: str, at: datetime | None = None) -> CaseEvent:
    """A staff note on the case's timeline (not shown to the buyer)."""
    require(actor, "aftersales.handle")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"text": _("write something")})
    if len(text) > MAX_NOTE:
        raise ValidationFailed({"text": _("at most %(n)s characters") % {"n": MAX_NOTE}})
    case = locked(case)
    return write_case_event(case, "case_note", actor=actor, at=at or timezone.now(), buyer_visible=False, text=text)


@transaction.atomic
def post_message(
    *, case: Case, body: str, actor: User | None, from_buyer: bool, at: datetime | None = None
) -> CaseMessage:
    """A message between the buyer and the shop on the case; the shop's reaches the buyer
    as an after-sales message too. The buyer posts through the portal (actor None)."""
    if not from_buyer:
        require(actor, "aftersales.handle")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": _("write something")})
    if len(body) > MAX_MESSAGE:
        raise ValidationFailed({"body": _("at most %(n)s characters") % {"n": MAX_MESSAGE}})
    at = at or timezone.now()
    case = locked(case)
    message = CaseMessage.objects.create(
        case=case, from_buyer=from_buyer, author=None if from_buyer else actor, body=body, at=at
    )
    write_case_event(
        case,
        CASE_MESSAGE,
        actor=None if from_buyer else actor,
        at=at,
        by_buyer=from_buyer,
        from_buyer=from_buyer,
        body=body,
        message_id=message.pk,
    )
    if not from_buyer:
        case.order = Order.objects.get(pk=case.order_id)
        notices.tell_buyer(case, notices.NEW_MESSAGE, at=at, body=body)
    return message


@transaction.atomic
def close_case(*, case: Case, actor: User | None, at: datetime | None = None) -> Case:
    """Close a case whose work is done (refunded, replacement shipped, rejected, a failed
    inspection with nothing owed, an approved complaint)."""
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    case = locked_case(case)
    case.closed_at = at
    case.due_at = None
    move(case, CaseAction.CLOSE, actor=actor, at=at, update_fields=("closed_at", "due_at"))
    notices.tell_buyer(case, notices.CLOSED, at=at)
    return case


@transaction.atomic
def open_for_parcel_problem(*, order: Order, type: str, reason: str, actor: User | None, at: datetime) -> Case | None:
    """The parcel-problem desk resolved a parcel of the order as reshipped or refunded: a
    case of `type` (reissue, refund only) for every unit still askable, opened by the shop
    (source parcel_problem; the policy's time limits are the buyer's, not the shop's) and
    approved at once, which places the reissue or starts the refund. None when no unit is
    left to ask about (other cases have them all)."""
    lines = [LineRequest(row.order_line_id, row.askable) for row in refundable_lines(order) if row.askable > 0]
    if not lines:
        return None
    case = _open(
        order=order,
        type=type,
        reason=reason,
        lines=lines,
        description="",
        requested_amount=None,
        source=CaseSource.PARCEL_PROBLEM,
        actor=actor,
        by_buyer=False,
        at=at,
        check_time=False,
    )
    return approve_case(case=case, actor=actor, at=at)


__all__ = [
    "BulkResult",
    "LineRequest",
    "RefundableLine",
    "add_note",
    "approve_case",
    "assign_case",
    "bulk_approve",
    "bulk_reject",
    "cancel_case",
    "close_case",
    "open_case",
    "post_message",
    "refundable_lines",
    "reject_case",
]
