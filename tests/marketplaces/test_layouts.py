"""marketplaces.layouts and writers: every layout written and read back, the samples,
and each bad input refused with its line number."""

from __future__ import annotations

import csv
import importlib.util
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.core import messages
from sellerdesk.core.tables import Limits, TableError
from sellerdesk.marketplaces import columns, layouts
from sellerdesk.marketplaces.layouts import ParsedExport, detect_layout, read_export
from sellerdesk.marketplaces.records import MarketLine, MarketOrder, RefusedRow
from sellerdesk.marketplaces.writers import write_export

SAMPLES = Path(layouts.__file__).resolve().parent / "samples"
SHANGHAI = ZoneInfo("Asia/Shanghai")
LIMITS = Limits(max_bytes=5 * 1024 * 1024, max_rows=10_000, max_columns=60, max_cell_chars=2000)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, 7, tzinfo=SHANGHAI)


def line(code: str, quantity: int = 1, price: str = "69.00") -> MarketLine:
    return MarketLine(sku_code=code, title=f"暖阳 {code}", quantity=quantity, unit_price=Decimal(price))


def market_order(
    number: int,
    *,
    status: str = "paid",
    refund: str = "",
    lines: tuple[MarketLine, ...] | None = None,
    discount: str = "0.00",
    shipping: str = "8.00",
    place: tuple[str, str, str, str] = ("浙江省", "杭州市", "西湖区", "文三路90号"),
    **changes: Any,
) -> MarketOrder:
    goods = lines or (line("TS01-WHT-M"), line("MK01-01", 2, "59.00"))
    total = sum((item.unit_price * item.quantity for item in goods), Decimal(0)) - Decimal(discount)
    is_paid = status != "unpaid"
    order = MarketOrder(
        external_id=f"38750129456100{number:05d}",
        status=status,
        buyer_nick=f"买家{number}",
        receiver_name="张三",
        phone="13800138000",
        province=place[0],
        city=place[1],
        district=place[2],
        detail=place[3],
        lines=goods,
        goods_total=total,
        shipping_fee=Decimal(shipping),
        paid_amount=total + Decimal(shipping) if is_paid else Decimal("0.00"),
        created_at=at(20, 9),
        paid_at=at(20, 9, 5) if is_paid else None,
        refund=refund,
        buyer_message="请尽快发货，谢谢",
        seller_memo="送小样",
    )
    return replace(order, **changes)


def variety(*, one_line: bool = False) -> list[MarketOrder]:
    """Orders in every status and refund state, addresses of a municipality and an
    autonomous region, the fields a layout carries."""
    single = (line("SE01-01", 2, "199.00"),)
    lines = single if one_line else None
    return [
        market_order(1, lines=lines),
        market_order(2, status="unpaid", lines=lines),
        market_order(3, status="shipped", lines=lines, carrier_name="中通快递", tracking_number="78312345678901"),
        market_order(4, status="completed", lines=lines, discount="10.00"),
        market_order(5, status="cancelled", lines=lines, refund="refunded"),
        market_order(6, status="cancelled", lines=lines),
        market_order(7, refund="requested", lines=lines, place=("上海市", "上海市", "浦东新区", "张杨路500号")),
        market_order(8, lines=lines, shipping="0.00", place=("广西壮族自治区", "南宁市", "青秀区", "民族大道136号")),
    ]


def without_positions(order: MarketOrder) -> MarketOrder:
    return replace(order, line_numbers=(), lines=tuple(replace(item, line_number=0) for item in order.lines))


def read(files: dict[str, bytes], *, suffix: str = "csv", **options: Any) -> ParsedExport:
    items = ("items." + suffix, io.BytesIO(files["items"])) if "items" in files else None
    return read_export(
        orders_file=("orders." + suffix, io.BytesIO(files["orders"])),
        items_file=items,
        limits=options.pop("limits", LIMITS),
        **options,
    )


def english(refused: RefusedRow) -> str:
    with translation.override("en"):
        return messages.render({"code": refused.code, **refused.params})


