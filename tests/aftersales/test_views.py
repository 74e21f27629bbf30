"""The after-sales staff screens and their reads (aftersales.queries): the queue's order
(overdue first), the figures on a small built data set, each screen in zh-Hans and en,
who sees which button, and the bulk approval naming each refused case."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from sellerdesk.aftersales import queries
from sellerdesk.aftersales.models import Case, CaseLine, Refund
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.orders.models import Order
from tests.aftersales.builders import shipped_order
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user

_numbers = count(1)


@pytest.fixture(autouse=True)
def _skus(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    make_sku("TEE-RED-M", price="59.00")
    make_sku("CAP-BLK", price="30.00")


def built_case(
    order: Order,
    *,
    status: str = "requested",
    type: str = "return_refund",
    reason: str = "quality",
    created_at: datetime | None = None,
    due_at: datetime | None = None,
    closed_at: datetime | None = None,
    quantity: int = 1,
) -> Case:
    """A case row as it stands at some point of its life (the figures and the queue's
    order need cases at chosen times and states, which the actions reach only by
    replaying every step)."""
    created_at = created_at or timezone.now()
    case = Case.objects.create(
        number=f"AS{next(_numbers):06d}",
        order=order,
        shop=order.shop,
        customer=order.customer,
        type=type,
        status=status,
        reason=reason,
        created_at=created_at,
        due_at=due_at,
        closed_at=closed_at,
    )
    line = order.lines.order_by("pk").first()
    assert line is not None
    CaseLine.objects.create(case=case, order_line=line, sku=line.sku, quantity=quantity, reason=reason)
    return case


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_puts_overdue_cases_first_then_by_deadline(agent: Any) -> None:
    now = timezone.now()
    order = shipped_order(("TEE-RED-M", 2))
    later = built_case(order, due_at=now + timedelta(hours=30))
    no_deadline = built_case(order, status="received")
    long_overdue = built_case(order, due_at=now - timedelta(hours=20))
    soon = built_case(order, status="awaiting_return", due_at=now + timedelta(hours=2))
    just_overdue = built_case(order, due_at=now - timedelta(hours=1))
    closed_late = built_case(order, status="closed", due_at=now - timedelta(days=3), closed_at=now)

    every = queries.case_queue(actor=agent, now=now)
    assert [case.number for case in every] == [
        long_overdue.number, just_overdue.number, soon.number, later.number, no_deadline.number, closed_late.number,
    ]  # fmt: skip
    assert [case.is_overdue for case in every] == [1, 1, 0, 0, 0, 0]

    open_ones = queries.case_queue(actor=agent, status="open", now=now)
    assert [case.number for case in open_ones] == [
        long_overdue.number, just_overdue.number, soon.number, later.number, no_deadline.number,
    ]  # fmt: skip
    overdue = queries.case_queue(actor=agent, overdue_only=True, now=now)
    assert [case.number for case in overdue] == [long_overdue.number, just_overdue.number]
    counts = queries.queue_counts(actor=agent, now=now)
    assert (counts["open"], counts["overdue"], counts["all"], counts["requested"], counts["closed"]) == (5, 2, 6, 3, 1)


def test_the_queue_filters_and_searches(agent: Any) -> None:
    mine = shipped_order(("TEE-RED-M", 1))
    other = shipped_order(("CAP-BLK", 1))
    Order.objects.filter(pk=other.pk).update(buyer_name="李四", buyer_phone="13900001234")
    exchange = built_case(mine, type="exchange", reason="wrong_size")
    refund = built_case(other, type="refund_only")
    Case.objects.filter(pk=refund.pk).update(return_tracking_number="YT123456789")

    def found(**filters: Any) -> list[str]:
        return [case.number for case in queries.case_queue(actor=agent, **filters)]

    assert found(type="exchange") == [exchange.number]
    assert found(search=exchange.number) == [exchange.number]
    assert found(search=other.number) == [refund.number]
    assert found(search="YT123456789") == [refund.number]
    assert found(search="1234") == [refund.number]  # the phone's last digits
    assert found(search="李四") == [refund.number]
    assert found(search="nobody") == []
    with pytest.raises(ValidationFailed):
        found(status="lost")
    with pytest.raises(ValidationFailed):
        found(type="barter")


def test_the_queue_needs_the_view_permission(db: Any) -> None:
    buyer = make_user("buyer1", "buyer")
    with pytest.raises(PermissionDenied):
        queries.case_queue(actor=buyer)


def test_case_detail_reads_the_case_in_few_queries(agent: Any, django_assert_max_num_queries: Any) -> None:
    order = shipped_order(("TEE-RED-M", 2), ("CAP-BLK", 1))
    case = built_case(order, quantity=2)
    built_case(order, type="complaint", reason="service")

    with django_assert_max_num_queries(14):
        view = queries.case_detail(number=case.number, actor=agent)
        assert [line.sku.code for line in view.lines] == ["TEE-RED-M"]
        # Shipped by hand with a tracking number: no booked parcel to list.
        assert view.parcels == []
        assert len(view.other_cases) == 1
        assert len(view.order_lines) == 2


# --- the figures ------------------------------------------------------------------------------


def test_figures_add_up_on_a_small_data_set(agent: Any) -> None:
    start = timezone.make_aware(datetime(2026, 3, 1))
    end = start + timedelta(days=10)
    in_period = start + timedelta(days=2)
    before = start - timedelta(days=5)
    # Four orders shipped in the period, one in the one before.
    orders = [shipped_order(("TEE-RED-M", 1), at=in_period) for _ in range(4)]
    earlier = shipped_order(("TEE-RED-M", 1), at=before)
    # Three cases opened in the period: two quality returns, one wrong-size exchange; two
    # closed in it, one in 10 hours (by its deadline), one in 30 hours (after it).
    built_case(
        orders[0],
        status="closed",
        created_at=in_period,
        closed_at=in_period + timedelta(hours=10),
        due_at=in_period + timedelta(hours=48),
    )
    late = built_case(
        orders[1],
        status="closed",
        created_at=in_period,
        closed_at=in_period + timedelta(hours=30),
        due_at=in_period + timedelta(hours=24),
    )
    built_case(orders[2], type="exchange", reason="wrong_size", created_at=in_period)
    built_case(earlier, created_at=before)
    Refund.objects.create(
        number="RF1",
        case=late,
        order=late.order,
        status="succeeded",
        method="gateway",
        goods_amount=Decimal("59.00"),
        amount=Decimal("59.00"),
        idempotency_key="rf1",
        requested_at=in_period,
        completed_at=in_period + timedelta(hours=30),
    )
    Refund.objects.create(
        number="RF2",
        case=late,
        order=late.order,
        status="awaiting_transfer",
        method="bank_transfer",
        amount=Decimal("8.00"),
        idempotency_key="rf2",
        requested_at=in_period,
    )

    result = queries.figures(actor=agent, start=start, end=end)

    now = result.current
    assert (now.cases_opened, now.orders_shipped, now.rate, now.rate_percent) == (
        3, 4, Decimal("0.7500"), Decimal("75.00"),
    )  # fmt: skip
    assert (now.refund_amount, now.refunds) == (Decimal("59.00"), 1)
    assert [(tally.code, tally.count) for tally in now.by_reason] == [("quality", 2), ("wrong_size", 1)]
    assert [(tally.code, tally.count) for tally in now.by_type] == [("return_refund", 2), ("exchange", 1)]
    assert (now.resolved, now.average_hours_to_resolve, now.median_hours_to_resolve) == (
        2, Decimal("20.0"), Decimal("20.0"),
    )  # fmt: skip
    assert (now.resolved_in_time, now.share_resolved_in_time) == (1, Decimal("0.5000"))
    then = result.previous
    assert (then.start, then.end) == (start - timedelta(days=10), start)
    assert (then.cases_opened, then.orders_shipped, then.rate, then.refund_amount) == (1, 1, Decimal("1.0000"), 0)
    assert then.resolved == 0 and then.average_hours_to_resolve is None and then.share_resolved_in_time is None
    assert queries.figures(actor=agent, start=start, end=end, shop_id=999).current.cases_opened == 0
