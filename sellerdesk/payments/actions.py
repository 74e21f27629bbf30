"""Money in and out of orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.messages import Text
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO, to_money
from sellerdesk.core.permissions import require
from sellerdesk.customers.actions import add_spending
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import states as order_states
from sellerdesk.orders.events import write_event
from sellerdesk.orders.models import Order, OrderEventType
from sellerdesk.orders.states import PaymentStatus
from sellerdesk.payments.gateways import Notification, get_gateway
from sellerdesk.payments.models import Payment, PaymentKind

# Read from the order's table (orders.states). COD money is collected by the carrier on
# delivery and recorded afterwards, in any status the COD order passes through.
PAYABLE_STATUSES = order_states.PAYABLE_STATUSES
COD_PAYABLE_STATUSES = order_states.COD_PAYABLE_STATUSES
# A paid order whose lines changed and cost more owes the difference (orders.changes): it
# is collected before the warehouse has the order, which waits on hold for it.
BALANCE_PAYABLE_STATUSES = order_states.BEFORE_THE_WAREHOUSE


def record_payment(
    *,
    order: Order,
    amount: Decimal,
    method: str,
    reference: str,
    actor: User | None,
    gateway: str = "",
    at: datetime | None = None,
) -> Payment:
    """Record money received for an order. The full amount moves it to review.

    A reference already recorded for this method is a Conflict("duplicate_payment")
    (a replayed notification, a remittance entered twice); nothing is written then.
    """
    require(actor, "orders.pay")
    amount = to_money(amount)
    reference = reference.strip()
    _check_payment_input(amount, method, reference)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            # The shop with it: the paid hooks (the buyer's message) read it, one query fewer.
            order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
            # Under the order's lock, before the status check: the same payment arriving
            # twice at once (the second waits here for the first) is a duplicate, not a
            # payment on an order that is already paid.
            if reference and _payment_with_reference(method, reference) is not None:
                raise _duplicate_payment(reference)
            _check_payable(order, amount)
            payment = Payment.objects.create(
                order=order,
                amount=amount,
                method=method,
                gateway=gateway,
                reference=reference,
                recorded_by=actor,
                received_at=at,
            )
            order.paid_amount += amount
            order.save(update_fields=["paid_amount"])
            add_spending(customer_id=order.customer_id, amount=amount)
            write_event(
                order,
                OrderEventType.PAYMENT_RECORDED,
                actor=actor,
                at=at,
                payment_id=payment.pk,
                amount=str(amount),
                method=method,
                gateway=gateway,
                reference=reference,
                paid_amount=str(order.paid_amount),
            )
            # An order already paid that owed a difference stays paid; releasing its hold
            # is a person's move.
            if order.paid_amount >= order.total and order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.COD):
                order_actions.mark_paid(order, actor=actor, at=at)
            return payment
    except IntegrityError:
        if _payment_with_reference(method, reference) is not None:
            raise _duplicate_payment(reference) from None
        raise


def _payment_with_reference(method: str, reference: str) -> Payment | None:
    """The payment already recorded under this method's reference, if any."""
    found = Payment.objects.filter(kind=PaymentKind.PAYMENT, method=method, reference=reference)
    if reference:
        # Says what the unique index's condition says, so the database reads that (partial)
        # index instead of every payment (SQLite only uses a partial index so).
        found = found.exclude(reference="")
    return found.first()


def _check_payment_input(amount: Decimal, method: str, reference: str) -> None:
    """Some money, and a bank transfer's reference."""
    if amount <= ZERO:
        raise ValidationFailed({"amount": _("must be more than 0")})
    if method == "remittance" and not reference:
        raise ValidationFailed({"reference": _("enter the bank transfer's reference")})


def _check_payable(order: Order, amount: Decimal) -> None:
    """The order takes money in its status (by the order table, COD orders their own
    way) and no more than it still owes."""
    owed = order.amount_owed
    if order.payment_status == PaymentStatus.COD:
        payable = COD_PAYABLE_STATUSES
    elif owed > ZERO:
        payable = BALANCE_PAYABLE_STATUSES
    else:
        payable = PAYABLE_STATUSES
    if order.status not in payable:
        raise InvalidTransition(current=order.status, action="pay")
    due = owed if owed > ZERO else order.balance_due
    if amount > due:
        raise ValidationFailed({"amount": _("more than the %(due)s still due") % {"due": due}})


