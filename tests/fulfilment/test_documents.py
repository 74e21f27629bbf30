"""The PDFs open back: pdftotext reads the Chinese text, the numbers and the barcode values."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sellerdesk.fulfilment import actions, documents, packing, shipping
from sellerdesk.fulfilment.waves import WaveRules
from tests.fulfilment.conftest import allocated, picked, sku
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


@pytest.fixture
def goods(main, carriers):
    sku("TEE", name="纯棉T恤", stock_in={"B-01": 5}, attributes={"颜色": "红"}, price="59.00")
    sku("CAP", name="棒球帽", stock_in={"A-01": 5}, price="35.50")


def pack(order, user, *codes):
    for code in codes:
        packing.scan_item(order=order, code=code, actor=user)
    return shipping.print_label(order=order, actor=user)


def test_the_pick_list_lists_the_stops_in_route_order(goods, main, warehouse_user, tmp_path):
    allocated(("TEE", 2), ("CAP", 1))
    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)

    text = text_of(documents.pick_list_pdf(wave), tmp_path)

    assert f"Pick list {wave.number}" in text
    assert text.index("A-01") < text.index("B-01")
    cap_line = next(line for line in text.splitlines() if "A-01" in line)
    assert cap_line.split()[-1] == "1" and "棒球帽" in cap_line
    tee_line = next(line for line in text.splitlines() if "B-01" in line)
    assert tee_line.split()[-1] == "2" and "纯棉T恤" in tee_line


def test_the_sort_list_names_each_slot_s_order(goods, main, warehouse_user, tmp_path):
    first = allocated(("TEE", 1))
    second = allocated(("CAP", 1))
    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)

    text = text_of(documents.sort_list_pdf(wave), tmp_path)

    assert text.index(first.number) < text.index(second.number)
    assert "张三" in text


def test_the_packing_slip_shows_prices_unless_the_buyer_asked_otherwise(goods, main, tmp_path):
    plain = allocated(("TEE", 2))
    private = allocated(("TEE", 2), buyer_message="不要放价格单")
    assert private.buyer_instructions.no_price_slip

    with_prices = text_of(documents.packing_slips_pdf([plain]), tmp_path)
    without = text_of(documents.packing_slips_pdf([private]), tmp_path)

    assert "¥59.00" in with_prices and "¥118.00" in with_prices
    assert private.number in without and "纯棉T恤" in without and "TEE" in without
    figures = without.replace(private.number, "")  # order numbers are random digits
    assert "¥" not in figures and "59" not in figures and "118" not in figures
    assert "Unit price" not in without


def test_a_gift_slip_has_no_prices_and_says_so(goods, main, tmp_path):
    gift = allocated(("CAP", 1), buyer_message="送礼")

    text = text_of(documents.packing_slips_pdf([gift]), tmp_path)

    assert "A gift: with our best wishes." in text
    assert "35.50" not in text


def test_the_label_carries_sender_receiver_carrier_tracking_number_and_cod(goods, main, warehouse_user, tmp_path):
    order = picked(("CAP", 2), payment_method="cod", actor=warehouse_user)
    shipment = pack(order, warehouse_user, "CAP", "CAP")

    text = text_of(documents.labels_pdf([shipment]), tmp_path)

    assert shipment.carrier.name == "邮政EMS"
    assert "邮政EMS" in text
    assert shipment.tracking_number in text
    assert "COD ¥71.00" in text and "Collect on delivery: ¥71.00" in text
    assert "张三" in text and "浙江省杭州市西湖区文三路 90 号" in text
    assert "主仓" in text and "浙江省杭州市余杭区仓前街道 1 号" in text
    assert order.number in text


def test_a_prepaid_label_shows_no_cod_amount(goods, main, warehouse_user, tmp_path):
    order = picked(("CAP", 1), actor=warehouse_user)
    shipment = pack(order, warehouse_user, "CAP")

    text = text_of(documents.labels_pdf([shipment]), tmp_path)

    assert shipment.tracking_number in text
    assert "COD" not in text and "Collect on delivery" not in text


def test_a_whole_wave_prints_in_one_pdf(goods, main, warehouse_user, tmp_path):
    orders = [allocated(("CAP", 1)) for _ in range(3)]
    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)
    actions.confirm_pick(wave=wave, actor=warehouse_user)
    shipments = [pack(order, warehouse_user, "CAP") for order in orders]

    labels = documents.wave_document(wave, "labels")
    slips = documents.wave_document(wave, "packing-slips")

    assert pages_of(labels, tmp_path) == 3
    labels_text = text_of(labels, tmp_path)
    assert [labels_text.index(s.tracking_number) for s in shipments] == sorted(
        labels_text.index(s.tracking_number) for s in shipments
    )
    assert pages_of(slips, tmp_path) == 3
    assert all(order.number in text_of(slips, tmp_path) for order in orders)


# --- every document in both languages (issue 17 C) -------------------------------------

FIELD_LABELS = {
    "label": {
        "en": ["To", "From", "COD ¥71.00", "Collect on delivery: ¥71.00", "Order ", "Printed "],
        "zh-hans": ["收件人", "寄件人", "代收货款 ¥71.00", "订单 ", "打印于 "],
    },
    "packing_slip": {
        "en": ["Packing slip", "Order", "Placed", "Buyer", "Phone", "Address", "From", "Unit price", "Amount", "Total"],
        "zh-hans": ["发货单", "订单", "下单时间", "买家", "手机号", "地址", "寄件人", "单价", "金额", "合计"],
    },
    "pick_list": {
        "en": [
            "Pick list",
            "Warehouse",
            "Created",
            "Orders",
            "Items",
            "Picking mode",
            "Stops",
            "Bin",
            "Zone",
            "Picked",
        ],
        "zh-hans": ["拣货单", "仓库", "创建时间", "订单", "件数", "拣货方式", "库位数", "库位", "区域", "已拣"],
    },
    "sort_list": {
        "en": ["Sort list", "Slot", "Order", "Buyer", "Goods", "Qty"],
        "zh-hans": ["分拣单", "格口", "订单", "买家", "商品", "数量"],
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_warehouse_document_reads_its_field_labels_in_both_languages(
    goods, main, warehouse_user, tmp_path, language
):
    """Issue 17 C: labels, packing slips, pick and sort lists print their field labels in
    the reader's language; "To"/"From" on a label are the addresses (收件人/寄件人), never
    the date range's 截止日期/起始日期."""
    allocated(("TEE", 1))
    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)
    order = picked(("CAP", 2), payment_method="cod", actor=warehouse_user)
    shipment = pack(order, warehouse_user, "CAP", "CAP")
    documents_by_kind = {
        "label": lambda: documents.labels_pdf([shipment]),
        "packing_slip": lambda: documents.packing_slips_pdf([order]),
        "pick_list": lambda: documents.pick_list_pdf(wave),
        "sort_list": lambda: documents.sort_list_pdf(wave),
    }

    for kind, build in documents_by_kind.items():
        assert_labels(rendered_in(language, build, tmp_path), FIELD_LABELS[kind][language])
