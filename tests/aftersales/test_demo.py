"""The demo's after-sales: a case in every status, each of the seed's stories on its own
buyer's order in the state the story says, and every figure adding up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.aftersales import complaints, queries
from sellerdesk.aftersales.disputes import verify_bundle
from sellerdesk.aftersales.models import Case, CaseEvent, CaseStatus, Refund, RefundStatus
from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.models import User
from sellerdesk.demo.aftersales import STORIES
from sellerdesk.demo.generate import DemoConfig
from sellerdesk.inventory.models import StockMovement
from sellerdesk.logistics.models import LogisticsException
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock, demo_shop_loaded_once

# Loaded once for the module, or shared with the other modules loading the same small demo
# (tests/support/demo.py); the passwords hashed with tests/conftest.py's fast hasher.
DEMO_CONFIG = DemoConfig(orders=60, sku_limit=24, now=TEST_NOW)


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    credentials = tmp_path_factory.mktemp("demo") / "credentials.txt"
    with demo_shop_loaded_once(django_db_blocker, config=DEMO_CONFIG, clock=Clock(TEST_NOW), credentials=credentials):
        yield


@pytest.fixture
def demo(loaded_demo: None, db: Any) -> None:
    return loaded_demo


def story_case(story: str) -> Case:
    """The one case on the orders of the story's buyer."""
    return Case.objects.get(order__buyer_phone=normalize_phone(STORIES[story].phone))


def test_the_demo_has_a_case_in_every_status(demo: None) -> None:
    # A case's last refund completing closes it in the same transaction (aftersales.refunds):
    # "refunded" is a status every refunded case passes through, on its timeline, and none stays in.
    passed_through = set(CaseEvent.objects.values_list("status_after", flat=True))
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values) - {CaseStatus.REFUNDED}
    assert CaseStatus.REFUNDED in passed_through


def test_every_case_happened_before_now_and_its_timeline_ends_in_its_status(demo: None) -> None:
    assert not Case.objects.filter(created_at__gt=TEST_NOW).exists()
    for case in Case.objects.all():
        moves = list(case.events.exclude(status_after="").order_by("at", "pk"))
        # The gateway's callback is recorded when it comes: at the demo's now (its loaders'
        # clock ticks a millisecond a call past it).
        assert case.events.order_by("at", "pk").last().at <= TEST_NOW + timedelta(minutes=1)
        assert moves[-1].status_after == case.status, case.number


def test_the_no_reason_return_is_on_its_way_back(demo: None) -> None:
    case = story_case("no_reason")

    assert (case.type, case.reason, case.source) == ("return_refund", "no_reason", "portal")
    assert case.status == CaseStatus.AWAITING_RETURN
    assert case.return_shipping_payer == "buyer"  # 七天无理由: the buyer pays the postage


def test_the_other_statuses_tell_their_stories(demo: None) -> None:
    assert story_case("requested").status == CaseStatus.REQUESTED
    assert story_case("requested").evidence.filter(from_buyer=True, kind="photo").exists()
    assert story_case("rejected").status == CaseStatus.REJECTED
    assert story_case("rejected").rejection_reason
    assert story_case("canceled").status == CaseStatus.CANCELED
    complaint = story_case("approved")
    assert (complaint.type, complaint.status) == ("complaint", CaseStatus.APPROVED)
    assert complaint.assignee is not None


def test_every_figure_adds_up(demo: None) -> None:
    # Every refund that went out is one refund row of the payments ledger, of its amount,
    # and the orders' refunded amounts are their refund rows.
    for refund in Refund.objects.filter(status=RefundStatus.SUCCEEDED):
        assert refund.payment is not None
        assert (refund.payment.kind, refund.payment.amount, refund.payment.order_id) == (
            "refund",
            refund.amount,
            refund.order_id,
        )
        assert refund.amount == (
            refund.goods_amount
            + refund.shipping_amount
            - refund.buyer_postage
            + refund.price_difference
            + refund.compensation
        )
    for case in Case.objects.all():
        succeeded = case.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(total=Sum("amount"))["total"]
        assert case.refunded_amount == (succeeded or Decimal("0.00")), case.number
    for order in Order.objects.filter(aftersales_cases__isnull=False).distinct():
        rows = Payment.objects.filter(order=order, kind="refund").aggregate(total=Sum("amount"))["total"]
        assert order.refunded_amount == (rows or Decimal("0.00")), order.number
        assert order.refunded_amount <= order.paid_amount


def test_the_dispute_has_its_evidence_bundle_frozen(demo: None) -> None:
    case = story_case("dispute")

    assert case.status == CaseStatus.DISPUTED
    assert case.dispute.by_buyer
    kinds = sorted(case.evidence.values_list("kind", flat=True))
    assert kinds == ["chat", "order_record", "photo", "photo"]
    assert len(case.dispute.bundle_sha256) == 64
    assert verify_bundle(case.dispute).is_intact


