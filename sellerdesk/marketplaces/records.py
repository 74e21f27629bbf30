"""A marketplace's order in sellerdesk's words, whichever way it came: a row group of an
export file (layouts), a pushed message or a pulled page (connectors). Everything that
writes (apply) reads only these records, never a platform's own format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class MarketStatus(models.TextChoices):
    """A marketplace order's status, mapped from each platform's own words."""

    UNPAID = "unpaid", _("Awaiting payment")
    PAID = "paid", _("Paid, awaiting shipment")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled or closed")


class MarketRefund(models.TextChoices):
    """Where the buyer's refund on the marketplace stands."""

    NONE = "", _("No refund")
    REQUESTED = "requested", _("Refund requested")
    REFUNDED = "refunded", _("Refunded")


@dataclass(frozen=True)
class MarketLine:
    sku_code: str  # 商家编码: the seller's own SKU code, what sellerdesk knows the goods by
    title: str  # 宝贝标题 / 商品名称, as the marketplace shows it
    quantity: int
    unit_price: Decimal  # what the buyer pays for one, after the marketplace's discounts
    line_number: int = 0  # where in the file (items file where the platform splits them)


@dataclass(frozen=True)
class MarketOrder:
    """One marketplace order. `line_numbers` are the file lines it was read from (empty
    for a push); `modified_at` is the marketplace's own time of its last change, which
    orders pushes that arrive out of order."""

    external_id: str  # 订单编号: the marketplace's order id
    status: str  # a MarketStatus value
    buyer_nick: str  # 买家会员名
    receiver_name: str  # 收货人姓名
    phone: str  # 联系手机
    province: str
    city: str
    district: str
    detail: str
    lines: tuple[MarketLine, ...]
    goods_total: Decimal
    shipping_fee: Decimal
    paid_amount: Decimal  # 买家实际支付金额 (0 while unpaid)
    created_at: datetime | None = None
    paid_at: datetime | None = None
    modified_at: datetime | None = None
    refund: str = ""  # a MarketRefund value
    buyer_message: str = ""  # 买家留言
    seller_memo: str = ""  # 卖家备注 / 订单备注
    carrier_name: str = ""  # 物流公司, when the marketplace says it shipped
    tracking_number: str = ""
    line_numbers: tuple[int, ...] = field(default_factory=tuple)

    @property
    def first_line(self) -> int:
        return min(self.line_numbers) if self.line_numbers else 0


@dataclass(frozen=True)
class RefusedRow:
    """A row (or an order's rows) not taken in, and why: a core.messages code and its
    parameters, rendered in the reader's language."""

    line: int
    code: str
    params: dict[str, object] = field(default_factory=dict)
    external_id: str = ""
    field: str = ""
    file: str = "orders"  # "orders" or "items": which of a platform's two files

    def as_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "file": self.file,
            "external_id": self.external_id,
            "field": self.field,
            "code": self.code,
            "params": dict(self.params),
        }
