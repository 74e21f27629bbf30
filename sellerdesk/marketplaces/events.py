"""The stored texts of the marketplaces app (core.messages): refused rows' reasons, a
failed import's error, the events written on orders by imports and pushes. Each code is
registered once, in `register_texts`, called from `MarketplacesConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sellerdesk.core import messages
from sellerdesk.orders.events import register_event_code
from sellerdesk.orders.models import OrderEventType

# (code, template, example parameters). Helpers append their codes here.
TEXTS: list[tuple[str, object, dict[str, object]]] = [
    ("market_file_unreadable", _("The file could not be read: %(detail)s"), {"detail": "x"}),
]


def register_texts() -> None:
    for code, template, example in TEXTS:
        if not messages.is_registered(code):
            messages.register(code, template, example=dict(example))  # type: ignore[arg-type]


# --- H2: applying a marketplace order (marketplaces.apply) and importing a file -------------
TEXTS += [
    ("market_unknown_sku", _("No SKU with the code %(sku)s"), {"sku": "TEE-RED-M"}),
    ("market_sku_not_on_sale", _("SKU %(sku)s is not on sale"), {"sku": "TEE-RED-M"}),
    ("market_not_enough_stock", _("Not enough stock of %(sku)s"), {"sku": "TEE-RED-M"}),
    ("market_no_lines", _("The order has no goods"), {}),
    ("market_no_address", _("The order has no receiver or address"), {}),
    ("market_order_invalid", _("The order was refused: %(detail)s"), {"detail": "x"}),
    ("market_order_refused", _("The order was refused: %(detail)s"), {"detail": "x"}),
    ("market_skip_cancelled", _("Closed on the marketplace: nothing to take in"), {}),
    ("market_skip_shipped_elsewhere", _("Already shipped on the marketplace, not by us: not taken in"), {}),
    ("market_skip_stale", _("Older than what the marketplace told us last: nothing changes"), {}),
    ("market_change_created", _("New order"), {"status": "paid"}),
    ("market_change_paid", _("Paid on the marketplace: a payment of ¥%(amount)s is recorded"), {"amount": "59.00"}),
    ("market_change_cancelled", _("Cancelled on the marketplace: the order is cancelled"), {}),
    (
        "market_change_held_refund",
        _("A refund was asked for on the marketplace: the order is held for review"),
        {"refund": "requested"},
    ),
    (
        "market_change_status",
        _("Status on the marketplace: %(before)s → %(after)s"),
        {"before": "paid", "after": "shipped"},
    ),
    ("market_change_details", _("Other details changed on the marketplace (not applied to the order)"), {}),
    ("market_hold_refund", _("The buyer asked the marketplace for a refund before shipping"), {"refund": "requested"}),
    ("market_closed_on_marketplace", _("Cancelled on the marketplace (%(platform)s)"), {"platform": "tmall"}),
]


def _said_sentence(said: object) -> str:
    sentences = {
        "cancelled_after_shipping": _("the marketplace cancelled the order after it shipped"),
        "refund_requested": _("the buyer asked the marketplace for a refund"),
        "refund_refunded": _("the marketplace refunded the buyer"),
        "shipped_elsewhere": _("the marketplace says it shipped, but it has not shipped here"),
        "paid_after_closed": _(
            "the marketplace says the buyer paid, but the order was closed here unpaid (its time to pay "
            "ran out, or it was cancelled): nothing was reopened"
        ),
        "paid_other_amount": _(
            "the buyer paid the marketplace another amount than this order's total (its price was changed "
            "there): the order's total was recorded as paid"
        ),
    }
    return str(sentences.get(str(said), said))


def _register_attention() -> None:
    """A planned "a person must look" change (apply.CHANGE_ATTENTION): its `said` code read
    as the same sentence the order's timeline shows (market_said), not as the bare code."""
    messages.register(
        "market_change_attention",
        _("Flagged for a person: %(said)s"),
        format=lambda data: {"said": _said_sentence(data.get("said", ""))},
        example={"said": "shipped_elsewhere"},
    )


