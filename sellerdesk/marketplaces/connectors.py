"""Marketplace connectors: one interface for every marketplace, a simulated one that
ships, and a registry by name.

A connector does four things, each in its marketplace's own format and always with no
transaction open (every call may leave the process):

- `verify(body, signature)`: whether a pushed message is signed by the marketplace;
- `parse_push(body)`: the pushed message as a `PushedOrder` (ValidationFailed naming each
  bad field otherwise);
- `pull_orders(shop=, since=, until=)`: the shop's orders changed on the marketplace in
  (since, until], as `MarketOrder` records;
- `send_shipment(notice)`: tell the marketplace an order shipped (发货回传); the
  marketplace's id of that, or OSError when it cannot be reached (tried again later).

Which connector a shop uses is its `Connection` (marketplaces.models). The simulated
marketplace ("simulated") reads the orders it "has" from SIMULATED_DIR/<shop code>/
orders.jsonl (one MarketOrder as JSON a line, `market_order_to_json`), writes each
shipment it is told of as one JSON line to SIMULATED_DIR/<shop code>/shipments.jsonl,
is "unreachable" while a file SIMULATED_DIR/<shop code>/unreachable exists, and signs
its pushes with SELLERDESK["MARKETPLACES"]["PUSH_SECRET"] (HMAC-SHA256 of the raw body,
hex, in the X-Sellerdesk-Signature header: as the chat channel's pushes, service.adapters).

A pushed message (UTF-8 JSON object):
    {"shop": "tmall", "message_id": "TMC-0001", "topic": "order.modified",
     "order": {<market_order_to_json of the order as the marketplace now has it>}}
The order's `modified_at` (required) is the marketplace's time of that snapshot: it is
what puts messages arriving out of order back in order (marketplaces.apply).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import limits
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.marketplaces.models import Connection, ShipmentNotice
from sellerdesk.marketplaces.records import MarketLine, MarketOrder, MarketRefund, MarketStatus
from sellerdesk.service.adapters import sign
from sellerdesk.shops.models import Shop

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sellerdesk-Signature"
MAX_PUSH_BYTES = 256 * 1024
MAX_LINES = 500
MAX_QUANTITY = 100_000
# An amount as the marketplaces write it; more than 10 digits is not an order's (and would
# not fit the order's columns).
AMOUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
# A marketplace's times are of this century; a year 1 or 9999 would overflow in the
# database once moved to UTC.
YEARS = (2000, 2100)

# Field: its longest value (the order's column it ends up in).
TEXT_LIMITS = {
    "external_id": 64,
    "buyer_nick": 100,
    "receiver_name": 100,
    "phone": 32,
    "province": 50,
    "city": 50,
    "district": 50,
    "detail": 300,
    "buyer_message": 2000,
    "seller_memo": 2000,
    "carrier_name": 50,
    "tracking_number": 64,
}
REQUIRED_TEXTS = ("external_id", "receiver_name", "phone", "province", "city", "detail")


def market_settings() -> dict[str, Any]:
    """settings.SELLERDESK["MARKETPLACES"]."""
    return dict(settings.SELLERDESK.get("MARKETPLACES", {}))


@dataclass(frozen=True)
class PushedOrder:
    """An order message a marketplace pushed, in sellerdesk's words."""

    shop_code: str
    message_id: str
    topic: str
    order: MarketOrder


class MarketplaceConnector(Protocol):
    name: str

    def verify(self, body: bytes, signature: str) -> bool:
        """Whether `signature` is the marketplace's signature of `body`."""
        ...

    def parse_push(self, body: bytes) -> PushedOrder:
        """The pushed message in `body`; ValidationFailed naming every bad field."""
        ...

    def pull_orders(self, *, shop: Shop, since: datetime | None, until: datetime) -> list[MarketOrder]:
        """The shop's orders changed on the marketplace after `since` (all, when None) up
        to `until`. Raises OSError when the marketplace cannot be reached."""
        ...

    def send_shipment(self, notice: ShipmentNotice) -> str:
        """Tell the marketplace the notice's order shipped; its id of that. Called with no
        transaction open; raises OSError when the marketplace cannot be reached."""
        ...


