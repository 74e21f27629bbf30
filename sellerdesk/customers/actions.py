from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import F

from sellerdesk.customers.models import Customer, customer_identity
from sellerdesk.shops.models import Shop


def count_order_of_buyer(*, shop: Shop, name: str, phone: str, nickname: str, at: datetime) -> int:
    """The id of the shop's customer for this buyer (by nickname, else by phone), created
    if new, with one more order counted — in a single statement, race-free."""
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (shop_id, identity, nickname, name, phone, order_count, total_spent, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, 1, 0, %s) "
            f"ON CONFLICT (shop_id, identity) DO UPDATE SET order_count = {table}.order_count + 1 "
            "RETURNING id",
            [shop.pk, customer_identity(nickname=nickname, phone=phone), nickname, name, phone, at],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def add_spending(*, customer_id: int, amount: Decimal) -> None:
    """Money actually paid by the customer; refunds pass a negative amount."""
    Customer.objects.filter(pk=customer_id).update(total_spent=F("total_spent") + amount)
