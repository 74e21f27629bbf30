"""The demo shop: a small one loaded through the real actions must be consistent."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import QuerySet, Sum
from django.utils import timezone

from sellerdesk.catalog.models import Product, Sku
from sellerdesk.core import demo_credentials
from sellerdesk.core.addresses import normalize_phone, normalize_province
from sellerdesk.core.models import User
from sellerdesk.core.periodic import run_all
from sellerdesk.customers.models import Customer
from sellerdesk.demo.catalog import all_variants, ean13
from sellerdesk.demo.crm import crm_order_count
from sellerdesk.demo.generate import DemoConfig, DemoSummary
from sellerdesk.demo.notifications import LEFT_QUEUED
from sellerdesk.demo.planner import Item, OrderPlan, OrderPlanner
from sellerdesk.fulfilment.models import PickLine
from sellerdesk.inventory.models import StockLevel, StockMovement, Warehouse
from sellerdesk.marketplaces.carriers import platform_carrier_code
from sellerdesk.marketplaces.connectors import connector_for
from sellerdesk.marketplaces.models import Connection, MarketplaceOrder, OrderImport
from sellerdesk.marketplaces.shipfiles import bulk_ship_file, local_day
from sellerdesk.orders.models import Order, OrderEvent, OrderLine, OrderNote
from sellerdesk.orders.states import OrderStatus
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock, demo_shop_loaded_once
from tests.support.doc_examples import docs_with_api_examples, run_example, shell_examples

# The demo is built around the test clock's "now" and loaded once for the module, or
# shared with the other modules loading the same DEMO_CONFIG (see tests/support/demo.py);
# its tests read it, each in its own rolled-back savepoint.
NOW = TEST_NOW
ORDERS = 60
SKUS = 24
DEMO_CONFIG = DemoConfig(orders=ORDERS, sku_limit=SKUS, now=NOW)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The orders of the Taobao sample the demo imports into the 天猫 shop (demo.marketplaces):
# seven paid, one awaiting payment.
IMPORTED_ORDERS = 8
# The calls of docs/*.md's examples answered with an error on purpose, as the doc says:
# doc → [(method, path as a regular expression, status, error code)], in the doc's order.
DOCUMENTED_ERRORS: dict[str, list[tuple[str, str, int, str]]] = {
    "aftersales.md": [
        # "an exchange of the same SKU for a faulty one, with a line asking too much refused first"
        ("POST", r"/api/v1/aftersales/cases", 422, "validation_error"),
    ],
    "notifications.md": [
        # "A message that is queued cannot be resent: 409."
        ("POST", r"/api/v1/notifications/messages/\d+/resend", 409, "invalid_transition"),
        # "a refused placeholder"
        ("PUT", r"/api/v1/notifications/templates/parcel_shipped/sms/en", 422, "validation_error"),
    ],
    "reminders.md": [
        # "Remind by hand (chat) an unpaid order nobody has reminded yet, then again: 409"
        ("POST", r"/api/v1/orders/\d+/remind", 409, "already_reminded"),
        # a reason not in the list
        ("POST", r"/api/v1/reminders/\d+/reason", 422, "validation_error"),
    ],
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The demo hashes two real passwords per load; the default hasher is slow on purpose.
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture(scope="module")
def demo_clock() -> Clock:
    """timezone.now() while the demo loads and in its tests: NOW, a millisecond later at
    each call (the loaders act "now", like the actions they call)."""
    return Clock(NOW)


@pytest.fixture(scope="module")
def credentials_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "demo-credentials.txt"


@pytest.fixture
def credentials_file(credentials_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(demo_credentials, "PATH", credentials_path)
    return credentials_path


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, credentials_path: Path, demo_clock: Clock
) -> Iterator[DemoSummary]:
    # (The passwords are hashed with FAST_HASHER, tests/conftest.py's for the session.)
    with demo_shop_loaded_once(
        django_db_blocker, config=DEMO_CONFIG, clock=demo_clock, credentials=credentials_path
    ) as summary:
        yield summary


@pytest.fixture
def demo(loaded_demo: DemoSummary, db: Any, credentials_file: Path, demo_clock: Clock, monkeypatch: Any) -> DemoSummary:
    monkeypatch.setattr(timezone, "now", demo_clock)
    return loaded_demo


def catalogue_skus() -> QuerySet[Sku]:
    """The SKUs of the demo catalogue (products with variants), not the capabilities' own."""
    return Sku.objects.filter(product__isnull=False)


