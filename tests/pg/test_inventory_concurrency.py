"""Transfers racing orders on the same SKU, on a real PostgreSQL: orders reserve from
the main warehouse while transfers ship out of it (and back); available never goes
below 0, nothing deadlocks, and the ledger explains every unit."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db.models import Sum

from sellerdesk.core.errors import InsufficientStock
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import StockLevel, StockMovement, Transfer, TransferStatus, Warehouse
from tests.factories import make_sku, make_user, place
from tests.pg.test_concurrency import AvailabilityWatch, run_together


@pytest.mark.django_db(transaction=True)
def test_transfers_and_orders_racing_for_one_sku_never_drive_available_below_zero(shop: Any) -> None:
    # given 60 units in the main warehouse, a second warehouse, and 12 draft transfers of 5 units
    sku = make_sku("RACE-TEE", stock=60)
    main = Warehouse.objects.get(code="main")
    other = Warehouse.objects.create(code="gz", name="广州仓")
    picker = make_user("picker", "warehouse")
    agent = make_user("agent", "agent")
    drafts = [
        actions.create_transfer(from_warehouse=main, to_warehouse=other, lines=[(sku, 5)], actor=picker)
        for _ in range(12)
    ]

    def work(index: int) -> str:
        # even indices place an order for 2; odd ones ship a transfer (and cancel every third back)
        try:
            if index % 2 == 0:
                place(("RACE-TEE", 2), actor=agent)
                return "order"
            transfer = drafts[index // 2 % len(drafts)]
            actions.ship_transfer(transfer=transfer, actor=picker)
            return "shipped"
        except InsufficientStock:
            return "short"
        except Exception as error:  # a transfer already shipped by a sibling thread
            return (
                type(error).__name__
                if type(error).__name__ == "InvalidTransition"
                else f"{type(error).__name__}: {error}"
            )

    # when 16 threads place 24 orders and ship 12 transfers (each twice) at once
    with AvailabilityWatch([sku.pk]) as watch:
        outcomes = run_together(threads=16, rounds=3, work=work)

    # then no error other than refusals, and availability never went negative
    assert outcomes.errors == []
    results = Counter(outcomes.results)
    assert set(results) <= {"order", "shipped", "short", "InvalidTransition"}
    assert watch.samples > 0
    assert watch.lowest is not None and watch.lowest >= 0
    # and every unit is accounted for: reserved by orders + shipped away + still available = 60
    level = StockLevel.objects.get(sku=sku, warehouse=main)
    shipped = Transfer.objects.filter(status=TransferStatus.SHIPPED).count()
    assert results["shipped"] == shipped
    assert level.reserved == 2 * results["order"]
    assert level.on_hand == 60 - 5 * shipped
    assert level.on_hand - level.reserved >= 0
    assert StockLevel.objects.get(sku=sku, warehouse=other).in_transit == 5 * shipped
    ledger = StockMovement.objects.filter(sku=sku, warehouse=main).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    assert (ledger["on_hand"], ledger["reserved"]) == (level.on_hand, level.reserved)
