"""The PDFs open back: Chinese text, numbers and barcode values are in them."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone, translation

from sellerdesk.core import pdf
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.inventory.actions import receive_stock
from sellerdesk.inventory.models import MovementKind
from sellerdesk.purchasing import actions, documents, returns
from tests.purchasing.conftest import EXPECTED_AT
from tests.support.pdf_text import LANGUAGES, assert_labels, rendered_in


def text_of(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pages_of(content: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_font_ships_in_the_repository_as_truetype():
    assert pdf.FONT_PATH.is_file()
    assert pdf.FONT_PATH.read_bytes()[:4] == b"\x00\x01\x00\x00"  # TrueType outlines, not CFF
    assert (pdf.FONT_PATH.parent / "LICENSE-wqy-microhei.txt").is_file()
    assert 500_000 < pdf.FONT_PATH.stat().st_size < 4_000_000


def test_purchase_order_pdf_shows_the_supplier_the_goods_and_the_amounts(sent_po, tmp_path):
    data = actions.SupplierSkuData(cost=Decimal("25.00"), supplier_code="HZ-T01")
    actions.set_supplier_sku(supplier=sent_po.supplier, sku=sent_po.lines.first().sku, data=data, actor=None)
    text = text_of(documents.purchase_order_pdf(sent_po), tmp_path)
    assert sent_po.number in text
    assert "杭州服饰有限公司" in text
    assert "纯棉T恤 红色" in text and "牛仔裤 32码" in text
    assert "杭州主仓" in text and "浙江省杭州市余杭区仓前街道 8 号" in text
    assert "HZ-T01" in text
    assert "250.00" in text and "400.00" in text and "650.00" in text  # 10 × 25, 5 × 80, total
    assert EXPECTED_AT.isoformat() in text


def test_delivery_notice_lists_each_sku_with_its_barcode(sent_po, tmp_path):
    text = text_of(documents.delivery_notice_pdf(sent_po), tmp_path)
    assert sent_po.number in text
    assert "杭州服饰有限公司" in text and "杭州主仓" in text
    assert "6901234567892" in text and "6901234567809" in text  # the barcodes' human-readable values
    assert "纯棉T恤 红色" in text
    lines = [line for line in text.splitlines() if "TEE-RED-M" in line]
    assert lines and "10" in lines[0].split()


def test_labels_one_per_line_or_one_per_unit(sent_po, tmp_path):
    per_line = documents.labels_pdf(sent_po, per_unit=False)
    per_unit = documents.labels_pdf(sent_po, per_unit=True)
    assert pages_of(per_line, tmp_path) == 2
    assert pages_of(per_unit, tmp_path) == 15  # 10 T-shirts + 5 jeans
    text = text_of(per_line, tmp_path)
    assert "TEE-RED-M" in text and "纯棉T恤 红色" in text and "6901234567892" in text
    assert "JEANS-32" in text and "6901234567809" in text
    assert "× 10" in text and "× 5" in text


def test_a_sku_without_barcode_is_labelled_with_its_code(supplier, warehouse, tmp_path):
    from tests.factories import make_sku
    from tests.purchasing.conftest import make_po

    make_sku("CAP-BLK", name="棒球帽 黑色", stock=0)
    po = make_po(supplier, warehouse, ("CAP-BLK", 2, "9.90"))
    text = text_of(documents.labels_pdf(po, per_unit=True), tmp_path)
    assert text.count("CAP-BLK") == 4  # the code line and the barcode value, on each of 2 labels
    assert "棒球帽 黑色" in text


def test_too_many_labels_per_unit_are_refused(supplier, warehouse, tee):
    from tests.purchasing.conftest import make_po

    po = make_po(supplier, warehouse, ("TEE-RED-M", documents.MAX_LABELS + 1, "1.00"))
    with pytest.raises(ValidationFailed) as caught:
        documents.labels_pdf(po, per_unit=True)
    assert set(caught.value.fields) == {"per"}


# --- every document in both languages (issue 17 C) -------------------------------------

FIELD_LABELS = {
    "purchase_order": {
        "en": ["Purchase order", "Supplier", "Order date", "Contact", "Deliver by", "Deliver to", "Address", "Status"],
        "zh-hans": ["采购单", "供应商", "下单日期", "联系人", "送达日期", "送货仓库", "地址", "状态"],
    },
    "delivery_notice": {
        "en": [
            "Delivery notice",
            "Supplier",
            "Deliver to",
            "Deliver by",
            "Barcode",
            "Delivered by",
            "Received by",
        ],
        "zh-hans": ["送仓单", "供应商", "送货仓库", "送达日期", "条形码", "送货人", "收货人"],
    },
    "barcode_labels": {"en": ["TEE-RED-M", "× 10"], "zh-hans": ["TEE-RED-M", "× 10"]},
    "supplier_return": {
        "en": [
            "Return to supplier",
            "Supplier",
            "Contact",
            "Warehouse",
            "Status",
            "Carrier",
            "Document",
            "Reason",
        ],
        "zh-hans": ["退供单", "供应商", "联系人", "仓库", "状态", "快递公司", "单据", "原因"],
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_purchasing_document_reads_its_field_labels_in_both_languages(
    sent_po, supplier, tee, warehouse, tmp_path, language
):
    """Issue 17 C: purchase orders, delivery notices, barcode labels and returns to a
    supplier print their field labels in the reader's language, no date-range words."""
    actions.set_supplier_sku(supplier=supplier, sku=tee, data=actions.SupplierSkuData(cost=Decimal("30")), actor=None)
    with transaction.atomic():
        receive_stock(
            sku_id=tee.pk, warehouse_id=warehouse.pk, good=0, damaged=1, document="AS-T", actor=None,
            at=timezone.now(), kind=MovementKind.DEFECTIVE,
        )  # fmt: skip
    batch = returns.add_to_supplier_return(
        sku_id=tee.pk, warehouse_id=warehouse.pk, quantity=1, document="AS-T", reason="quality", photos=[], actor=None
    )
    documents_by_kind = {
        "purchase_order": lambda: documents.purchase_order_pdf(sent_po),
        "delivery_notice": lambda: documents.delivery_notice_pdf(sent_po),
        "barcode_labels": lambda: documents.labels_pdf(sent_po, per_unit=False),
        "supplier_return": lambda: documents.supplier_return_pdf(batch),
    }

    for kind, build in documents_by_kind.items():
        assert_labels(rendered_in(language, build, tmp_path), FIELD_LABELS[kind][language])


@pytest.mark.parametrize("build", ["purchase_order_pdf", "delivery_notice_pdf"])
def test_english_column_headings_are_not_cut_inside_a_word(sent_po, tmp_path, build):
    """Issue 17 (noticed): the quantity columns were narrower than the word "Quantity",
    which printed as "Quantit" over "y" in English."""
    with translation.override("en"):
        text = text_of(getattr(documents, build)(sent_po), tmp_path)

    assert "Quantity" in text
    assert "Quantit\n" not in text and "Counte\n" not in text