def placed_orders() -> QuerySet[Order]:
    """Orders as buyers placed them: not the parts of a split nor the result of a merge."""
    return Order.objects.filter(split_from__isnull=True, merged_from__isnull=True).distinct()


def snapshot() -> dict[str, object]:
    """Everything the demo writes, summed up: equal snapshots mean nothing changed."""
    return {
        "users": User.objects.count(),
        "shops": list(Shop.objects.order_by("pk").values_list("code", "name")),
        "products": Product.objects.count(),
        "skus": Sku.objects.count(),
        "orders": list(Order.objects.order_by("pk").values_list("number", "status", "total")),
        "events": OrderEvent.objects.count(),
        "notes": OrderNote.objects.count(),
        "payments": Payment.objects.count(),
        "customers": Customer.objects.count(),
        "movements": StockMovement.objects.count(),
        "stock": list(StockLevel.objects.order_by("pk").values_list("on_hand", "reserved")),
    }


def test_the_shop_shows_every_status_source_payment_and_shipping_method(demo: DemoSummary) -> None:
    orders = Order.objects.all()

    # The played orders, plus the presale, stockout and dropship orders of those demos,
    # this morning's orders that make the warehouse demo's first wave a full one of 50,
    # the CRM demo's wholesale and duplicate-buyer orders, and the 天猫 export's.
    assert ORDERS < orders.count() <= ORDERS + 100 + crm_order_count() + IMPORTED_ORDERS
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    # "marketplace": the 天猫 shop's Taobao export, imported (demo.marketplaces).
    assert set(orders.values_list("source", flat=True)) == {
        "inquiry",
        "silent",
        "cod",
        "remittance",
        "manual",
        "api",
        "marketplace",
    }
    assert set(orders.values_list("payment_method", flat=True)) == {"online", "cod", "remittance"}
    assert set(orders.values_list("shipping_method", flat=True)) == {"express", "post"}
    assert set(orders.values_list("shop__code", flat=True)) == {"main", "tmall", "pdd"}
    closed = orders.filter(status=OrderStatus.CLOSED)
    assert [order.number for order in closed if not order.close_reason_text] == []
    assert closed.filter(events__type="closed", events__actor__isnull=True).exists()  # expired by the sweep path
    assert closed.filter(events__type="closed", events__actor__isnull=False).exists()  # cancelled by staff
    assert orders.exclude(flag_color="").exists()
    assert orders.exclude(buyer_message="").exists()
    assert OrderNote.objects.exists()
    assert OrderEvent.objects.filter(type="price_changed").exists()
    assert demo.orders_by_status == dict(sorted(Counter(orders.values_list("status", flat=True)).items()))


def test_the_catalogue_has_the_asked_number_of_skus_with_valid_barcodes(demo: DemoSummary) -> None:
    skus = list(catalogue_skus())

    assert len(skus) == SKUS
    assert demo.skus == Sku.objects.count() > SKUS  # and presale, stockout and dropship SKUs
    for sku in skus:
        assert sku.barcode is not None
        assert len(sku.barcode) == 13
        assert ean13(sku.barcode[:12]) == sku.barcode
        assert sku.price > 0
        assert set(sku.attributes) in ({"颜色", "尺码"}, {"色号"}, {"规格"})
        assert sku.product is not None


def test_ean13_check_digit() -> None:
    assert ean13("400638133393") == "4006381333931"
    assert ean13("690123456789") == "6901234567892"


def plan_with(seed: int) -> list[OrderPlan]:
    """A plan over unsaved SKUs and shops: planning itself reads and writes nothing."""
    items = [
        Item(Sku(code=variant.code, price=variant.price), variant.price, product.popularity, product.multi_buy)
        for product, variant in all_variants()
    ]
    shops = [
        Shop(code="main", platform="web"),
        Shop(code="tmall", platform="tmall"),
        Shop(code="pdd", platform="pinduoduo", payment_window_days=1),
    ]
    return OrderPlanner(random.Random(seed), NOW, 60, shops, items).plan(200)


