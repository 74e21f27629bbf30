"""What after-sales does when a lower layer says something happened (core.hooks)."""

from __future__ import annotations

import logging

from sellerdesk.aftersales import refunds
from sellerdesk.aftersales.actions import open_for_parcel_problem
from sellerdesk.aftersales.models import CaseType, Reason
from sellerdesk.aftersales.replacements import record_replacement_shipped
from sellerdesk.core import hooks
from sellerdesk.logistics.hooks import ParcelProblemResolved
from sellerdesk.logistics.models import ExceptionKind, ExceptionOutcome, ShipmentDirection
from sellerdesk.orders.hooks import OrderShipped
from sellerdesk.orders.models import Order
from sellerdesk.payments.hooks import REFUND_NOTIFICATIONS, REFUNDS_UNDER_WAY

logger = logging.getLogger(__name__)

# The reason a case carries for each kind of parcel problem.
PROBLEM_REASONS = {
    ExceptionKind.DAMAGED: Reason.DAMAGED,
    ExceptionKind.REFUSED: Reason.OTHER,
}
# What after-sales does for an outcome of the desk; forwarding and waiting are the
# carrier's business (the forwarding fee is on the exception) and open no case.
OUTCOME_CASES = {ExceptionOutcome.RESHIP: CaseType.REISSUE, ExceptionOutcome.REFUND: CaseType.REFUND_ONLY}


def ship_replacement(payload: OrderShipped) -> None:
    """A case's replacement order shipped: the case moves on and the buyer is told."""
    record_replacement_shipped(order=payload.order, at=payload.at)


def carry_out_parcel_problem(payload: ParcelProblemResolved) -> None:
    """The exception desk resolved a parcel problem: a reship becomes a reissue case,
    approved (its replacement order placed); a refund a refund-only case, approved (its
    refund started). In the desk's transaction: a refusal here leaves the problem open."""
    case_type = (
        OUTCOME_CASES.get(ExceptionOutcome(payload.outcome)) if payload.outcome in ExceptionOutcome.values else None
    )
    if case_type is None or payload.direction != ShipmentDirection.OUTBOUND:
        # A return parcel's trouble is the return leg's: its case waits for it as it is.
        return
    order = Order.objects.get(pk=payload.order_id)
    if case_type == CaseType.REFUND_ONLY and order.paid_amount <= order.refunded_amount:
        return  # nothing was paid (a refused cash-on-delivery parcel), nothing to refund
    case = open_for_parcel_problem(
        order=order,
        type=case_type,
        reason=PROBLEM_REASONS.get(ExceptionKind(payload.kind), Reason.NOT_RECEIVED)
        if payload.kind in ExceptionKind.values
        else Reason.NOT_RECEIVED,
        actor=payload.actor,
        at=payload.at,
    )
    if case is None:
        logger.info(
            "parcel problem %s of order %s: every unit is in a case already", payload.exception_id, order.number
        )


def connect() -> None:
    """Subscribe this app's handlers; called once from AftersalesConfig.ready()."""
    # An order's close or removed lines refund only what no case's refund is refunding.
    REFUNDS_UNDER_WAY.provide(refunds.under_way)
    # The gateways' refund callbacks (payments.api) are recorded by the refunds.
    REFUND_NOTIFICATIONS.provide(refunds.handle_refund_notification)
    hooks.subscribe(OrderShipped, ship_replacement, when=hooks.IN_TRANSACTION)
    hooks.subscribe(ParcelProblemResolved, carry_out_parcel_problem, when=hooks.IN_TRANSACTION)