def refusals(parsed: ParsedExport) -> list[tuple[str, int, str, str]]:
    return [(row.file, row.line, row.code, row.field) for row in parsed.refused]


def table(columns: Sequence[str], rows: list[dict[str, str]], *, encoding: str = "gbk") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode(encoding)


def rewritten(content: bytes, changes: dict[int, dict[str, str]], *, encoding: str = "gb18030") -> bytes:
    """A CSV file with some cells changed: {line: {column: value}}."""
    text = content.decode(encoding)
    all_rows = list(csv.reader(io.StringIO(text)))
    header = all_rows[0]
    for number, cells in changes.items():
        for column, value in cells.items():
            all_rows[number - 1][header.index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer).writerows(all_rows)
    return buffer.getvalue().encode(encoding)


# --- every layout written and read back ---------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "fmt", "encoding"),
    [
        ("taobao", "csv", "gb18030"),
        ("taobao", "csv", "utf-8-sig"),
        ("taobao", "xlsx", ""),
        ("jd", "csv", "gb18030"),
        ("jd", "csv", "utf-8-sig"),
        ("jd", "xlsx", ""),
        ("pinduoduo", "csv", "gb18030"),
        ("pinduoduo", "csv", "utf-8-sig"),
        ("pinduoduo", "xlsx", ""),
    ],
)
def test_each_layout_round_trips(layout: str, fmt: str, encoding: str) -> None:
    orders = variety(one_line=layout == "pinduoduo")
    if layout == "pinduoduo":  # its export names no buyer account
        orders = [replace(order, buyer_nick="") for order in orders]
    if layout == "jd":  # nor does JD's say the carrier
        orders = [replace(order, carrier_name="", tracking_number="") for order in orders]
    files = write_export(layout=layout, orders=orders, fmt=fmt, encoding=encoding or "gb18030")

    parsed = read(files, suffix=fmt)

    assert parsed.layout == layout
    assert parsed.refused == []
    assert [without_positions(order) for order in parsed.orders] == orders
    rows = sum(len(order.lines) for order in orders) + (len(orders) if layout == "taobao" else 0)
    assert parsed.rows == (rows if layout != "pinduoduo" else len(orders))


def test_line_numbers_are_where_each_order_and_item_is_in_its_file() -> None:
    orders = [market_order(1), market_order(2, lines=(line("HD01-GRY-M"),)), market_order(3)]

    taobao = read(write_export(layout="taobao", orders=orders))
    jd = read(write_export(layout="jd", orders=orders))

    assert [order.line_numbers for order in taobao.orders] == [(2,), (3,), (4,)]
    assert [[item.line_number for item in order.lines] for order in taobao.orders] == [[2, 3], [4], [5, 6]]
    assert [order.line_numbers for order in jd.orders] == [(2, 3), (4,), (5, 6)]
    assert [order.first_line for order in jd.orders] == [2, 4, 5]


def test_the_encodings_really_differ_and_all_read() -> None:
    orders = [market_order(1)]
    gbk = write_export(layout="jd", orders=orders, encoding="gbk")["orders"]
    bom = write_export(layout="jd", orders=orders, encoding="utf-8-sig")["orders"]

    assert bom.startswith(b"\xef\xbb\xbf") and not gbk.startswith(b"\xef\xbb\xbf")
    assert "订单号".encode("gbk") in gbk
    assert read({"orders": gbk}).orders == read({"orders": bom}).orders


def test_progress_is_reported_every_thousand_rows_and_at_the_end() -> None:
    orders = [market_order(number, lines=(line("TS01-WHT-M"),)) for number in range(1, 1201)]
    seen: list[int] = []

    parsed = read(write_export(layout="taobao", orders=orders), progress=seen.append)

    assert len(parsed.orders) == 1200
    assert seen == [1000, 2000, 2400]


# --- the samples ------------------------------------------------------------------------------


def sample(name: str) -> tuple[str, io.BufferedReader]:
    return name, (SAMPLES / name).open("rb")


