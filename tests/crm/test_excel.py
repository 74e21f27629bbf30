"""Customers to XLSX and back: the export opened with openpyxl, a 100,000-row export in
bounded memory, imports from XLSX and CSV (UTF-8, BOM, GBK) with every bad row named by
its line and nothing half-imported."""

from __future__ import annotations

import csv
import gc
import io
import re
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import Workbook, load_workbook

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.crm import excel
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerGroup, CustomerLevel, CustomerTag
from sellerdesk.shops.models import Shop
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_user
from tests.support.clock import TEST_NOW


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def owner() -> Any:
    return make_user("owner", "owner")


def customer(name: str, **fields: Any) -> Customer:
    return Customer.objects.create(
        shop=Shop.objects.get(code="main"), identity=name, nickname=name, name=name, **fields
    )


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def state() -> dict[str, Any]:
    return {
        "customers": list(Customer.objects.order_by("pk").values()),
        "events": CustomerEvent.objects.count(),
        "tags": CustomerTag.objects.count(),
    }


def test_the_export_opens_with_every_column(owner: Any) -> None:
    vip = CustomerTag.objects.create(name="VIP")
    gold = CustomerLevel.objects.create(code="gold", name="金卡")
    group = CustomerGroup.objects.create(name="老客群", created_at=TEST_NOW)
    wang = customer(
        "wang",
        phone="13800138000",
        number="K-7",
        level=gold,
        order_count=3,
        total_spent=Decimal("812.50"),
        last_order_at=TEST_NOW,
        is_b2b=True,
        route_order=4,
        transport_mode="truck",
    )
    wang.tags.add(vip)
    group.members.add(wang)
    plain = customer("li")
    export = excel.export_customers(customers=Customer.objects.order_by("pk"), actor=owner, name="All / customers")
    assert export.rows == 2 and export.filename.startswith("All-customers-")
    sheet = load_workbook(export.file, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [str(column.label) for column in excel.COLUMNS]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Customer number"] == "K-7"
    assert (record["Nickname"], record["Phone"], record["Level"], record["Tags"]) == (
        "wang",
        "13800138000",
        "gold",
        "VIP",
    )
    assert (record["Buyer groups"], record["Orders"], record["Total spent"]) == ("老客群", 3, 812.5)
    assert record["Last order"].hour == TEST_NOW.hour  # local time, Shanghai
    assert (record["Business customer"], record["Route order"], record["Transport mode"]) == ("yes", 4, "truck")
    assert rows[2][0] == f"C{plain.pk:06d}"
    with pytest.raises(PermissionDenied):
        excel.export_customers(customers=Customer.objects.all(), actor=make_user("agent", "agent"), name="x")


def test_an_export_streams_its_rows_in_bounded_memory(owner: Any, monkeypatch: Any) -> None:
    # Streamed, an export holds one chunk of rows and the zip writer's buffers, so three
    # times the rows take no more memory; held whole (openpyxl's normal workbook) they
    # would take three times as much. Chunks of 200 here keep the test short;
    # bench/crm_export.py times 100,000 rows in chunks of EXPORT_CHUNK. tracemalloc
    # counts what the export allocates, whatever the worker process did before.
    monkeypatch.setattr(excel, "EXPORT_CHUNK", 200)
    shop = Shop.objects.get(code="main")
    # Made in SQL, so that no Python objects of the rows exist before the export runs.
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000) "
            f"INSERT INTO {Customer._meta.db_table} (shop_id, identity, nickname, name, phone, order_count, "
            "total_spent, created_at) SELECT %s, 'b' || i, 'b' || i, '买家' || i, '', i %% 7, i, %s FROM n",
            [shop.pk, TEST_NOW],
        )

    def export(count: int) -> tuple[int, int, bytes]:
        with tempfile.TemporaryFile() as target:
            gc.collect()
            tracemalloc.start()
            try:
                rows = excel.write_customers_xlsx(Customer.objects.order_by("pk")[:count], target, title="all")
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            target.seek(0)
            with zipfile.ZipFile(target) as archive, archive.open("xl/worksheets/sheet1.xml") as sheet:
                tail = b""
                while chunk := sheet.read(1 << 20):
                    tail = (tail + chunk)[-4096:]
        return rows, peak, re.findall(rb'<row r="(\d+)"', tail)[-1]

    export(10)  # the first export imports openpyxl's modules: not the rows' memory
    small_rows, small_peak, small_last = export(2000)
    rows, peak, last = export(6000)
    assert (small_rows, small_last, rows, last) == (2000, b"2001", 6000, b"6001")
    # Measured: about 12 MB for both (the zip writer's buffers dominate).
    assert peak < small_peak * 1.25, (small_peak, peak)


