"""The demo's after-sales: a case in every status, each of the seed's stories on its own
buyer's order in the state the story says, and every figure adding up."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from sellerdesk.aftersales.disputes import verify_bundle
from sellerdesk.aftersales.models import Case, CaseStatus, Refund, RefundStatus
from sellerdesk.core import demo_credentials
from sellerdesk.core.addresses import normalize_phone
from sellerdesk.demo.aftersales import STORIES
from sellerdesk.demo.generate import DemoConfig, load_demo_shop
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from tests.support.clock import TEST_NOW, travel_to_test_now
from tests.support.demo import Clock, loaded_once

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    def load() -> None:
        with pytest.MonkeyPatch.context() as patch, override_settings(PASSWORD_HASHERS=FAST_HASHER):
            patch.setattr(demo_credentials, "PATH", tmp_path_factory.mktemp("demo") / "credentials.txt")
            patch.setattr(timezone, "now", Clock(TEST_NOW))
            with travel_to_test_now():
                load_demo_shop(config=DemoConfig(orders=60, sku_limit=24, now=TEST_NOW))

    with loaded_once(django_db_blocker, load):
        yield


@pytest.fixture
def demo(loaded_demo: None, db: Any) -> None:
    return loaded_demo


def story_case(story: str) -> Case:
    """The one case on the orders of the story's buyer."""
    return Case.objects.get(order__buyer_phone=normalize_phone(STORIES[story].phone))


def test_every_case_happened_before_now(demo: None) -> None:
    assert not Case.objects.filter(created_at__gt=TEST_NOW).exists()
    for case in Case.objects.all():
        assert [event.at for event in case.events.all()] == sorted(event.at for event in case.events.all())
        assert case.events.last().at <= TEST_NOW
        assert case.events.last().status_after in ("", case.status) or case.events.filter(status_after=case.status)


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
