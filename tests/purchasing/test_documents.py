"""The PDFs open back: Chinese text, numbers and barcode values are in them."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from sellerdesk.core import pdf
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.purchasing import actions, documents
from tests.purchasing.conftest import EXPECTED_AT


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
