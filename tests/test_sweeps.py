"""Time-driven work: closing unpaid orders, auto-confirming receipt, `sellerdesk sweep`,
and the scheduler that enqueues each periodic job once per period."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sellerdesk.catalog.models import Sku
from sellerdesk.core.periodic import jobs
from sellerdesk.core.scheduler import enqueue_due_jobs
from sellerdesk.notifications.models import PENDING_STATUSES, OutgoingMessage
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.tasks import auto_confirm_receipts, close_unpaid_orders
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop, snapshot, stock  # noqa: F401  (default_shop: autouse)
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

T0 = TEST_NOW
DAY_11 = (T0 + timedelta(days=11)).isoformat()  # the sweep command's --at


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


def _status(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def _shipped(*, at: datetime, **fields: Any) -> Order:
    order = advance(place(("TEE-RED-M", 1), **fields), "approved")
    return actions.ship_order(order=order, actor=None, carrier="顺丰", tracking_number=f"SF{order.pk}", at=at)


# --- close unpaid orders -----------------------------------------------------------


def test_close_unpaid_orders_closes_exactly_the_expired_ones(tee: Sku) -> None:
    expired = place(("TEE-RED-M", 3), placed_at=T0)
    expired_too = place(("TEE-RED-M", 1), placed_at=T0 + timedelta(days=1))
    paid = advance(place(("TEE-RED-M", 2), placed_at=T0), "pending_review")
    future = place(("TEE-RED-M", 4), placed_at=T0 + timedelta(days=3))
    cod = place(("TEE-RED-M", 5), placed_at=T0, payment_method="cod", source="cod")
    now = T0 + timedelta(days=8)

    closed = close_unpaid_orders(now)

    assert closed == 2
    assert [_status(order) for order in (expired, expired_too, paid, future, cod)] == [
        "closed",
        "closed",
        "pending_review",
        "unpaid",
        "pending_review",
    ]
    assert stock("TEE-RED-M") == (100, 2 + 4 + 5)
    assert Order.objects.get(pk=expired.pk).closed_at == now
    for order in (expired, expired_too):
        assert list(OrderEvent.objects.filter(order=order, type="closed").values_list("actor", "data__action")) == [
            (None, "expire")
        ]


def test_order_closes_at_its_deadline_not_before(tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), placed_at=T0)
    deadline = T0 + timedelta(days=7)

    assert close_unpaid_orders(deadline - timedelta(seconds=1)) == 0
    assert _status(order) == "unpaid"
    assert close_unpaid_orders(deadline) == 1
    assert _status(order) == "closed"


def test_running_the_close_sweep_twice_does_the_work_once(tee: Sku) -> None:
    place(("TEE-RED-M", 1), placed_at=T0)
    now = T0 + timedelta(days=8)

    first = close_unpaid_orders(now)
    state = snapshot()
    second = close_unpaid_orders(now)

    assert (first, second) == (1, 0)
    assert snapshot() == state
    assert OrderEvent.objects.filter(type="closed").count() == 1


def test_a_shops_payment_window_overrides_the_default(tee: Sku) -> None:
    Shop.objects.create(code="fast", name="快店", payment_window_days=2)
    Shop.objects.create(code="patient", name="慢店", payment_window_days=10)
    fast = place(("TEE-RED-M", 1), shop="fast", placed_at=T0)
    default = place(("TEE-RED-M", 1), placed_at=T0)
    patient = place(("TEE-RED-M", 1), shop="patient", placed_at=T0)

    closed_on_day_3 = close_unpaid_orders(T0 + timedelta(days=3))
    states_on_day_3 = [_status(order) for order in (fast, default, patient)]
    closed_on_day_8 = close_unpaid_orders(T0 + timedelta(days=8))
    states_on_day_8 = [_status(order) for order in (fast, default, patient)]
    closed_on_day_11 = close_unpaid_orders(T0 + timedelta(days=11))

    assert (closed_on_day_3, closed_on_day_8, closed_on_day_11) == (1, 1, 1)
    assert states_on_day_3 == ["closed", "unpaid", "unpaid"]
    assert states_on_day_8 == ["closed", "closed", "unpaid"]
    assert _status(patient) == "closed"


def test_default_payment_window_is_a_setting(tee: Sku, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "PAYMENT_WINDOW_DAYS": 3}
    order = place(("TEE-RED-M", 1), placed_at=T0)

    assert order.pay_deadline == T0 + timedelta(days=3)
    assert close_unpaid_orders(T0 + timedelta(days=3)) == 1


def test_a_paid_order_is_never_closed_by_the_sweep(tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), placed_at=T0)
    advance(order, "pending_review")

    assert close_unpaid_orders(T0 + timedelta(days=30)) == 0
    assert _status(order) == "pending_review"


def test_a_partly_paid_expired_order_is_closed_and_refunded(tee: Sku) -> None:
    from decimal import Decimal

    from sellerdesk.payments.actions import record_payment

    order = place(("TEE-RED-M", 2), placed_at=T0)
    record_payment(order=order, amount=Decimal("10"), method="remittance", reference="B1", actor=None)

    assert close_unpaid_orders(T0 + timedelta(days=8)) == 1

    closed = Order.objects.get(pk=order.pk)
    assert (closed.status, closed.payment_status, closed.refunded_amount) == ("closed", "refunded", Decimal("10.00"))


# --- auto-confirm receipt ----------------------------------------------------------


@pytest.mark.parametrize(("method", "days"), [("express", 10), ("post", 30)])
def test_auto_confirm_when_the_time_comes_not_before(tee: Sku, method: str, days: int) -> None:
    order = _shipped(at=T0, shipping_method=method)
    due = T0 + timedelta(days=days)

    early = auto_confirm_receipts(due - timedelta(seconds=1))
    status_early = _status(order)
    on_time = auto_confirm_receipts(due)

    assert (early, status_early, on_time, _status(order)) == (0, "shipped", 1, "completed")
    assert Order.objects.get(pk=order.pk).completed_at == due


def test_auto_confirm_covers_delivered_orders(tee: Sku) -> None:
    order = _shipped(at=T0)
    actions.deliver_order(order=order, actor=None, at=T0 + timedelta(days=2))

    assert auto_confirm_receipts(T0 + timedelta(days=10)) == 1
    assert _status(order) == "completed"


def test_auto_confirm_leaves_other_orders_alone(tee: Sku) -> None:
    unpaid = place(("TEE-RED-M", 1), placed_at=T0)
    approved = advance(place(("TEE-RED-M", 1), placed_at=T0), "approved")
    completed = _shipped(at=T0)
    actions.confirm_receipt(order=completed, actor=None)
    before = snapshot()

    assert auto_confirm_receipts(T0 + timedelta(days=60)) == 0
    assert [_status(order) for order in (unpaid, approved, completed)] == ["unpaid", "approved", "completed"]
    assert snapshot() == before


def test_a_shops_auto_confirm_days_override_the_defaults(tee: Sku) -> None:
    Shop.objects.create(code="quick", name="快店", auto_confirm_express_days=3, auto_confirm_post_days=7)
    express = _shipped(at=T0, shop="quick")
    post = _shipped(at=T0, shop="quick", shipping_method="post")
    default = _shipped(at=T0)

    on_day_3 = auto_confirm_receipts(T0 + timedelta(days=3))
    on_day_7 = auto_confirm_receipts(T0 + timedelta(days=7))
    on_day_10 = auto_confirm_receipts(T0 + timedelta(days=10))

    assert (on_day_3, on_day_7, on_day_10) == (1, 1, 1)
    assert [_status(order) for order in (express, post, default)] == ["completed"] * 3


def test_auto_confirm_days_are_settings(tee: Sku, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "AUTO_CONFIRM_EXPRESS_DAYS": 5}

    order = _shipped(at=T0)

    assert order.auto_confirm_at == T0 + timedelta(days=5)


def test_running_the_confirm_sweep_twice_does_the_work_once(tee: Sku) -> None:
    _shipped(at=T0)
    now = T0 + timedelta(days=10)

    first = auto_confirm_receipts(now)
    state = snapshot()
    second = auto_confirm_receipts(now)

    assert (first, second) == (1, 0)
    assert snapshot() == state
    assert OrderEvent.objects.filter(type="receipt_confirmed").count() == 1


# --- sellerdesk sweep --------------------------------------------------------------


def test_sweep_command_runs_every_job_at_the_given_time_and_says_what_it_did(tee: Sku) -> None:
    expired = place(("TEE-RED-M", 1), placed_at=T0)
    shipped = _shipped(at=T0)
    out = StringIO()

    call_command("sweep", at=DAY_11, stdout=out)

    # the messages the orders' steps wrote are sent last, every one of them
    sent = OutgoingMessage.objects.filter(status="sent").count()
    assert not OutgoingMessage.objects.filter(status__in=PENDING_STATUSES).exists()
    assert out.getvalue().splitlines() == [
        f"sweep at {DAY_11}",
        "close_unpaid_orders: 1",
        "remind_unpaid_orders: 0",
        "review_paid_orders: 0",
        "allocate_approved_orders: 0",
        "poll_tracking: 0",
        "detect_logistics_exceptions: 0",
        "auto_confirm_receipts: 1",
        "default_ratings: 0",
        "marketplaces.imports: 0",
        "marketplaces.notices: 0",
        "marketplaces.pull: 0",
        "promote_customers: 0",
        "retry_carrier_bookings: 0",
        "aftersales_record_booked_pickups: 0",
        "retry_carrier_stops: 0",
        "retry_carrier_tracking: 0",
        "retry_refunds: 0",
        f"send_messages: {sent}",
        "service.retention: 0",
        "service.snoozes: 0",
        "service.sla: 0",
        "service.routing: 0",
        # the fact rows of the two orders' days in the last 14 (placed, closed, completed …)
        "analytics.facts: 2",
        "task_leases: 0",
    ]
    assert (_status(expired), _status(shipped)) == ("closed", "completed")


def test_sweep_command_twice_does_nothing_the_second_time(tee: Sku) -> None:
    place(("TEE-RED-M", 1), placed_at=T0)
    call_command("sweep", at=DAY_11, stdout=StringIO())
    out = StringIO()

    call_command("sweep", at=DAY_11, stdout=out)

    assert out.getvalue().splitlines()[1:] == [
        "close_unpaid_orders: 0",
        "remind_unpaid_orders: 0",
        "review_paid_orders: 0",
        "allocate_approved_orders: 0",
        "poll_tracking: 0",
        "detect_logistics_exceptions: 0",
        "auto_confirm_receipts: 0",
        "default_ratings: 0",
        "marketplaces.imports: 0",
        "marketplaces.notices: 0",
        "marketplaces.pull: 0",
        "promote_customers: 0",
        "retry_carrier_bookings: 0",
        "aftersales_record_booked_pickups: 0",
        "retry_carrier_stops: 0",
        "retry_carrier_tracking: 0",
        "retry_refunds: 0",
        "send_messages: 0",
        "service.retention: 0",
        "service.snoozes: 0",
        "service.sla: 0",
        "service.routing: 0",
        "analytics.facts: 0",
        "task_leases: 0",
    ]


def test_sweep_command_reads_a_naive_time_as_local_time(tee: Sku) -> None:
    place(("TEE-RED-M", 1), placed_at=T0)
    out = StringIO()

    call_command("sweep", at=f"{T0 + timedelta(days=7):%Y-%m-%dT%H:%M:%S}", stdout=out)

    assert out.getvalue().splitlines()[:2] == [
        f"sweep at {(T0 + timedelta(days=7)).isoformat()}",
        "close_unpaid_orders: 1",
    ]


def test_sweep_command_without_time_uses_now(tee: Sku) -> None:
    out = StringIO()

    call_command("sweep", stdout=out)

    assert out.getvalue().splitlines()[1:] == [
        "close_unpaid_orders: 0",
        "remind_unpaid_orders: 0",
        "review_paid_orders: 0",
        "allocate_approved_orders: 0",
        "poll_tracking: 0",
        "detect_logistics_exceptions: 0",
        "auto_confirm_receipts: 0",
        "default_ratings: 0",
        "marketplaces.imports: 0",
        "marketplaces.notices: 0",
        "marketplaces.pull: 0",
        "promote_customers: 0",
        "retry_carrier_bookings: 0",
        "aftersales_record_booked_pickups: 0",
        "retry_carrier_stops: 0",
        "retry_carrier_tracking: 0",
        "retry_refunds: 0",
        "send_messages: 0",
        "service.retention: 0",
        "service.snoozes: 0",
        "service.sla: 0",
        "service.routing: 0",
        "analytics.facts: 0",
        "task_leases: 0",
    ]


def test_sweep_command_refuses_a_bad_time(db: Any) -> None:
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sweep", at="next tuesday", stdout=StringIO())


# --- the scheduler -----------------------------------------------------------------


def _enqueued() -> list[str]:
    return sorted(result.args_kwargs["args"][0] for result in DBTaskResult.objects.all())


def test_each_job_is_enqueued_once_per_period_even_when_asked_twice(db: Any) -> None:
    names = sorted(job.name for job in jobs())

    first = enqueue_due_jobs(T0)
    second = enqueue_due_jobs(T0)
    a_bit_later = enqueue_due_jobs(T0 + timedelta(seconds=30))

    every_job = [
        "aftersales_record_booked_pickups",
        "allocate_approved_orders",
        "analytics.facts",
        "auto_confirm_receipts",
        "close_unpaid_orders",
        "default_ratings",
        "detect_logistics_exceptions",
        "marketplaces.imports",
        "marketplaces.notices",
        "marketplaces.pull",
        "poll_tracking",
        "promote_customers",
        "remind_unpaid_orders",
        "retry_carrier_bookings",
        "retry_carrier_stops",
        "retry_carrier_tracking",
        "retry_refunds",
        "review_paid_orders",
        "send_messages",
        "service.retention",
        "service.routing",
        "service.sla",
        "service.snoozes",
        "task_leases",
    ]
    assert sorted(first) == names == every_job
    # Only the outbox's sender runs every few seconds.
    assert (second, a_bit_later) == ([], ["send_messages"])
    assert _enqueued() == sorted([*names, "send_messages"])
    assert all(result.task_path == "sellerdesk.core.tasks.run_periodic_job" for result in DBTaskResult.objects.all())


def test_each_job_is_enqueued_again_when_its_period_has_passed(db: Any) -> None:
    enqueue_due_jobs(T0)

    after_one_minute = enqueue_due_jobs(T0 + timedelta(minutes=1))
    after_one_minute_again = enqueue_due_jobs(T0 + timedelta(minutes=1))
    after_five_minutes = enqueue_due_jobs(T0 + timedelta(minutes=5))

    every_minute = [
        "aftersales_record_booked_pickups",
        "allocate_approved_orders",
        "close_unpaid_orders",
        "marketplaces.imports",
        "marketplaces.notices",
        "retry_carrier_bookings",
        "retry_carrier_stops",
        "retry_carrier_tracking",
        "retry_refunds",
        "review_paid_orders",
        "send_messages",
        "service.routing",
        "service.sla",
        "service.snoozes",
        "task_leases",
    ]
    assert sorted(after_one_minute) == every_minute
    assert after_one_minute_again == []
    assert sorted(after_five_minutes) == sorted(
        ["auto_confirm_receipts", "marketplaces.pull", "remind_unpaid_orders", *every_minute]
    )
    assert _enqueued() == [
        "aftersales_record_booked_pickups",
        "aftersales_record_booked_pickups",
        "aftersales_record_booked_pickups",
        "allocate_approved_orders",
        "allocate_approved_orders",
        "allocate_approved_orders",
        "analytics.facts",
        "auto_confirm_receipts",
        "auto_confirm_receipts",
        "close_unpaid_orders",
        "close_unpaid_orders",
        "close_unpaid_orders",
        "default_ratings",
        "detect_logistics_exceptions",
        "marketplaces.imports",
        "marketplaces.imports",
        "marketplaces.imports",
        "marketplaces.notices",
        "marketplaces.notices",
        "marketplaces.notices",
        "marketplaces.pull",
        "marketplaces.pull",
        "poll_tracking",
        "promote_customers",
        "remind_unpaid_orders",
        "remind_unpaid_orders",
        "retry_carrier_bookings",
        "retry_carrier_bookings",
        "retry_carrier_bookings",
        "retry_carrier_stops",
        "retry_carrier_stops",
        "retry_carrier_stops",
        "retry_carrier_tracking",
        "retry_carrier_tracking",
        "retry_carrier_tracking",
        "retry_refunds",
        "retry_refunds",
        "retry_refunds",
        "review_paid_orders",
        "review_paid_orders",
        "review_paid_orders",
        "send_messages",
        "send_messages",
        "send_messages",
        "service.retention",
        "service.routing",
        "service.routing",
        "service.routing",
        "service.sla",
        "service.sla",
        "service.sla",
        "service.snoozes",
        "service.snoozes",
        "service.snoozes",
        "task_leases",
        "task_leases",
        "task_leases",
    ]


def test_the_enqueued_task_runs_the_job(tee: Sku) -> None:
    from sellerdesk.core.tasks import run_periodic_job

    expired = place(("TEE-RED-M", 1), placed_at=timezone.now() - timedelta(days=30))

    changed = run_periodic_job.call("close_unpaid_orders")

    assert changed == 1
    assert _status(expired) == "closed"


def test_an_unknown_job_is_an_error(db: Any) -> None:
    from sellerdesk.core.tasks import run_periodic_job

    with pytest.raises(LookupError):
        run_periodic_job.call("no_such_job")
