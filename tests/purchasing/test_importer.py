"""Import of a supplier's filled-in list: real XLSX and CSV files (UTF-8 and GBK)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.purchasing import actions, importer
from sellerdesk.purchasing.models import PurchaseOrder, PurchaseOrderLine
from tests.purchasing.conftest import make_po


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    return "\n".join(",".join(str(cell) for cell in row) for row in rows).encode(encoding)


def lines_of(po):
    return [(line.sku.code, line.quantity, line.unit_cost) for line in po.lines.order_by("pk")]


def test_xlsx_with_chinese_headers_creates_a_draft(supplier, warehouse, tee, jeans, purchaser):
    content = xlsx(
        [["商品编码", "条码", "数量", "单价"], ["TEE-RED-M", None, 20, 24.5], [None, "6901234567809", "6", "79.00"]]
    )
    po, result = importer.import_purchase_list(
        supplier=supplier, filename="清单.xlsx", content=content, actor=purchaser
    )
    assert (po.status, po.supplier_id) == ("draft", supplier.pk)
    assert lines_of(po) == [("TEE-RED-M", 20, Decimal("24.50")), ("JEANS-32", 6, Decimal("79.00"))]
    assert [row.line_number for row in result.rows] == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_or_gbk(supplier, warehouse, tee, purchaser, encoding):
    content = csv_bytes([["SKU code", "数量", "单价", "供应商编码"], ["TEE-RED-M", "5", "￥25.00", "HZ-T01"]], encoding)
    po, _result = importer.import_purchase_list(
        supplier=supplier, filename="list.CSV", content=content, actor=purchaser
    )
    assert lines_of(po) == [("TEE-RED-M", 5, Decimal("25.00"))]


def test_the_supplier_cost_is_used_when_the_cost_column_is_empty(supplier, warehouse, tee, purchaser):
    actions.set_supplier_sku(
        supplier=supplier,
        sku=tee,
        data=actions.SupplierSkuData(cost=Decimal("22.00"), supplier_code="HZ-T01"),
        actor=None,
    )
    content = csv_bytes([["供应商编码", "数量"], ["HZ-T01", "8"]])
    po, _result = importer.import_purchase_list(supplier=supplier, filename="a.csv", content=content, actor=purchaser)
    assert lines_of(po) == [("TEE-RED-M", 8, Decimal("22.00"))]


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(supplier, warehouse, tee, jeans, purchaser):
    content = xlsx(
        [
            ["SKU", "Barcode", "Quantity", "Unit cost"],
            ["TEE-RED-M", None, 3, "10.00"],  # line 2: good
            ["NOPE", None, 1, "1.00"],  # 3: unknown SKU
            [None, "000", 1, "1.00"],  # 4: unknown barcode
            ["JEANS-32", None, 0, "1.00"],  # 5: bad quantity
            ["JEANS-32", None, 2.5, "-1"],  # 6: fraction, negative cost, and a duplicate
            ["TEE-RED-M", None, 1, "1.001"],  # 7: duplicate, three decimals
            [None, None, None, None],  # blank: skipped
        ]
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        importer.import_purchase_list(supplier=supplier, filename="bad.xlsx", content=content, actor=purchaser)
    assert caught.value.fields == {
        "rows[3].sku": "unknown SKU NOPE",
        "rows[4].barcode": "no SKU has barcode 000",
        "rows[5].quantity": "0 is not a whole number from 1 to 1000000",
        "rows[6].quantity": "2.5 is not a whole number from 1 to 1000000",
        "rows[6].unit_cost": "-1 is not an amount of at least 0.00 with 2 decimals",
        "rows[6].sku": "JEANS-32 is listed on line 5 already",
        "rows[7].sku": "TEE-RED-M is listed on line 2 already",
        "rows[7].unit_cost": "1.001 is not an amount of at least 0.00 with 2 decimals",
    }
    assert caught.value.message == "5 rows of the file have errors; nothing was imported."
    assert PurchaseOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("filename", "content", "fields"),
    [
        ("list.pdf", b"%PDF", {"file"}),
        ("list.xlsx", b"not a zip", {"file"}),
        ("list.csv", b"", {"file"}),
        ("list.csv", "名称,颜色\n衬衫,红\n".encode(), {"header"}),
        ("list.csv", b"\xff\xfe\x00\x00broken\x81", {"file"}),
    ],
)
def test_unreadable_files_are_refused(supplier, warehouse, purchaser, filename, content, fields):
    with pytest.raises(ValidationFailed) as caught:
        importer.import_purchase_list(supplier=supplier, filename=filename, content=content, actor=purchaser)
    assert set(caught.value.fields) == fields
    assert PurchaseOrder.objects.count() == 0


def test_a_list_fills_an_existing_draft(supplier, warehouse, tee, jeans, purchaser):
    po = make_po(supplier, warehouse, ("TEE-RED-M", 3, "20.00"))
    content = csv_bytes([["sku", "quantity", "unit cost"], ["TEE-RED-M", "2", "21.00"], ["JEANS-32", "4", "70.00"]])
    filled, _result = importer.import_purchase_list(
        supplier=supplier, filename="more.csv", content=content, actor=purchaser, purchase_order=po
    )
    assert filled.pk == po.pk
    assert lines_of(po) == [("TEE-RED-M", 5, Decimal("21.00")), ("JEANS-32", 4, Decimal("70.00"))]


def test_a_sent_purchase_order_cannot_be_filled(sent_po, purchaser):
    content = csv_bytes([["sku", "quantity", "unit cost"], ["TEE-RED-M", "2", "21.00"]])
    before = list(PurchaseOrderLine.objects.values_list("pk", "quantity", "unit_cost"))
    with pytest.raises(actions.InvalidTransition):
        importer.import_purchase_list(
            supplier=sent_po.supplier, filename="x.csv", content=content, actor=purchaser, purchase_order=sent_po
        )
    assert list(PurchaseOrderLine.objects.values_list("pk", "quantity", "unit_cost")) == before


def test_warehouse_staff_may_not_import(supplier, warehouse_user, tee):
    with pytest.raises(PermissionDenied):
        importer.import_purchase_list(
            supplier=supplier,
            filename="x.csv",
            content=csv_bytes([["sku", "quantity"], ["TEE-RED-M", "1"]]),
            actor=warehouse_user,
        )
    assert PurchaseOrder.objects.count() == 0


def _huge_dimension(content: bytes) -> bytes:
    """The workbook with its sheet declaring A1:XFD1048576 (what a hostile or broken
    writer may put), its real rows unchanged."""
    import re
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(content))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
                assert count == 1
            archive.writestr(item, data)
    return target.getvalue()


def test_a_workbook_declaring_a_huge_sheet_is_refused_fast(supplier, warehouse, tee, purchaser):
    """Issue 17 B: a purchase-order XLSX declaring a huge sheet took seconds and ~750 MB
    to refuse (openpyxl padded every row to the declared width); now it is refused from
    its declared dimension, before a row is read."""
    import time

    content = _huge_dimension(xlsx([["sku", "quantity"], ["TEE-RED-M", 1]]))
    started = time.monotonic()
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        importer.import_purchase_list(supplier=supplier, filename="big.xlsx", content=content, actor=purchaser)
    assert time.monotonic() - started < 2
    assert caught.value.fields == {"file": "more than 100 columns"}
    assert PurchaseOrder.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"sku,quantity\nTEE-RED-M," + b"9" * (128 * 1024 + 10) + b"\n",
            "Line 2: a cell longer than 1000 characters.",
        ),
        (
            b'sku,quantity\nTEE-RED-M,1\n"JEANS-32,2\n',
            'Line 3: a quoted cell starts here and is never closed (a " is missing).',
        ),
        (b"sku,quantity\n" + b"TEE-RED-M,1\n" * 2001, "more than 2000 rows"),
        (
            b"sku,quantity\nTEE-RED-M,1\n\xff\xfe\xfa\n",
            "Line 3 is not text in UTF-8 or GBK: save the file again as CSV (UTF-8 or GBK) or as XLSX.",
        ),
    ],
)
def test_a_csv_with_a_huge_field_or_an_open_quote_is_refused_naming_the_line(
    supplier, warehouse, tee, purchaser, content, expected
):
    """Issue 17 B: a CSV with a field over 128 KB or an unterminated quote answered 500;
    the importer reads through core.tables (bounded, streaming) and names the line."""
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        importer.import_purchase_list(supplier=supplier, filename="list.csv", content=content, actor=purchaser)
    assert caught.value.fields == {"file": expected}
    assert PurchaseOrder.objects.count() == 0


def test_a_semicolon_csv_is_read_as_before(supplier, warehouse, tee, purchaser):
    """The delimiter is still found from the header: comma, semicolon or tab."""
    content = "SKU code;数量;单价\nTEE-RED-M;5;25,00\n".replace("25,00", "25.00").encode()
    po, _result = importer.import_purchase_list(
        supplier=supplier, filename="list.csv", content=content, actor=purchaser
    )
    assert lines_of(po) == [("TEE-RED-M", 5, Decimal("25.00"))]
    tabbed = b"sku\tquantity\tunit cost\nTEE-RED-M\t2\t1,299.00\n"
    po, _result = importer.import_purchase_list(supplier=supplier, filename="list.txt", content=tabbed, actor=purchaser)
    assert lines_of(po) == [("TEE-RED-M", 2, Decimal("1299.00"))]


def test_exponents_are_no_quantity_and_no_cost(supplier, warehouse, tee, purchaser):
    """Issue 17 B: "1e3" is no amount (core.money) and no quantity."""
    content = csv_bytes([["sku", "quantity", "unit cost"], ["TEE-RED-M", "1e3", "1e3"]])
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        importer.import_purchase_list(supplier=supplier, filename="list.csv", content=content, actor=purchaser)
    assert set(caught.value.fields) == {"rows[2].quantity", "rows[2].unit_cost"}
    assert PurchaseOrder.objects.count() == 0
