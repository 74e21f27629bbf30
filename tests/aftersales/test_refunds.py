"""Refunds of after-sales cases (aftersales.refunds): exact amounts, the gateway's signed
callback and its replays, bank transfers with proof, refunds before shipping counted
once, dropship claims, and the API."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.aftersales import actions, refunds, returns
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import (
    Case,
    CaseEvent,
    CaseLine,
    CaseStatus,
    EvidenceKind,
    Refund,
    RefundLine,
    RefundStatus,
)
from sellerdesk.aftersales.refunds import RefundAmounts
from sellerdesk.core import periodic
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments import gateways
from sellerdesk.payments.actions import record_payment
from sellerdesk.payments.models import Payment, PaymentKind
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder, SupplierClaim
from tests.aftersales.builders import delivered_order, paid_order
from tests.aftersales.evidence_support import image_bytes, upload
from tests.conftest import ApiClient
from tests.dropship.conftest import dropship_sku, make_supplier
from tests.factories import make_sku, make_token, make_user, place
from tests.test_fuzz import json_values

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="59.00", stock=50)


@pytest.fixture
def cap(db: Any) -> Any:
    return make_sku("CAP", price="33.33", stock=50)


@pytest.fixture
def supervisor(db: Any) -> Any:
    return make_user("boss", "supervisor", "主管")


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def line_of(order: Order, position: int = 1) -> int:
    return order.lines.get(position=position).pk


def refund_rows(order: Order) -> list[Decimal]:
    return list(Payment.objects.filter(order=order, kind=PaymentKind.REFUND).values_list("amount", flat=True))


def open_refund_only(order: Order, actor: Any, *units: tuple[int, int], reason: str = "quality") -> Case:
    return actions.open_case(
        order=order,
        type="refund_only",
        reason=reason,
        lines=[LineRequest(order.lines.get(position=position).pk, quantity) for position, quantity in units],
        actor=actor,
    )


def received_return(order: Order, actor: Any, quantity: int, *, reason: str = "quality", approver: Any = None) -> Case:
    """A return approved and received (the warehouse's receiving is set on the rows: these
    tests are about the money)."""
    case = actions.open_case(
        order=order, type="return_refund", reason=reason, lines=[LineRequest(line_of(order), quantity)], actor=actor
    )
    actions.approve_case(case=case, actor=approver or actor)
    CaseLine.objects.filter(case=case).update(received=quantity)
    Case.objects.filter(pk=case.pk).update(
        status=CaseStatus.RECEIVED, received_at=timezone.now(), return_tracking_number="SF123"
    )
    return Case.objects.get(pk=case.pk)


# --- online refunds through the gateway -------------------------------------------------------


def test_an_approved_refund_goes_through_the_gateway_after_commit_and_closes_the_case(
    tee: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = delivered_order(("TEE", 2))
    case = open_refund_only(order, agent, (1, 1))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.approve_case(case=case, actor=agent)
    refund = Refund.objects.get(case=case)
    # Written with the case's move, before the gateway is asked.
    assert (refund.status, refund.amount, refund.goods_amount) == (RefundStatus.PENDING, D("59.00"), D("59.00"))
    assert Case.objects.get(pk=case.pk).status == CaseStatus.REFUNDING
    assert refund_rows(order) == []

    for callback in callbacks:
        callback()

    refund.refresh_from_db()
    order.refresh_from_db()
    case.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.gateway == "simulated" and refund.gateway_reference.startswith("RF")
    payment = Payment.objects.get(order=order, kind=PaymentKind.REFUND)
    assert refund.payment == payment
    assert (payment.amount, payment.gateway, payment.reference) == (D("59.00"), "simulated", refund.gateway_reference)
    assert (order.refunded_amount, order.payment_status) == (D("59.00"), "partially_refunded")
    assert (case.status, case.refunded_amount) == (CaseStatus.CLOSED, D("59.00"))
    codes = list(case.events.values_list("code", flat=True))
    assert codes[-3:] == [refunds.REFUND_STARTED, refunds.REFUND_COMPLETED, "case_moved"]
    assert RefundLine.objects.get(refund=refund).quantity == 1
    # The buyer heard that the refund left (an after-sales step) and that it arrived (refund
    # done), each in the portal and by SMS.
    told = list(
        OutgoingMessage.objects.filter(kind="aftersales", channel="in_site")
        .order_by("pk")
        .values_list("text", flat=True)
    )
    assert case.number in told[-1] and "59.00" in told[-1]
    assert len(told) == 3  # opened, approved, refund on its way
    done = OutgoingMessage.objects.filter(kind="refund_done").order_by("channel")
    assert [(m.channel, m.idempotency_key) for m in done] == [
        ("in_site", f"refund_done:{refund.number}:in_site"),
        ("sms", f"refund_done:{refund.number}:sms"),
    ]
    assert all(case.number in m.text and "59.00" in m.text for m in done)
    assert done[0].params["refund_amount"] == "59.00"


def test_typed_amounts_add_up_to_the_cent(cap: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = delivered_order(("CAP", 3))
    case = received_return(order, agent, 3, reason="no_reason")
    line = case.lines.get()

    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.start_refund(
            case=case,
            actor=agent,
            amounts=RefundAmounts(
                goods={line.pk: D("99.99")},
                shipping=D("0.00"),
                buyer_postage=D("8.00"),
                price_difference=D("-5.50"),
                compensation=D("3.33"),
            ),
        )

    refund.refresh_from_db()
    # 99.99 − 8.00 − 5.50 + 3.33
    assert refund.amount == D("89.82")
    assert (refund.goods_amount, refund.buyer_postage, refund.price_difference, refund.compensation) == (
        D("99.99"),
        D("8.00"),
        D("-5.50"),
        D("3.33"),
    )
    order.refresh_from_db()
    assert order.refunded_amount == D("89.82") == sum(refund_rows(order))


def test_the_proposal_refunds_the_units_received_and_reimburses_the_buyers_return_postage(
    cap: Any, agent: Any, settings: Any
) -> None:
    order = delivered_order(("CAP", 3))
    case = received_return(order, agent, 2, reason="quality")

    proposal = refunds.propose_refund(case)

    assert proposal.goods == {case.lines.get().pk: D("66.66")}
    # The seller pays a quality return's postage: the buyer's own parcel is reimbursed.
    assert (proposal.shipping, proposal.buyer_postage) == (D("10.00"), D("0.00"))
    assert proposal.total == D("76.66")


def test_a_no_reason_return_graded_defective_proposes_no_goods(cap: Any, agent: Any) -> None:
    """The buyer pays for a no-reason return: a unit that came back damaged is not refunded."""
    order = delivered_order(("CAP", 3))
    case = received_return(order, agent, 2, reason="no_reason")
    CaseLine.objects.filter(case=case).update(good=0, defective=2)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.INSPECTED, inspection_result="fail")

    assert refunds.propose_refund(Case.objects.get(pk=case.pk)).goods == {case.lines.get().pk: D("0.00")}


def test_a_quality_return_refunds_every_unit_received_whatever_the_grades(cap: Any, agent: Any) -> None:
    """The seller's fault: a defective unit confirms the claim, a good one is fit to sell again."""
    order = delivered_order(("CAP", 3))
    case = received_return(order, agent, 2, reason="quality")
    for good, defective, result in ((0, 2, "fail"), (1, 1, "partial"), (2, 0, "pass")):
        CaseLine.objects.filter(case=case).update(good=good, defective=defective)
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.INSPECTED, inspection_result=result)

        assert refunds.propose_refund(Case.objects.get(pk=case.pk)).goods == {case.lines.get().pk: D("66.66")}


