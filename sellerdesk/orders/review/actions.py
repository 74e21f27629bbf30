"""The writes of order review: review (approve or hold), hold by hand, release, cancel
a held order. Each one transaction, the order row locked, an event written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import hooks
from sellerdesk.core.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import events, holds
from sellerdesk.orders import states as order_states
from sellerdesk.orders.hooks import OrdersApproved
from sellerdesk.orders.merging import merge_candidates, merge_orders
from sellerdesk.orders.models import Order, OrderEventType, OrderHold
from sellerdesk.orders.review.engine import Verdict, build_context, evaluate, recognised_wishes
from sellerdesk.orders.review.rules import MANUAL, Finding, ReviewContext
from sellerdesk.orders.states import OrderAction, OrderStatus, PaymentStatus, next_status
from sellerdesk.shops.models import ReviewSettings

MAX_REASON = 500


def review_due_at(order: Order, settings: ReviewSettings) -> datetime:
    """When the hold buffer of an order is over: from payment, or from placing for COD."""
    start = order.created_at if order.payment_status == PaymentStatus.COD or order.paid_at is None else order.paid_at
    return start + settings.hold_buffer


def review_order(
    *,
    order_id: int,
    now: datetime,
    actor: User | None = None,
    force: bool = False,
    context: ReviewContext | None = None,
) -> Verdict | None:
    """Run the shop's review rules on one order awaiting review and approve or hold it.

    Returns None when there was nothing to do: the order is not pending review, another
    worker holds it, it was reviewed already or its hold buffer is not over (the last
    two only without `force`, which is "review now").
    """
    with transaction.atomic():
        # of=("self",): locking the joined shop row too would make concurrent workers
        # skip each other's orders of the same shop, and some would go unreviewed.
        query = Order.objects.select_for_update(skip_locked=not force, of=("self",)).select_related("shop")
        order = query.filter(pk=order_id, status=OrderStatus.PENDING_REVIEW).first()
        if order is None:
            return None
        if context is None or order.shop_id not in context.settings:
            context = build_context([order], now=now)
        settings = context.settings_of(order)
        if not force and (order.reviewed_at is not None or review_due_at(order, settings) > now):
            return None
        if not force and settings.merge_automatically and _merged_first(order, actor=actor, now=now):
            return None
        verdict = evaluate(order, context)
        order.reviewed_at = now
        if verdict.is_clean and settings.auto_approve:
            before = order.status
            order.status = next_status(order.status, OrderAction.APPROVE)
            order.approved_at = now
            order.save(update_fields=["status", "approved_at", "reviewed_at"])
            events.insert_events(
                [
                    events.build_auto_approved_event(
                        order,
                        before=before,
                        rules_passed=verdict.passed,
                        instructions=recognised_wishes(order),
                        actor=actor,
                        at=now,
                    )
                ]
            )
            hooks.emit(OrdersApproved(order_ids=(order.pk,), at=now))  # confirmation, allocation
        elif verdict.is_clean:
            order.save(update_fields=["reviewed_at"])
            events.insert_events(
                [
                    events.build_reviewed_event(
                        order, rules_passed=verdict.passed, instructions=recognised_wishes(order), actor=actor, at=now
                    )
                ]
            )
        else:
            hold_with_findings(order, verdict.findings, actor=actor, at=now, automatic=True, passed=verdict.passed)
        return verdict


@dataclass
class BatchResult:
    approved: int = 0
    held: int = 0
    reviewed: int = 0  # clean but left for a person: the shop does not auto-approve


def review_batch(
    *, order_ids: Sequence[int], now: datetime, actor: User | None = None, force: bool = False
) -> BatchResult:
    """Review many orders in one transaction: the rules run per order on one shared
    context, and the clean ones are approved with one UPDATE, their events written
    in one INSERT and their confirmations recorded together after the commit.

    The same outcome as `review_order` for each order (which the shops that merge
    automatically still go through, one by one). Orders another worker holds are
    skipped (without `force`), so N workers can share a queue.
    """
    result = BatchResult()
    with transaction.atomic():
        query = Order.objects.select_for_update(skip_locked=not force, of=("self",)).select_related("shop")
        orders = list(query.filter(pk__in=list(order_ids), status=OrderStatus.PENDING_REVIEW).order_by("pk"))
        if not orders:
            return result
        approved, clean = _judge(orders, build_context(orders, now=now), result, now=now, actor=actor, force=force)
        _write_reviewed(approved, clean, actor=actor, now=now)
        result.approved += len(approved)
        result.reviewed += len(clean)
        if approved:
            hooks.emit(OrdersApproved(order_ids=tuple(order.pk for order, _verdict in approved), at=now))
    return result


def _judge(
    orders: Sequence[Order],
    context: ReviewContext,
    result: BatchResult,
    *,
    now: datetime,
    actor: User | None,
    force: bool,
) -> tuple[list[tuple[Order, Verdict]], list[tuple[Order, Verdict]]]:
    """Run the rules on each order due (all with `force`): orders failing a rule are held
    now and counted in `result`; shops that merge automatically review one by one.
    Returns the clean orders to approve, and the clean ones their shop approves by hand."""
    approved: list[tuple[Order, Verdict]] = []
    clean: list[tuple[Order, Verdict]] = []
    for order in orders:
        settings = context.settings_of(order)
        if not force and (order.reviewed_at is not None or review_due_at(order, settings) > now):
            continue
        if not force and settings.merge_automatically:
            verdict = review_order(order_id=order.pk, now=now, actor=actor, context=context)
            if verdict is not None:
                _count(result, verdict, settings.auto_approve)
            continue
        verdict = evaluate(order, context)
        order.reviewed_at = now
        if verdict.is_clean and settings.auto_approve:
            approved.append((order, verdict))
        elif verdict.is_clean:
            clean.append((order, verdict))
        else:
            hold_with_findings(order, verdict.findings, actor=actor, at=now, automatic=True, passed=verdict.passed)
            result.held += 1
    return approved, clean


def _write_reviewed(
    approved: list[tuple[Order, Verdict]],
    clean: list[tuple[Order, Verdict]],
    *,
    actor: User | None,
    now: datetime,
) -> None:
    """Approve the first with one UPDATE, mark the others reviewed with another, and
    write every event in one INSERT."""
    if approved:
        Order.objects.filter(
            pk__in=[order.pk for order, _verdict in approved],
            status__in=order_states.statuses_allowing(OrderAction.APPROVE),
        ).update(status=order_states.target_of(OrderAction.APPROVE), approved_at=now, reviewed_at=now)
    if clean:
        Order.objects.filter(pk__in=[order.pk for order, _verdict in clean]).update(reviewed_at=now)
    rows = []
    for order, verdict in approved:
        order.status, order.approved_at = next_status(order.status, OrderAction.APPROVE), now
        rows.append(
            events.build_auto_approved_event(
                order,
                before=OrderStatus.PENDING_REVIEW.value,
                rules_passed=verdict.passed,
                instructions=recognised_wishes(order),
                actor=actor,
                at=now,
            )
        )
    for order, verdict in clean:
        rows.append(
            events.build_reviewed_event(
                order, rules_passed=verdict.passed, instructions=recognised_wishes(order), actor=actor, at=now
            )
        )
    events.insert_events(rows)


def _count(result: BatchResult, verdict: Verdict, auto_approve: bool) -> None:
    if not verdict.is_clean:
        result.held += 1
    elif auto_approve:
        result.approved += 1
    else:
        result.reviewed += 1


def _merged_first(order: Order, *, actor: User | None, now: datetime) -> bool:
    """合单 before review when the shop says so. True when this order needs no review now:
    it was merged with its candidates within the merge window into a new order awaiting
    review (reviewed on its own by a later sweep), or another worker holds a candidate
    (waiting for it without skip_locked could deadlock; a later sweep tries again).
    False when there is nothing to merge: the order is reviewed as usual."""
    candidates = merge_candidates(order=order)
    if not candidates:
        return False
    pks = sorted(candidate.pk for candidate in candidates)
    free = Order.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk__in=pks).order_by("pk")
    if list(free.values_list("pk", flat=True)) != pks:
        return True
    try:
        with transaction.atomic():
            merge_orders(orders=[order, *candidates], actor=actor, at=now)
    except DomainError:
        return False
    return True


@transaction.atomic
def review_order_now(*, order: Order, actor: User | None, at: datetime | None = None) -> Verdict:
    """Run the rules on an order awaiting review now, whatever its hold buffer says."""
    require(actor, "orders.review")
    verdict = review_order(order_id=order.pk, now=at or timezone.now(), actor=actor, force=True)
    if verdict is None:
        current = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first() or ""
        raise InvalidTransition(current=current, action="review")
    return verdict


def hold_with_findings(
    order: Order,
    findings: list[Finding],
    *,
    actor: User | None,
    at: datetime,
    automatic: bool,
    passed: list[str] | None = None,
) -> None:
    before = order.status
    order.status = next_status(order.status, OrderAction.HOLD)
    order.save(update_fields=["status", "reviewed_at"])
    OrderHold.objects.bulk_create(
        [
            OrderHold(
                order=order,
                reason=finding.code,
                # A rule's sentence is kept as its code (read in the reader's language);
                # a reason a person typed, as typed.
                message="" if finding.text else finding.message[:MAX_REASON],
                message_data=finding.text or {},
                suggestion=finding.suggestion,
                created_at=at,
                created_by=actor,
            )
            for finding in findings
        ]
    )
    data = {"automatic": automatic, "reasons": [finding.as_stored() for finding in findings]}
    if passed is not None:
        data["rules_passed"] = passed
    events.status_event(order, OrderEventType.HELD, actor=actor, at=at, before=before, **data)


@transaction.atomic
def hold_order(*, order: Order, actor: User | None, reason: str, at: datetime | None = None) -> Order:
    """Put an order awaiting review into the exception queue by hand, saying why."""
    require(actor, "orders.hold")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("say why the order is held")})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": _("at most %(n)s characters") % {"n": MAX_REASON}})
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    at = at or timezone.now()
    order.reviewed_at = order.reviewed_at or at
    hold_with_findings(order, [Finding(MANUAL, reason, None)], actor=actor, at=at, automatic=False)
    return order


def _locked_held(order: Order, action: str) -> Order:
    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    # In the exception queue: where the table's HOLD leads.
    if order.status != order_states.target_of(OrderAction.HOLD):
        raise InvalidTransition(current=order.status, action=action)
    return order


@transaction.atomic
def release_order(*, order: Order, actor: User | None, note: str = "", at: datetime | None = None) -> Order:
    """Approve a held order: its holds are resolved by this actor, with the note. An order
    that still owes money (a paid order whose lines now cost more) is refused with
    Conflict("balance_due") until the difference is recorded as a payment."""
    require(actor, "orders.release")
    note = note.strip()
    if len(note) > MAX_REASON:
        raise ValidationFailed({"note": _("at most %(n)s characters") % {"n": MAX_REASON}})
    order = _locked_held(order, "release")
    holds.require_release(actor, holds.open_hold_reasons(order))
    if order.amount_owed > 0:
        # A "balance due" hold is answered by the money, not by a click (issue 17).
        raise Conflict(
            "balance_due",
            _("Order %(number)s still owes %(due)s; record the payment of the difference before releasing it.")
            % {"number": order.number, "due": order.amount_owed},
            details={"number": order.number, "balance_due": str(order.amount_owed)},
        )
    at = at or timezone.now()
    before = order.status
    order.status = next_status(order.status, OrderAction.APPROVE)
    order.approved_at = at
    order.save(update_fields=["status", "approved_at"])
    reasons = holds.resolve_open_holds(order, actor=actor, at=at, resolution=note)
    events.status_event(
        order,
        OrderEventType.APPROVED,
        actor=actor,
        at=at,
        before=before,
        automatic=False,
        released=reasons,
        note=note,
        instructions=recognised_wishes(order),
    )
    hooks.emit(OrdersApproved(order_ids=(order.pk,), at=at))  # confirmation, allocation
    return order


@transaction.atomic
def cancel_held_order(*, order: Order, actor: User | None, reason: str, at: datetime | None = None) -> Order:
    """Cancel an order from the exception queue: its holds are resolved with the reason."""
    require(actor, "orders.cancel")
    _locked_held(order, OrderAction.CANCEL.value)
    at = at or timezone.now()
    order = order_actions.cancel_order(order=order, actor=actor, reason=reason, at=at)
    holds.resolve_open_holds(order, actor=actor, at=at, resolution=reason.strip())
    return order