def sample_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_taobao_csv_sample_is_gbk_and_has_its_two_bad_rows() -> None:
    script = sample_script()
    content = (SAMPLES / "taobao-orders.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    parsed = read_export(orders_file=sample("taobao-orders.csv"), items_file=sample("taobao-items.csv"))

    assert parsed.layout == "taobao"
    assert parsed.rows == 12 + 14
    assert refusals(parsed) == [("orders", 9, "market_bad_amount", "买家实际支付金额")]
    assert parsed.refused[0].external_id == "3875012945610000008"
    assert english(parsed.refused[0]) == "买家实际支付金额 is not an amount: 88,00"
    # The other bad one is the importer's to refuse: an SKU code the demo does not have.
    unknown = [order for order in parsed.orders if order.lines[0].sku_code == script.UNKNOWN_SKU]
    assert [(order.external_id, order.first_line, order.lines[0].line_number) for order in unknown] == [
        ("3875012945610000007", 8, 9)
    ]
    expected = [order for order in script.taobao_orders() if order.external_id != "3875012945610000008"]
    assert [without_positions(order) for order in parsed.orders] == expected
    assert {order.status for order in parsed.orders} == {"paid", "unpaid", "cancelled", "shipped"}


def test_taobao_xlsx_sample_has_the_good_orders() -> None:
    parsed = read_export(orders_file=sample("taobao-orders.xlsx"), items_file=sample("taobao-items.xlsx"))
    from_csv = read_export(orders_file=sample("taobao-orders.csv"), items_file=sample("taobao-items.csv"))

    assert (parsed.layout, parsed.refused, len(parsed.orders)) == ("taobao", [], 10)
    good = [order for order in from_csv.orders if order.external_id != "3875012945610000007"]
    assert [without_positions(order) for order in parsed.orders] == [without_positions(order) for order in good]


def test_jd_and_pinduoduo_samples() -> None:
    script = sample_script()

    jd = read_export(orders_file=sample("jd-orders.xlsx"), items_file=None)
    pinduoduo = read_export(orders_file=sample("pinduoduo-orders.csv"), items_file=None)

    assert (jd.layout, jd.refused, jd.rows) == ("jd", [], 7)
    assert [without_positions(order) for order in jd.orders] == script.jd_orders()
    assert (SAMPLES / "pinduoduo-orders.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (pinduoduo.layout, pinduoduo.refused, pinduoduo.rows) == ("pinduoduo", [], 5)
    assert [without_positions(order) for order in pinduoduo.orders] == script.pinduoduo_orders()


# --- the layout -----------------------------------------------------------------------------


def test_detect_layout_from_the_header() -> None:
    assert detect_layout(list(columns.TAOBAO_ORDER_COLUMNS)) == "taobao"
    assert detect_layout(list(columns.TAOBAO_ITEM_COLUMNS)) == "taobao"
    assert detect_layout(list(columns.JD_COLUMNS)) == "jd"
    pinduoduo = [title.replace("(", "（").replace(")", "）") for title in columns.PINDUODUO_COLUMNS]
    assert detect_layout(pinduoduo) == "pinduoduo"  # full-width brackets too
    assert detect_layout(["订单编号", "金额"]) is None
    assert detect_layout([]) is None


def test_a_file_in_no_known_layout_is_refused_at_line_one() -> None:
    with pytest.raises(TableError) as caught:
        read_export(orders_file=("x.csv", io.BytesIO("编号,名字\n1,张三\n".encode("gbk"))), items_file=None)

    assert (caught.value.reason, caught.value.line) == ("market_unknown_layout", 1)


def test_a_layout_given_that_the_file_is_not_names_the_missing_columns() -> None:
    files = write_export(layout="pinduoduo", orders=[market_order(1, lines=(line("A"),))])

    with pytest.raises(TableError) as caught:
        read(files, layout="jd")

    assert (caught.value.reason, caught.value.line) == ("market_missing_columns", 1)
    assert caught.value.params["columns"].startswith("商品名称、订购数量")


def test_a_taobao_orders_file_needs_its_items_file() -> None:
    files = write_export(layout="taobao", orders=[market_order(1)])

    with pytest.raises(TableError) as caught:
        read_export(orders_file=("ExportOrderList.csv", io.BytesIO(files["orders"])), items_file=None)

    assert caught.value.reason == "items_file_missing"
    with translation.override("en"):
        assert caught.value.message.startswith("ExportOrderList.csv is a Taobao/Tmall order report")


def test_the_taobao_files_given_the_other_way_round_are_read() -> None:
    files = write_export(layout="taobao", orders=[market_order(1)])

    parsed = read({"orders": files["items"], "items": files["orders"]})

    assert [without_positions(order) for order in parsed.orders] == [market_order(1)]


def test_file_problems_keep_their_table_reason_and_file() -> None:
    files = write_export(layout="taobao", orders=[market_order(1)])
    broken_items = files["items"] + b'\r\n"3875,never closed\r\n'

    with pytest.raises(TableError) as caught:
        read({"orders": files["orders"], "items": broken_items})

    assert (caught.value.reason, caught.value.line, caught.value.params["file"]) == (
        "unterminated_quote",
        5,  # after the blank line 4
        "items.csv",
    )
    with pytest.raises(TableError) as too_big:
        read(files, limits=Limits(max_bytes=100, max_rows=10, max_columns=60, max_cell_chars=100))
    assert too_big.value.reason == "file_too_large"


# --- bad rows, each with its line ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("买家实际支付金额", "1e3", "market_bad_amount"),
        ("买家实际支付金额", "-5.00", "market_bad_amount"),
        ("买家实际支付金额", "12.345", "market_bad_amount"),
        ("买家实际支付金额", "100000000.00", "market_bad_amount"),
        ("买家应付货款", "", "market_missing_value"),
        ("订单付款时间", "昨天下午", "market_bad_date"),
        ("订单付款时间", "2026-02-30 10:00:00", "market_bad_date"),
        ("订单付款时间", "0568-03-01 10:00:00", "market_bad_date"),  # issue 17 B: core.dates' range
        ("收货地址", "文三路90号", "market_bad_address"),
        ("订单状态", "等待外星人付款", "market_unknown_status"),
        ("退款状态", "退了一半", "market_unknown_refund"),
        ("订单编号", "38750 1294", "market_bad_order_id"),
        ("收货人姓名", "", "market_missing_value"),
        ("收货人姓名", "张" * 101, "market_value_too_long"),
    ],
)
def test_a_bad_taobao_order_row_is_refused_with_its_line(column: str, value: str, code: str) -> None:
    orders = [market_order(1), market_order(2), market_order(3)]
    files = write_export(layout="taobao", orders=orders)
    files["orders"] = rewritten(files["orders"], {3: {column: value}})

    parsed = read(files)

    assert [row for row in refusals(parsed) if row[0] == "orders"] == [("orders", 3, code, column)]
    # An order id that cannot be read leaves its goods without an order.
    items = [(row.line, row.code) for row in parsed.refused if row.file == "items"]
    assert items == (
        [(4, "market_item_without_order"), (5, "market_item_without_order")] if column == "订单编号" else []
    )
    assert [order.external_id for order in parsed.orders] == [orders[0].external_id, orders[2].external_id]
    assert english(parsed.refused[0])


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("购买数量", "0", "market_bad_quantity"),
        ("购买数量", "1.5", "market_bad_quantity"),
        ("价格", "六十九", "market_bad_amount"),
        ("外部系统编号", "X" * 65, "market_value_too_long"),
    ],
)
def test_a_bad_item_row_refuses_its_order_at_the_items_line(column: str, value: str, code: str) -> None:
    orders = [market_order(1), market_order(2)]
    files = write_export(layout="taobao", orders=orders)
    files["items"] = rewritten(files["items"], {5: {column: value}})  # order 2's second item

    parsed = read(files)

    assert [(row.file, row.line, row.code, row.external_id) for row in parsed.refused] == [
        ("items", 5, code, orders[1].external_id)
    ]
    assert [order.external_id for order in parsed.orders] == [orders[0].external_id]