def test_import_creates_and_updates_from_xlsx_then_changes_nothing_again(owner: Any) -> None:
    CustomerLevel.objects.create(code="gold", name="金卡")
    wang = customer("wang", phone="13800138000")
    content = xlsx(
        [
            ["昵称", "姓名", "手机", "等级", "标签", "信用额度", "账期天数", "企业客户", "运输方式", "订单数"],
            ["wang", "王五", "", "gold", "VIP、爱砍价", "5000", 30, "是", "专车送货", 99],
            ["", "赵六", 13900139000, "", "", "", "", "", "", ""],
        ]
    )
    report = excel.import_customers(content=content, filename="客户.xlsx", actor=owner, at=TEST_NOW)
    assert (report.created, report.updated, report.unchanged, report.committed) == (1, 1, 0, True)
    wang.refresh_from_db()
    assert (wang.level and wang.level.code, wang.credit_limit, wang.payment_terms_days, wang.is_b2b) == (
        "gold",
        Decimal("5000.00"),
        30,
        True,
    )
    assert wang.transport_mode == "truck" and wang.order_count == 0  # the read-only column is ignored
    assert sorted(wang.tags.values_list("name", flat=True)) == ["VIP", "爱砍价"]
    zhao = Customer.objects.get(identity="tel:13900139000")
    assert (zhao.name, zhao.phone, zhao.nickname) == ("赵六", "13900139000", "")
    imported = CustomerEvent.objects.filter(type="imported").order_by("pk")
    assert [event.data for event in imported] == [
        {"file": "客户.xlsx", "line": 2, "created": False},
        {"file": "客户.xlsx", "line": 3, "created": True},
    ]
    before = state()
    again = excel.import_customers(content=content, filename="客户.xlsx", actor=owner)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert state() == before


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_import_csv_in_utf8_bom_and_gbk(owner: Any, encoding: str) -> None:
    content = csv_bytes([["客户编号", "昵称", "姓名", "配送区域"], ["K-1", "老张", "张三", "杭州西湖区"]], encoding)
    report = excel.import_customers(content=content, filename="list.csv", actor=owner)
    assert report.created == 1
    found = Customer.objects.get()
    assert (found.number, found.nickname, found.name, found.delivery_area) == ("K-1", "老张", "张三", "杭州西湖区")
    # Found again by its number: the nickname changes nothing, the area changes.
    content = csv_bytes([["客户编号", "姓名", "配送区域"], ["K-1", "张三", "宁波"]], encoding)
    report = excel.import_customers(content=content, filename="list.csv", actor=owner)
    assert (report.created, report.updated) == (0, 1)
    assert Customer.objects.get().delivery_area == "宁波"


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(owner: Any) -> None:
    customer("wang")
    before = state()
    content = xlsx(
        [
            ["nickname", "name", "phone", "level", "credit limit", "payment terms (days)", "shop"],
            ["ok", "好人", "", "", "", "", ""],
            ["", "没身份", "", "", "", "", ""],
            ["bad", "坏", "12345", "platinum", "lots", "9999", ""],
            [],
            ["wang", "王", "", "", "-5", "", "nowhere"],
            ["ok", "好人又来", "", "", "", "", ""],
        ]
    )
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=content, filename="bad.xlsx", actor=owner)
    assert error.value.fields == {
        "rows[3].nickname": "give a nickname or a phone number",
        "rows[4].phone": "not a valid mainland China mobile or landline number",
        "rows[4].level": "unknown customer level platinum for this shop",
        "rows[4].credit_limit": "not an amount of money, e.g. 5000.00",
        "rows[6].shop": "No shop with the code nowhere.",
        "rows[7].nickname": "The same customer as line 2.",
    }
    assert state() == before
    # The values are checked by update_customer, as the customer page checks them.
    content = xlsx(
        [
            ["nickname", "name", "credit limit", "payment terms (days)"],
            ["new", "新", "", "9999"],
            ["wang", "王", "-5", ""],
        ]
    )
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=content, filename="bad.xlsx", actor=owner)
    assert set(error.value.fields) == {"rows[2].payment_terms_days", "rows[3].credit_limit"}
    assert state() == before


def test_a_wrong_column_is_named_and_nothing_is_written(owner: Any) -> None:
    before = state()
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(
            content=csv_bytes([["昵称", "姓名", "邮箱"], ["a", "b", "a@example.com"]], "utf-8"),
            filename="x.csv",
            actor=owner,
        )
    assert list(error.value.fields) == ["header.C"]
    assert error.value.fields["header.C"].startswith("unknown column “邮箱”; the columns are: Customer number, Shop")
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=csv_bytes([["昵称", "手机"], ["a", ""]], "utf-8"), filename="x.csv", actor=owner)
    assert error.value.fields == {"header": "line 1 has no column for: Name"}
    assert state() == before