def _duplicate_payment(reference: str) -> Conflict:
    return Conflict(
        "duplicate_payment",
        _("A payment with reference %(ref)s is already recorded.") % {"ref": reference},
        details={"reference": reference},
    )


def record_refund(
    *,
    order: Order,
    amount: Decimal,
    actor: User | None,
    at: datetime,
    reason: Text,
    gateway: str = "",
    reference: str = "",
) -> Payment | None:
    """Money owed back to the buyer. Runs inside the caller's transaction, order locked.
    `reason` is what a person typed, or a code and its parameters (rendered when read).
    `reference` is the gateway's refund id or the bank transfer's reference: unique per
    method, so the same refund is never recorded twice (IntegrityError, rolled back by
    the caller's transaction). Nothing is recorded for an amount of 0 or less."""
    amount = to_money(amount)
    if amount <= ZERO:
        return None
    refund = Payment.objects.create(
        order=order,
        kind=PaymentKind.REFUND,
        amount=amount,
        method=order.payment_method,
        gateway=gateway,
        reference=reference.strip(),
        recorded_by=actor,
        received_at=at,
    )
    order.refunded_amount += amount
    order.payment_status = (
        PaymentStatus.REFUNDED if order.refunded_amount >= order.paid_amount else PaymentStatus.PARTIALLY_REFUNDED
    )
    order.save(update_fields=["refunded_amount", "payment_status"])
    add_spending(customer_id=order.customer_id, amount=-amount)
    write_event(order, OrderEventType.REFUND_RECORDED, actor=actor, at=at, amount=str(amount), reason=reason)
    return refund


@dataclass(frozen=True)
class NotificationResult:
    order_number: str
    duplicate: bool
    payment_id: int | None


def handle_gateway_notification(*, gateway_name: str, body: bytes, headers: dict[str, str]) -> NotificationResult:
    """Verify a gateway's notification and record its payment, once.

    A bad signature raises BadSignature before anything is read; a replay of a
    notification already recorded answers `duplicate` and records nothing.
    """
    notification = get_gateway(gateway_name).parse_notification(body, headers)
    order = Order.objects.filter(number=notification.order_number).first()
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": notification.order_number})
    replayed = _replayed_notification(order, notification)
    if replayed is not None:
        return replayed
    try:
        payment = record_payment(
            order=order,
            amount=notification.amount,
            method="online",
            reference=notification.transaction_id,
            actor=None,
            gateway=gateway_name,
        )
    except Conflict as conflict:
        if conflict.code != "duplicate_payment":
            raise
        # Recorded meanwhile by a notification that ran at the same moment.
        replayed = _replayed_notification(order, notification)
        if replayed is None:  # pragma: no cover - the conflict says it is recorded
            raise
        return replayed
    return NotificationResult(order.number, duplicate=False, payment_id=payment.pk)


def _replayed_notification(order: Order, notification: Notification) -> NotificationResult | None:
    """The answer to a notification whose transaction is already recorded, or None.

    The same transaction for the same order and amount is a replay: an idempotent
    success. The transaction id recorded for another order, or with another amount, is a
    Conflict("transaction_conflict"): a gateway never reuses a transaction id, so this is
    a mistake or a forgery, and recording it as a duplicate would hide it."""
    existing = _payment_with_reference("online", notification.transaction_id)
    if existing is None:
        return None
    if existing.order_id != order.pk:
        message = _("Transaction %(id)s is already recorded for another order.")
    elif existing.amount != notification.amount:
        message = _("Transaction %(id)s is already recorded with another amount.")
    else:
        return NotificationResult(order.number, duplicate=True, payment_id=existing.pk)
    raise Conflict(
        "transaction_conflict",
        message % {"id": notification.transaction_id},
        details={"transaction_id": notification.transaction_id},
    )