def test_duplicate_ids_orders_without_items_and_items_without_orders() -> None:
    orders = [market_order(1), market_order(2), market_order(3)]
    files = write_export(layout="taobao", orders=orders)
    files["orders"] = rewritten(files["orders"], {4: {"订单编号": orders[0].external_id}})
    files["items"] = rewritten(files["items"], {4: {"订单编号": "9999"}, 5: {"订单编号": "9999"}})

    parsed = read(files)

    assert refusals(parsed) == [
        ("orders", 3, "market_order_without_items", "订单编号"),
        ("orders", 4, "market_duplicate_order", "订单编号"),
        ("items", 4, "market_item_without_order", "订单编号"),
        ("items", 5, "market_item_without_order", "订单编号"),
        # Order 3's goods: its row was the duplicate, so no order of the file is theirs.
        ("items", 6, "market_item_without_order", "订单编号"),
        ("items", 7, "market_item_without_order", "订单编号"),
    ]
    assert english(parsed.refused[1]) == f"Order {orders[0].external_id} is in the file already, on line 2"
    assert [order.external_id for order in parsed.orders] == [orders[0].external_id]


def test_taobao_words_and_cells_as_sellers_files_have_them() -> None:
    files = write_export(layout="taobao", orders=[market_order(1), market_order(2), market_order(3)])
    files["orders"] = rewritten(
        files["orders"],
        {
            2: {"订单编号": '="3875012945610000001"', "收货地址": "浙江省 杭州市 西湖区 文三路90号(310012)"},
            3: {"订单状态": "买家已付款,等待卖家发货", "退款状态": "", "退款金额": "59.00"},
            4: {"联系手机": "'13800138000", "物流单号": "No:78312345678901", "订单付款时间": "2026/11/20 9:05"},
        },
    )

    parsed = read(files)

    assert parsed.refused == []
    first, second, third = parsed.orders
    assert (first.external_id, first.detail, first.district) == ("3875012945610000001", "文三路90号", "西湖区")
    assert (second.status, second.refund) == ("paid", "refunded")
    assert (third.phone, third.tracking_number, third.paid_at) == (
        "13800138000",
        "78312345678901",
        datetime(2026, 11, 20, 9, 5, tzinfo=SHANGHAI),
    )


