"""Money back for an after-sales case (退款), exact to the cent.

A refund is typed amounts (RefundAmounts): the goods of each case line, shipping, the
return postage the buyer bears (买家承担邮费, subtracted), a price difference (补差价, either
sign) and a compensation (补偿). amount = goods + shipping − buyer_postage +
price_difference + compensation; it must be above 0 and at most what the buyer paid less
what was refunded and what other refunds of the order are refunding (to the cent).

The default (`propose_refund`), per case line, is the order line's unit price × the units
the case refunds:

- refund before shipping, refund only: the units asked;
- return and refund, before the goods are inspected: the units received (nothing before
  the return arrives: a case can be received without being refunded yet, but not refunded
  before it is received);
- inspected, by the grades of each line (the inspection result only sums them up): for a
  reason whose return postage the seller pays (the seller's fault: quality, damage, wrong
  item…) every unit received — a defective one confirms the claim, a good one came back
  fit to sell; for a reason the buyer pays for (no reason, wrong size…) the good units
  only: a unit the buyer damaged is not refunded by default (the agent may still type an
  amount, e.g. a goodwill compensation);
- exchange, reissue, repair, complaint: no goods (a replacement goes out instead); only
  typed amounts.

Shipping: the order's shipping fee when a refund before shipping takes back every unit
(nothing will ship). Return postage, by the policy's payer for the case's reason
(aftersales.policies): the seller pays → the buyer's own return parcel is reimbursed
(RETURN_POSTAGE added to shipping); the buyer pays and the seller booked the pickup →
RETURN_POSTAGE subtracted as buyer_postage. Nothing for postage otherwise.

`start_refund` writes the refund with the case's move to refunding, in one transaction
with the case and the order locked (case, then order). A case line is refunded at most
once (RefundLine's partial unique constraint, checked first under the locks). An order
paid online is refunded through its gateway after the commit (intent → commit → call →
result, `send_refund`), with the refund's idempotency key; if the process dies the worker
(`retry_refunds`) asks again with the same key. An order paid cash on delivery or by bank
remittance becomes a bank transfer for staff to make and prove (`complete_bank_transfer`).
A gateway that refuses turns the refund into a bank transfer too, so the money still goes.

Money is counted once: the payments ledger's refund row (payments.actions.record_refund)
is written when the money has gone (the gateway's confirmation, the transfer's proof) and
is linked from the Refund. A refund before shipping of the whole order cancels the order
(its stock is released); a partial one lowers the order's lines (orders.changes). The
order's close and the line change would refund the money themselves: payments asks
`under_way` (the REFUNDS_UNDER_WAY port) and refunds only what no after-sales refund is
refunding already.

A refund of goods a dropship supplier shipped claims their cost back from the supplier
(purchasing.claims), in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import events, notices, states
from sellerdesk.aftersales.evidence import add_file
from sellerdesk.aftersales.models import (
    Case,
    CaseLine,
    CaseType,
    EvidenceKind,
    Payer,
    Refund,
    RefundLine,
    RefundMethod,
    RefundStatus,
)
from sellerdesk.aftersales.policies import Policy, policy_for
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.numbers import dated_number
from sellerdesk.core.periodic import periodic
from sellerdesk.core.permissions import require
from sellerdesk.notifications.aftersales import record_refund_done
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import changes as order_changes
from sellerdesk.orders import states as order_states
from sellerdesk.orders.models import Order, OrderLine, PaymentMethod
from sellerdesk.orders.states import OrderAction
from sellerdesk.payments import gateways
from sellerdesk.payments.actions import record_refund
from sellerdesk.payments.hooks import RefundNotificationResult
from sellerdesk.payments.models import Payment, PaymentKind
from sellerdesk.purchasing.claims import ClaimLine, claim_dropshipped
from sellerdesk.shops.access import limit_to_visible_shops

logger = logging.getLogger(__name__)

# Refunds written and not yet confirmed: their money is on its way back.
UNDER_WAY = (RefundStatus.PENDING, RefundStatus.AWAITING_TRANSFER)
# Order statuses before the goods leave (a refund before shipping changes the order).
# Order statuses a paid order may still be cancelled from: all before its goods leave.
NOT_SHIPPED = order_states.statuses_allowing(OrderAction.CANCEL)

# --- timeline codes -------------------------------------------------------------------------

REFUND_STARTED = "refund_started"
REFUND_COMPLETED = "refund_completed"
REFUND_TO_TRANSFER = "refund_to_transfer"
# The order's refund row and cancel: why the money went back (rendered when read).
REFUND_REASON = "aftersales_refund"
CANCELLED_FOR_REFUND = "aftersales_refund_before_shipping"

_METHOD_LABELS = {method.value: method.label for method in RefundMethod}

events.register_case_code(
    REFUND_STARTED,
    gettext_lazy("Refund %(refund)s of %(amount)s started (%(method)s)"),
    format=lambda p: {
        "refund": p.get("refund", ""),
        "amount": p.get("amount", ""),
        "method": str(_METHOD_LABELS.get(p.get("method", ""), p.get("method", ""))),
    },
    example={"refund": "RF26120612345678", "amount": "118.00", "method": "gateway", "action": "refund"},
)
events.register_case_code(
    REFUND_COMPLETED,
    gettext_lazy("Refund %(refund)s of %(amount)s completed"),
    format=lambda p: {"refund": p.get("refund", ""), "amount": p.get("amount", "")},
    example={"refund": "RF26120612345678", "amount": "118.00", "action": "complete_refund"},
)
events.register_case_code(
    REFUND_TO_TRANSFER,
    gettext_lazy("The gateway refused refund %(refund)s (%(reason)s); it is to be made by bank transfer"),
    format=lambda p: {"refund": p.get("refund", ""), "reason": p.get("reason", "")},
    example={"refund": "RF26120612345678", "reason": "交易已超过可退款期限"},
)
# What the buyer is told (aftersales.notices): the refund is on its way. (That it arrived
# is notifications' refund_done message; NOTICE_REFUNDED renders the messages written before.)
NOTICE_REFUND_STARTED = "aftersales_notice_refund_started"
NOTICE_REFUNDED = "aftersales_notice_refunded"
messages.register(
    NOTICE_REFUND_STARTED,
    gettext_lazy("Your refund of %(amount)s for after-sales request %(case)s is on its way (%(method)s)."),
    format=lambda p: {
        **p,
        "method": str(_METHOD_LABELS.get(p.get("method", ""), p.get("method", ""))),
    },
    example={"case": "AS26120612345678", "order": "2612061234567890", "amount": "118.00", "method": "gateway"},
)
messages.register(
    NOTICE_REFUNDED,
    gettext_lazy("%(amount)s has been refunded for after-sales request %(case)s."),
    example={"case": "AS26120612345678", "order": "2612061234567890", "amount": "118.00"},
)
messages.register(
    REFUND_REASON,
    gettext_lazy("After-sales case %(case)s, refund %(refund)s"),
    example={"case": "AS26120612345678", "refund": "RF26120612345678"},
)
messages.register(
    CANCELLED_FOR_REFUND,
    gettext_lazy("Refunded before shipping (after-sales case %(case)s)"),
    example={"case": "AS26120612345678"},
)


# --- amounts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundAmounts:
    """A refund's typed amounts. `goods`: case line id → the goods' money of that line
    (None: as proposed). buyer_postage is subtracted; price_difference may be negative."""

    goods: dict[int, Decimal] | None = None
    shipping: Decimal = ZERO
    buyer_postage: Decimal = ZERO
    price_difference: Decimal = ZERO
    compensation: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        goods = sum((self.goods or {}).values(), ZERO)
        return to_money(goods + self.shipping - self.buyer_postage + self.price_difference + self.compensation)


@dataclass(frozen=True)
class _Line:
    case_line: CaseLine
    quantity: int
    amount: Decimal


def return_postage() -> Decimal:
    """The return postage reimbursed or charged by default (setting AFTERSALES.RETURN_POSTAGE)."""
    return to_money(str(settings.SELLERDESK.get("AFTERSALES", {}).get("RETURN_POSTAGE", "10.00")))


def _units_refunded(case: Case, line: CaseLine, policy: Policy) -> int:
    """How many units of the line the case refunds by default (see the module's docstring)."""
    if case.type in (CaseType.REFUND_BEFORE_SHIPPING, CaseType.REFUND_ONLY):
        return line.quantity
    if case.type != CaseType.RETURN_REFUND:
        return 0
    if not case.inspection_result:
        return line.received
    seller_fault = policy.payer_for(line.reason or case.reason) == Payer.SELLER
    return line.received if seller_fault else line.good


def _case_lines(case: Case) -> list[CaseLine]:
    return list(CaseLine.objects.filter(case=case).select_related("order_line").order_by("pk"))


def _already_refunded_line_ids(case: Case) -> set[int]:
    return set(RefundLine.objects.filter(case_line__case=case, active=True).values_list("case_line_id", flat=True))


def _proposal(case: Case, lines: list[CaseLine], policy: Policy) -> RefundAmounts:
    refunded = _already_refunded_line_ids(case)
    goods = {
        line.pk: to_money(line.order_line.unit_price * _units_refunded(case, line, policy))
        for line in lines
        if line.pk not in refunded
    }
    shipping = buyer_postage = ZERO
    order = case.order
    if case.type == CaseType.REFUND_BEFORE_SHIPPING and _takes_every_unit(order, lines):
        shipping = order.shipping_fee
    if case.type == CaseType.RETURN_REFUND and not refunded:
        payer = case.return_shipping_payer or policy.payer_for(case.reason)
        if payer == Payer.SELLER and case.return_shipment_id is None and case.return_tracking_number:
            shipping += return_postage()
        elif payer == Payer.BUYER and case.return_shipment_id is not None:
            buyer_postage = return_postage()
    price_difference = ZERO
    if case.type in (CaseType.REFUND_BEFORE_SHIPPING, CaseType.REFUND_ONLY) and case.approved_at and not refunded:
        # The amount agreed on approval differs from the goods' money: the difference is
        # the agreed deduction or addition (补差价).
        # (Shipping is not part of what a case asks: it comes with a whole order's refund.)
        proposed = to_money(sum(goods.values(), ZERO))
        if case.approved_amount > ZERO and case.approved_amount != proposed:
            price_difference = to_money(case.approved_amount - proposed)
    proposal = RefundAmounts(
        goods=goods, shipping=to_money(shipping), buyer_postage=buyer_postage, price_difference=price_difference
    )
    # Never more than may still be refunded: the postage gives way first, then the difference.
    over = proposal.total - refundable(order)
    if over > ZERO and proposal.shipping > ZERO:
        cut = min(over, proposal.shipping)
        proposal = replace(proposal, shipping=to_money(proposal.shipping - cut))
        over -= cut
    if over > ZERO:
        proposal = replace(proposal, price_difference=to_money(proposal.price_difference - over))
    return proposal


def _takes_every_unit(order: Order, lines: list[CaseLine]) -> bool:
    asked: dict[int, int] = {}
    for line in lines:
        asked[line.order_line_id] = asked.get(line.order_line_id, 0) + line.quantity
    return all(asked.get(line.pk, 0) >= line.quantity for line in OrderLine.objects.filter(order=order))


def propose_refund(case: Case) -> RefundAmounts:
    """The refund the policy gives the case by default (see the module's docstring): goods
    per case line not refunded yet, shipping, return postage. Writes nothing."""
    case = Case.objects.select_related("order").get(pk=case.pk)
    return _proposal(case, _case_lines(case), policy_for(case.shop_id))


def under_way(order: Order) -> Decimal:
    """What the order's refunds written and not yet confirmed are refunding (the
    REFUNDS_UNDER_WAY port of payments)."""
    total = Refund.objects.filter(order_id=order.pk, status__in=UNDER_WAY).aggregate(total=Sum("amount"))["total"]
    return to_money(total or ZERO)


def refundable(order: Order) -> Decimal:
    """What may still be refunded on the order: paid, less refunded, less under way."""
    return max(to_money(order.paid_amount - order.refunded_amount - under_way(order)), ZERO)


# --- checks ---------------------------------------------------------------------------------

# The largest amount a refund column holds (max_digits 14, 2 places).
MAX_AMOUNT = Decimal("999999999999.99")


def _money(value: Decimal | int | str, name: str, bad: dict[str, str], *, signed: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        bad[name] = _("not an amount of money")
        return ZERO
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        bad[name] = _("not an amount of money")
        return ZERO
    if amount != amount.quantize(Decimal("0.01")):
        bad[name] = _("at most 2 decimal places")
    elif not signed and amount < ZERO:
        bad[name] = _("must not be negative")
    return to_money(amount)


def _checked(
    case: Case, lines: list[CaseLine], amounts: RefundAmounts, policy: Policy
) -> tuple[RefundAmounts, list[_Line]]:
    """The amounts cleaned (to the cent) and the refunded lines, or ValidationFailed /
    Conflict naming the field."""
    bad: dict[str, str] = {}
    by_id = {line.pk: line for line in lines}
    goods_in = amounts.goods if amounts.goods is not None else _proposal(case, lines, policy).goods or {}
    refunded = _already_refunded_line_ids(case)
    goods: dict[int, Decimal] = {}
    chosen: list[_Line] = []
    for line_id, value in goods_in.items():
        name = f"goods.{line_id}"
        line = by_id.get(int(line_id))
        if line is None:
            bad[name] = _("not a line of this case")
            continue
        amount = _money(value, name, bad)
        units = line.quantity
        most = to_money(line.order_line.unit_price * units)
        if amount > most:
            bad[name] = _("at most %(most)s (%(units)s × %(price)s)") % {
                "most": most,
                "units": units,
                "price": line.order_line.unit_price,
            }
        if amount <= ZERO:
            continue
        if line.pk in refunded:
            raise Conflict(
                "line_already_refunded",
                _("Line %(sku)s of case %(case)s is refunded already.") % {"sku": line.sku.code, "case": case.number},
                details={"field": name, "case_line_id": line.pk},
            )
        goods[line.pk] = amount
        quantity = _units_refunded(case, line, policy) or line.quantity
        chosen.append(_Line(line, min(quantity, line.quantity), amount))
    cleaned = RefundAmounts(
        goods=goods,
        shipping=_money(amounts.shipping, "shipping", bad),
        buyer_postage=_money(amounts.buyer_postage, "buyer_postage", bad),
        price_difference=_money(amounts.price_difference, "price_difference", bad, signed=True),
        compensation=_money(amounts.compensation, "compensation", bad),
    )
    if bad:
        raise ValidationFailed(bad)
    return cleaned, chosen


def _check_total(order: Order, total: Decimal) -> None:
    if total <= ZERO:
        raise ValidationFailed(
            {"amount": _("the refund comes to %(total)s; it must be more than 0") % {"total": total}}
        )
    left = refundable(order)
    if total > left:
        raise ValidationFailed(
            {
                "amount": _(
                    "%(total)s is more than the %(left)s still refundable (paid %(paid)s, refunded %(refunded)s)"
                )
                % {"total": total, "left": left, "paid": order.paid_amount, "refunded": order.refunded_amount}
            }
        )


def _check_limit(actor: User | None, case: Case, total: Decimal, policy: Policy) -> None:
    """Above the agent's limit a supervisor refunds, unless a supervisor approved the case
    for at least this amount already (its approval carried the authority)."""
    if total > policy.agent_approval_limit and total > case.approved_amount:
        require(actor, "aftersales.approve_large")


# --- starting a refund ----------------------------------------------------------------------


def _new_number(at: datetime) -> str:
    return dated_number("RF", at)


def _gateway_of(order: Order) -> str:
    payment = (
        Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT, method=PaymentMethod.ONLINE)
        .order_by("-received_at", "-pk")
        .first()
    )
    return (payment.gateway if payment is not None else "") or "simulated"


def start_refund(
    *, case: Case, actor: User | None, amounts: RefundAmounts | None = None, at: datetime | None = None
) -> Refund:
    """Move the case to refunding and write its Refund (amounts as given, else as
    `propose_refund` says), in one transaction with the case and its order locked.

    An order paid online: the Refund is pending and the gateway is asked after the commit
    (`send_refund`); cash on delivery or bank remittance: awaiting_transfer. A refund before
    shipping cancels the order (every unit) or lowers its lines; goods a dropship supplier
    shipped are claimed back from it. Raises ValidationFailed (an amount, naming it; more
    than still refundable), Conflict (a line refunded already; the order's lines cannot
    change), InvalidTransition (the case cannot refund now), PermissionDenied
    (aftersales.refund; aftersales.approve_large above the policy's agent limit); nothing
    is written then."""
    require(actor, "aftersales.refund")
    at = at or timezone.now()
    try:
        with transaction.atomic():
            refund = _start(case=case, actor=actor, amounts=amounts, at=at)
    except IntegrityError:
        # Two refunds of the same line at once: the partial unique constraint kept one.
        raise Conflict(
            "line_already_refunded",
            _("A line of case %(case)s is refunded already.") % {"case": case.number},
            details={"field": "goods"},
        ) from None
    if refund.status == RefundStatus.PENDING:
        refund_id = refund.pk
        transaction.on_commit(lambda: send_refund(refund_id=refund_id), robust=True)
    return refund


def _start(*, case: Case, actor: User | None, amounts: RefundAmounts | None, at: datetime) -> Refund:
    # The case, then its order (the lock order of every after-sales action, aftersales.common).
    case = events.locked(case)
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=case.order_id)
    case.order = order
    # The table says whether the case may refund now; asked before anything is computed.
    states.next_status(case.status, CaseAction.REFUND)
    policy = policy_for(case.shop_id)
    lines = _case_lines(case)
    cleaned, chosen = _checked(case, lines, amounts or _proposal(case, lines, policy), policy)
    total = cleaned.total
    _check_total(order, total)
    _check_limit(actor, case, total, policy)
    is_online = order.payment_method == PaymentMethod.ONLINE
    refund = Refund.objects.create(
        number=_new_number(at),
        case=case,
        order=order,
        status=RefundStatus.PENDING if is_online else RefundStatus.AWAITING_TRANSFER,
        method=RefundMethod.GATEWAY if is_online else RefundMethod.BANK_TRANSFER,
        goods_amount=to_money(sum((line.amount for line in chosen), ZERO)),
        shipping_amount=cleaned.shipping,
        buyer_postage=cleaned.buyer_postage,
        price_difference=cleaned.price_difference,
        compensation=cleaned.compensation,
        amount=total,
        idempotency_key=f"rf-{uuid.uuid4().hex}",
        gateway=_gateway_of(order) if is_online else "",
        requested_at=at,
        requested_by=actor,
    )
    RefundLine.objects.bulk_create(
        RefundLine(
            refund=refund,
            case_line=line.case_line,
            order_line=line.case_line.order_line,
            quantity=line.quantity,
            amount=line.amount,
        )
        for line in chosen
    )
    for line in chosen:
        line.case_line.refund_amount = line.amount
        line.case_line.save(update_fields=["refund_amount"])
    events.move(
        case,
        CaseAction.REFUND,
        actor=actor,
        at=at,
        code=REFUND_STARTED,
        refund=refund.number,
        amount=str(total),
        method=refund.method,
    )
    notices.tell_buyer(case, NOTICE_REFUND_STARTED, at=at, amount=str(total), method=refund.method)
    if case.type == CaseType.REFUND_BEFORE_SHIPPING and order.status in NOT_SHIPPED:
        _take_off_the_order(case, order, chosen, actor=actor, at=at)
    claim_dropshipped(
        order=order,
        document=refund.number,
        lines=[ClaimLine(sku_id=line.case_line.sku_id, quantity=line.quantity) for line in chosen],
        reason=case.number,
        at=at,
    )
    return refund


