from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.models import StockMovement
from sellerdesk.logistics.actions import CoverageRule, create_carrier, replace_coverage
from sellerdesk.logistics.models import Carrier
from sellerdesk.orders.models import Order, OrderHold
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku
from tests.review.conftest import paid, supervisor, tee

__all__ = ["everything", "ledger", "paid", "supervisor", "tee"]


@pytest.fixture
def blue(db: Any) -> Sku:
    return make_sku("TEE-BLU-M", price="69.00", stock=5)


@pytest.fixture
def cap(db: Any) -> Sku:
    return make_sku("CAP-1", price="20.00", stock=10)


def ledger(order: Order) -> list[tuple[str, str, int]]:
    """(kind, SKU, reserved delta) of the stock movements of the order, in order."""
    return [
        (kind, code, delta)
        for kind, code, delta in StockMovement.objects.filter(document=order.number)
        .order_by("pk")
        .values_list("kind", "sku__code", "reserved_delta")
    ]


def everything(order: Order) -> dict[str, Any]:
    """Every figure of the order a change could touch, and the stock rows."""
    from tests.api.helpers import snapshot

    fresh = Order.objects.get(pk=order.pk)
    return {
        "snapshot": snapshot(),
        "order": (
            fresh.status,
            fresh.payment_status,
            fresh.total,
            fresh.subtotal,
            fresh.refunded_amount,
            fresh.carrier,
            fresh.address_text,
        ),
        "lines": list(fresh.lines.values_list("position", "sku_code", "quantity", "unit_price", "reserved_quantity")),
        "holds": list(OrderHold.objects.filter(order=order).values_list("reason", "resolved_at")),
        "movements": StockMovement.objects.count(),
    }


@pytest.fixture(autouse=True)
def carriers(db: Any) -> list[Carrier]:
    """ZTO serves the mainland but not 阿里地区; SF serves it all and collects cash."""
    mainland = [CoverageRule(province) for province in ("浙江省", "西藏自治区", "广东省")]
    zto = create_carrier(actor=None, code="ZTO", name="中通快递")
    replace_coverage(
        actor=None, carrier=zto, rules=[*mainland, CoverageRule("西藏自治区", "阿里地区", is_excluded=True)]
    )
    sf = create_carrier(actor=None, code="SF", name="顺丰速运", supports_cod=True)
    replace_coverage(actor=None, carrier=sf, rules=mainland)
    return [sf, zto]
