"""Importing an export file (marketplaces.importing): the preview writes no order, every
refused row has its line, committing writes each order once, the same file again
creates nothing, and a job killed mid-run is taken up again without duplicates."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sellerdesk.core.errors import InvalidTransition, PermissionDenied
from sellerdesk.core.tables import TableError
from sellerdesk.inventory.models import StockLevel
from sellerdesk.marketplaces import importing, tasks
from sellerdesk.marketplaces.apply import apply_market_order
from sellerdesk.marketplaces.layouts import read_export
from sellerdesk.marketplaces.models import MarketplaceOrder, OrderImport
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user

HEADER = [
    "商品",
    "订单号",
    "订单状态",
    "商品总价(元)",
    "店铺优惠折扣(元)",
    "平台优惠折扣(元)",
    "邮费(元)",
    "用户实付金额(元)",
    "商品数量(件)",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "街道",
    "拼单成功时间",
    "商家编码-SKU维度",
    "售后状态",
]


def pdd_row(
    order_id: str, sku: str = "TEE-RED-M", quantity: int = 1, *, status: str = "待发货", **cells: str
) -> list[str]:
    goods = Decimal("59.00") * quantity
    values = {
        "商品": "红色T恤",
        "订单号": order_id,
        "订单状态": status,
        "商品总价(元)": str(goods),
        "店铺优惠折扣(元)": "5.00",
        "平台优惠折扣(元)": "0",
        "邮费(元)": "0",
        "用户实付金额(元)": str(goods - Decimal("5.00")),
        "商品数量(件)": str(quantity),
        "收货人": "王五",
        "手机": "13700137000",
        "省": "浙江省",
        "市": "杭州市",
        "区": "西湖区",
        "街道": "文三路 90 号",
        "拼单成功时间": "2026-03-08 10:00:00",
        "商家编码-SKU维度": sku,
        "售后状态": "无售后或售后取消",
    }
    values.update(cells)
    return [values[column] for column in HEADER]


def csv_file(rows: list[list[str]], name: str = "pdd-orders.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
    return SimpleUploadedFile(name, ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv")


# Lines as a person counts them: the header is line 1.
ROWS = [
    pdd_row("P1001"),  # line 2
    pdd_row("P1002", "MUG-WHITE", 2),  # line 3
    pdd_row("P1003", "NOPE-9"),  # line 4: an SKU code we do not have
    pdd_row("P1004", **{"用户实付金额(元)": "1e3"}),  # line 5: an amount that does not parse
    pdd_row("P1005", status="待支付", **{"用户实付金额(元)": "0"}),  # line 6: unpaid, created awaiting payment
    pdd_row("P1006", quantity=3),  # line 7
    pdd_row("P1007", status="已取消", **{"用户实付金额(元)": "0"}),  # line 8: closed there, skipped
]


@pytest.fixture
def pdd(db: Any, default_shop: Shop) -> Shop:  # noqa: F811
    make_sku("TEE-RED-M", price="59.00", stock=20)
    make_sku("MUG-WHITE", price="30.00", stock=20)
    return Shop.objects.create(code="pdd", name="拼多多店", platform="pinduoduo")


@pytest.fixture
def agent(db: Any) -> Any:
    return make_user("agent", "agent", "阿华")


def snapshot() -> tuple[int, ...]:
    return (
        Order.objects.count(),
        OrderEvent.objects.count(),
        Payment.objects.count(),
        MarketplaceOrder.objects.count(),
        sum(StockLevel.objects.values_list("reserved", flat=True)),
    )


def start(shop: Shop, actor: Any, rows: list[list[str]] = ROWS, **kwargs: Any) -> OrderImport:
    return importing.start_import(
        shop=shop, orders_file=csv_file(rows), items_file=None, layout=None, actor=actor, **kwargs
    )


def commit_and_run(job: OrderImport, actor: Any) -> OrderImport:
    importing.commit_import(import_id=job.pk, actor=actor)
    return importing.run_import(job.pk)


def test_a_small_file_is_previewed_at_once_and_the_preview_writes_no_order(pdd: Shop, agent: Any) -> None:
    before = snapshot()

    job = start(pdd, agent)

    assert job.status == "previewed"
    assert (job.layout, job.rows_total, job.orders_total) == ("pinduoduo", 7, 6)
    assert (job.to_create, job.to_update, job.unchanged, job.skipped, job.refused) == (4, 0, 0, 1, 2)
    assert [(row["line"], row["code"]) for row in job.refused_rows] == [
        (4, "market_unknown_sku"),
        (5, "market_bad_amount"),
    ]
    assert [entry["action"] for entry in job.plan] == ["create", "create", "refuse", "create", "create", "skip"]
    assert job.plan[3]["changes"] == [{"code": "market_change_created", "status": "unpaid"}]
    assert job.plan[5]["changes"] == [{"code": "market_skip_cancelled"}]
    assert snapshot() == before


def test_committing_writes_each_order_once_and_the_same_file_again_creates_nothing(pdd: Shop, agent: Any) -> None:
    done = commit_and_run(start(pdd, agent), agent)

    assert (done.status, done.orders_done, done.created, done.updated, done.refused) == ("done", 6, 4, 0, 2)
    orders = Order.objects.filter(shop=pdd).order_by("external_id")
    assert [(o.external_id, o.status, o.payment_status, o.total) for o in orders] == [
        ("P1001", "pending_review", "paid", Decimal("54.00")),
        ("P1002", "pending_review", "paid", Decimal("113.00")),
        ("P1005", "unpaid", "unpaid", Decimal("54.00")),  # awaiting payment, for the reminders
        ("P1006", "pending_review", "paid", Decimal("172.00")),
    ]
    assert orders.get(external_id="P1005").pay_deadline is not None
    assert Payment.objects.filter(order__shop=pdd).count() == 3
    assert all(o.marketplace_record.last_import_id == done.pk for o in orders)
    written = snapshot()

    again = start(pdd, agent)
    assert (again.to_create, again.to_update, again.unchanged, again.skipped, again.refused) == (0, 0, 4, 1, 2)
    rerun = commit_and_run(again, agent)

    assert (rerun.status, rerun.created, rerun.updated) == ("done", 0, 0)
    assert snapshot() == written


def test_a_later_export_updates_what_changed(pdd: Shop, agent: Any) -> None:
    commit_and_run(start(pdd, agent), agent)
    later = [
        pdd_row("P1001", status="已取消", **{"售后状态": "退款成功"}),
        pdd_row("P1002", "MUG-WHITE", 2),
        pdd_row("P1005"),  # paid since the first export
    ]

    job = start(pdd, agent, later)
    assert (job.to_update, job.unchanged) == (2, 1)
    assert job.plan[0]["changes"][0]["code"] == "market_change_cancelled"
    assert job.plan[2]["changes"][0] == {"code": "market_change_paid", "amount": "54.00"}
    done = commit_and_run(job, agent)

    assert (done.created, done.updated) == (0, 2)
    assert Order.objects.get(external_id="P1001").status == "closed"
    assert Order.objects.get(external_id="P1002").status == "pending_review"
    paid = Order.objects.get(external_id="P1005")
    assert (paid.status, paid.payment_status, paid.paid_amount) == ("pending_review", "paid", Decimal("54.00"))


def test_an_unreadable_file_is_refused_at_once_and_nothing_kept(pdd: Shop, agent: Any) -> None:
    unknown = SimpleUploadedFile("x.csv", "订单,金额\n1,2\n".encode())
    with pytest.raises(TableError) as raised:
        importing.start_import(shop=pdd, orders_file=unknown, items_file=None, layout=None, actor=agent)
    assert raised.value.reason == "market_unknown_layout"
    assert not OrderImport.objects.exists()


def test_a_warehouse_user_may_not_import(pdd: Shop) -> None:
    with pytest.raises(PermissionDenied):
        start(pdd, make_user("picker", "warehouse"))
    assert not OrderImport.objects.exists()


def test_a_large_file_is_checked_by_the_worker(pdd: Shop, agent: Any) -> None:
    job = start(pdd, agent, check_now=False)
    assert (job.status, job.plan) == ("checking", [])

    checked = importing.check_import(job.pk)

    assert (checked.status, checked.to_create, checked.refused) == ("previewed", 4, 2)
    assert importing.check_import(job.pk).status == "previewed"  # checked once


def test_commit_twice_and_discarded_imports_are_refused(pdd: Shop, agent: Any) -> None:
    job = start(pdd, agent)
    importing.commit_import(import_id=job.pk, actor=agent)
    with pytest.raises(InvalidTransition):
        importing.commit_import(import_id=job.pk, actor=agent)

    other = start(pdd, agent)
    discarded = importing.discard_import(import_id=other.pk, actor=agent)
    assert (discarded.status, discarded.plan) == ("discarded", [])
    with pytest.raises(InvalidTransition):
        importing.commit_import(import_id=other.pk, actor=agent)


class Killed(BaseException):
    """What a worker killed mid-batch amounts to: the batch's transaction never commits
    and no handler of the import runs."""


def test_a_job_killed_mid_run_is_taken_up_again_without_duplicates(
    pdd: Shop, agent: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "COMMIT_BATCH": 2},
    }
    job = start(pdd, agent)
    importing.commit_import(import_id=job.pk, actor=agent)
    applied: list[str] = []

    def dies_at_the_third(**kwargs: Any) -> Any:
        applied.append(kwargs["record"].external_id)
        if len(applied) == 3:
            raise Killed
        return apply_market_order(**kwargs)

    monkeypatch.setattr(importing, "apply_market_order", dies_at_the_third)
    with pytest.raises(Killed):
        importing.run_import(job.pk)
    monkeypatch.undo()

    job.refresh_from_db()
    # The first batch (P1001, P1002) is written; the second was rolled back whole.
    assert (job.status, job.orders_done, job.created) == ("running", 2, 2)
    assert sorted(Order.objects.filter(shop=pdd).values_list("external_id", flat=True)) == ["P1001", "P1002"]
    # While its lease runs, nobody else takes it.
    assert importing.run_import(job.pk).orders_done == 2
    assert tasks.restart_imports(timezone.now()) == 0

    later = timezone.now() + timedelta(seconds=settings.SELLERDESK["MARKETPLACES"]["LEASE_SECONDS"] + 1)
    assert tasks.restart_imports(later) == 1
    OrderImport.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    done = importing.run_import(job.pk)

    assert (done.status, done.orders_done, done.created, done.refused) == ("done", 6, 4, 2)
    assert sorted(Order.objects.filter(shop=pdd).values_list("external_id", flat=True)) == [
        "P1001",
        "P1002",
        "P1005",
        "P1006",
    ]
    assert Payment.objects.filter(order__shop=pdd).count() == 3  # P1005 is not paid


def test_the_refused_rows_read_in_english_and_chinese(pdd: Shop, agent: Any) -> None:
    from django.utils import translation

    from sellerdesk.core import messages

    job = start(pdd, agent)
    row = job.refused_rows[0]
    with translation.override("en"):
        assert messages.render({"code": row["code"], **row["params"]}) == "No SKU with the code NOPE-9"


SAMPLES = Path(importing.__file__).parent / "samples"


def sample(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


def test_the_taobao_sample_reports_its_two_bad_rows_and_imports_once(default_shop: Shop, agent: Any) -> None:  # noqa: F811
    tmall = Shop.objects.create(code="tmall", name="暖阳小铺 天猫旗舰店", platform="tmall")
    with (SAMPLES / "taobao-orders.csv").open("rb") as orders, (SAMPLES / "taobao-items.csv").open("rb") as items:
        parsed = read_export(orders_file=("taobao-orders.csv", orders), items_file=("taobao-items.csv", items))
    for code in sorted({line.sku_code for order in parsed.orders for line in order.lines} - {"TS09-RED-M"}):
        make_sku(code, price="59.00", stock=50)

    def upload() -> OrderImport:
        return importing.start_import(
            shop=tmall,
            orders_file=sample("taobao-orders.csv"),
            items_file=sample("taobao-items.csv"),
            layout=None,
            actor=agent,
        )

    job = upload()

    assert (job.status, job.layout) == ("previewed", "taobao")
    assert sorted((row["file"], row["line"], row["code"], row["field"]) for row in job.refused_rows) == [
        ("items", 9, "market_unknown_sku", "商家编码"),  # TS09-RED-M: the items file's line 9, its column
        ("orders", 9, "market_bad_amount", "买家实际支付金额"),
    ]
    assert job.refused == 2
    done = commit_and_run(job, agent)
    assert (done.status, done.created, done.refused) == ("done", job.to_create, 2)
    assert done.created == Order.objects.filter(shop=tmall).count() > 0
    written = snapshot()

    again = commit_and_run(upload(), agent)

    assert (again.created, again.updated, again.unchanged) == (0, 0, done.created)
    assert snapshot() == written