def test_the_same_seed_plans_the_same_shop() -> None:
    first, again, other = plan_with(7), plan_with(7), plan_with(8)

    assert first == again
    assert first != other
    assert all(plan.draft.placed_at is not None and plan.draft.placed_at <= NOW for plan in first)
    assert all(action.at <= NOW for plan in first for action in plan.actions)


def test_order_totals_are_their_lines_plus_shipping(demo: DemoSummary) -> None:
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        assert 1 <= len(lines) <= 4
        assert order.subtotal == sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        assert order.total == order.subtotal + order.shipping_fee


def test_stock_levels_equal_the_ledger(demo: DemoSummary) -> None:
    ledger = {
        (row["sku_id"], row["warehouse_id"]): row
        for row in StockMovement.objects.values("sku_id", "warehouse_id").annotate(
            on_hand=Sum("on_hand_delta"),
            reserved=Sum("reserved_delta"),
            defective=Sum("defective_delta"),
            in_transit=Sum("in_transit_delta"),
            presale=Sum("presale_delta"),
        )
    }

    levels = list(StockLevel.objects.all())
    assert {level.warehouse_id for level in levels} == set(Warehouse.objects.values_list("pk", flat=True))
    assert len(Warehouse.objects.all()) == 3
    for level in levels:
        row = ledger.get((level.sku_id, level.warehouse_id), {})
        figures = (level.on_hand, level.reserved, level.defective, level.in_transit, level.presale_reserved)
        expected = tuple(row.get(name) or 0 for name in ("on_hand", "reserved", "defective", "in_transit", "presale"))
        assert figures == expected, (level.sku.code, level.warehouse.code)
        assert level.available >= 0


def test_only_open_orders_hold_reserved_stock(demo: DemoSummary) -> None:
    held = OrderLine.objects.filter(reserved_quantity__gt=0)
    waiting = {
        OrderStatus.UNPAID,
        OrderStatus.PENDING_REVIEW,
        OrderStatus.ON_HOLD,
        OrderStatus.APPROVED,
        OrderStatus.ALLOCATED,
        OrderStatus.PICKING,
        OrderStatus.PACKED,
        OrderStatus.STOCKOUT,
    }

    assert set(held.values_list("order__status", flat=True)) <= waiting
    # Every line of a waiting order is reserved in full, but those of stockout orders (short
    # on purpose) and dropship lines (the supplier's stock).
    for line in OrderLine.objects.filter(order__status__in=waiting - {OrderStatus.STOCKOUT}, sku__is_dropship=False):
        assert line.reserved_quantity == line.quantity, line.order.number
    reserved: Counter[tuple[int, int | None]] = Counter()
    presale: Counter[tuple[int, int | None]] = Counter()
    for sku_id, warehouse_id, quantity, pending in held.values_list(
        "sku_id", "warehouse_id", "reserved_quantity", "presale_pending"
    ):
        (presale if pending else reserved)[(sku_id, warehouse_id)] += quantity
    for level in StockLevel.objects.all():
        key = (level.sku_id, level.warehouse_id)
        assert (level.reserved, level.presale_reserved) == (reserved[key], presale[key]), level.sku.code


def test_customers_count_their_orders_and_money(demo: DemoSummary) -> None:
    customers = list(Customer.objects.all())

    assert len(customers) == demo.customers
    assert any(customer.order_count >= 2 for customer in customers)  # repeat buyers
    for customer in customers:
        assert customer.order_count == placed_orders().filter(customer=customer).count()
        paid = Payment.objects.filter(order__customer=customer, kind="payment").aggregate(s=Sum("amount"))["s"]
        refunded = Payment.objects.filter(order__customer=customer, kind="refund").aggregate(s=Sum("amount"))["s"]
        assert customer.total_spent == (paid or 0) - (refunded or 0)


