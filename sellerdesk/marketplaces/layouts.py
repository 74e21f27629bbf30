"""The marketplaces' order export files, read into MarketOrder records.

Three layouts (docs/marketplaces.md, "File layouts"): the Taobao/Tmall 订单报表 — an
orders file and an items file (宝贝报表) joined by 订单编号 —, JD's export (one row per
item, an order's rows one after the other) and Pinduoduo's (one row per order). The
layout is told from the header; columns are found by their header, in any order, and
columns this module does not know are ignored.

The reader never touches the database: whether an SKU code exists is the importer's
question (marketplaces.apply). What it decides is whether a row can be read at all —
an amount that does not parse, a date, an address it cannot split, a status it does not
know, an order id seen before in the file — and such rows come back as RefusedRow with
their line number, the others as MarketOrder in file order. A file it cannot read as a
whole (unknown layout, a limit passed, a wrong encoding) is a TableError, raised as
soon as it is met.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO

from django.utils import timezone

from sellerdesk.core import dates
from sellerdesk.core.addresses import normalize_province, parse_address
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.tables import Limits, TableError, limits_from_settings, read_table
from sellerdesk.marketplaces.columns import (
    JD_REQUIRED,
    JD_STATUSES,
    PINDUODUO_REQUIRED,
    PINDUODUO_STATUSES,
    REFUND_WORDS,
    TAOBAO_ITEMS_REQUIRED,
    TAOBAO_ORDERS_REQUIRED,
    TAOBAO_STATUSES,
)
from sellerdesk.marketplaces.models import Layout
from sellerdesk.marketplaces.records import MarketLine, MarketOrder, MarketRefund, RefusedRow

PROGRESS_EVERY = 1000
# What the longest text fields of an order may hold (orders.models).
_MAX_LENGTHS = {"external_id": 64, "buyer_nick": 100, "receiver_name": 100, "phone": 32, "detail": 300, "sku": 64}
_ORDER_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]{0,63}")
_QUANTITY = re.compile(r"\d{1,6}")
# 2026-11-20 09:04:00, 2026/11/20 9:04, 2026-11-20T09:04:00, 2026-11-20 (the forms the
# platforms and Excel write; a regular expression: strptime is slow at 100,000 rows).
_MOMENT = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
# A postcode the Taobao report puts after the address: "…文三路90号(310012)" or " 310012".
_POSTCODE = re.compile(r"\s*(?:[(（]\s*\d{6}\s*[)）]|\b\d{6})\s*$")


@dataclass
class ParsedExport:
    layout: str  # a models.Layout value
    orders: list[MarketOrder]  # in file order
    refused: list[RefusedRow]  # rows that could not be read, in file order (orders file first)
    rows: int  # data rows read (both files)


def header_key(title: str) -> str:
    """A header as compared: no spaces or BOM, full-width brackets as ASCII."""
    return title.replace("\ufeff", "").replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")


def status_key(text: str) -> str:
    """Status words as compared: full-width punctuation as ASCII, no spaces."""
    return header_key(text).replace("，", ",")


_LAYOUT_REQUIRED: dict[str, tuple[str, ...]] = {
    Layout.TAOBAO: TAOBAO_ORDERS_REQUIRED,
    Layout.JD: JD_REQUIRED,
    Layout.PINDUODUO: PINDUODUO_REQUIRED,
}


def _has(header: list[str], columns: tuple[str, ...]) -> bool:
    keys = {header_key(title) for title in header}
    return all(column in keys for column in columns)


def detect_layout(header: list[str]) -> str | None:
    """The layout whose required columns the header has (a Taobao items file counts as
    Taobao), or None."""
    for layout, required in _LAYOUT_REQUIRED.items():
        if _has(header, required):
            return str(layout)
    if _has(header, TAOBAO_ITEMS_REQUIRED):
        return str(Layout.TAOBAO)
    return None


def _is_taobao_items(header: list[str]) -> bool:
    return _has(header, TAOBAO_ITEMS_REQUIRED) and not _has(header, TAOBAO_ORDERS_REQUIRED)


# --- cells -----------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code: str, column: str = "", **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.params: dict[str, object] = {"column": column, **params} if column else dict(params)


class _Row:
    """One data row, its cells found by header name."""

    __slots__ = ("cells", "columns", "line")

    def __init__(self, line: int, cells: list[str], columns: dict[str, int]) -> None:
        self.line = line
        self.cells = cells
        self.columns = columns

    def text(self, column: str) -> str:
        index = self.columns.get(column)
        return self.cells[index] if index is not None and index < len(self.cells) else ""

    def required(self, column: str) -> str:
        value = self.text(column)
        if not value:
            raise _Refused("market_missing_value", column)
        return value

    def limited(self, column: str, kind: str, *, required: bool = False) -> str:
        value = self.required(column) if required else self.text(column)
        if len(value) > _MAX_LENGTHS[kind]:
            raise _Refused("market_value_too_long", column, max_chars=_MAX_LENGTHS[kind])
        return value

    def order_id(self, column: str) -> str:
        value = self.required(column).lstrip("'\t").strip()
        if not _ORDER_ID.fullmatch(value):
            raise _Refused("market_bad_order_id", column, value=value[:80])
        return value

    def amount(self, column: str, *, required: bool = False) -> Decimal:
        raw = self.text(column)
        if not raw:
            if required:
                raise _Refused("market_missing_value", column)
            return Decimal("0.00")
        return parse_amount(raw, column=column)

    def quantity(self, column: str) -> int:
        raw = self.required(column)
        if not _QUANTITY.fullmatch(raw) or int(raw) < 1:
            raise _Refused("market_bad_quantity", column, value=raw[:80])
        return int(raw)

    def moment(self, column: str) -> datetime | None:
        raw = self.text(column)
        if not raw or raw.lower() in ("null", "-", "0000-00-00 00:00:00"):
            return None
        return parse_moment(raw, column=column)

    def phone(self, *columns: str) -> str:
        for column in columns:
            value = re.sub(r"[\s']", "", self.text(column))
            if value:
                if len(value) > _MAX_LENGTHS["phone"]:
                    raise _Refused("market_value_too_long", column, max_chars=_MAX_LENGTHS["phone"])
                return value
        return ""


def parse_amount(raw: str, *, column: str = "") -> Decimal:
    """A money amount as the exports write it ("59", "1,299.00", "¥59.90"), strictly: no
    sign, no exponent, at most two decimals, at most MAX_MONEY (core.money). Raises _Refused."""
    text = raw.strip().lstrip("'")
    if text.startswith(("+", "-")):  # the exports write no sign: a signed amount is not theirs
        raise _Refused("market_bad_amount", column, value=raw[:80])
    # The API's and the forms' reader (core.money), with ¥ and thousands commas.
    try:
        return parse_money(text, currency_marks=True)
    except NotMoney:
        raise _Refused("market_bad_amount", column, value=raw[:80]) from None


def parse_moment(raw: str, *, column: str = "") -> datetime:
    """A local date and time as the exports write it, aware in the shop's time zone
    (settings.TIME_ZONE). Raises _Refused."""
    match = _MOMENT.fullmatch(raw.strip())
    if match is not None:
        try:
            year, month, day, hour, minute, second = (int(part) for part in match.groups(default="0"))
            # A year out of core.dates' range (568, 9999) is a slip, not a date to store.
            naive = dates.check_date(datetime(year, month, day, hour, minute, second))
        except ValueError:  # 2026-02-30, 25:00, year 568 (dates.NotADate is a ValueError)
            raise _Refused("market_bad_date", column, value=raw[:80]) from None
        return timezone.make_aware(naive, timezone.get_default_timezone())
    raise _Refused("market_bad_date", column, value=raw[:80])


def _status(row: _Row, column: str, table: dict[str, tuple[str, str]]) -> tuple[str, str]:
    raw = row.required(column)
    found = table.get(status_key(raw))
    if found is None:
        raise _Refused("market_unknown_status", column, value=raw[:80])
    return found


def _refund(row: _Row, column: str) -> str | None:
    """The refund column's state; None when the file has no such column."""
    if column not in row.columns:
        return None
    raw = row.text(column)
    found = REFUND_WORDS.get(status_key(raw))
    if found is None:
        raise _Refused("market_unknown_refund", column, value=raw[:80])
    return found