def test_jd_rows_of_an_order_follow_one_another() -> None:
    orders = [market_order(1), market_order(2), market_order(3)]
    files = write_export(layout="jd", orders=orders)
    # Line 6 (order 3's first item) says order 1 again, after order 2 began; line 3 is
    # order 1's second item with a bad quantity: order 1 is refused there.
    files["orders"] = rewritten(files["orders"], {6: {"订单号": orders[0].external_id}, 3: {"订购数量": "两件"}})

    parsed = read(files)

    assert refusals(parsed) == [
        ("orders", 3, "market_bad_quantity", "订购数量"),
        ("orders", 6, "market_duplicate_order", "订单号"),
    ]
    assert [order.external_id for order in parsed.orders] == [orders[1].external_id, orders[2].external_id]
    assert [item.line_number for item in parsed.orders[1].lines] == [7]  # what is left of order 3


def test_jd_paid_is_told_by_its_payment_confirmation() -> None:
    files = write_export(layout="jd", orders=[market_order(1, lines=(line("CR01-01", 1, "259.00"),))])
    files["orders"] = rewritten(files["orders"], {2: {"付款确认时间": "", "支付方式": "货到付款"}})

    (order,) = read(files).orders

    assert (order.paid_amount, order.goods_total, order.shipping_fee) == (
        Decimal("0.00"),
        Decimal("259.00"),
        Decimal("8.00"),
    )


