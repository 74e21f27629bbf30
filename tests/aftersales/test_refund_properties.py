"""Refund arithmetic (hypothesis): across random partial and repeated cases and typed
amounts, what is refunded never exceeds what was paid, to the cent, and the three records
of it agree: the order's refunded amount, the payments ledger's refund rows and the
succeeded after-sales refunds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.aftersales import actions, refunds
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseLine, CaseStatus, Refund, RefundStatus
from sellerdesk.aftersales.refunds import RefundAmounts
from sellerdesk.core.errors import DomainError
from sellerdesk.core.money import ZERO
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments import gateways
from sellerdesk.payments.actions import record_payment
from sellerdesk.payments.models import Payment, PaymentKind
from tests.aftersales.evidence_support import image_bytes, upload
from tests.factories import make_sku, make_user, place

PROPERTY = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SKUS = ["PA", "PB", "PC"]
PROOF = image_bytes("PNG", size=(64, 48))

cents = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
small = st.integers(min_value=0, max_value=3_000).map(lambda c: Decimal(c) / 100)
signed = st.integers(min_value=-3_000, max_value=3_000).map(lambda c: Decimal(c) / 100)
order_lines = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(min_value=1, max_value=4), cents), min_size=1, max_size=3
)
# One case: which line (index), how many units, its type, and what the agent types.
case_steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=1, max_value=4),
        st.sampled_from(["refund_only", "return_refund"]),
        st.one_of(st.none(), st.tuples(small, small, signed, small)),
        st.sampled_from(["gateway", "unreachable", "refused"]),
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture
def setup(db: Any, settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    for code in SKUS:
        make_sku(code, price="10.00", stock=1000)
    return make_user("prop-boss", "supervisor", "主管")


def delivered(lines: list[tuple[str, int, Decimal]], fee: Decimal) -> Order:
    order = place(
        shipping_fee=fee,
        lines=[order_actions.LineDraft(sku, quantity, price) for sku, quantity, price in lines],
    )
    record_payment(order=order, amount=order.total, method="online", reference=f"PROP-{order.number}", actor=None)
    order = Order.objects.get(pk=order.pk)
    if order.status != "approved":
        order_actions.approve_order(order=order, actor=None)
    order_actions.ship_order(order=order, actor=None, carrier="SF", tracking_number=f"SFP{order.number}")
    order_actions.deliver_order(order=order, actor=None)
    return Order.objects.get(pk=order.pk)


ANSWER_REFUND = gateways.SimulatedGateway.request_refund


def _gateway(monkeypatch: Any, behaviour: str) -> None:
    real = ANSWER_REFUND

    def answer(self: Any, request: gateways.RefundRequest) -> gateways.RefundAnswer:
        if behaviour == "unreachable":
            raise gateways.GatewayUnavailable("timeout")
        if behaviour == "refused":
            raise gateways.RefundRefused("refused")
        return real(self, request)

    monkeypatch.setattr(gateways.SimulatedGateway, "request_refund", answer)


@PROPERTY
@given(lines=order_lines, fee=small, steps=case_steps)
def test_refunds_never_exceed_what_was_paid_and_every_record_agrees(
    setup: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any, lines: Any, fee: Any, steps: Any
) -> None:
    boss = setup
    order = delivered(lines, fee)
    order_lines = list(order.lines.order_by("position"))
    for index, units, case_type, typed, behaviour in steps:
        line = order_lines[index % len(order_lines)]
        _gateway(monkeypatch, behaviour)
        try:
            with django_capture_on_commit_callbacks(execute=True):
                case = actions.open_case(
                    order=order,
                    type=case_type,
                    reason="quality",
                    lines=[LineRequest(line.pk, units)],
                    actor=boss,
                )
                if case_type == "refund_only" and typed is None:
                    actions.approve_case(case=case, actor=boss)  # starts the refund as proposed
                else:
                    if case_type == "refund_only":
                        # Approved without the automatic start: the agent types the amounts.
                        Case.objects.filter(pk=case.pk).update(status=CaseStatus.APPROVED)
                    else:
                        actions.approve_case(case=case, actor=boss)
                        CaseLine.objects.filter(case=case).update(received=units)
                        Case.objects.filter(pk=case.pk).update(status=CaseStatus.RECEIVED)
                    amounts = None
                    if typed is not None:
                        goods, shipping, difference, compensation = typed
                        amounts = RefundAmounts(
                            goods={case.lines.get().pk: min(goods * 10, line.unit_price * units)},
                            shipping=shipping,
                            price_difference=difference,
                            compensation=compensation,
                        )
                    refunds.start_refund(case=Case.objects.get(pk=case.pk), actor=boss, amounts=amounts)
        except DomainError:
            pass  # refused (more units than shipped, more money than paid, nothing to refund): nothing written
        # The bank transfers to make are made, as staff would; the worker asks the gateway
        # again for what it did not answer.
        for refund in Refund.objects.filter(order=order, status=RefundStatus.AWAITING_TRANSFER):
            refunds.complete_bank_transfer(
                refund=refund, reference=f"BK-{refund.number}", proof=upload("r.png", PROOF), actor=boss
            )
        _gateway(monkeypatch, "gateway")
        refunds.retry_refunds(now=timezone.now() + timedelta(days=1))

    order.refresh_from_db()
    ledger = Payment.objects.filter(order=order, kind=PaymentKind.REFUND).aggregate(total=Sum("amount"))["total"]
    succeeded = Refund.objects.filter(order=order, status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))[
        "total"
    ]
    under_way = refunds.under_way(order)
    assert order.refunded_amount == (ledger or ZERO) == (succeeded or ZERO)
    assert order.refunded_amount + under_way <= order.paid_amount
    for refund in Refund.objects.filter(order=order):
        assert refund.amount == refund.amount.quantize(Decimal("0.01")) > ZERO
        assert refund.amount == (
            refund.goods_amount
            + refund.shipping_amount
            - refund.buyer_postage
            + refund.price_difference
            + refund.compensation
        )
        assert refund.goods_amount == sum((line.amount for line in refund.lines.all()), ZERO)
    # Each case line is refunded at most once.
    refunded_lines = list(
        Refund.objects.filter(order=order).values_list("lines__case_line_id", flat=True).exclude(lines__isnull=True)
    )
    assert len(refunded_lines) == len(set(refunded_lines))