def _take_off_the_order(case: Case, order: Order, chosen: list[_Line], *, actor: User | None, at: datetime) -> None:
    """The units refunded before shipping leave the order: every unit → the order is
    cancelled (its stock released); some → their lines are lowered (orders.changes). The
    refund is under way already, so neither refunds the money a second time."""
    refunded: dict[int, int] = {}
    for line in chosen:
        refunded[line.case_line.order_line_id] = refunded.get(line.case_line.order_line_id, 0) + line.quantity
    order_lines = list(OrderLine.objects.filter(order=order).order_by("position"))
    if all(refunded.get(kept.pk, 0) >= kept.quantity for kept in order_lines):
        order_actions.cancel_order(
            order=order, actor=actor, reason=messages.message(CANCELLED_FOR_REFUND, case=case.number), at=at
        )
        return
    changes: list[order_changes.LineChange] = []
    for order_line in order_lines:
        units = refunded.get(order_line.pk, 0)
        if not units:
            continue
        if units >= order_line.quantity:
            # orders.changes deletes a removed line, which the case's line still refers to.
            raise Conflict(
                "line_not_removable",
                _(
                    "Line %(position)s would leave the order entirely, which a partial refund before shipping "
                    "cannot do: refund the whole order, or refund it after shipping."
                )
                % {"position": order_line.position},
                details={"field": "goods", "position": order_line.position},
            )
        changes.append(order_changes.LineChange(line=order_line.position, quantity=order_line.quantity - units))
    if not changes:
        return
    if order.status not in order_changes.CHANGEABLE:
        raise Conflict(
            "order_lines_fixed",
            _("Order %(number)s is with the warehouse (%(status)s): its lines cannot be lowered now.")
            % {"number": order.number, "status": order.status},
            details={"field": "goods", "status": order.status},
        )
    order_changes.change_order_lines(order=order, actor=actor, changes=changes, at=at)