# --- MarketOrder as JSON ---------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def market_order_to_json(order: MarketOrder) -> dict[str, object]:
    """The record as the simulated marketplace writes it (amounts as strings, times ISO 8601)."""
    return {
        "external_id": order.external_id,
        "status": order.status,
        "refund": order.refund,
        "modified_at": _time(order.modified_at),
        "created_at": _time(order.created_at),
        "paid_at": _time(order.paid_at),
        "buyer_nick": order.buyer_nick,
        "receiver_name": order.receiver_name,
        "phone": order.phone,
        "province": order.province,
        "city": order.city,
        "district": order.district,
        "detail": order.detail,
        "lines": [
            {
                "sku_code": line.sku_code,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in order.lines
        ],
        "goods_total": str(order.goods_total),
        "shipping_fee": str(order.shipping_fee),
        "paid_amount": str(order.paid_amount),
        "buyer_message": order.buyer_message,
        "seller_memo": order.seller_memo,
        "carrier_name": order.carrier_name,
        "tracking_number": order.tracking_number,
    }


def _encodes(value: str) -> bool:
    # A lone surrogate ("\\ud800" in JSON) is a str in Python and no text in a database.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Reader:
    """Reads one JSON object's fields, collecting every problem under its path."""

    def __init__(self, data: dict[str, Any], prefix: str, bad: dict[str, str]) -> None:
        self.data, self.prefix, self.bad = data, prefix, bad

    def fail(self, key: str, reason: str) -> None:
        self.bad.setdefault(self.prefix + key, reason)

    def text(self, key: str, *, limit: int, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(key, _("must be a string"))
            return ""
        value = value.replace("\x00", "").strip()
        if not _encodes(value):
            self.fail(key, _("is not valid text"))
            return ""
        if required and not value:
            self.fail(key, _("is required"))
        elif len(value) > limit:
            self.fail(key, _("at most %(count)s characters") % {"count": limit})
        return value

    def choice(self, key: str, allowed: list[str], *, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None and default is not None:
            value = default
        if not isinstance(value, str) or value not in allowed:
            self.fail(key, _("must be one of %(values)s") % {"values": ", ".join(repr(item) for item in allowed)})
            return default or ""
        return value

    def amount(self, key: str) -> Decimal:
        value = self.data.get(key)
        # Written out plainly ("59.00", 59, 59.9): no exponent, no sign, cents at most.
        text = value.strip() if isinstance(value, str) else str(value)
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)) or not AMOUNT.fullmatch(text):
            self.fail(key, _('must be an amount such as "59.00"'))
            return Decimal(0)
        return Decimal(text).quantize(Decimal("0.01"))

    def quantity(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
            self.fail(key, _("must be a whole number from 1 to %(most)s") % {"most": MAX_QUANTITY})
            return 1
        return value

    def moment(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, _("is required"))
            return None
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            self.fail(key, _("must be a date and time such as 2026-03-10T09:30:00+08:00"))
            return None
        if not YEARS[0] <= moment.year < YEARS[1]:
            self.fail(key, _("must be a date and time such as 2026-03-10T09:30:00+08:00"))
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_current_timezone())
        return moment


def market_order_from_json(data: object, *, prefix: str = "", require_modified_at: bool = True) -> MarketOrder:
    """A MarketOrder from its JSON form (`market_order_to_json`); ValidationFailed naming
    every bad field (as `prefix` + field, e.g. "order.lines[0].quantity")."""
    bad: dict[str, str] = {}
    if not isinstance(data, dict):
        raise ValidationFailed({prefix.rstrip(".") or "order": _("is not a JSON object")})
    read = _Reader(data, prefix, bad)
    texts = {key: read.text(key, limit=limit, required=key in REQUIRED_TEXTS) for key, limit in TEXT_LIMITS.items()}
    status = read.choice("status", list(MarketStatus.values))
    refund = read.choice("refund", list(MarketRefund.values), default="")
    modified_at = read.moment("modified_at", required=require_modified_at)
    created_at = read.moment("created_at")
    paid_at = read.moment("paid_at")
    lines: list[MarketLine] = []
    raw_lines = data.get("lines")
    if not isinstance(raw_lines, list) or not raw_lines:
        read.fail("lines", _("must be a list of one line or more"))
    elif len(raw_lines) > MAX_LINES:
        read.fail("lines", _("at most %(count)s lines") % {"count": MAX_LINES})
    else:
        for index, raw in enumerate(raw_lines):
            where = f"{prefix}lines[{index}]."
            if not isinstance(raw, dict):
                bad.setdefault(where.rstrip("."), _("is not a JSON object"))
                continue
            line = _Reader(raw, where, bad)
            lines.append(
                MarketLine(
                    sku_code=line.text("sku_code", limit=64, required=True),
                    title=line.text("title", limit=200),
                    quantity=line.quantity("quantity"),
                    unit_price=line.amount("unit_price"),
                    line_number=index + 1,
                )
            )
    goods_total = read.amount("goods_total")
    shipping_fee = read.amount("shipping_fee")
    paid_amount = read.amount("paid_amount")
    if bad:
        raise ValidationFailed(bad)
    return MarketOrder(
        status=status,
        refund=refund,
        lines=tuple(lines),
        goods_total=goods_total,
        shipping_fee=shipping_fee,
        paid_amount=paid_amount,
        created_at=created_at,
        paid_at=paid_at,
        modified_at=modified_at,
        **texts,  # type: ignore[arg-type]
    )


def _no_constants(name: str) -> object:
    raise ValueError(name)


def load_json(body: bytes) -> object:
    """`body` as JSON: decimals kept exact, NaN and Infinity refused; ValueError otherwise."""
    return limits.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constants)