def test_a_no_reason_return_partly_damaged_refunds_the_good_units(cap: Any, agent: Any) -> None:
    order = delivered_order(("CAP", 3))
    case = received_return(order, agent, 2, reason="no_reason")
    CaseLine.objects.filter(case=case).update(good=1, defective=1)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.INSPECTED, inspection_result="partial")

    assert refunds.propose_refund(Case.objects.get(pk=case.pk)).goods == {case.lines.get().pk: D("33.33")}


def test_more_than_was_paid_is_refused_naming_the_amount_and_nothing_is_written(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    case = received_return(order, agent, 1)
    events_before = CaseEvent.objects.filter(case=case).count()

    with pytest.raises(ValidationFailed) as refused:
        refunds.start_refund(case=case, actor=agent, amounts=RefundAmounts(compensation=D("60.00")))
    assert list(refused.value.fields) == ["amount"]
    with pytest.raises(ValidationFailed) as refused:
        refunds.start_refund(case=case, actor=agent, amounts=RefundAmounts(goods={case.lines.get().pk: D("59.001")}))
    assert list(refused.value.fields) == [f"goods.{case.lines.get().pk}"]

    assert Refund.objects.count() == 0 and RefundLine.objects.count() == 0
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_a_line_is_never_refunded_twice(tee: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = delivered_order(("TEE", 3))
    case = received_return(order, agent, 2)
    with django_capture_on_commit_callbacks(execute=True):
        refunds.start_refund(case=case, actor=agent)
    # A dispute ruled for the buyer brings the case back to approved.
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.APPROVED)
    line = case.lines.get()

    with pytest.raises(Conflict) as refused:
        refunds.start_refund(case=case, actor=agent, amounts=RefundAmounts(goods={line.pk: D("10.00")}))

    assert refused.value.code == "line_already_refunded"
    assert refused.value.details["field"] == f"goods.{line.pk}"
    assert Refund.objects.count() == 1
    # A goodwill compensation on top is not a second refund of the line.
    with django_capture_on_commit_callbacks(execute=True):
        extra = refunds.start_refund(case=case, actor=agent, amounts=RefundAmounts(compensation=D("5.00")))
    assert Refund.objects.get(pk=extra.pk).status == RefundStatus.SUCCEEDED
    order.refresh_from_db()
    # 2 × 59.00 + 10.00 return postage reimbursed, then 5.00
    assert order.refunded_amount == D("133.00") == sum(refund_rows(order))


def test_above_the_agents_limit_a_supervisor_refunds(
    tee: Any, agent: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = delivered_order(("TEE", 5))
    # A supervisor approved 236.00 (4 × 59.00); the refund adds 10.00 return postage.
    case = received_return(order, agent, 4, approver=supervisor)

    with pytest.raises(PermissionDenied):
        refunds.start_refund(case=case, actor=agent)
    assert Refund.objects.count() == 0
    # Within what the supervisor approved, the agent may refund.
    assert refunds.start_refund(
        case=case, actor=agent, amounts=RefundAmounts(goods={case.lines.get().pk: D("236.00")})
    ).amount == D("236.00")
    Refund.objects.all().delete()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.RECEIVED)

    with django_capture_on_commit_callbacks(execute=True):
        refund = refunds.start_refund(case=case, actor=supervisor)
    assert Refund.objects.get(pk=refund.pk).amount == D("246.00")


def test_a_case_that_may_not_refund_is_refused(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    with pytest.raises(InvalidTransition):
        refunds.start_refund(case=case, actor=agent)
    assert Refund.objects.count() == 0


# --- the gateway's callback ------------------------------------------------------------------


def signed(body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    return raw, {"x-signature": gateways.get_gateway("simulated").sign(raw)}  # type: ignore[attr-defined]


def pending_refund(order: Order, agent: Any, django_capture_on_commit_callbacks: Any) -> Refund:
    case = open_refund_only(order, agent, (1, 1))
    with django_capture_on_commit_callbacks(execute=False):
        actions.approve_case(case=case, actor=agent)
    return Refund.objects.get(case=case)


def test_a_replayed_callback_is_a_success_recorded_once(
    tee: Any, agent: Any, anonymous_api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = delivered_order(("TEE", 2))
    refund = pending_refund(order, agent, django_capture_on_commit_callbacks)
    body, headers = signed(
        {"refund_number": refund.number, "refund_id": "RF-GW-1", "amount": "59.00", "status": "succeeded"}
    )

    first = anonymous_api.post(
        "/api/v1/payments/simulated/refunds/notify", body, headers={"X-Signature": headers["x-signature"]}
    )
    again = anonymous_api.post(
        "/api/v1/payments/simulated/refunds/notify", body, headers={"X-Signature": headers["x-signature"]}
    )

    assert first.status_code == 200 and first.json()["status"] == "recorded"
    assert again.status_code == 200 and again.json() == {
        "status": "duplicate",
        "refund": refund.number,
        "refund_status": "succeeded",
    }
    assert refund_rows(order) == [D("59.00")]
    order.refresh_from_db()
    assert order.refunded_amount == D("59.00")
    # The worker's own answer comes too late to count again.
    with django_capture_on_commit_callbacks(execute=True):
        refunds.send_refund(refund_id=refund.pk)
    assert refund_rows(order) == [D("59.00")]


def test_a_bad_signature_an_unknown_refund_and_a_different_amount_are_refused(
    tee: Any, agent: Any, anonymous_api: ApiClient, django_capture_on_commit_callbacks: Any
) -> None:
    order = delivered_order(("TEE", 2))
    refund = pending_refund(order, agent, django_capture_on_commit_callbacks)
    url = "/api/v1/payments/simulated/refunds/notify"

    body, _headers = signed(
        {"refund_number": refund.number, "refund_id": "X", "amount": "59.00", "status": "succeeded"}
    )
    assert anonymous_api.post(url, body, headers={"X-Signature": "0" * 64}).status_code == 401
    unknown, unknown_headers = signed(
        {"refund_number": "RF000", "refund_id": "X", "amount": "59.00", "status": "succeeded"}
    )
    assert anonymous_api.post(url, unknown, headers={"X-Signature": unknown_headers["x-signature"]}).status_code == 404
    other, other_headers = signed(
        {"refund_number": refund.number, "refund_id": "X", "amount": "58.99", "status": "succeeded"}
    )
    answer = anonymous_api.post(url, other, headers={"X-Signature": other_headers["x-signature"]})
    assert answer.status_code == 409 and answer.json()["code"] == "refund_amount_mismatch"

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.PENDING
    assert refund_rows(order) == []


def test_the_simulated_gateway_answers_the_same_refund_for_the_same_key() -> None:
    gateway = gateways.get_gateway("simulated")
    request = gateways.RefundRequest("RF1", "SO1", "TX1", D("1.00"), "rf-key")
    assert gateway.request_refund(request).refund_id == gateway.request_refund(request).refund_id
    other = gateways.RefundRequest("RF1", "SO1", "TX1", D("1.00"), "rf-other")
    assert gateway.request_refund(other).refund_id != gateway.request_refund(request).refund_id


def test_a_gateway_that_did_not_answer_is_asked_again_by_the_worker_with_the_same_key(
    tee: Any, agent: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = delivered_order(("TEE", 2))
    keys: list[str] = []
    real = gateways.SimulatedGateway.request_refund

    def down(self: Any, request: gateways.RefundRequest) -> gateways.RefundAnswer:
        keys.append(request.idempotency_key)
        raise gateways.GatewayUnavailable("timeout")

    monkeypatch.setattr(gateways.SimulatedGateway, "request_refund", down)
    case = open_refund_only(order, agent, (1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=case, actor=agent)
    refund = Refund.objects.get(case=case)
    assert (refund.status, refund.attempts) == (RefundStatus.PENDING, 1)
    # Too soon: nothing is asked.
    assert refunds.retry_refunds(now=timezone.now()) == 0

    def up(self: Any, request: gateways.RefundRequest) -> gateways.RefundAnswer:
        keys.append(request.idempotency_key)
        return real(self, request)

    monkeypatch.setattr(gateways.SimulatedGateway, "request_refund", up)
    assert refunds.retry_refunds(now=timezone.now() + timedelta(minutes=5)) == 1

    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert keys == [refund.idempotency_key, refund.idempotency_key]
    assert refund_rows(order) == [D("59.00")]


def test_a_gateway_that_refuses_turns_the_refund_into_a_bank_transfer(
    tee: Any, agent: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def refuse(self: Any, request: gateways.RefundRequest) -> gateways.RefundAnswer:
        raise gateways.RefundRefused("交易已超过可退款期限")

    monkeypatch.setattr(gateways.SimulatedGateway, "request_refund", refuse)
    order = delivered_order(("TEE", 2))
    case = open_refund_only(order, agent, (1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=case, actor=agent)

    refund = Refund.objects.get(case=case)
    assert (refund.status, refund.method) == (RefundStatus.AWAITING_TRANSFER, "bank_transfer")
    assert refund.failure["message"] == "交易已超过可退款期限"
    assert refund_rows(order) == []


# --- bank transfers ----------------------------------------------------------------------------


def remittance_order(*lines: tuple[str, int]) -> Order:
    order = place(*lines, payment_method="remittance")
    record_payment(order=order, amount=order.total, method="remittance", reference=f"BANK-{order.number}", actor=None)
    order = Order.objects.get(pk=order.pk)
    if order.status != "approved":
        order_actions.approve_order(order=order, actor=None)
    order_actions.ship_order(order=order, actor=None, carrier="SF", tracking_number=f"SF{order.number}")
    order_actions.deliver_order(order=order, actor=None)
    return Order.objects.get(pk=order.pk)


def test_a_remittance_refund_is_a_bank_transfer_completed_with_its_proof(
    tee: Any, agent: Any, media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = remittance_order(("TEE", 2))
    case = open_refund_only(order, agent, (1, 2))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=case, actor=agent)
    refund = Refund.objects.get(case=case)
    assert (refund.status, refund.method, refund.amount) == (
        RefundStatus.AWAITING_TRANSFER,
        "bank_transfer",
        D("118.00"),
    )
    assert refund_rows(order) == []

    with pytest.raises(ValidationFailed) as refused:
        refunds.complete_bank_transfer(refund=refund, reference=" ", proof=None, actor=agent)
    assert set(refused.value.fields) == {"reference", "proof"}

    done = refunds.complete_bank_transfer(
        refund=refund, reference="ICBC-20261206-001", proof=upload("receipt.png", image_bytes("PNG")), actor=agent
    )

    done.refresh_from_db()
    assert done.status == RefundStatus.SUCCEEDED and done.transfer_reference == "ICBC-20261206-001"
    assert done.proof is not None and done.proof.kind == EvidenceKind.TRANSFER_PROOF and len(done.proof.sha256) == 64
    payment = Payment.objects.get(order=order, kind=PaymentKind.REFUND)
    assert (payment.amount, payment.method, payment.reference, done.payment_id) == (
        D("118.00"),
        "remittance",
        "ICBC-20261206-001",
        payment.pk,
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    with pytest.raises(Conflict):
        refunds.complete_bank_transfer(
            refund=refund, reference="ICBC-2", proof=upload("r.png", image_bytes("PNG")), actor=agent
        )
    assert refund_rows(order) == [D("118.00")]


# --- before shipping: the order's close does not count the money again --------------------------


def test_a_refund_before_shipping_of_the_whole_order_cancels_it_and_counts_the_money_once(
    tee: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid_order(("TEE", 2), shipping_fee=D("8.00"))
    case = actions.open_case(
        order=order,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(order), 2)],
        actor=agent,
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.approve_case(case=case, actor=agent)
    order.refresh_from_db()
    refund = Refund.objects.get(case=case)
    # Closed with its stock released; the close refunded nothing: the case's refund is under way.
    assert order.status == "closed"
    assert refund.amount == D("126.00") and refund.shipping_amount == D("8.00")
    assert refund_rows(order) == [] and order.refunded_amount == D("0.00")

    for callback in callbacks:
        callback()

    order.refresh_from_db()
    assert refund_rows(order) == [D("126.00")]
    assert (order.refunded_amount, order.payment_status) == (D("126.00"), "refunded")
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.SUCCEEDED


def test_a_partial_refund_before_shipping_lowers_the_line_and_counts_the_money_once(
    tee: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid_order(("TEE", 3))
    assert order.status == "pending_review"
    case = actions.open_case(
        order=order,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(order), 1)],
        actor=agent,
    )

    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=case, actor=agent)

    order.refresh_from_db()
    assert order.lines.get().quantity == 2 and order.total == D("118.00")
    assert refund_rows(order) == [D("59.00")]
    assert order.refunded_amount == D("59.00")
    assert Refund.objects.get(case=case).status == RefundStatus.SUCCEEDED


@pytest.mark.parametrize("approved", [False, True])
def test_a_partial_refund_before_shipping_the_order_cannot_take_is_refused_and_nothing_is_written(
    tee: Any, cap: Any, agent: Any, approved: bool
) -> None:
    # A whole line out of two (orders.changes would delete a line the case refers to), or
    # a line of an order the warehouse has (its lines are fixed).
    order = paid_order(("TEE", 2), ("CAP", 1))
    if approved:
        order_actions.approve_order(order=order, actor=None)
    case = actions.open_case(
        order=order,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(order, 2 if not approved else 1), 1)],
        actor=agent,
    )
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.APPROVED)

    with pytest.raises(Conflict) as refused:
        refunds.start_refund(case=case, actor=agent)

    assert refused.value.code == ("order_lines_fixed" if approved else "line_not_removable")
    assert refused.value.details["field"] == "goods"
    assert Refund.objects.count() == 0 and RefundLine.objects.count() == 0
    assert Case.objects.get(pk=case.pk).status == CaseStatus.APPROVED
    assert [line.quantity for line in order.lines.order_by("position")] == [2, 1]


def test_cancelling_an_order_while_its_refund_is_under_way_refunds_only_the_rest(
    tee: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    order = paid_order(("TEE", 3))
    case = actions.open_case(
        order=order,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(order), 1)],
        actor=agent,
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.approve_case(case=case, actor=agent)
    order.refresh_from_db()
    assert (refunds.under_way(order), refunds.refundable(order)) == (D("59.00"), D("118.00"))

    # The buyer then cancels the rest before the gateway has answered.
    order_actions.cancel_order(order=order, actor=agent, reason="买家不要了")
    assert refund_rows(order) == [D("118.00")]
    for callback in callbacks:
        callback()

    order.refresh_from_db()
    assert sorted(refund_rows(order)) == [D("59.00"), D("118.00")]
    assert (order.refunded_amount, order.paid_amount, order.payment_status) == (D("177.00"), D("177.00"), "refunded")


# --- dropship ------------------------------------------------------------------------------------


def test_refunding_a_dropshipped_line_claims_its_cost_from_the_supplier(
    agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    supplier = make_supplier("hz-fushi")
    dropship_sku("DS-1", supplier, cost="30.00", price="99.00")
    order = place(("DS-1", 2))
    record_payment(order=order, amount=order.total, method="online", reference=f"P-{order.number}", actor=None)
    order = Order.objects.get(pk=order.pk)
    dropship.on_order_paid(order=order, actor=None, at=timezone.now())
    order = Order.objects.get(pk=order.pk)
    if order.status != "approved":
        order_actions.approve_order(order=order, actor=None)
    purchase = PurchaseOrder.objects.get(for_order=order)
    dropship.pay_dropship_purchase(purchase=purchase, actor=None)
    dropship.ship_dropship_purchase(purchase=purchase, actor=None, carrier="YTO", tracking_number="YT0001")
    order_actions.deliver_order(order=Order.objects.get(pk=order.pk), actor=None)
    order = Order.objects.get(pk=order.pk)

    case = open_refund_only(order, agent, (1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=case, actor=agent)

    refund = Refund.objects.get(case=case)
    claim = SupplierClaim.objects.get()
    assert (claim.purchase_order, claim.supplier, claim.amount, claim.document, claim.status) == (
        purchase,
        supplier,
        D("30.00"),
        refund.number,
        "open",
    )


def test_a_refund_of_own_stock_claims_nothing(tee: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    order = delivered_order(("TEE", 2))
    pending_refund(order, agent, django_capture_on_commit_callbacks)
    assert SupplierClaim.objects.count() == 0


# --- the API -------------------------------------------------------------------------------------


def test_the_api_proposes_starts_lists_and_completes_a_transfer(
    tee: Any, agent: Any, media: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api = ApiClient(make_token(agent))
    order = remittance_order(("TEE", 2))
    case = received_return(order, agent, 2, reason="quality")
    line = case.lines.get()

    proposal = api.get(f"/api/v1/aftersales/cases/{case.number}/refund-proposal")
    assert proposal.status_code == 200
    assert proposal.json()["goods"] == [
        {"case_line_id": line.pk, "sku": "TEE", "quantity": 2, "unit_price": "59.00", "amount": "118.00"}
    ]
    assert proposal.json()["refundable"] == "118.00"

    too_much = api.post(
        f"/api/v1/aftersales/cases/{case.number}/refunds", {"compensation": "0.01", "shipping": "10.00"}
    )
    assert too_much.status_code == 422 and "amount" in too_much.json()["details"]["fields"]
    assert Refund.objects.count() == 0

    started = api.post(
        f"/api/v1/aftersales/cases/{case.number}/refunds",
        {"goods": [{"case_line_id": line.pk, "amount": "118.00"}], "price_difference": "-10.00"},
    )
    assert started.status_code == 201, started.content
    assert started.json()["amount"] == "108.00" and started.json()["status"] == "awaiting_transfer"
    again = api.post(
        f"/api/v1/aftersales/cases/{case.number}/refunds", {"goods": [{"case_line_id": line.pk, "amount": "1.00"}]}
    )
    assert again.status_code == 409

    listed = api.get("/api/v1/aftersales/refunds", status="awaiting_transfer")
    assert [row["number"] for row in listed.json()] == [started.json()["number"]]

    number = started.json()["number"]
    done = api.client.post(
        f"/api/v1/aftersales/refunds/{number}/bank-transfer",
        {"reference": "CCB-77", "proof": upload("receipt.jpg", image_bytes())},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "succeeded" and done.json()["transfer_reference"] == "CCB-77"
    order.refresh_from_db()
    assert order.refunded_amount == D("108.00") == sum(refund_rows(order))


def test_an_unknown_refund_is_404(agent: Any) -> None:
    api = ApiClient(make_token(agent))
    answer = api.client.post("/api/v1/aftersales/refunds/RF000/bank-transfer", {"reference": "x"})
    assert answer.status_code == 404
    with pytest.raises(NotFound):
        refunds.handle_refund_notification(
            gateway_name="simulated",
            body=signed({"refund_number": "RF0", "refund_id": "x", "amount": "1.00", "status": "succeeded"})[0],
            headers=signed({"refund_number": "RF0", "refund_id": "x", "amount": "1.00", "status": "succeeded"})[1],
        )


# --- any input ---------------------------------------------------------------------------------

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
money_like = st.one_of(
    json_values, st.sampled_from(["1e999", "-0.01", "0.001", "99999999999999999", "NaN", "-Infinity", "5.5"])
)
refund_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "goods": st.one_of(
                json_values, st.lists(st.fixed_dictionaries({"case_line_id": json_values, "amount": money_like}))
            ),
            "shipping": money_like,
            "buyer_postage": money_like,
            "price_difference": money_like,
            "compensation": money_like,
        },
    ),
)


@FUZZ
@given(body=refund_bodies)
def test_any_json_as_a_refund_is_answered_and_a_refusal_writes_nothing(tee: Any, agent: Any, body: Any) -> None:
    case = Case.objects.filter(status=CaseStatus.RECEIVED).first() or received_return(
        delivered_order(("TEE", 2)), agent, 2
    )
    before = (Refund.objects.count(), RefundLine.objects.count(), CaseEvent.objects.count(), Payment.objects.count())

    answer = ApiClient(make_token(agent)).post(f"/api/v1/aftersales/cases/{case.number}/refunds", body)

    assert answer.status_code in (201, 409, 422), answer.content
    if answer.status_code != 201:
        after = (Refund.objects.count(), RefundLine.objects.count(), CaseEvent.objects.count(), Payment.objects.count())
        assert after == before


@FUZZ
@given(body=json_values)
def test_any_signed_json_as_a_refund_callback_is_answered(anonymous_api: ApiClient, body: Any) -> None:
    raw = json.dumps(body).encode()
    signature = gateways.get_gateway("simulated").sign(raw)  # type: ignore[attr-defined]

    answer = anonymous_api.post("/api/v1/payments/simulated/refunds/notify", raw, headers={"X-Signature": signature})

    assert answer.status_code in (404, 409, 422), answer.content
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 0


def test_the_worker_retries_refunds_as_a_periodic_job() -> None:
    assert "retry_refunds" in {job.name for job in periodic.jobs()}


def test_warehouse_staff_may_not_refund(tee: Any, agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE", 2))
    case = received_return(order, agent, 1)

    answer = ApiClient(make_token(warehouse_user)).post(f"/api/v1/aftersales/cases/{case.number}/refunds", {})

    assert answer.status_code == 403
    assert Refund.objects.count() == 0


def test_a_return_received_when_nothing_is_left_to_refund_is_received_without_a_refund(
    tee: Any, agent: Any, supervisor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A no-reason return refunds itself when it arrives; if everything paid went back
    meanwhile with another case, the warehouse still receives the parcel (the case waits,
    received, for the agent) instead of the receipt failing on a refund of 0."""
    order = delivered_order(("TEE", 2))
    back = actions.open_case(
        order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    actions.approve_case(case=back, actor=agent)
    other = open_refund_only(order, agent, (1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_case(case=other, actor=supervisor, amount=D("118.00"))
    order.refresh_from_db()
    assert order.refunded_amount == D("118.00")

    received = returns.receive_return(
        case=back, lines=[returns.Received(back.lines.get().pk, 1)], actor=make_user("wh", "warehouse")
    )

    assert received.status == CaseStatus.RECEIVED
    assert not Refund.objects.filter(case=back).exists()
    assert refunds.propose_refund(received).total == D("0.00")
