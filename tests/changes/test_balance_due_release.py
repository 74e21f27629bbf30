"""Issue 17 C: releasing a "balance due" hold does not approve an order that still owes
money; the difference is recorded as a payment first, then the order is released."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.orders import changes
from sellerdesk.orders.changes import LineChange
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.review import actions as review
from sellerdesk.orders.views import available_moves
from sellerdesk.payments.actions import record_payment
from tests.changes.conftest import everything, paid


def _owing(agent: User) -> Order:
    """A paid order of 2 red tees (118.00) swapped for blue ones (138.00): 20.00 owed."""
    order = paid(("TEE-RED-M", 2))
    changes.change_order_lines(order=order, actor=agent, changes=[LineChange(line=1, sku="TEE-BLU-M")])
    order.refresh_from_db()
    assert (order.status, order.amount_owed) == ("on_hold", Decimal("20.00"))
    return order


def test_releasing_an_order_that_still_owes_money_is_refused(tee: Sku, blue: Sku, agent: User) -> None:
    order = _owing(agent)
    before = everything(order)

    with pytest.raises(Conflict) as refused:
        review.release_order(order=order, actor=agent, note="客户说已付")

    assert refused.value.code == "balance_due"
    assert refused.value.details == {"number": order.number, "balance_due": "20.00"}
    assert everything(order) == before  # still on hold, the hold still open


def test_the_api_answers_409_and_the_order_stays_held(tee: Sku, blue: Sku, agent: User, api: Any) -> None:
    order = _owing(agent)

    response = api.post(f"/api/v1/orders/{order.number}/release", {"note": ""})

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "balance_due"
    assert Order.objects.get(pk=order.pk).status == "on_hold"


def test_once_the_difference_is_paid_the_order_is_released(tee: Sku, blue: Sku, agent: User) -> None:
    order = _owing(agent)
    with pytest.raises(ValidationFailed):
        record_payment(order=order, amount=Decimal("20.01"), method="online", reference="DIFF-0", actor=None)

    record_payment(order=order, amount=Decimal("20.00"), method="online", reference="DIFF-1", actor=None)

    order.refresh_from_db()
    assert (order.status, order.payment_status, order.paid_amount, order.amount_owed) == (
        "on_hold",
        "paid",
        Decimal("138.00"),
        Decimal("0.00"),
    )
    released = review.release_order(order=order, actor=agent, note="补款已收")
    assert released.status == "approved"
    assert [(hold.reason, hold.resolved_at is not None) for hold in OrderHold.objects.filter(order=order)] == [
        ("balance_due", True)
    ]


def test_the_order_page_offers_to_record_the_difference(tee: Sku, blue: Sku, agent: User, owner: User) -> None:
    order = _owing(agent)

    assert "pay" in available_moves(order, owner)
