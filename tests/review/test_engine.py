"""review_order, the manual hold and release, cancel from the queue, and the sweep."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderEvent, OrderHold
from sellerdesk.orders.review import actions as review
from sellerdesk.orders.tasks import review_paid_orders
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.api.helpers import snapshot, stock
from tests.factories import order_draft
from tests.review.conftest import AFTER_BUFFER, T0, cod, paid


def _events(order: Order, kind: str) -> list[dict[str, Any]]:
    return list(OrderEvent.objects.filter(order=order, type=kind).order_by("pk").values_list("data", flat=True))


def _holds(order: Order) -> list[tuple[str, Any, bool]]:
    return [
        (hold.reason, hold.suggestion, hold.resolved_at is None)
        for hold in OrderHold.objects.filter(order=order).order_by("pk")
    ]


def test_a_clean_order_is_approved_automatically_naming_the_rules_passed(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1), buyer_message="不要放价格单")

    verdict = review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert verdict is not None and verdict.is_clean
    assert (order.status, order.approved_at, order.reviewed_at) == ("approved", AFTER_BUFFER, AFTER_BUFFER)
    assert _events(order, "approved") == [
        {
            "status_before": "pending_review",
            "status_after": "approved",
            "automatic": True,
            "rules_passed": [
                "stock",
                "buyer_message",
                "large_order",
                "merge_candidate",
                "cod_risk",
                "address",
                "carrier",
                "credit",
                "price",
            ],
            "instructions": {"no_price_slip": True},
        }
    ]
    assert _holds(order) == []


def test_an_order_with_findings_is_held_with_every_reason(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, max_total_quantity=2)
    order = paid(("TEE-RED-M", 3), buyer_message="帮我换个颜色吧")

    review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert (order.status, order.approved_at) == ("on_hold", None)
    assert _holds(order) == [("buyer_message", None, True), ("large_order", None, True)]
    (held,) = _events(order, "held")
    assert (held["status_before"], held["status_after"], held["automatic"]) == ("pending_review", "on_hold", True)
    assert [reason["code"] for reason in held["reasons"]] == ["buyer_message", "large_order"]
    assert held["rules_passed"] == ["stock", "merge_candidate", "cod_risk", "address", "carrier", "credit", "price"]
    assert stock("TEE-RED-M") == (100, 3)


def test_without_auto_approve_a_clean_order_is_reviewed_and_left_for_a_person(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, auto_approve=False)
    order = paid(("TEE-RED-M", 1))

    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    second = review.review_order(order_id=order.pk, now=AFTER_BUFFER)

    order.refresh_from_db()
    assert (order.status, order.reviewed_at, second) == ("pending_review", AFTER_BUFFER, None)
    assert len(_events(order, "reviewed")) == 1


def test_the_buffer_keeps_a_paid_order_waiting(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))

    early = review.review_order(order_id=order.pk, now=T0 + timedelta(minutes=29))

    order.refresh_from_db()
    assert (early, order.status, order.reviewed_at) == (None, "pending_review", None)
    assert review.review_order(order_id=order.pk, now=T0 + timedelta(minutes=30)) is not None


def test_only_orders_pending_review_are_reviewed(tee: Sku) -> None:
    order = actions.place_order(draft=order_draft(("TEE-RED-M", 1)), actor=None)

    assert review.review_order(order_id=order.pk, now=AFTER_BUFFER, force=True) is None
    assert Order.objects.get(pk=order.pk).status == "unpaid"


def test_the_sweep_reviews_exactly_the_orders_past_their_buffer(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, hold_buffer_minutes=60, disabled_rules=["merge_candidate"])
    ready = paid(("TEE-RED-M", 1), at=T0)
    waiting = paid(("TEE-RED-M", 1), at=T0 + timedelta(minutes=30))
    cod_ready = cod(("TEE-RED-M", 1), at=T0)
    unpaid = actions.place_order(draft=order_draft(("TEE-RED-M", 1), placed_at=T0), actor=None)
    now = T0 + timedelta(minutes=60)

    assert review_paid_orders(now) == 2
    assert review_paid_orders(now) == 0
    statuses = [Order.objects.get(pk=o.pk).status for o in (ready, waiting, cod_ready, unpaid)]
    assert statuses == ["approved", "pending_review", "approved", "unpaid"]
    assert review_paid_orders(now + timedelta(minutes=30)) == 1


def test_the_sweep_command_prints_the_review_count(tee: Sku) -> None:
    paid(("TEE-RED-M", 1))
    out = StringIO()

    call_command("sweep", at=AFTER_BUFFER.isoformat(), stdout=out)

    assert out.getvalue().splitlines()[1:5] == [
        "close_unpaid_orders: 0",
        "remind_unpaid_orders: 0",
        "review_paid_orders: 1",
        "allocate_approved_orders: 1",  # the order it approved
    ]


# --- by hand -------------------------------------------------------------------------


def test_an_agent_holds_an_order_by_hand(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))

    review.hold_order(order=order, actor=agent, reason="  买家要改地址 ", at=AFTER_BUFFER)

    order.refresh_from_db()
    assert order.status == "on_hold"
    hold = OrderHold.objects.get(order=order)
    assert (hold.reason, hold.message, hold.created_by, hold.created_at) == (
        "manual",
        "买家要改地址",
        agent,
        AFTER_BUFFER,
    )
    (held,) = _events(order, "held")
    assert held["automatic"] is False and held["reasons"][0]["message"] == "买家要改地址"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_hold_needs_a_reason(tee: Sku, agent: User, reason: str) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    with pytest.raises(ValidationFailed):
        review.hold_order(order=order, actor=agent, reason=reason)

    assert snapshot() == before and OrderHold.objects.count() == 0


def test_warehouse_staff_may_not_hold_or_release(tee: Sku, warehouse_user: User) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    with pytest.raises(PermissionDenied):
        review.hold_order(order=order, actor=warehouse_user, reason="看看")
    with pytest.raises(PermissionDenied):
        review.release_order(order=order, actor=warehouse_user)

    assert snapshot() == before


def test_release_approves_and_resolves_every_hold(tee: Sku, default_shop: Shop, supervisor: User) -> None:
    ReviewSettings.objects.create(shop=default_shop, max_order_total=Decimal("10.00"))
    order = paid(("TEE-RED-M", 1), buyer_message="帮我换个颜色吧")
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    at = AFTER_BUFFER + timedelta(hours=1)

    review.release_order(order=order, actor=supervisor, note="已电话确认", at=at)

    order.refresh_from_db()
    assert (order.status, order.approved_at) == ("approved", at)
    assert list(OrderHold.objects.filter(order=order).values_list("resolved_at", "resolved_by", "resolution")) == [
        (at, supervisor.pk, "已电话确认"),
        (at, supervisor.pk, "已电话确认"),
    ]
    (approved,) = _events(order, "approved")
    assert (approved["automatic"], approved["released"], approved["note"]) == (
        False,
        ["buyer_message", "large_order"],
        "已电话确认",
    )


def test_release_of_an_order_not_on_hold_is_refused(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    before = snapshot()

    with pytest.raises(InvalidTransition):
        review.release_order(order=order, actor=agent)

    assert snapshot() == before


def test_hold_of_an_approved_order_is_refused(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 1))
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    before = snapshot()

    with pytest.raises(InvalidTransition):
        review.hold_order(order=order, actor=agent, reason="看看")

    assert snapshot() == before and OrderHold.objects.count() == 0


def test_cancel_from_the_queue_closes_releases_stock_and_resolves_holds(tee: Sku, agent: User) -> None:
    order = paid(("TEE-RED-M", 2))
    review.hold_order(order=order, actor=agent, reason="地址不全")

    review.cancel_held_order(order=order, actor=agent, reason="买家不要了")

    order.refresh_from_db()
    assert (order.status, order.close_reason) == ("closed", "买家不要了")
    assert stock("TEE-RED-M") == (100, 0)
    assert list(OrderHold.objects.values_list("resolution", "resolved_by")) == [("买家不要了", agent.pk)]
