"""Marketplace order pushes on PostgreSQL with real threads: the same message pushed five
times at once is stored and applied once; five different snapshots of one new order at
once make one order, ending as the newest says; shipment notices sent by several workers
at once are each sent once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.models import Carrier
from sellerdesk.marketplaces import notices, push
from sellerdesk.marketplaces.models import MarketplaceOrder, PushedOrderMessage, ShipmentNotice
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.models import Payment
from tests.api.helpers import advance
from tests.factories import place
from tests.marketplaces.connector_helpers import T0, connected_tmall, push_body, signature, use_simulated_marketplace
from tests.pg.test_concurrency import run_together


@pytest.fixture
def tmall(shop: Any, settings: Any, tmp_path: Path) -> Any:
    use_simulated_marketplace(tmp_path)
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    return connected_tmall()


def _push(body: bytes) -> push.PushResult:
    return push.receive_push(body=body, signature=signature(body), at=T0)


@pytest.mark.django_db(transaction=True)
def test_the_same_message_pushed_five_times_at_once_is_stored_and_applied_once(tmall: Any) -> None:
    body = push_body("TMC-1")

    outcomes = run_together(threads=5, rounds=1, work=lambda _index: _push(body))

    assert outcomes.errors == []
    assert sorted(result.duplicate for result in outcomes.results) == [False, True, True, True, True]
    assert {result.message.pk for result in outcomes.results} == {PushedOrderMessage.objects.get().pk}
    assert {result.outcome for result in outcomes.results} == {"created"}
    order = Order.objects.get()
    assert (order.external_id, order.status, order.payment_status) == ("4001", "pending_review", "paid")
    assert Payment.objects.filter(order=order).count() == 1
    assert MarketplaceOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_five_snapshots_of_a_new_order_at_once_make_one_order_as_the_newest_says(tmall: Any) -> None:
    bodies = [
        push_body(f"TMC-{index}", minutes=index, seller_memo=f"第{index}版", refund="requested" if index == 4 else "")
        for index in range(5)
    ]

    outcomes = run_together(threads=5, rounds=1, work=lambda index: _push(bodies[index]))

    assert outcomes.errors == []
    assert PushedOrderMessage.objects.count() == 5
    assert Order.objects.count() == 1
    assert Payment.objects.count() == 1
    # Handled one after the other, whatever the arrival: no snapshot is newer than the
    # last, so it was applied, and each one handled after a newer one was stale.
    assert PushedOrderMessage.objects.get(message_id="TMC-4").outcome in ("created", "updated")
    record = MarketplaceOrder.objects.get()
    assert (record.modified_at, record.refund) == (T0 + timedelta(minutes=4), "requested")
    handled = list(PushedOrderMessage.objects.order_by("pk").values_list("message_id", "outcome"))
    for position, (message_id, outcome) in enumerate(handled):
        if any(earlier > message_id for earlier, _outcome in handled[:position]):
            assert outcome == "stale", handled


@pytest.mark.django_db(transaction=True)
def test_notices_sent_by_three_workers_at_once_are_each_sent_once(tmall: Any, tmp_path: Path) -> None:
    Carrier.objects.create(code="zto", name="中通快递")
    for index in range(6):
        order = advance(place(("TEE-RED-M", 1), shop="tmall", external_id=f"40{index}"), "approved")
        actions.ship_order(order=order, actor=None, carrier="zto", tracking_number=f"7310000000{index}", at=T0)

    outcomes = run_together(threads=3, rounds=1, work=lambda _index: notices.send_due_notices(now=T0))

    assert outcomes.errors == []
    assert sum(outcomes.results) == 6
    assert set(ShipmentNotice.objects.values_list("status", "attempts")) == {("sent", 1)}
    lines = (tmp_path / "tmall" / "shipments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6