def _register_order_events() -> None:
    """Events the marketplace writes on an order's timeline, as system notes."""
    register_event_code(
        "market_said",
        OrderEventType.NOTE_ADDED,
        _("Marketplace: %(said)s"),
        format=lambda data: {"said": _said_sentence(data.get("said", ""))},
        example={"said": "shipped_elsewhere"},
    )
    register_event_code(
        "market_seller_memo",
        OrderEventType.NOTE_ADDED,
        _("Seller's memo on the marketplace: %(text)s"),
        example={"text": "送小样"},
    )


_register_order_events()
_register_attention()
TEXTS += [
    (
        "market_unknown_layout",
        _("The file's columns are not a Taobao/Tmall, JD or Pinduoduo order export"),
        {"line": 1},
    ),
    ("market_import_failed", _("The import stopped: %(detail)s"), {"detail": "x"}),
]

# --- H1: reading the export files (marketplaces.layouts) ------------------------------------
TEXTS += [
    (
        "items_file_missing",
        _("%(file)s is a Taobao/Tmall order report: upload its items file (宝贝报表) with it"),
        {"file": "ExportOrderList.csv"},
    ),
    (
        "market_missing_columns",
        _("%(file)s: line 1 has no column %(columns)s, which this export must have"),
        {"line": 1, "file": "ExportOrderList.csv", "columns": "订单编号、收货地址"},
    ),
    ("market_missing_value", _("%(column)s is empty"), {"column": "收货人姓名"}),
    (
        "market_value_too_long",
        _("%(column)s is longer than %(max_chars)s characters"),
        {"column": "收货人姓名", "max_chars": 100},
    ),
    ("market_bad_order_id", _("%(value)s is not a marketplace order id"), {"column": "订单编号", "value": "1 2"}),
    ("market_bad_amount", _("%(column)s is not an amount: %(value)s"), {"column": "买家实际支付金额", "value": "1e3"}),
    (
        "market_bad_quantity",
        _("%(column)s is not a whole number of 1 or more: %(value)s"),
        {"column": "购买数量", "value": "-1"},
    ),
    ("market_bad_date", _("%(column)s is not a date and time: %(value)s"), {"column": "订单付款时间", "value": "昨天"}),
    (
        "market_bad_address",
        _("The address could not be split into province, city and district: %(value)s"),
        {"column": "收货地址", "value": "文三路90号"},
    ),
    (
        "market_unknown_status",
        _("%(value)s is not an order status this export is known to use"),
        {"column": "订单状态", "value": "等待外星人"},
    ),
    (
        "market_unknown_refund",
        _("%(value)s is not a refund status this export is known to use"),
        {"column": "退款状态", "value": "等待外星人"},
    ),
    (
        "market_duplicate_order",
        _("Order %(external_id)s is in the file already, on line %(first_line)s"),
        {"column": "订单编号", "external_id": "3141592653589793", "first_line": 2},
    ),
    (
        "market_order_without_items",
        _("Order %(external_id)s has no goods in the items file"),
        {"column": "订单编号", "external_id": "3141592653589793"},
    ),
    (
        "market_item_without_order",
        _("The items file lists order %(external_id)s, which the orders file does not have"),
        {"column": "订单编号", "external_id": "3141592653589793"},
    ),
]

# --- H4: shipments told back to the marketplace (marketplaces.notices) ----------------------
SHIPMENT_TOLD = "market_shipment_told"
SHIPMENT_NOT_TOLD = "market_shipment_not_told"


def _register_notice_events() -> None:
    """The shipment notices' outcome on the order's timeline, as system notes."""
    register_event_code(
        SHIPMENT_TOLD,
        OrderEventType.NOTE_ADDED,
        _("The marketplace was told the order shipped: %(carrier)s %(tracking_number)s"),
        example={"carrier": "ZTO", "tracking_number": "73100000001"},
    )
    register_event_code(
        SHIPMENT_NOT_TOLD,
        OrderEventType.NOTE_ADDED,
        _(
            "The marketplace could not be told the order shipped (%(carrier)s %(tracking_number)s) after "
            "%(attempts)s attempts: mark it shipped there by hand or with the bulk-ship file"
        ),
        example={"carrier": "ZTO", "tracking_number": "73100000001", "attempts": 6},
    )


_register_notice_events()