# --- the gateway ----------------------------------------------------------------------------


def send_refund(*, refund_id: int, at: datetime | None = None) -> Refund:
    """Ask the gateway for a pending refund, with no transaction open and the refund's
    idempotency key, and record the answer: the gateway's reference, then its signed
    callback (delivered in-process for a gateway that answers with it). A gateway that
    cannot be reached leaves the refund pending for the worker; one that refuses turns it
    into a bank transfer. A refund no longer pending is returned as it stands."""
    refund = Refund.objects.select_related("order").get(pk=refund_id)
    if refund.status != RefundStatus.PENDING:
        return refund
    Refund.objects.filter(pk=refund.pk).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    gateway = gateways.get_gateway(refund.gateway or "simulated")
    request = gateways.RefundRequest(
        refund_number=refund.number,
        order_number=refund.order.number,
        transaction_id=_transaction_of(refund.order),
        amount=refund.amount,
        idempotency_key=refund.idempotency_key,
    )
    try:
        answer = gateway.request_refund(request)
    except gateways.RefundRefused as refused:
        return _to_bank_transfer(refund, reason=refused.message, at=at or timezone.now())
    except gateways.GatewayUnavailable:
        logger.info("gateway %s unavailable for refund %s", refund.gateway, refund.number)
        return refund
    except Exception as error:
        # Whether the gateway refunded is unknown: the key makes asking again safe.
        logger.warning("gateway %s did not answer refund %s: %r", refund.gateway, refund.number, error)
        return refund
    Refund.objects.filter(pk=refund.pk, gateway_reference="").update(gateway_reference=answer.refund_id)
    if answer.callback_body:
        handle_refund_notification(
            gateway_name=refund.gateway or "simulated", body=answer.callback_body, headers=answer.callback_headers
        )
    return Refund.objects.get(pk=refund.pk)


