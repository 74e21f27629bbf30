"""Issue 17 C: an allocated order not yet picked can be merged — the merge-candidate rule,
the merge action and its refusal agree — and its reservations move with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import Conflict
from sellerdesk.fulfilment.actions import pick_order
from sellerdesk.logistics.actions import create_carrier
from sellerdesk.logistics.models import Shipment, ShipmentStatus
from sellerdesk.orders import actions
from sellerdesk.orders.merging import merge_candidates, merge_orders, unmerge_order
from sellerdesk.orders.models import Order
from sellerdesk.orders.review.engine import build_context, evaluate
from tests.api.helpers import stock
from tests.factories import make_sku
from tests.merging.conftest import held_units, ledger_by_document, paid

BUYER = actions.Buyer("李四", "13900139000", "lisi")


@pytest.fixture
def skus(db: Any) -> list[Sku]:
    return [make_sku("TEE-RED-M", price="59.00", stock=100), make_sku("MUG-1", price="25.50", stock=10)]


def allocated(*lines: tuple[str, int]) -> Order:
    order = paid(*lines, buyer=BUYER)
    actions.approve_order(order=order, actor=None)
    order.refresh_from_db()
    if order.status == "approved":  # when no subscriber allocated it already
        allocate_order(order=order, actor=None)
    order.refresh_from_db()
    assert order.status == "allocated"
    return order


def test_an_allocated_order_is_a_merge_candidate_and_merges_with_its_reservations(skus: list[Sku]) -> None:
    first = allocated(("TEE-RED-M", 2))
    second = paid(("MUG-1", 3), buyer=BUYER)
    assert (stock("TEE-RED-M"), stock("MUG-1")) == ((100, 2), (10, 3))

    # the review rule and the merge offer name the allocated order
    verdict = evaluate(second, build_context([second], now=second.created_at))
    assert [(f.code, f.suggestion) for f in verdict.findings if f.code == "merge_candidate"] == [
        ("merge_candidate", {"merge_with": [first.number]})
    ]
    assert [order.number for order in merge_candidates(order=second)] == [first.number]

    merged = merge_orders(orders=[first, second], actor=None)

    # the units stay reserved, now for the merged order; nothing is oversold or lost
    assert (stock("TEE-RED-M"), stock("MUG-1")) == ((100, 2), (10, 3))
    assert held_units(merged) == [("MUG-1", 3, 3), ("TEE-RED-M", 2, 2)]
    assert held_units(Order.objects.get(pk=first.pk)) == [("TEE-RED-M", 2, 0)]
    assert ledger_by_document() == {merged.number: 5}
    assert Order.objects.get(pk=first.pk).status == "closed"

    # reviewed and allocated again as one, still without touching the stock figures
    actions.approve_order(order=merged, actor=None)
    merged.refresh_from_db()
    if merged.status == "approved":
        allocate_order(order=merged, actor=None)
    merged.refresh_from_db()
    assert merged.status == "allocated"
    assert (stock("TEE-RED-M"), stock("MUG-1")) == ((100, 2), (10, 3))


def test_unmerging_brings_the_allocated_original_back_allocated_with_its_units(skus: list[Sku]) -> None:
    first = allocated(("TEE-RED-M", 2))
    second = paid(("MUG-1", 3), buyer=BUYER)
    merged = merge_orders(orders=[first, second], actor=None)

    originals = unmerge_order(order=merged, actor=None)

    assert [(order.number, order.status) for order in originals] == [
        (first.number, "allocated"),
        (second.number, "pending_review"),
    ]
    assert held_units(Order.objects.get(pk=first.pk)) == [("TEE-RED-M", 2, 2)]
    assert (stock("TEE-RED-M"), stock("MUG-1")) == ((100, 2), (10, 3))
    assert ledger_by_document() == {first.number: 2, second.number: 3}


def test_a_picked_order_is_refused_with_a_message_that_says_why(skus: list[Sku], owner: Any) -> None:
    first = allocated(("TEE-RED-M", 2))
    second = paid(("MUG-1", 3), buyer=BUYER)
    pick_order(order=first, actor=owner)
    first.refresh_from_db()
    before = (stock("TEE-RED-M"), stock("MUG-1"), Order.objects.count())

    assert merge_candidates(order=second) == []
    with translation.override("en"), pytest.raises(Conflict) as refused:
        merge_orders(orders=[first, second], actor=None)

    assert first.status == "picking"
    assert refused.value.details["reason"] == "status"
    assert refused.value.message == f"Order {first.number} is Picking; only orders not yet picked can be merged."
    assert (stock("TEE-RED-M"), stock("MUG-1"), Order.objects.count()) == before


def test_an_order_with_a_parcel_booked_is_neither_offered_nor_merged(skus: list[Sku]) -> None:
    """A booked parcel's label would travel with no order: the parcel is cancelled first."""
    first = allocated(("TEE-RED-M", 2))
    second = paid(("MUG-1", 3), buyer=BUYER)
    carrier = create_carrier(actor=None, code="ZTO", name="中通快递")
    Shipment.objects.create(
        order=first,
        carrier=carrier,
        tracking_number="ZT1001",
        status=ShipmentStatus.CREATED,
        created_at=first.created_at,
    )
    before = (stock("TEE-RED-M"), stock("MUG-1"), Order.objects.count())

    assert merge_candidates(order=second) == []
    with pytest.raises(Conflict) as refused:
        merge_orders(orders=[first, second], actor=None)

    assert refused.value.details == {"reason": "parcel_booked", "number": first.number}
    assert Order.objects.get(pk=first.pk).status == "allocated"
    assert (stock("TEE-RED-M"), stock("MUG-1"), Order.objects.count()) == before