def test_payments_come_by_gateway_by_hand_and_cash_on_delivery(demo: DemoSummary) -> None:
    payments = Payment.objects.filter(kind="payment")

    # ("online", ""): a platform payment an agent entered by hand (the allocation demo's);
    # ("online", "tmall"): paid on 天猫, as the shop's imported export says.
    assert set(payments.values_list("method", "gateway")) == {
        ("online", "simulated"),
        ("online", ""),
        ("online", "tmall"),
        ("remittance", ""),
        ("cod", ""),
    }
    assert payments.filter(reference="").count() == 0
    for order in Order.objects.filter(payment_status="paid"):
        assert order.paid_amount == order.total


def test_timelines_run_forward_and_nothing_is_overdue(demo: DemoSummary) -> None:
    for order in Order.objects.select_related("split_from"):
        # A part of a split (拆单) is a row made at the split (its created_at, its first
        # event) but the buyer placed, paid and had it approved as the original: it keeps
        # the original's paid_at and approved_at, so its timeline starts at the original's.
        original = order
        while original.split_from is not None:
            original = original.split_from
        placed = original.created_at
        assert placed <= order.created_at
        steps = [placed, order.paid_at, order.approved_at, order.shipped_at, order.delivered_at]
        if order.payment_method == "cod":
            steps.remove(order.paid_at)  # the carrier hands the cash over after delivery
        steps.append(order.completed_at)
        moments = [moment for moment in steps if moment is not None]
        assert moments == sorted(moments), order.number
        assert order.shipped_at is None or order.created_at <= order.shipped_at, order.number
        early = order.events.filter(at__lt=order.created_at).values_list("type", "at")
        assert list(early) == [], (order.number, order.created_at)
    now = timezone.now()
    assert OrderEvent.objects.filter(at__gt=now).count() == 0
    assert StockMovement.objects.filter(kind__in=["reserve", "release", "ship"], at__gt=now).count() == 0
    # What the sweep would do at that moment, it has already done.
    before = snapshot()
    assert run_all(now) == {
        "close_unpaid_orders": 0,
        "remind_unpaid_orders": 0,
        "retry_carrier_bookings": 0,
        "retry_carrier_stops": 0,
        "retry_carrier_tracking": 0,
        "review_paid_orders": 0,
        "allocate_approved_orders": 0,
        "poll_tracking": 0,
        "detect_logistics_exceptions": 0,
        "auto_confirm_receipts": 0,
        "default_ratings": 0,
        # The demo's customers hold the levels they reach already (demo.crm).
        "promote_customers": 0,
        "retry_refunds": 0,
        "aftersales_record_booked_pickups": 0,
        "marketplaces.imports": 0,
        "marketplaces.notices": 0,
        "marketplaces.pull": 0,
        # The newest messages are left queued on purpose: the worker's first work in `make run`.
        "send_messages": LEFT_QUEUED,
        "service.snoozes": 0,
        "service.sla": 0,
        "service.routing": 0,
        "service.retention": 0,
        # The demo ends by rebuilding its facts (demo.crm): nothing new to count.
        "analytics.facts": 0,
        "task_leases": 0,
    }
    assert snapshot() == before


def test_buyers_have_valid_phones_and_real_provinces(demo: DemoSummary) -> None:
    for name, phone, province, city, district, detail in Order.objects.values_list(
        "buyer_name", "buyer_phone", "province", "city", "district", "address_detail"
    ):
        assert 2 <= len(name) <= 4
        assert len(phone) == 11
        assert normalize_phone(phone) == phone
        assert normalize_province(province) == province
        assert city and district and detail


def test_staff_and_the_printed_logins_one_for_each_role(demo: DemoSummary, credentials_file: Path) -> None:
    owner = User.objects.get(username="owner")
    agent = User.objects.get(username="agent")
    pairs = dict(demo_credentials.read_credentials())

    assert (owner.role, owner.display_name, owner.is_staff, owner.is_superuser) == ("owner", "老板", True, True)
    assert (agent.role, agent.display_name, agent.is_superuser) == ("agent", "阿华", False)
    assert set(User.objects.values_list("username", "role")) == {
        ("owner", "owner"),
        ("agent", "agent"),
        ("xiaomei", "agent"),
        ("lijie", "supervisor"),
        ("xiaowang", "warehouse"),
        ("supplier", "supplier"),  # the dropship supplier's login
    }
    assert list(pairs) == ["owner", "agent", "lijie", "xiaowang", "supplier"]
    assert dict(demo.credentials) == pairs
    assert owner.check_password(pairs["owner"])
    assert agent.check_password(pairs["agent"])
    # The warehouse worker and the supervisor can try their own screens too.
    assert User.objects.get(username="xiaowang").check_password(pairs["xiaowang"])
    assert User.objects.get(username="lijie").check_password(pairs["lijie"])
    assert len(pairs["owner"]) >= 16
    assert not User.objects.get(username="xiaomei").has_usable_password()
    assert credentials_file.stat().st_mode & 0o777 == 0o600


