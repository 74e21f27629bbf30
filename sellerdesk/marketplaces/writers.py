"""MarketOrder records written out as a marketplace's export files — the reverse of
marketplaces.layouts, for the sample files, the tests' round trips and the benchmark.

What is written reads back (layouts.read_export) as the same records, but for the file
line numbers and `modified_at` (no export carries it), provided the records are what the
platform could have exported: times in whole seconds, a paid order's `paid_at` set (JD
and Pinduoduo tell "paid" by it), and for Pinduoduo one line per order and goods after
discounts no more than their list price.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from sellerdesk.marketplaces import columns
from sellerdesk.marketplaces.models import Layout
from sellerdesk.marketplaces.records import MarketOrder, MarketRefund, MarketStatus

# The words each platform writes for a status (and refund), the first of each in the
# readers' tables that reads back the same.
_TAOBAO_STATUS = {
    MarketStatus.UNPAID: "等待买家付款",
    MarketStatus.PAID: "买家已付款，等待卖家发货",
    MarketStatus.SHIPPED: "卖家已发货，等待买家确认",
    MarketStatus.COMPLETED: "交易成功",
    MarketStatus.CANCELLED: "交易关闭",
}
_JD_STATUS = {
    MarketStatus.UNPAID: "等待付款",
    MarketStatus.PAID: "等待出库",
    MarketStatus.SHIPPED: "等待确认收货",
    MarketStatus.COMPLETED: "完成",
    MarketStatus.CANCELLED: "已取消",
}
_PINDUODUO_STATUS = {
    MarketStatus.UNPAID: "待支付",
    MarketStatus.PAID: "待发货",
    MarketStatus.SHIPPED: "已发货，待签收",
    MarketStatus.COMPLETED: "已签收",
    MarketStatus.CANCELLED: "已取消",
}
_REFUND = {MarketRefund.NONE: "", MarketRefund.REQUESTED: "退款中", MarketRefund.REFUNDED: "退款成功"}
_PINDUODUO_REFUND = {
    MarketRefund.NONE: "无售后或售后取消",
    MarketRefund.REQUESTED: "售后处理中",
    MarketRefund.REFUNDED: "退款成功",
}

Row = list[str]


def write_export(
    *, layout: str, orders: Sequence[MarketOrder], fmt: str = "csv", encoding: str = "gb18030"
) -> dict[str, bytes]:
    """The export files of `orders` in `layout`: {"orders": …} and, for Taobao/Tmall,
    {"items": …}. `fmt` is "csv" (in `encoding`: "gb18030" as the platforms' downloads,
    "utf-8-sig" for UTF-8 with a BOM, "utf-8") or "xlsx" (encoding unused)."""
    if layout == Layout.TAOBAO:
        tables = {
            "orders": (columns.TAOBAO_ORDER_COLUMNS, (_taobao_order(order) for order in orders)),
            "items": (columns.TAOBAO_ITEM_COLUMNS, (row for order in orders for row in _taobao_items(order))),
        }
    elif layout == Layout.JD:
        tables = {"orders": (columns.JD_COLUMNS, (row for order in orders for row in _jd_rows(order)))}
    elif layout == Layout.PINDUODUO:
        tables = {"orders": (columns.PINDUODUO_COLUMNS, (_pinduoduo_row(order) for order in orders))}
    else:
        raise ValueError(f"unknown layout {layout!r}")
    if fmt == "csv":
        return {name: _csv(header, rows, encoding) for name, (header, rows) in tables.items()}
    if fmt == "xlsx":
        return {name: _xlsx(header, rows) for name, (header, rows) in tables.items()}
    raise ValueError(f"unknown format {fmt!r}")


def _csv(header: Sequence[str], rows: Iterable[Row], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单")
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)  # every cell as text: an 18-digit order id must not become a float
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M:%S")


def _address(order: MarketOrder) -> str:
    # The Taobao report's way: the divisions and the street separated by spaces.
    return " ".join(part for part in (order.province, order.city, order.district, order.detail) if part)


def _row(columns: Sequence[str], values: dict[str, str]) -> Row:
    return [values.get(column, "") for column in columns]


def _taobao_order(order: MarketOrder) -> Row:
    status = _TAOBAO_STATUS[MarketStatus(order.status)]
    if order.status == MarketStatus.CANCELLED and order.refund == MarketRefund.REFUNDED:
        status = "付款以后用户退款成功，交易自动关闭"
    quantity = sum(line.quantity for line in order.lines)
    return _row(
        columns.TAOBAO_ORDER_COLUMNS,
        {
            "订单编号": order.external_id,
            "买家会员名": order.buyer_nick,
            "买家应付货款": _money(order.goods_total),
            "买家应付邮费": _money(order.shipping_fee),
            "总金额": _money(order.goods_total + order.shipping_fee),
            "买家实际支付金额": _money(order.paid_amount),
            "订单状态": status,
            "买家留言": order.buyer_message,
            "收货人姓名": order.receiver_name,
            "收货地址": _address(order),
            "运送方式": "快递",
            "联系手机": order.phone,
            "订单创建时间": _moment(order.created_at),
            "订单付款时间": _moment(order.paid_at),
            "宝贝标题": "，".join(line.title for line in order.lines),
            "宝贝种类": str(len(order.lines)),
            "物流单号": order.tracking_number,
            "物流公司": order.carrier_name,
            "订单备注": order.seller_memo,
            "宝贝总数量": str(quantity),
            "退款金额": _money(order.paid_amount if order.refund == MarketRefund.REFUNDED else Decimal(0)),
            "退款状态": _REFUND[MarketRefund(order.refund)],
        },
    )


def _taobao_items(order: MarketOrder) -> Iterable[Row]:
    status = _TAOBAO_STATUS[MarketStatus(order.status)]
    for line in order.lines:
        yield _row(
            columns.TAOBAO_ITEM_COLUMNS,
            {
                "订单编号": order.external_id,
                "标题": line.title,
                "价格": _money(line.unit_price),
                "购买数量": str(line.quantity),
                "外部系统编号": line.sku_code,
                "订单状态": status,
                "商家编码": line.sku_code,
            },
        )


def _jd_rows(order: MarketOrder) -> Iterable[Row]:
    payable = order.goods_total + order.shipping_fee
    for line in order.lines:
        yield _row(
            columns.JD_COLUMNS,
            {
                "订单号": order.external_id,
                "商品名称": line.title,
                "订购数量": str(line.quantity),
                "支付方式": "在线支付",
                "下单时间": _moment(order.created_at),
                "京东价": _money(line.unit_price),
                "订单金额": _money(sum((item.unit_price * item.quantity for item in order.lines), Decimal(0))),
                "结算金额": _money(payable),
                "应付金额": _money(payable),
                "订单状态": _JD_STATUS[MarketStatus(order.status)],
                "下单帐号": order.buyer_nick,
                "客户姓名": order.receiver_name,
                "客户地址": _address(order).replace(" ", ""),
                "联系电话": order.phone,
                "订单备注": order.buyer_message,
                "商家SKU": line.sku_code,
                "运费金额": _money(order.shipping_fee),
                "付款确认时间": _moment(order.paid_at),
                "商家备注": order.seller_memo,
                "退款状态": _REFUND[MarketRefund(order.refund)],
            },
        )


def _pinduoduo_row(order: MarketOrder) -> Row:
    if len(order.lines) != 1:
        raise ValueError("a Pinduoduo order has one line of goods")
    line = order.lines[0]
    goods_value = line.unit_price * line.quantity
    return _row(
        columns.PINDUODUO_COLUMNS,
        {
            "商品": line.title,
            "订单号": order.external_id,
            "订单状态": _PINDUODUO_STATUS[MarketStatus(order.status)],
            "商品总价(元)": _money(goods_value),
            "店铺优惠折扣(元)": _money(max(goods_value - order.goods_total, Decimal(0))),
            "平台优惠折扣(元)": "0.00",
            "邮费(元)": _money(order.shipping_fee),
            "用户实付金额(元)": _money(order.paid_amount),
            "商品数量(件)": str(line.quantity),
            "收货人": order.receiver_name,
            "手机": order.phone,
            "省": order.province,
            "市": order.city,
            "区": order.district,
            "街道": order.detail,
            "拼单成功时间": _moment(order.paid_at),
            "订单确认时间": _moment(order.created_at),
            "商家编码-SKU维度": line.sku_code,
            "快递单号": order.tracking_number,
            "快递公司": order.carrier_name,
            "商家备注": order.seller_memo,
            "售后状态": _PINDUODUO_REFUND[MarketRefund(order.refund)],
            "买家留言": order.buyer_message,
        },
    )