def _transaction_of(order: Order) -> str:
    payment = (
        Payment.objects.filter(order=order, kind=PaymentKind.PAYMENT)
        .exclude(reference="")
        .order_by("-received_at", "-pk")
        .first()
    )
    return payment.reference if payment is not None else ""


def _to_bank_transfer(refund: Refund, *, reason: str, at: datetime) -> Refund:
    with transaction.atomic():
        locked = Refund.objects.select_for_update().select_related("case").get(pk=refund.pk)
        if locked.status != RefundStatus.PENDING:
            return locked
        locked.status = RefundStatus.AWAITING_TRANSFER
        locked.method = RefundMethod.BANK_TRANSFER
        locked.failure = {"code": gateways.RefundRefused.code, "message": reason}
        locked.save(update_fields=["status", "method", "failure"])
        events.write_case_event(
            locked.case, REFUND_TO_TRANSFER, actor=None, at=at, buyer_visible=False, refund=locked.number, reason=reason
        )
    return locked


def handle_refund_notification(
    *, gateway_name: str, body: bytes, headers: Mapping[str, str]
) -> RefundNotificationResult:
    """Verify a gateway's refund callback (BadSignature before anything is read) and
    record the refund, once: a replay answers `duplicate`. An unknown refund is NotFound;
    an amount that is not the refund's is Conflict("refund_amount_mismatch"). A failed
    refund turns it into a bank transfer."""
    gateway = gateways.get_gateway(gateway_name)
    notification = gateway.parse_refund_notification(body, {key.lower(): value for key, value in headers.items()})
    known = Refund.objects.filter(number=notification.refund_number, gateway=gateway_name).first()
    if known is None:
        raise NotFound(_("No refund %(number)s.") % {"number": notification.refund_number})
    if notification.amount != known.amount:
        raise Conflict(
            "refund_amount_mismatch",
            _("Refund %(number)s is of %(amount)s, the notification says %(notified)s.")
            % {"number": known.number, "amount": known.amount, "notified": notification.amount},
            details={"field": "amount", "amount": str(known.amount), "notified": str(notification.amount)},
        )
    if not notification.succeeded:
        refund = _to_bank_transfer(known, reason=_("the gateway reported the refund failed"), at=timezone.now())
        return RefundNotificationResult(refund.number, refund.status, duplicate=False)
    refund, done = _complete(
        known,
        actor=None,
        at=timezone.now(),
        gateway=gateway_name,
        reference=notification.refund_id,
        expect=RefundStatus.PENDING,
    )
    return RefundNotificationResult(refund.number, refund.status, duplicate=not done)