def test_demo_if_empty_on_a_loaded_database_changes_nothing(demo: DemoSummary, credentials_file: Path) -> None:
    before, written = snapshot(), credentials_file.read_text()
    out = io.StringIO()

    call_command("demo", "--if-empty", stdout=out)

    assert out.getvalue() == "The database has orders or SKUs already: no demo shop loaded.\n"
    assert snapshot() == before
    assert credentials_file.read_text() == written


def test_demo_without_if_empty_refuses_a_loaded_database(demo: DemoSummary, credentials_file: Path) -> None:
    before, written = snapshot(), credentials_file.read_text()

    with pytest.raises(CommandError, match="not empty"):
        call_command("demo", stdout=io.StringIO())

    assert snapshot() == before
    assert credentials_file.read_text() == written


# --- the marketplaces (issue 16): the 天猫 shop's Taobao export, its connector, its bulk-ship file


def test_the_tmall_shop_imported_its_taobao_export_with_the_two_bad_rows_reported(demo: DemoSummary) -> None:
    first, _again = OrderImport.objects.filter(shop__code="tmall").order_by("created_at", "pk")

    # Previewed, then imported: 12 orders, of which 7 paid and 1 unpaid created; the closed
    # one and the one shipped elsewhere skipped; the unknown SKU and the bad amount refused.
    assert (first.status, first.layout, first.committed_by.username if first.committed_by else None) == (
        "done",
        "taobao",
        "agent",
    )
    assert (first.to_create, first.to_update, first.unchanged, first.skipped, first.refused) == (8, 0, 0, 2, 2)
    assert (first.created, first.updated) == (8, 0)
    # The unknown SKU is on the items file's line 9 (the first order has two items).
    assert sorted((row["file"], row["line"], row["external_id"], row["code"]) for row in first.refused_rows) == [
        ("items", 9, "3875012945610000007", "market_unknown_sku"),
        ("orders", 9, "3875012945610000008", "market_bad_amount"),
    ]
    # The order the reader refused (its amount) has no plan: the 11 others have one each.
    assert len(first.plan) == 11
    imported = Order.objects.filter(shop__code="tmall", source="marketplace")
    assert imported.count() == IMPORTED_ORDERS
    paid = imported.exclude(external_id="3875012945610000004")
    assert all(order.payment_status == "paid" and order.paid_amount == order.total for order in paid)
    assert list(imported.exclude(pk__in=paid).values_list("external_id", "status")) == [
        ("3875012945610000004", "unpaid")
    ]
    # The refund requested on 天猫 held its order (the review's rules may hold others).
    refunding = imported.get(external_id="3875012945610000005")
    assert refunding.status == "on_hold"
    assert list(refunding.holds.filter(resolved_at__isnull=True).values_list("reason", flat=True)) == ["marketplace"]


def test_the_same_export_imported_again_duplicates_nothing(demo: DemoSummary) -> None:
    _first, again = OrderImport.objects.filter(shop__code="tmall").order_by("created_at", "pk")

    assert again.status == "done"
    assert (again.to_create, again.to_update, again.unchanged, again.skipped, again.refused) == (0, 0, 8, 2, 2)
    assert (again.created, again.updated) == (0, 0)
    ids = list(Order.objects.filter(shop__code="tmall").exclude(external_id="").values_list("external_id", flat=True))
    assert len(ids) == len(set(ids))
    assert MarketplaceOrder.objects.filter(shop__code="tmall").count() == IMPORTED_ORDERS
    references = list(Payment.objects.filter(gateway="tmall").values_list("reference", flat=True))
    assert len(references) == len(set(references)) == IMPORTED_ORDERS - 1  # one is unpaid