def test_pinduoduo_address_parts_discounts_and_duplicates() -> None:
    orders = [market_order(number, lines=(line("MK01-02", 2, "109.00"),), buyer_nick="") for number in (1, 2, 3)]
    files = write_export(layout="pinduoduo", orders=orders)
    files["orders"] = rewritten(
        files["orders"],
        {
            2: {"省": "浙江", "店铺优惠折扣(元)": "10.00", "平台优惠折扣(元)": "5.00"},
            3: {"省": "火星"},
            4: {"订单号": orders[0].external_id},
        },
    )

    parsed = read(files)

    assert refusals(parsed) == [
        ("orders", 3, "market_bad_address", "省"),
        ("orders", 4, "market_duplicate_order", "订单号"),
    ]
    (first,) = parsed.orders
    assert (first.province, first.goods_total, first.lines[0].unit_price) == (
        "浙江省",
        Decimal("203.00"),
        Decimal("109.00"),
    )


def test_status_words_map_to_market_statuses() -> None:
    assert columns.TAOBAO_STATUSES[layouts.status_key("付款以后用户退款成功，交易自动关闭")] == (
        "cancelled",
        "refunded",
    )
    assert columns.JD_STATUSES[layouts.status_key("等待出库")] == ("paid", "")
    assert columns.PINDUODUO_STATUSES[layouts.status_key("已发货，待签收")] == ("shipped", "")
    assert columns.REFUND_WORDS[layouts.status_key("买家已经申请退款，等待卖家同意")] == "requested"


def test_a_taobao_csv_in_gbk_written_by_hand_reads() -> None:
    orders = table(
        ["订单编号", "买家会员名", "买家应付货款", "买家实际支付金额", "订单状态", "收货人姓名", "收货地址"],
        [
            {
                "订单编号": "1001",
                "买家会员名": "小雨",
                "买家应付货款": "69",
                "买家实际支付金额": "69",
                "订单状态": "买家已付款，等待卖家发货",
                "收货人姓名": "林晓雨",
                "收货地址": "北京 北京市 朝阳区 建国路88号",
            }
        ],
    )
    items = table(
        ["订单编号", "标题", "价格", "购买数量", "商家编码"],
        [{"订单编号": "1001", "标题": "T恤", "价格": "69", "购买数量": "1", "商家编码": "TS01-WHT-M"}],
    )

    parsed = read({"orders": orders, "items": items})

    (order,) = parsed.orders
    assert (order.province, order.city, order.paid_amount, order.shipping_fee) == (
        "北京市",
        "北京市",
        Decimal("69.00"),
        Decimal("0.00"),
    )
    assert order.lines == (MarketLine("TS01-WHT-M", "T恤", 1, Decimal("69.00"), line_number=2),)


CELLS = st.text(alphabet='0123456789.,-e ¥"浙江省杭州市西湖区路号等待买家付款交易成功\n', max_size=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=st.sampled_from(["taobao", "jd", "pinduoduo"]),
    cells=st.lists(st.lists(CELLS, min_size=1, max_size=30), min_size=1, max_size=4),
)
def test_any_cells_under_a_known_header_are_read_or_refused(layout: str, cells: list[list[str]]) -> None:
    header = {
        "taobao": columns.TAOBAO_ORDER_COLUMNS,
        "jd": columns.JD_COLUMNS,
        "pinduoduo": columns.PINDUODUO_COLUMNS,
    }[layout]
    rows = [dict(zip(header, row, strict=False)) for row in cells]
    files = {"orders": table(header, rows, encoding="utf-8")}
    if layout == "taobao":
        items = [dict(zip(columns.TAOBAO_ITEM_COLUMNS, row, strict=False)) for row in cells]
        files["items"] = table(columns.TAOBAO_ITEM_COLUMNS, items, encoding="utf-8")

    try:
        parsed = read(files)
    except TableError as problem:
        assert problem.reason in {"unterminated_quote", "file_format", "cell_too_long"}
        return
    ids = [order.external_id for order in parsed.orders]
    assert len(ids) == len(set(ids))
    assert all(order.lines and order.first_line >= 2 for order in parsed.orders)
    for row in parsed.refused:
        assert row.line >= 2 and english(row)