def test_the_wrong_size_went_out_in_the_other_size_within_two_working_days(demo: None) -> None:
    case = story_case("exchange")

    assert (case.type, case.reason, case.status) == ("exchange", "wrong_size", CaseStatus.REPLACEMENT_SHIPPED)
    line = case.lines.get()
    assert line.replacement_sku_id not in (None, line.sku_id)
    assert (line.received, line.good, line.disposition) == (1, 1, "restock")
    replacement = case.replacement_order
    # Shipped four days ago: the carrier's scans (polled at the demo's now) have delivered it.
    assert replacement is not None and replacement.status in ("shipped", "delivered")
    assert list(replacement.lines.values_list("sku_id", "quantity")) == [(line.replacement_sku_id, 1)]
    assert case.received_at is not None and case.replacement_due_at is not None
    assert replacement.shipped_at <= case.replacement_due_at
    # The returned unit is back on sale through the ledger, under the case's number.
    assert StockMovement.objects.filter(document=case.number, kind="return", sku_id=line.sku_id).exists()


def test_the_refund_before_shipping_went_back_through_the_gateway(demo: None) -> None:
    case = story_case("before_shipping")

    assert (case.type, case.status) == ("refund_before_shipping", CaseStatus.CLOSED)
    refund = case.refunds.get()
    assert (refund.status, refund.method, refund.gateway) == ("succeeded", "gateway", "simulated")
    order = case.order
    assert order.shipped_at is None and order.status == "closed"
    assert refund.amount == order.paid_amount == order.refunded_amount == case.refunded_amount


def test_the_complaint_ends_in_a_follow_up_call(demo: None) -> None:
    case = story_case("complaint")

    assert (case.type, case.status) == ("complaint", CaseStatus.CLOSED)
    # Every step ticked, in the seed's order (read by time: PostgreSQL's jsonb keeps no key order).
    assert sorted(case.checklist, key=case.checklist.__getitem__) == list(complaints.CHECKLIST)
    follow_up = case.follow_ups.get()
    # Due today: on the follow-up list (回访) to be called.
    assert follow_up.done_at is None and TEST_NOW - timedelta(days=1) < follow_up.due_at <= TEST_NOW


def test_a_return_waits_at_the_inspection_desk(demo: None) -> None:
    case = story_case("inspection")

    assert (case.type, case.reason, case.status) == ("return_refund", "quality", CaseStatus.RECEIVED)
    assert case.return_tracking_number and case.return_shipping_payer == "seller"
    assert [(line.received, line.good, line.defective) for line in case.lines.all()] == [(1, 0, 0)]
    assert case.evidence.filter(kind="photo", from_buyer=True).exists()
    assert not case.refunds.exists()


def test_the_cash_on_delivery_refund_waits_for_its_bank_transfer(demo: None) -> None:
    case = story_case("cod_refund")

    assert case.order.payment_method == "cod" and case.order.paid_amount > 0
    assert case.status == CaseStatus.REFUNDING
    refund = case.refunds.get()
    assert (refund.status, refund.method, refund.payment) == ("awaiting_transfer", "bank_transfer", None)
    assert case.order.refunded_amount == 0


def test_the_exchange_inspected_and_the_repair_wait_for_their_next_step(demo: None) -> None:
    inspected = story_case("inspected")
    assert (inspected.type, inspected.status, inspected.replacement_order) == ("exchange", "inspected", None)
    assert inspected.replacement_due_at > TEST_NOW
    repair = story_case("repair")
    assert (repair.type, repair.status, repair.inspection_result) == ("repair", CaseStatus.REPAIRING, "fail")


def test_the_damaged_parcel_is_reissued_from_the_parcel_problem_desk(demo: None) -> None:
    case = story_case("reissue")

    assert (case.type, case.reason, case.source) == ("reissue", "damaged", "parcel_problem")
    assert case.status == CaseStatus.APPROVED
    problem = LogisticsException.objects.get(order=case.order)
    assert (problem.kind, problem.outcome) == ("damaged", "reship")
    assert problem.closed_at is not None
    replacement = case.replacement_order
    assert replacement is not None and replacement.total == 0
    assert list(replacement.lines.values_list("sku_id", "quantity")) == list(
        case.lines.values_list("sku_id", "quantity")
    )


def test_the_after_sales_figures_are_the_demos_cases_and_refunds(demo: None) -> None:
    owner = User.objects.get(username="owner")
    start, end = TEST_NOW - timedelta(days=30), TEST_NOW + timedelta(days=1)

    current = queries.figures(actor=owner, start=start, end=end).current

    # The stories' cases are of the last days; the CRM demo's weeks of history
    # (demo.crm.load_demo_aftersales_history) reach further back: the period's own.
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    refunds = Refund.objects.filter(status=RefundStatus.SUCCEEDED, completed_at__gte=start, completed_at__lt=end)
    stories = Case.objects.filter(order__buyer_phone__in=[normalize_phone(buyer.phone) for buyer in STORIES.values()])
    assert cases.filter(pk__in=stories).count() == stories.count() > 0
    assert current.cases_opened == cases.count()
    assert current.refunds == refunds.count() > 0
    assert current.refund_amount == refunds.aggregate(total=Sum("amount"))["total"]
    assert sum(tally.count for tally in current.by_type) == cases.count()