def _one_line_address(row: _Row, column: str) -> tuple[str, str, str, str]:
    raw = row.required(column)
    parsed = parse_address(_POSTCODE.sub("", raw))
    if parsed is None or not parsed.detail:
        raise _Refused("market_bad_address", column, value=raw[:200])
    if len(parsed.detail) > _MAX_LENGTHS["detail"]:
        raise _Refused("market_value_too_long", column, max_chars=_MAX_LENGTHS["detail"])
    return parsed.province, parsed.city, parsed.district, parsed.detail


def _tracking(raw: str) -> str:
    return re.sub(r"^(?:No|NO|no)[:：]\s*", "", raw.strip())[:64]


# --- reading ----------------------------------------------------------------------------------


class _Table:
    """The rows of one file after its header, each as a _Row."""

    def __init__(self, name: str, rows: Iterator[tuple[int, list[str]]], header: list[str], kind: str) -> None:
        self.name = name
        self.rows = rows
        self.header = header
        self.kind = kind  # "orders" or "items": RefusedRow.file
        self.columns: dict[str, int] = {}
        for index, title in enumerate(header):
            self.columns.setdefault(header_key(title), index)

    def check(self, required: tuple[str, ...]) -> None:
        missing = [column for column in required if column not in self.columns]
        if missing:
            raise TableError(
                "market_missing_columns", line=1, params={"columns": "、".join(missing), "file": self.name}
            )

    def __iter__(self) -> Iterator[_Row]:
        for line, cells in self.rows:
            yield _Row(line, cells, self.columns)


