"""The benchmark's steps that need Django, run by bench/run.py as a subprocess with
DATABASE_URL set to the database under test. Each prints one JSON object on stdout.

    python bench/django_steps.py seed SKU_COUNT STOCK HOT_STOCK
    python bench/django_steps.py queries TOKEN
    python bench/django_steps.py check
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sellerdesk.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min, Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from sellerdesk.catalog.actions import create_sku  # noqa: E402
from sellerdesk.core.models import ApiToken, User, hash_token  # noqa: E402
from sellerdesk.inventory.actions import set_on_hand  # noqa: E402
from sellerdesk.inventory.models import StockLevel  # noqa: E402
from sellerdesk.orders.models import Order, OrderLine  # noqa: E402

HOT_SKU = "HOT-1"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def sku_code(number: int) -> str:
    return f"BENCH-{number:04d}"


def seed(sku_count: int, stock: int, hot_stock: int) -> dict[str, Any]:
    """An owner with an API token, `sku_count` SKUs with `stock` units each, and the hot SKU."""
    with transaction.atomic():
        owner = User.objects.create_user(username="bench-owner", password=None, role="owner", display_name="压测")
        raw = ApiToken.generate()
        ApiToken.objects.create(user=owner, name="bench", key_hash=hash_token(raw), prefix=raw[:8])
        for number in range(1, sku_count + 1):
            sku = create_sku(
                actor=owner,
                code=sku_code(number),
                name=f"基础款T恤 {number}",
                price=Decimal("99.50"),
                attributes={"颜色": "白", "尺码": "M"},
            )
            set_on_hand(sku=sku, on_hand=stock, actor=owner)
        hot = create_sku(actor=owner, code=HOT_SKU, name="秒杀款", price=Decimal("99.00"))
        set_on_hand(sku=hot, on_hand=hot_stock, actor=owner)
    return {"token": raw, "skus": sku_count, "stock": stock, "hot_stock": hot_stock}


def order_body(first: str, second: str) -> str:
    return json.dumps(
        {
            "buyer": {"name": "买家", "phone": "13812345678", "nickname": f"queries-{first}-{second}"},
            "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路1号"},
            "lines": [
                {"sku": first, "quantity": 1, "unit_price": "99.50"},
                {"sku": second, "quantity": 1, "unit_price": "99.50"},
            ],
        }
    )


def queries(token: str) -> dict[str, Any]:
    """SQL statements of one 2-line order placed through the API (after one warm-up order,
    so one-time work such as loading content types is not counted)."""
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    warm_up = client.post("/api/v1/orders", order_body(sku_code(1), sku_code(2)), content_type="application/json")
    assert warm_up.status_code == 201, warm_up.content
    with CaptureQueriesContext(connection) as captured:
        answer = client.post("/api/v1/orders", order_body(sku_code(3), sku_code(4)), content_type="application/json")
    assert answer.status_code == 201, answer.content
    statements = [query["sql"] for query in captured.captured_queries]
    work = [sql for sql in statements if not sql.upper().startswith(TRANSACTION_CONTROL)]
    return {
        "queries_per_order": len(statements),
        "queries_per_order_excluding_transaction_control": len(work),
        "statements": statements,
    }


def check(hot_stock: int) -> dict[str, Any]:
    """Oversell and ledger checks, read back from the database after the load."""
    levels = list(StockLevel.objects.select_related("sku"))
    sold = dict(
        OrderLine.objects.exclude(order__status="closed")
        .values_list("sku_id")
        .annotate(units=Sum("quantity"))
        .values_list("sku_id", "units")
    )
    reserved_by_lines = dict(
        OrderLine.objects.values_list("sku_id").annotate(units=Sum("reserved_quantity")).values_list("sku_id", "units")
    )
    oversold = sum(max(0, sold.get(level.sku_id, 0) - level.on_hand) for level in levels)
    hot = next(level for level in levels if level.sku.code == HOT_SKU)
    hot_orders = Order.objects.filter(lines__sku=hot.sku).aggregate(first=Min("created_at"), last=Max("created_at"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(on_hand - reserved) FROM inventory_stocklevel")
        (min_available,) = cursor.fetchone()
    return {
        "orders": Order.objects.count(),
        "oversold": oversold,
        "min_available": min_available,
        "reservations_match_lines": all(level.reserved == reserved_by_lines.get(level.sku_id, 0) for level in levels),
        "hot_units_sold": sold.get(hot.sku_id, 0),
        "hot_oversold": sold.get(hot.sku_id, 0) - hot_stock,
        "hot_available": hot.available,
        "hot_first_to_last_order_s": (
            (hot_orders["last"] - hot_orders["first"]).total_seconds() if hot_orders["first"] else None
        ),
    }


if __name__ == "__main__":
    step, arguments = sys.argv[1], sys.argv[2:]
    if step == "seed":
        result = seed(*(int(value) for value in arguments))
    elif step == "queries":
        result = queries(arguments[0])
    elif step == "check":
        result = check(int(arguments[0]))
    else:
        raise SystemExit(f"unknown step {step}")
    print(json.dumps(result, ensure_ascii=False, default=str))
