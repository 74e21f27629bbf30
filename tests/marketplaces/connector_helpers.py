"""Builders for the connector tests: a connected 天猫 shop, marketplace orders as JSON,
signed pushes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from sellerdesk.marketplaces.connectors import signed
from sellerdesk.marketplaces.models import Connection
from sellerdesk.shops.models import Shop
from tests.factories import make_sku

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)
SECRET = "push-secret-of-the-tests"


def use_simulated_marketplace(directory: Path) -> None:
    """PUSH_SECRET and SIMULATED_DIR of the tests (call with pytest-django's `settings`
    fixture active: it restores them)."""
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {
            **settings.SELLERDESK["MARKETPLACES"],
            "PUSH_SECRET": SECRET,
            "SIMULATED_DIR": directory,
            "NOTICE_MAX_ATTEMPTS": 3,
            "NOTICE_BACKOFF_SECONDS": 60,
            "LEASE_SECONDS": 120,
        },
    }


def connected_tmall(**connection: Any) -> Shop:
    make_sku("TEE-RED-M", price="59.00", stock=50)
    make_sku("MUG-WHITE", price="30.00", stock=50)
    shop = Shop.objects.create(code="tmall", name="暖阳小铺 天猫旗舰店", platform="tmall")
    Connection.objects.create(shop=shop, adapter="simulated", **connection)
    return shop


def market_json(external_id: str = "4001", *, minutes: int = 0, **fields: Any) -> dict[str, Any]:
    """A paid order of two T-shirts as the marketplace has it `minutes` after T0."""
    order: dict[str, Any] = {
        "external_id": external_id,
        "status": "paid",
        "refund": "",
        "modified_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "created_at": T0.isoformat(),
        "paid_at": T0.isoformat(),
        "buyer_nick": "tb_xiaoli",
        "receiver_name": "李小丽",
        "phone": "13900139000",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 90 号",
        "lines": [{"sku_code": "TEE-RED-M", "title": "红色T恤 M", "quantity": 2, "unit_price": "59.00"}],
        "goods_total": "118.00",
        "shipping_fee": "0.00",
        "paid_amount": "118.00",
        "buyer_message": "",
        "seller_memo": "",
        "carrier_name": "",
        "tracking_number": "",
    }
    order.update(fields)
    return order


def push_body(message_id: str = "TMC-1", *, shop: str = "tmall", **order: Any) -> bytes:
    payload = {"shop": shop, "message_id": message_id, "topic": "order.modified", "order": market_json(**order)}
    return json.dumps(payload, ensure_ascii=False).encode()


def signature(body: bytes) -> str:
    return signed(body, SECRET)