def test_the_tmall_shop_has_the_simulated_connector(demo: DemoSummary) -> None:
    tmall = Shop.objects.get(code="tmall")

    connection = Connection.objects.get(shop=tmall)
    assert (connection.adapter, connection.is_active, connection.pushes_shipments) == ("simulated", True, True)
    connector = connector_for(tmall)
    assert connector is not None and connector.name == "simulated"


def test_the_days_shipped_tmall_orders_are_its_bulk_ship_file(demo: DemoSummary) -> None:
    tmall = Shop.objects.get(code="tmall")
    shipped_imports = Order.objects.filter(shop=tmall, source="marketplace", shipped_at__isnull=False)
    assert shipped_imports.count() == 3
    day = timezone.localtime(shipped_imports.first().shipped_at).date()  # type: ignore[union-attr]
    start, end = local_day(day)
    shipped = Order.objects.filter(shop=tmall, shipped_at__gte=start, shipped_at__lt=end).exclude(external_id="")

    name, content = bulk_ship_file(shop=tmall, day=day, fmt="csv", actor=User.objects.get(username="owner"))

    assert name == f"bulk-ship-tmall-tmall-{day.isoformat()}.csv"
    header, *rows = list(csv.reader(io.StringIO(content.decode("gb18030"))))
    assert header == ["订单编号", "物流公司", "运单号"]
    assert sorted(rows) == sorted(
        [order.external_id, platform_carrier_code(platform="tmall", carrier_code=order.carrier), order.tracking_number]
        for order in shipped
    )
    assert {order.external_id for order in shipped_imports} <= {row[0] for row in rows}
    assert all(row[1] in {"ZTO", "YTO", "YUNDA", "SF", "STO", "JD", "EMS", "POSTB"} for row in rows)


def _token_for(username: str) -> str:
    """What `sellerdesk token create <username>` prints last: a new token's value."""
    out = io.StringIO()
    call_command("token", "create", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.parametrize("doc", docs_with_api_examples())
def test_the_docs_api_examples_run_against_the_demo_shop(
    demo: DemoSummary, client: Any, settings: Any, tmp_path: Path, doc: str
) -> None:
    """Issue 17 D: every API example in docs/*.md (its shell blocks with `curl`, run by
    bash as written, `jq` and all) works against the demo shop: bash succeeds and every
    call is answered as the doc says (2xx, or the error the doc shows on that line)."""
    example = shell_examples(doc)
    # The secret a marketplace signs its pushes with, as the shell has it (service-channels.md).
    service = {**settings.SELLERDESK["SERVICE"], "MARKETPLACE_SECRET": "doc-secret"}
    service["MARKETPLACE_LOG"] = str(tmp_path / "marketplace.log")
    # The buyer's sign-in code shown, as `make run` does (aftersales.md's buyer signs in).
    settings.SELLERDESK = {**settings.SELLERDESK, "SERVICE": service, "PORTAL_SHOW_CODES": True}
    environment = {"TOKEN": _token_for("agent"), "SERVICE_MARKETPLACE_SECRET": "doc-secret"}

    result, calls = run_example(example, client=client, environment=environment, token_for=_token_for)

    assert result.returncode == 0, (result.stderr, [(call.method, call.path, call.status) for call in calls[-3:]])
    failed = [call for call in calls if call.status >= 400]
    expected = DOCUMENTED_ERRORS.get(doc, [])
    assert [(call.method, call.path, call.status, call.body[:200]) for call in failed][len(expected) :] == []
    assert len(failed) == len(expected)
    for call, (method, path, status, code) in zip(failed, expected, strict=True):
        assert (call.method, call.status, json.loads(call.body)["code"]) == (method, status, code)
        assert re.fullmatch(path, call.path), call.path
    assert calls


def test_the_default_warehouses_waves_pick_from_bins_along_a_route(demo: DemoSummary) -> None:
    """Issue 17 D: the demo's stock is in bins, so its waves' pick lists walk a route
    (before, most stops of 上海's waves had no bin)."""
    stops = PickLine.objects.filter(wave__warehouse__is_default=True)

    assert stops.exists()
    assert list(stops.filter(bin__isnull=True).values_list("sku__code", flat=True)) == []
    assert stops.values("bin").distinct().count() > 1