def _open(name: str, stream: IO[bytes], limits: Limits, kind: str) -> _Table:
    rows = read_table(filename=name, stream=stream, limits=limits)
    _line, header = next(rows)  # read_table raises empty_file rather than stop
    return _Table(name, rows, header, kind)


@dataclass
class _Counter:
    progress: Callable[[int], None] | None
    rows: int = 0

    def count(self) -> None:
        self.rows += 1
        if self.progress is not None and self.rows % PROGRESS_EVERY == 0:
            self.progress(self.rows)


@dataclass
class _Seen:
    """Order ids met in a file: the first line of each (a second one is a duplicate)."""

    lines: dict[str, int] = field(default_factory=dict)

    def first(self, external_id: str, line: int) -> int | None:
        first = self.lines.setdefault(external_id, line)
        return None if first == line else first


def _refused(table: _Table, line: int, refusal: _Refused, external_id: str = "") -> RefusedRow:
    return RefusedRow(
        line=line,
        code=refusal.code,
        params=refusal.params,
        external_id=external_id,
        field=refusal.column,
        file=table.kind,
    )


def read_export(
    *,
    orders_file: tuple[str, IO[bytes]],
    items_file: tuple[str, IO[bytes]] | None,
    layout: str | None = None,
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> ParsedExport:
    """Read a marketplace export: the orders file (and, for Taobao/Tmall, its items file)
    into MarketOrder records and the rows refused with their line numbers. The layout is
    told from the header unless given. Raises TableError, before reading further, for a
    file it cannot read as a whole: an unknown layout ("market_unknown_layout"), missing
    columns ("market_missing_columns"), a Taobao orders file without its items file
    ("items_file_missing"), and every reason of core.tables (size, encoding, limits).
    `progress(rows_read)` is called every PROGRESS_EVERY rows. Writes nothing."""
    limits = limits or limits_from_settings()
    counter = _Counter(progress)
    orders = _open(orders_file[0], orders_file[1], limits, "orders")
    detected = detect_layout(orders.header)
    chosen = layout or detected
    if chosen is None:
        raise TableError("market_unknown_layout", line=1, params={"file": orders.name})
    if chosen == Layout.TAOBAO:
        if items_file is None:
            raise TableError("items_file_missing", params={"file": orders.name})
        items = _open(items_file[0], items_file[1], limits, "items")
        if _is_taobao_items(orders.header) and not _is_taobao_items(items.header):
            # The two files given the other way round: the headers say which is which.
            orders, items = items, orders
            orders.kind, items.kind = "orders", "items"
        orders.check(TAOBAO_ORDERS_REQUIRED)
        items.check(TAOBAO_ITEMS_REQUIRED)
        result = _read_taobao(orders, items, counter)
    elif chosen == Layout.JD:
        orders.check(JD_REQUIRED)
        result = _read_jd(orders, counter)
    elif chosen == Layout.PINDUODUO:
        orders.check(PINDUODUO_REQUIRED)
        result = _read_pinduoduo(orders, counter)
    else:
        raise TableError("market_unknown_layout", line=1, params={"file": orders.name})
    if progress is not None:
        progress(counter.rows)
    return result


def _read_taobao(orders: _Table, items: _Table, counter: _Counter) -> ParsedExport:
    refused: list[RefusedRow] = []
    item_refused: list[RefusedRow] = []
    # The items file first, held by order id (an order's goods), so that the orders file
    # is then read once, in its order.
    lines_of: dict[str, list[MarketLine]] = {}
    item_lines_of: dict[str, list[int]] = {}
    bad_items: set[str] = set()
    for row in items:
        counter.count()
        external_id = ""
        try:
            external_id = row.order_id("订单编号")
            sku_code = row.text("外部系统编号") or row.required("商家编码")
            if len(sku_code) > _MAX_LENGTHS["sku"]:
                raise _Refused("market_value_too_long", "商家编码", max_chars=_MAX_LENGTHS["sku"])
            line = MarketLine(
                sku_code=sku_code,
                title=row.text("标题")[:200],
                quantity=row.quantity("购买数量"),
                unit_price=row.amount("价格", required=True),
                line_number=row.line,
            )
        except _Refused as refusal:
            item_refused.append(_refused(items, row.line, refusal, external_id))
            if external_id:
                bad_items.add(external_id)
            continue
        lines_of.setdefault(external_id, []).append(line)
        item_lines_of.setdefault(external_id, []).append(row.line)

    parsed: list[MarketOrder] = []
    seen = _Seen()
    for row in orders:
        counter.count()
        external_id = ""
        try:
            external_id = row.order_id("订单编号")
            first = seen.first(external_id, row.line)
            if first is not None:
                raise _Refused("market_duplicate_order", "订单编号", external_id=external_id, first_line=first)
            if external_id in bad_items:
                continue  # refused on its items file line already
            goods = lines_of.get(external_id)
            if not goods:
                raise _Refused("market_order_without_items", "订单编号", external_id=external_id)
            status, refund = _status(row, "订单状态", TAOBAO_STATUSES)
            refund = _refund(row, "退款状态") or refund
            if refund == MarketRefund.NONE and row.amount("退款金额") > 0:
                refund = MarketRefund.REFUNDED
            province, city, district, detail = _one_line_address(row, "收货地址")
            parsed.append(
                MarketOrder(
                    external_id=external_id,
                    status=str(status),
                    buyer_nick=row.limited("买家会员名", "buyer_nick"),
                    receiver_name=row.limited("收货人姓名", "receiver_name", required=True),
                    phone=row.phone("联系手机", "联系电话"),
                    province=province,
                    city=city,
                    district=district,
                    detail=detail,
                    lines=tuple(goods),
                    goods_total=row.amount("买家应付货款", required=True),
                    shipping_fee=row.amount("买家应付邮费"),
                    paid_amount=row.amount("买家实际支付金额"),
                    created_at=row.moment("订单创建时间"),
                    paid_at=row.moment("订单付款时间"),
                    refund=str(refund),
                    buyer_message=row.text("买家留言"),
                    seller_memo=row.text("订单备注"),
                    carrier_name=row.text("物流公司")[:50],
                    tracking_number=_tracking(row.text("物流单号")),
                    line_numbers=(row.line,),  # the goods keep their items file lines
                )
            )
        except _Refused as refusal:
            refused.append(_refused(orders, row.line, refusal, external_id))
    # Goods of orders the orders file does not have (or refused for their id).
    for external_id, numbers in item_lines_of.items():
        if external_id not in seen.lines:
            orphan = _Refused("market_item_without_order", "订单编号", external_id=external_id)
            item_refused.extend(_refused(items, number, orphan, external_id) for number in numbers)
    item_refused.sort(key=lambda row: row.line)
    return ParsedExport(str(Layout.TAOBAO), parsed, refused + item_refused, counter.rows)


def _read_jd(table: _Table, counter: _Counter) -> ParsedExport:
    """JD: one row per item; an order's rows follow one another (its order-level cells are
    read from its first row). An order id met again after another order began is a
    duplicate."""
    parsed: list[MarketOrder] = []
    refused: list[RefusedRow] = []
    seen = _Seen()
    current: _JdOrder | None = None

    def finish(order: _JdOrder | None) -> None:
        if order is not None and not order.is_refused:
            parsed.append(order.record())

    for row in table:
        counter.count()
        external_id = ""
        try:
            external_id = row.order_id("订单号")
            if current is None or current.external_id != external_id:
                first = seen.first(external_id, row.line)
                if first is not None:
                    raise _Refused("market_duplicate_order", "订单号", external_id=external_id, first_line=first)
                finish(current)
                current = _JdOrder(external_id)
                current.start(row)
            elif current.is_refused:
                continue  # the order is refused on an earlier line
            current.add_line(row)
        except _Refused as refusal:
            refused.append(_refused(table, row.line, refusal, external_id))
            if current is not None and current.external_id == external_id:
                current.is_refused = True
    finish(current)
    return ParsedExport(str(Layout.JD), parsed, refused, counter.rows)


class _JdOrder:
    def __init__(self, external_id: str) -> None:
        self.external_id = external_id
        self.is_refused = False
        self.lines: list[MarketLine] = []
        self.line_numbers: list[int] = []
        self.fields: dict[str, object] = {}

    def start(self, row: _Row) -> None:
        self.is_refused = True  # until the order-level cells are read
        status, refund = _status(row, "订单状态", JD_STATUSES)
        refund = _refund(row, "退款状态") or refund
        province, city, district, detail = _one_line_address(row, "客户地址")
        payable = row.amount("应付金额", required=True)
        shipping = row.amount("运费金额")
        paid_at = row.moment("付款确认时间")
        if shipping > payable:
            raise _Refused("market_bad_amount", "运费金额", value=row.text("运费金额"))
        self.fields = {
            "status": str(status),
            "refund": str(refund),
            "buyer_nick": row.limited("下单帐号", "buyer_nick"),
            "receiver_name": row.limited("客户姓名", "receiver_name", required=True),
            "phone": row.phone("联系电话"),
            "province": province,
            "city": city,
            "district": district,
            "detail": detail,
            # 应付金额 is what the buyer pays, freight included; paid once JD confirmed it.
            "goods_total": payable - shipping,
            "shipping_fee": shipping,
            "paid_amount": payable if paid_at is not None else Decimal("0.00"),
            "created_at": row.moment("下单时间"),
            "paid_at": paid_at,
            "buyer_message": row.text("订单备注"),
            "seller_memo": row.text("商家备注"),
        }
        self.is_refused = False

    def add_line(self, row: _Row) -> None:
        sku_code = row.limited("商家SKU", "sku", required=True)
        self.lines.append(
            MarketLine(
                sku_code=sku_code,
                title=row.text("商品名称")[:200],
                quantity=row.quantity("订购数量"),
                unit_price=row.amount("京东价", required=True),
                line_number=row.line,
            )
        )
        self.line_numbers.append(row.line)

    def record(self) -> MarketOrder:
        return MarketOrder(
            external_id=self.external_id,
            lines=tuple(self.lines),
            line_numbers=tuple(self.line_numbers),
            **self.fields,  # type: ignore[arg-type]
        )


def _read_pinduoduo(table: _Table, counter: _Counter) -> ParsedExport:
    """Pinduoduo: one row per order (one kind of goods); the address in four columns."""
    parsed: list[MarketOrder] = []
    refused: list[RefusedRow] = []
    seen = _Seen()
    for row in table:
        counter.count()
        external_id = ""
        try:
            external_id = row.order_id("订单号")
            first = seen.first(external_id, row.line)
            if first is not None:
                raise _Refused("market_duplicate_order", "订单号", external_id=external_id, first_line=first)
            status, refund = _status(row, "订单状态", PINDUODUO_STATUSES)
            refund = _refund(row, "售后状态") or refund
            quantity = row.quantity("商品数量(件)")
            goods_value = row.amount("商品总价(元)", required=True)
            discounts = row.amount("店铺优惠折扣(元)") + row.amount("平台优惠折扣(元)")
            if discounts > goods_value:
                raise _Refused("market_bad_amount", "店铺优惠折扣(元)", value=row.text("店铺优惠折扣(元)"))
            province = normalize_province(row.required("省"))
            if province is None:
                raise _Refused("market_bad_address", "省", value=row.text("省")[:200])
            detail = row.limited("街道", "detail", required=True)
            confirmed = row.moment("订单确认时间")
            grouped = row.moment("拼单成功时间")
            parsed.append(
                MarketOrder(
                    external_id=external_id,
                    status=str(status),
                    buyer_nick="",
                    receiver_name=row.limited("收货人", "receiver_name", required=True),
                    phone=row.phone("手机"),
                    province=province,
                    city=row.required("市")[:50],
                    district=row.text("区")[:50],
                    detail=detail,
                    lines=(
                        MarketLine(
                            sku_code=row.limited("商家编码-SKU维度", "sku", required=True),
                            title=row.text("商品")[:200],
                            quantity=quantity,
                            # 商品总价 is the goods before discounts; one unit's share of it.
                            unit_price=(goods_value / quantity).quantize(Decimal("0.01")),
                            line_number=row.line,
                        ),
                    ),
                    # What the buyer pays for the goods: after the shop's and the platform's discounts.
                    goods_total=goods_value - discounts,
                    shipping_fee=row.amount("邮费(元)"),
                    paid_amount=row.amount("用户实付金额(元)"),
                    created_at=confirmed or grouped,
                    paid_at=grouped,
                    refund=str(refund),
                    buyer_message=row.text("买家留言"),
                    seller_memo=row.text("商家备注"),
                    carrier_name=row.text("快递公司")[:50],
                    tracking_number=_tracking(row.text("快递单号")),
                    line_numbers=(row.line,),
                )
            )
        except _Refused as refusal:
            refused.append(_refused(table, row.line, refusal, external_id))
    return ParsedExport(str(Layout.PINDUODUO), parsed, refused, counter.rows)