def test_bounds_and_file_kinds(owner: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    rows = [["nickname", "name"]] + [[f"n{i}", "x"] for i in range(4)]
    for content, filename in ((xlsx(rows), "a.xlsx"), (csv_bytes(rows, "utf-8"), "a.csv")):
        with pytest.raises(ValidationFailed) as error:
            excel.import_customers(content=content, filename=filename, actor=owner)
        assert error.value.fields == {"file": "more than 3 rows"}
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=b"not a zip", filename="a.xlsx", actor=owner)
    assert error.value.fields == {"file": "not a readable XLSX workbook"}
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=b"x", filename="a.pdf", actor=owner)
    assert error.value.fields == {"file": "upload an .xlsx or .csv file"}
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=b"\xff\xfe\xfa" * 10, filename="a.csv", actor=owner)
    assert error.value.fields == {"file": "not UTF-8 or GBK text"}
    long_cell = csv_bytes([["nickname", "name"], ["n", "x" * 1001]], "utf-8")
    with pytest.raises(ValidationFailed) as error:
        excel.import_customers(content=long_cell, filename="a.csv", actor=owner)
    assert error.value.fields == {"rows[2].name": "at most 1000 characters"}
    with pytest.raises(PermissionDenied):
        excel.import_customers(content=long_cell, filename="a.csv", actor=make_user("agent", "agent"))
    assert Customer.objects.count() == 0


def test_a_buyer_known_by_phone_is_found_by_it(owner: Any) -> None:
    known = Customer.objects.create(
        shop=Shop.objects.get(code="main"), identity="tel:13800138000", name="王", phone="13800138000"
    )
    content = csv_bytes([["nickname", "name", "phone", "vehicle"], ["wang88", "王", "138 0013 8000", "金杯"]], "utf-8")
    report = excel.import_customers(content=content, filename="a.csv", actor=owner)
    assert (report.created, report.updated) == (0, 1)
    assert Customer.objects.get().pk == known.pk and Customer.objects.get().vehicle == "金杯"


def test_a_dry_run_counts_and_keeps_nothing(owner: Any) -> None:
    content = csv_bytes([["nickname", "name"], ["a", "A"], ["b", "B"]], "utf-8")
    report = excel.import_customers(content=content, filename="a.csv", actor=owner, dry_run=True)
    assert (report.created, report.committed) == (2, False)
    assert Customer.objects.count() == 0 and CustomerEvent.objects.count() == 0


def test_an_export_imports_back_unchanged(owner: Any) -> None:
    vip = CustomerTag.objects.create(name="VIP")
    customer("wang", phone="13800138000", number="K-1", credit_limit=Decimal("100.00")).tags.add(vip)
    customer("li")
    export = excel.export_customers(customers=Customer.objects.all(), actor=owner, name="all")
    before = state()
    report = excel.import_customers(content=export.file.read(), filename="all.xlsx", actor=owner)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert state() == before


def test_a_csv_with_a_huge_field_or_an_open_quote_is_refused_naming_the_line(owner: Any) -> None:
    """Issue 17 B: the customer import reads through core.tables: a field over 128 KB or
    a quote never closed is a 422 naming the line, not a 500; nothing is written."""
    huge = b"nickname,name\nwang," + b"x" * (128 * 1024 + 10) + b"\n"
    open_quote = b'nickname,name\nwang,w\nli,"li\n'
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as error:
            excel.import_customers(content=huge, filename="a.csv", actor=owner)
        assert error.value.fields == {"file": "Line 2: a cell longer than 32767 characters."}
        with pytest.raises(ValidationFailed) as error:
            excel.import_customers(content=open_quote, filename="a.csv", actor=owner)
        assert error.value.fields == {"file": 'Line 3: a quoted cell starts here and is never closed (a " is missing).'}
    assert Customer.objects.count() == 0


def test_booleans_and_semicolons_read_as_before(owner: Any) -> None:
    """Excel's TRUE (core.tables' text for a boolean cell) is a yes; a semicolon CSV is read."""
    report = excel.import_customers(
        content=xlsx([["nickname", "name", "business customer"], ["wang", "王", True]]), filename="a.xlsx", actor=owner
    )
    assert report.created == 1 and Customer.objects.get().is_b2b is True
    report = excel.import_customers(content="昵称;姓名\nli;李\n".encode(), filename="a.csv", actor=owner)
    assert report.created == 1