def _complete(
    refund: Refund,
    *,
    actor: User | None,
    at: datetime,
    gateway: str,
    reference: str,
    expect: str,
    proof_id: int | None = None,
) -> tuple[Refund, bool]:
    """The money has gone: the payments ledger's refund row, the Refund succeeded and
    linked to it, the case refunded (and closed when nothing else of it is under way).
    Returns the refund and whether this call did it (False: done already)."""
    with transaction.atomic():
        case = events.locked(Case(pk=refund.case_id))
        order = Order.objects.select_for_update(of=("self",)).get(pk=refund.order_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status == RefundStatus.SUCCEEDED:
            return locked, False
        if locked.status != expect:
            raise Conflict(
                "refund_not_" + str(expect),
                _("Refund %(number)s is %(status)s.")
                % {"number": locked.number, "status": locked.get_status_display()},
                details={"status": locked.status},
            )
        payment = record_refund(
            order=order,
            amount=locked.amount,
            actor=actor,
            at=at,
            reason=messages.message(REFUND_REASON, case=case.number, refund=locked.number),
            gateway=gateway,
            reference=reference,
        )
        locked.status = RefundStatus.SUCCEEDED
        locked.payment = payment
        locked.completed_at = at
        fields = ["status", "payment", "completed_at"]
        if gateway:
            locked.gateway_reference = reference
            fields.append("gateway_reference")
        else:
            locked.transfer_reference = reference
            fields.append("transfer_reference")
        if proof_id is not None:
            locked.proof_id = proof_id
            fields.append("proof")
        locked.save(update_fields=fields)
        case.refunded_amount = to_money(case.refunded_amount + locked.amount)
        case.order = order
        # The buyer hears it as "refund done" (its own kind of message, the amount and the
        # case), rather than as one more after-sales step.
        record_refund_done(
            order=order, case_number=case.number, refund_number=locked.number, amount=locked.amount, at=at
        )
        if states.allows(case.status, CaseAction.COMPLETE_REFUND):
            events.move(
                case,
                CaseAction.COMPLETE_REFUND,
                actor=actor,
                at=at,
                update_fields=("refunded_amount",),
                code=REFUND_COMPLETED,
                refund=locked.number,
                amount=str(locked.amount),
            )
            still = Refund.objects.filter(case=case, status__in=UNDER_WAY).exists()
            if not still and states.allows(case.status, CaseAction.CLOSE):
                case.closed_at = at
                events.move(case, CaseAction.CLOSE, actor=actor, at=at, update_fields=("closed_at",))
        else:
            case.save(update_fields=["refunded_amount"])
    return locked, True


# --- bank transfers -------------------------------------------------------------------------


def complete_bank_transfer(
    *, refund: Refund, reference: str, proof: UploadedFile | None, actor: User | None, at: datetime | None = None
) -> Refund:
    """Record the bank transfer staff made for a refund awaiting it: its reference and the
    transfer's proof (a photo or screenshot, kept as the case's transfer_proof evidence).
    The money has gone then (see `_complete`). Raises ValidationFailed (reference, proof),
    Conflict (the refund does not await a transfer; the reference is recorded already);
    nothing is written then."""
    require(actor, "aftersales.refund")
    at = at or timezone.now()
    reference = (reference or "").strip()
    bad: dict[str, str] = {}
    if not reference:
        bad["reference"] = _("enter the bank transfer's reference")
    elif len(reference) > 100:
        bad["reference"] = _("at most 100 characters")
    if proof is None:
        bad["proof"] = _("attach the transfer's receipt (a photo or screenshot)")
    if bad:
        raise ValidationFailed(bad)
    current = Refund.objects.select_related("case").get(pk=refund.pk)
    if current.status != RefundStatus.AWAITING_TRANSFER:
        raise Conflict(
            "refund_not_awaiting_transfer",
            _("Refund %(number)s is %(status)s.") % {"number": current.number, "status": current.get_status_display()},
            details={"status": current.status},
        )
    try:
        with transaction.atomic():
            evidence = add_file(
                case=current.case,
                upload=proof,  # type: ignore[arg-type]
                caption=_("Bank transfer %(reference)s") % {"reference": reference},
                actor=actor,
                kind=EvidenceKind.TRANSFER_PROOF,
                at=at,
            )
            done, _did = _complete(
                current,
                actor=actor,
                at=at,
                gateway="",
                reference=reference,
                expect=RefundStatus.AWAITING_TRANSFER,
                proof_id=evidence.pk,
            )
    except IntegrityError:
        raise Conflict(
            "duplicate_transfer_reference",
            _("A refund with transfer reference %(reference)s is recorded already.") % {"reference": reference},
            details={"field": "reference"},
        ) from None
    return done


# --- the worker -----------------------------------------------------------------------------


def _retry_after() -> timedelta:
    conf = settings.SELLERDESK
    seconds = conf.get("AFTERSALES", {}).get("REFUND_RETRY_AFTER_SECONDS")
    return timedelta(seconds=int(seconds or conf.get("CARRIER_BOOKING_RETRY_AFTER_SECONDS", 120)))


def retry_refunds(*, now: datetime) -> int:
    """Ask the gateway again for each refund still pending a while after its last attempt
    began (or was written, if never attempted): the process that was to call died, or
    the gateway could not be reached. Each is claimed under a row lock (skipping one
    another worker holds) so that two workers never ask at once; the same key makes
    asking again safe. Returns how many were asked."""
    stale = now - _retry_after()
    due = Q(status=RefundStatus.PENDING) & (
        Q(last_attempt_at__lte=stale) | Q(last_attempt_at__isnull=True, requested_at__lte=stale)
    )
    ids = list(
        Refund.objects.filter(due)
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[: settings.SELLERDESK.get("SWEEP_BATCH_SIZE", 200)]
    )
    asked = 0
    for refund_id in ids:
        with transaction.atomic():
            claimed = Refund.objects.select_for_update(skip_locked=True).filter(due, pk=refund_id).first()
            if claimed is None:
                continue
            Refund.objects.filter(pk=refund_id).update(last_attempt_at=now)
        try:
            send_refund(refund_id=refund_id, at=now)
        except DomainError as error:
            logger.info("refund %s: %s (%s)", refund_id, error.code, error.message)
        asked += 1
    return asked


@periodic("retry_refunds", every=timedelta(minutes=1))
def retry_refunds_job(now: datetime) -> int:
    return retry_refunds(now=now)


def refunds_awaiting(*, actor: User | None, status: str | None = None) -> list[Refund]:
    """The refunds of the shops the actor may see, newest first, optionally of one status
    (aftersales.view)."""
    require(actor, "aftersales.view")
    rows = (
        limit_to_visible_shops(Refund.objects.all(), actor, shop_field="case__shop_id")
        .select_related("case", "order")
        .order_by("-requested_at", "-pk")
    )
    if status:
        if status not in RefundStatus.values:
            raise ValidationFailed({"status": _("one of %(values)s") % {"values": ", ".join(RefundStatus.values)}})
        rows = rows.filter(status=status)
    return list(rows[:500])


__all__ = [
    "RefundAmounts",
    "complete_bank_transfer",
    "handle_refund_notification",
    "propose_refund",
    "refundable",
    "retry_refunds",
    "send_refund",
    "start_refund",
    "under_way",
]
