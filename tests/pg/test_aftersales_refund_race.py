"""Refunds raced on a real PostgreSQL: agents (threads with their own connections, released
together by a barrier) refunding the same case line at once refund it once; the gateway's
callback delivered twice at once is recorded once."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.aftersales import actions, refunds
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseLine, CaseStatus, Refund, RefundLine, RefundStatus
from sellerdesk.core.errors import Conflict, InvalidTransition
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments import gateways
from sellerdesk.payments.actions import record_payment
from sellerdesk.payments.models import Payment, PaymentKind
from tests.factories import make_sku, make_user, place
from tests.pg.test_concurrency import run_together

AGENTS = 6


def delivered_order() -> Order:
    order = place(("RACE-1", 3))
    record_payment(order=order, amount=order.total, method="online", reference=f"TX-{order.number}", actor=None)
    order = Order.objects.get(pk=order.pk)
    if order.status != "approved":
        order_actions.approve_order(order=order, actor=None)
    order_actions.ship_order(order=order, actor=None, carrier="SF", tracking_number=f"SF{order.number}")
    order_actions.deliver_order(order=order, actor=None)
    return Order.objects.get(pk=order.pk)


def received_case(order: Order, agent: Any) -> Case:
    line = order.lines.get()
    case = actions.open_case(
        order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line.pk, 2)], actor=agent
    )
    actions.approve_case(case=case, actor=agent)
    CaseLine.objects.filter(case=case).update(received=2)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RECEIVED)
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db(transaction=True)
def test_agents_refunding_the_same_line_at_once_refund_it_once(shop: Any) -> None:
    # given a received return of 2 × 59.00 and six agents
    make_sku("RACE-1", price="59.00", stock=100)
    order = delivered_order()
    agents = [make_user(f"agent{index}", "agent", f"客服{index}") for index in range(AGENTS)]
    case = received_case(order, agents[0])
    line = case.lines.get()

    def refund(index: int) -> str:
        try:
            made = refunds.start_refund(
                case=Case.objects.get(pk=case.pk),
                actor=agents[index],
                amounts=refunds.RefundAmounts(goods={line.pk: Decimal("118.00")}),
            )
        except (Conflict, InvalidTransition) as refused:
            return f"refused:{type(refused).__name__}"
        return made.number

    # when they all start its refund at the same moment
    outcomes = run_together(threads=AGENTS, rounds=1, work=refund)

    # then one refund was made, the others refused cleanly (no error, no deadlock)
    assert outcomes.errors == []
    made = [result for result in outcomes.results if not result.startswith("refused")]
    assert len(made) == 1
    assert Refund.objects.count() == 1 and RefundLine.objects.filter(active=True).count() == 1
    # and the gateway was asked after the commit and the money went back once
    refund = Refund.objects.get()
    assert refund.number == made[0]
    assert refund.status == RefundStatus.SUCCEEDED
    order.refresh_from_db()
    ledger = Payment.objects.filter(order=order, kind=PaymentKind.REFUND).aggregate(total=Sum("amount"))["total"]
    assert order.refunded_amount == ledger == Decimal("118.00")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


@pytest.mark.django_db(transaction=True)
def test_a_callback_delivered_twice_at_once_is_recorded_once(shop: Any, monkeypatch: Any) -> None:
    # given a refund the gateway has not answered yet
    make_sku("RACE-1", price="59.00", stock=100)
    order = delivered_order()
    agent = make_user("agent", "agent", "阿华")

    def unreachable(self: Any, request: gateways.RefundRequest) -> gateways.RefundAnswer:
        raise gateways.GatewayUnavailable("timeout")

    monkeypatch.setattr(gateways.SimulatedGateway, "request_refund", unreachable)
    case = received_case(order, agent)
    refund = refunds.start_refund(case=case, actor=agent)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING
    body = json.dumps(
        {"refund_number": refund.number, "refund_id": "RF-RACE", "amount": str(refund.amount), "status": "succeeded"}
    ).encode()
    headers = {"x-signature": gateways.get_gateway("simulated").sign(body)}  # type: ignore[attr-defined]

    # when the gateway's callback arrives four times at the same moment
    outcomes = run_together(
        threads=4,
        rounds=1,
        work=lambda _index: refunds.handle_refund_notification(gateway_name="simulated", body=body, headers=headers),
    )

    # then one recorded it and the others answered "duplicate"
    assert outcomes.errors == []
    assert sorted(result.duplicate for result in outcomes.results) == [False, True, True, True]
    order.refresh_from_db()
    assert list(Payment.objects.filter(order=order, kind=PaymentKind.REFUND).values_list("amount", flat=True)) == [
        refund.amount
    ]
    assert order.refunded_amount == refund.amount