def parse_pushed_order(body: bytes) -> PushedOrder:
    """The project's push format (module docstring); ValidationFailed naming every bad field."""
    if len(body) > MAX_PUSH_BYTES:
        raise ValidationFailed({"body": _("at most %(count)s bytes") % {"count": MAX_PUSH_BYTES}})
    try:
        payload = load_json(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationFailed({"body": _("is not a JSON object")}) from None
    if not isinstance(payload, dict):
        raise ValidationFailed({"body": _("is not a JSON object")})
    bad: dict[str, str] = {}
    read = _Reader(payload, "", bad)
    shop = read.text("shop", limit=40, required=True)
    message_id = read.text("message_id", limit=64, required=True)
    topic = read.text("topic", limit=40) or "order.modified"
    order: MarketOrder | None = None
    try:
        order = market_order_from_json(payload.get("order"), prefix="order.")
    except ValidationFailed as error:
        bad.update(error.fields)
    if bad or order is None:
        raise ValidationFailed(bad)
    return PushedOrder(shop_code=shop, message_id=message_id, topic=topic, order=order)


# --- the simulated marketplace ---------------------------------------------------------------


class SimulatedMarketplace:
    """The marketplace that ships with sellerdesk (module docstring): orders to pull and
    shipments told in files under SIMULATED_DIR, pushes signed with PUSH_SECRET."""

    name = "simulated"

    def __init__(self) -> None:
        config = market_settings()
        self.secret = str(config.get("PUSH_SECRET") or "")
        self.directory = Path(config.get("SIMULATED_DIR") or Path(settings.VAR_DIR) / "marketplace")

    def shop_directory(self, shop_code: str) -> Path:
        return self.directory / shop_code

    def verify(self, body: bytes, signature: str) -> bool:
        # No secret configured: every push is refused rather than every push accepted.
        if not self.secret or not signature:
            return False
        return hmac_equal(sign(body, self.secret), signature)

    def parse_push(self, body: bytes) -> PushedOrder:
        return parse_pushed_order(body)

    def _reachable(self, shop_code: str) -> None:
        if (self.shop_directory(shop_code) / "unreachable").exists():
            raise ConnectionError(f"simulated marketplace of {shop_code} is unreachable")

    def _orders(self, shop_code: str) -> Iterator[MarketOrder]:
        path = self.shop_directory(shop_code) / "orders.jsonl"
        if not path.exists():
            return
        with path.open("rb") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    yield market_order_from_json(load_json(line))
                except (ValidationFailed, UnicodeDecodeError, ValueError, RecursionError) as error:
                    # One bad line of the marketplace's does not hold back the others.
                    logger.warning("%s line %s skipped: %s", path, number, error)

    def pull_orders(self, *, shop: Shop, since: datetime | None, until: datetime) -> list[MarketOrder]:
        self._reachable(shop.code)
        return [
            order
            for order in self._orders(shop.code)
            if order.modified_at is not None
            and order.modified_at <= until
            and (since is None or order.modified_at > since)
        ]

    def send_shipment(self, notice: ShipmentNotice) -> str:
        shop_code = notice.shop.code
        self._reachable(shop_code)
        line = {
            "id": f"SIMSHIP{notice.pk}",
            "at": timezone.localtime().isoformat(),
            "order": notice.external_id,
            "carrier": notice.carrier_code,
            "tracking_number": notice.tracking_number,
        }
        path = self.shop_directory(shop_code) / "shipments.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as shipments:
            shipments.write(json.dumps(line, ensure_ascii=False) + "\n")
        return str(line["id"])


def hmac_equal(expected: str, signature: str) -> bool:
    """Compare a signature in constant time (any case, surrounding blanks ignored)."""
    given = signature.strip().lower()
    return given.isascii() and hmac.compare_digest(expected, given)


def signed(body: bytes, secret: str | None = None) -> str:
    """The signature a marketplace sends with `body` (PUSH_SECRET by default): for the
    simulate command and tests."""
    return sign(body, secret if secret is not None else str(market_settings().get("PUSH_SECRET") or ""))


# --- the registry -------------------------------------------------------------------------------

_CONNECTORS: dict[str, Callable[[], MarketplaceConnector]] = {"simulated": SimulatedMarketplace}


def register_connector(name: str, factory: Callable[[], MarketplaceConnector]) -> None:
    """Make connector `name` available (a real marketplace's, a test's fake)."""
    _CONNECTORS[name] = factory


def connector_names() -> list[str]:
    return sorted(_CONNECTORS)


def connector_named(name: str) -> MarketplaceConnector | None:
    """A fresh connector `name` (so that a change of settings shows at once), or None."""
    factory = _CONNECTORS.get(name)
    return factory() if factory is not None else None


def connector_for(shop: Shop) -> MarketplaceConnector | None:
    """The connector of the shop's active Connection, or None (none, inactive, unknown)."""
    connection = Connection.objects.filter(shop=shop, is_active=True).first()
    return connector_named(connection.adapter) if connection is not None else None
