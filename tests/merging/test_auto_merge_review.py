"""合单 wired into review: with "merge automatically" the review sweep merges first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.review.actions import review_order_now
from sellerdesk.orders.tasks import review_paid_orders
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.factories import make_sku
from tests.review.conftest import AFTER_BUFFER, paid

BUYER = actions.Buyer("李四", "13900139000", "lisi")
LATER = AFTER_BUFFER + timedelta(hours=1)


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


def test_the_review_sweep_merges_two_paid_orders_of_one_buyer(
    tee: Sku, default_shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    ReviewSettings.objects.create(shop=default_shop, merge_automatically=True)
    first = paid(("TEE-RED-M", 1), buyer=BUYER)
    second = paid(("TEE-RED-M", 2), buyer=BUYER)

    with django_capture_on_commit_callbacks(execute=True):
        reviewed = review_paid_orders(AFTER_BUFFER)

    merged = Order.objects.exclude(pk__in=[first.pk, second.pk]).get()
    originals = Order.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")
    assert reviewed == 0
    assert [(o.status, o.merged_into_id) for o in originals] == [("closed", merged.pk), ("closed", merged.pk)]
    assert (merged.status, merged.reviewed_at, merged.total) == ("pending_review", None, first.total + second.total)
    assert sorted((line.origin_order_number, line.quantity) for line in merged.lines.all()) == sorted(
        [(first.number, 1), (second.number, 2)]
    )
    assert OrderHold.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        reviewed_later = review_paid_orders(LATER)

    merged.refresh_from_db()
    assert (reviewed_later, merged.status) == (1, "approved")
    # The merged order's confirmation (chat, portal); the originals only heard "payment received".
    assert list(OutgoingMessage.objects.exclude(kind="paid").values_list("order_id", "kind", "channel")) == [
        (merged.pk, "order_confirmation", "im"),
        (merged.pk, "order_confirmation", "in_site"),
    ]
    assert sorted(OutgoingMessage.objects.filter(kind="paid").values_list("order_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )


def test_without_the_setting_both_orders_are_held_as_merge_candidates(tee: Sku, default_shop: Shop) -> None:
    ReviewSettings.objects.create(shop=default_shop, merge_automatically=False)
    first = paid(("TEE-RED-M", 1), buyer=BUYER)
    second = paid(("TEE-RED-M", 2), buyer=BUYER)

    reviewed = review_paid_orders(AFTER_BUFFER)

    orders = Order.objects.order_by("pk")
    assert reviewed == 2
    assert [(o.pk, o.status, o.merged_into_id) for o in orders] == [
        (first.pk, "on_hold", None),
        (second.pk, "on_hold", None),
    ]
    assert sorted(OrderHold.objects.values_list("order_id", "reason")) == [
        (first.pk, "merge_candidate"),
        (second.pk, "merge_candidate"),
    ]


def test_a_forced_review_does_not_merge(tee: Sku, default_shop: Shop, owner: Any) -> None:
    ReviewSettings.objects.create(shop=default_shop, merge_automatically=True)
    first = paid(("TEE-RED-M", 1), buyer=BUYER)
    paid(("TEE-RED-M", 2), buyer=BUYER)
    review_order_now(order=first, actor=owner, at=AFTER_BUFFER)

    first.refresh_from_db()
    assert (first.status, first.merged_into_id, Order.objects.count()) == ("on_hold", None, 2)


def test_a_merged_order_reads_its_buyers_wishes_and_is_not_held_for_them(tee: Sku, default_shop: Shop) -> None:
    """Issue 17 C: merging no longer marks each message with its order number ("[number]
    不要放价格单"), which the reader did not understand and held the merged order for."""
    ReviewSettings.objects.create(shop=default_shop, merge_automatically=True)
    first = paid(("TEE-RED-M", 1), buyer=BUYER, buyer_message="不要放价格单")
    second = paid(("TEE-RED-M", 2), buyer=BUYER, buyer_message="送礼 易碎")
    review_paid_orders(AFTER_BUFFER)
    merged = Order.objects.exclude(pk__in=[first.pk, second.pk]).get()

    review_paid_orders(LATER)

    merged.refresh_from_db()
    wishes = merged.buyer_instructions
    assert merged.buyer_message == "不要放价格单\n送礼 易碎"
    assert (wishes.no_price_slip, wishes.is_gift, wishes.fragile, wishes.unrecognised) == (True, True, True, "")
    assert (merged.status, OrderHold.objects.filter(order=merged).count()) == ("approved", 0)
    # which order said what stays on the originals
    assert list(merged.merged_from.order_by("pk").values_list("buyer_message", flat=True)) == [
        "不要放价格单",
        "送礼 易碎",
    ]
