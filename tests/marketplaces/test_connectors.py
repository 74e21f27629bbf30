"""Connectors (marketplaces.connectors, pulls, notices): the simulated marketplace's orders
pulled and applied once, the registry by name, and shipments told back — a notice per
parcel written in the shipping transaction, sent after the commit with no transaction
open, retried with backoff and dead after NOTICE_MAX_ATTEMPTS."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from sellerdesk.core import messages
from sellerdesk.core.tasks import forget_wake_ups
from sellerdesk.logistics.models import Carrier, Shipment
from sellerdesk.marketplaces import notices
from sellerdesk.marketplaces.connectors import (
    SimulatedMarketplace,
    connector_for,
    connector_named,
    market_order_from_json,
    market_order_to_json,
    register_connector,
)
from sellerdesk.marketplaces.models import Connection, MarketplaceOrder, PushedOrderMessage, ShipmentNotice
from sellerdesk.marketplaces.pulls import pull_all
from sellerdesk.marketplaces.records import MarketOrder
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import place
from tests.marketplaces.connector_helpers import T0, connected_tmall, market_json, use_simulated_marketplace


@pytest.fixture
def directory(settings: Any, tmp_path: Path) -> Path:
    use_simulated_marketplace(tmp_path)
    return tmp_path


@pytest.fixture
def tmall(db: Any, directory: Path) -> Shop:
    Carrier.objects.create(code="zto", name="中通快递")
    Carrier.objects.create(code="sf", name="顺丰速运")
    return connected_tmall()


def write_orders(directory: Path, *orders: dict[str, Any], junk: bool = False) -> None:
    (directory / "tmall").mkdir(exist_ok=True)
    lines = [json.dumps(order, ensure_ascii=False) for order in orders]
    if junk:
        lines.insert(1, '{"external_id": "broken"')
    (directory / "tmall" / "orders.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def shipped_order(shop: Shop, external_id: str = "4001", *, tracking: str = "73100000001", **ship: Any) -> Order:
    order = advance(place(("TEE-RED-M", 1), shop=shop.code, external_id=external_id), "approved")
    return actions.ship_order(
        order=order, actor=None, carrier=ship.pop("carrier", "zto"), tracking_number=tracking, at=T0, **ship
    )


def notice_rows() -> list[tuple[Any, ...]]:
    return list(
        ShipmentNotice.objects.order_by("pk").values_list(
            "external_id", "carrier_code", "tracking_number", "status", "attempts", "next_attempt_at"
        )
    )


def timeline(order: Order) -> list[str]:
    """The shipment notices' sentences on the order's timeline, in English."""
    events = OrderEvent.objects.filter(order=order, data__code__startswith="market_shipment").order_by("pk")
    with translation.override("en"):
        return [messages.render(event.data) for event in events]


def told(directory: Path) -> list[dict[str, Any]]:
    path = directory / "tmall" / "shipments.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- the record as JSON, the registry ---------------------------------------------------------


def test_a_market_order_goes_to_json_and_back_unchanged() -> None:
    record = market_order_from_json(market_json(buyer_message="周末送", refund="requested"))
    assert isinstance(record, MarketOrder)
    assert market_order_from_json(json.loads(json.dumps(market_order_to_json(record)))) == record


def test_the_registry_gives_a_shops_active_connector_by_name(tmall: Shop, default_shop: Shop) -> None:  # noqa: F811
    assert isinstance(connector_for(tmall), SimulatedMarketplace)
    assert connector_for(default_shop) is None
    assert connector_named("nobody") is None

    class Fake(SimulatedMarketplace):
        name = "fake"

    register_connector("fake", Fake)
    Connection.objects.filter(shop=tmall).update(adapter="fake")
    assert isinstance(connector_for(tmall), Fake)
    Connection.objects.filter(shop=tmall).update(is_active=False)
    assert connector_for(tmall) is None


# --- pulling ----------------------------------------------------------------------------------


def test_the_simulated_marketplace_gives_the_orders_changed_in_the_window_and_skips_a_bad_line(
    tmall: Shop, directory: Path
) -> None:
    write_orders(
        directory, market_json("A", minutes=1), market_json("B", minutes=10), market_json("C", minutes=20), junk=True
    )
    simulated = SimulatedMarketplace()

    every = simulated.pull_orders(shop=tmall, since=None, until=T0 + timedelta(minutes=20))
    window = simulated.pull_orders(shop=tmall, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=10))

    assert [record.external_id for record in every] == ["A", "B", "C"]
    assert [record.external_id for record in window] == ["B"]
    assert simulated.pull_orders(shop=tmall, since=None, until=T0) == []


def test_a_pull_applies_the_new_orders_once_and_moves_the_connection_on(tmall: Shop, directory: Path) -> None:
    write_orders(
        directory,
        market_json("A", minutes=1),
        market_json("B", minutes=2, status="cancelled"),
        market_json("U", minutes=3, status="unpaid", paid_amount="0.00", paid_at=None),
    )
    now = T0 + timedelta(hours=1)

    [pulled] = pull_all(now=now)

    assert (pulled.shop, pulled.orders, pulled.outcomes, pulled.changed) == (
        "tmall",
        3,
        {"created": 2, "skipped": 1},
        2,
    )
    order = Order.objects.get(shop=tmall, external_id="A")
    assert (order.status, order.payment_status) == ("pending_review", "paid")
    # The unpaid one awaits its payment here too (the buyer may be reminded to pay).
    unpaid = Order.objects.get(shop=tmall, external_id="U")
    assert (unpaid.status, unpaid.payment_status, unpaid.pay_deadline is not None) == ("unpaid", "unpaid", True)
    assert MarketplaceOrder.objects.get(order=order).source == "pull"
    assert Connection.objects.get(shop=tmall).pulled_until == now
    # Nothing changed since: the next pull asks for nothing new; pulling the same window
    # again (a worker that died before moving on) changes nothing either.
    assert pull_all(now=now + timedelta(minutes=5))[0].orders == 0
    Connection.objects.filter(shop=tmall).update(pulled_until=None)
    assert pull_all(now=now + timedelta(minutes=10))[0].outcomes == {"unchanged": 2, "skipped": 1}
    assert Order.objects.filter(shop=tmall).count() == 2


def test_an_unreachable_marketplace_pulls_nothing_and_keeps_the_window(tmall: Shop, directory: Path) -> None:
    write_orders(directory, market_json("A", minutes=1))
    (directory / "tmall" / "unreachable").touch()

    [pulled] = pull_all(now=T0 + timedelta(hours=1))

    assert (pulled.orders, pulled.changed) == (0, 0)
    assert Connection.objects.get(shop=tmall).pulled_until is None
    assert Order.objects.count() == 0


# --- shipments told back --------------------------------------------------------------------


def test_shipping_a_connected_marketplace_order_writes_its_notice_in_the_same_transaction(tmall: Shop) -> None:
    order = shipped_order(tmall, "4001", tracking="73100000001")

    assert notice_rows() == [("4001", "ZTO", "73100000001", "pending", 0, T0)]
    assert ShipmentNotice.objects.get().order_id == order.pk

    # Rolled back with the shipping it belongs to.
    other = advance(place(("TEE-RED-M", 1), shop="tmall", external_id="4002"), "approved")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.ship_order(order=other, actor=None, carrier="sf", tracking_number="SF1", at=T0)
        raise RuntimeError("the shipping failed after the hook")
    assert ShipmentNotice.objects.count() == 1


def test_no_notice_without_a_marketplace_id_a_connection_or_shipments_sent_back(
    tmall: Shop,
    default_shop: Shop,  # noqa: F811
) -> None:
    shipped_order(tmall, "", tracking="T1")
    shipped_order(default_shop, "W-1", tracking="T2")
    Connection.objects.filter(shop=tmall).update(pushes_shipments=False)
    shipped_order(tmall, "4003", tracking="T3")
    Connection.objects.filter(shop=tmall).update(pushes_shipments=True, is_active=False)
    shipped_order(tmall, "4004", tracking="T4")

    assert ShipmentNotice.objects.count() == 0


def test_an_order_of_several_parcels_gets_a_notice_per_parcel(tmall: Shop) -> None:
    order = advance(place(("TEE-RED-M", 1), shop="tmall", external_id="4001"), "approved")
    zto = Carrier.objects.get(code="zto")
    for tracking, status in (("73100000002", "created"), ("73100000003", "cancelled")):
        Shipment.objects.create(order=order, carrier=zto, tracking_number=tracking, status=status, created_at=T0)

    actions.ship_order(order=order, actor=None, carrier="zto", tracking_number="73100000001", at=T0)

    assert [row[2] for row in notice_rows()] == ["73100000001", "73100000002"]


def test_the_notice_is_sent_after_the_commit_with_no_transaction_open(
    tmall: Shop, directory: Path, django_capture_on_commit_callbacks: Any
) -> None:
    forget_wake_ups()
    with django_capture_on_commit_callbacks(execute=True):
        shipped_order(tmall, "4001", tracking="73100000001")
    # The worker is woken to send it now rather than at its next round.
    assert DBTaskResult.objects.filter(args_kwargs__args=["marketplaces.notices"]).exists()
    calls: list[bool] = []
    send = SimulatedMarketplace.send_shipment

    def spy(simulated: SimulatedMarketplace, notice: ShipmentNotice) -> str:
        calls.append(connection.in_atomic_block)
        return send(simulated, notice)

    with mock.patch.object(SimulatedMarketplace, "send_shipment", spy):
        assert notices.send_due_notices(now=T0 + timedelta(seconds=5)) == 1

    [line] = told(directory)
    assert (line["order"], line["carrier"], line["tracking_number"]) == ("4001", "ZTO", "73100000001")
    notice = ShipmentNotice.objects.get()
    assert (notice.status, notice.attempts, notice.lease_until, notice.last_error) == ("sent", 1, None, "")
    assert notice.sent_at == T0 + timedelta(seconds=5)
    assert timeline(notice.order) == ["The marketplace was told the order shipped: ZTO 73100000001"]
    assert notices.send_due_notices(now=T0 + timedelta(hours=1)) == 0
    assert len(told(directory)) == 1
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_the_marketplace_is_called_outside_any_transaction(settings: Any, tmp_path: Path) -> None:
    use_simulated_marketplace(tmp_path)
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    from sellerdesk.inventory.models import Warehouse

    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Carrier.objects.create(code="zto", name="中通快递")
    shop = connected_tmall()
    shipped_order(shop, "4001", tracking="73100000001")
    calls: list[bool] = []
    send = SimulatedMarketplace.send_shipment

    def spy(simulated: SimulatedMarketplace, notice: ShipmentNotice) -> str:
        calls.append(connection.in_atomic_block)
        return send(simulated, notice)

    with mock.patch.object(SimulatedMarketplace, "send_shipment", spy):
        assert notices.send_due_notices(now=T0 + timedelta(seconds=5)) == 1

    assert calls == [False]
    assert ShipmentNotice.objects.get().status == "sent"


def test_an_unreachable_marketplace_is_tried_again_with_backoff_then_the_notice_is_dead(
    tmall: Shop, directory: Path
) -> None:
    shipped_order(tmall, "4001", tracking="73100000001")
    (directory / "tmall").mkdir(exist_ok=True)
    (directory / "tmall" / "unreachable").touch()
    # NOTICE_MAX_ATTEMPTS 3, NOTICE_BACKOFF_SECONDS 60 (connector_helpers).
    first, second, third = T0, T0 + timedelta(seconds=60), T0 + timedelta(seconds=60 + 120)

    # The worker writes the error in its own language (as the outbox does): English here.
    with translation.override("en"):
        assert notices.send_due_notices(now=first) == 1
        assert notice_rows()[0][3:] == ("pending", 1, first + timedelta(seconds=60))
        assert notices.send_due_notices(now=second - timedelta(seconds=1)) == 0
        assert notices.send_due_notices(now=second) == 1
        assert notice_rows()[0][3:] == ("pending", 2, second + timedelta(seconds=120))
        assert notices.send_due_notices(now=third) == 1

    notice = ShipmentNotice.objects.get()
    assert (notice.status, notice.attempts) == ("dead", 3)
    assert "could not be reached" in notice.last_error
    assert timeline(notice.order) == [
        "The marketplace could not be told the order shipped (ZTO 73100000001) after 3 attempts: "
        "mark it shipped there by hand or with the bulk-ship file"
    ]
    assert notices.send_due_notices(now=third + timedelta(days=1)) == 0
    assert told(directory) == []


def test_a_notice_whose_worker_died_is_sent_when_its_lease_ends_and_dead_if_it_was_the_last_attempt(
    tmall: Shop, directory: Path
) -> None:
    shipped_order(tmall, "4001", tracking="73100000001")
    shipped_order(tmall, "4002", tracking="73100000002")
    # A worker claims both and dies before calling the marketplace.
    claimed = notices._claim(now=T0, size=10)
    assert len(claimed) == 2
    ShipmentNotice.objects.filter(external_id="4002").update(attempts=3)

    assert notices.send_due_notices(now=T0 + timedelta(seconds=119)) == 0
    assert notices.send_due_notices(now=T0 + timedelta(seconds=120)) == 1

    assert list(ShipmentNotice.objects.order_by("external_id").values_list("external_id", "status", "attempts")) == [
        ("4001", "sent", 2),
        ("4002", "dead", 3),
    ]
    assert [line["order"] for line in told(directory)] == ["4001"]
    assert len(timeline(Order.objects.get(external_id="4002"))) == 1


def test_a_notice_sent_late_by_a_slow_worker_is_not_recorded_over_the_new_holder(tmall: Shop) -> None:
    shipped_order(tmall, "4001", tracking="73100000001")
    [(notice, lease)] = notices._claim(now=T0, size=10)
    # Its lease ran out and another worker holds it now.
    [(_again, new_lease)] = notices._claim(now=T0 + timedelta(minutes=5), size=10)

    notices._record(notice, lease, error="", now=T0 + timedelta(minutes=6))

    assert ShipmentNotice.objects.values_list("status", "lease_until").get() == ("pending", new_lease)


def test_send_due_notices_tells_the_right_shop(tmall: Shop, directory: Path) -> None:
    shipped_order(tmall, "4001", tracking="73100000001")
    notices.send_due_notices(now=datetime(2026, 3, 10, 12, 0, tzinfo=T0.tzinfo))
    assert [line["id"] for line in told(directory)] == [f"SIMSHIP{ShipmentNotice.objects.get().pk}"]


# --- the simulate command -----------------------------------------------------------------------


def test_the_simulate_command_writes_orders_that_a_pull_then_applies(tmall: Shop, directory: Path) -> None:
    out = StringIO()

    call_command("marketplace-simulate", "write", "--shop", "tmall", "--orders", "4", stdout=out)
    call_command("marketplace-simulate", "pull", "--shop", "tmall", stdout=out)

    assert out.getvalue().splitlines() == [
        f"wrote 5 order snapshots to {directory / 'tmall' / 'orders.jsonl'}",
        "pulled 5 orders of tmall: {'created': 4, 'updated': 1}",
    ]
    assert sorted(Order.objects.filter(shop=tmall).values_list("status", flat=True)) == [
        "closed",
        "pending_review",
        "pending_review",
        "pending_review",
    ]


def test_the_simulate_command_pushes_signed_messages_to_a_running_server(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    use_simulated_marketplace(tmp_path)
    shop = connected_tmall()
    out = StringIO()

    call_command(
        "marketplace-simulate",
        "push",
        "--shop",
        "tmall",
        "--orders",
        "4",
        "--repeat",
        "2",
        "--shuffle",
        "--url",
        live_server.url,
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert len(lines) == 11
    assert all(" 200 " in line for line in lines[:10]), lines
    assert sum("(duplicate)" in line for line in lines[:10]) == 5
    assert PushedOrderMessage.objects.filter(shop=shop).count() == 5
    # Every order once, whatever came first (a cancellation before its order: none made).
    numbers = list(Order.objects.filter(shop=shop).values_list("external_id", flat=True))
    assert len(numbers) == len(set(numbers)) >= 3


def test_the_simulate_command_refuses_without_a_secret_or_a_server(tmall: Shop, settings: Any) -> None:
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("marketplace-simulate", "push", "--orders", "1", "--url", "http://127.0.0.1:9", stdout=StringIO())
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "PUSH_SECRET": ""},
    }
    with pytest.raises(CommandError, match="no signing secret"):
        call_command("marketplace-simulate", "push", stdout=StringIO())
