"""The hooks other apps call: after_stock_arrived (receivers) and release_for_shortfall (counts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sellerdesk.allocation.actions import after_stock_arrived, allocate_order
from sellerdesk.allocation.shortages import release_for_shortfall
from sellerdesk.orders.models import Order, OrderEvent, OrderEventType, Shortage
from sellerdesk.shops.models import Shop
from tests.allocation.conftest import T0, approved, arrive, level, lines_of, make_warehouse, paid, put
from tests.factories import make_sku, place


def test_arrival_converts_presale_lines_oldest_first_whole_lines_only(main: Any, presale_sku: Any) -> None:
    # given 10 presale units in transit at main and three presale orders of 4, 3 and 2
    put(presale_sku, main, 0, in_transit=10)
    first = approved(("PRE-1", 4), at=T0)
    second = approved(("PRE-1", 3), at=T0 + timedelta(minutes=5))
    third = approved(("PRE-1", 2), at=T0 + timedelta(minutes=10))
    assert level(presale_sku, main) == (0, 0, 10, 9)
    # when 6 units arrive
    arrive(presale_sku, main, 6)
    after_stock_arrived(sku_ids=[presale_sku.pk], warehouse_id=main.pk, actor=None, at=T0 + timedelta(days=1))
    # then the oldest (4) is converted and allocated; the second (3) does not fit the 2 left
    # and the third may not jump it
    assert level(presale_sku, main) == (6, 4, 4, 5)
    statuses = dict(Order.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("number", "status"))
    assert statuses == {first.number: "allocated", second.number: "approved", third.number: "approved"}
    assert lines_of(first) == [("PRE-1", 4, "main", 4, False)]
    assert lines_of(third) == [("PRE-1", 2, "main", 2, True)]


def test_presale_units_that_arrived_are_not_given_to_a_waiting_stockout(main: Any, presale_sku: Any) -> None:
    # given a presale order of 3 and 2 arrived units (not enough for it)
    put(presale_sku, main, 0, in_transit=3)
    approved(("PRE-1", 3))
    arrive(presale_sku, main, 2)
    # when an ordinary allocation looks for units of that SKU
    from sellerdesk.allocation.actions import free_stock

    # then none are free: the arrived 2 are owed to the presale line
    assert free_stock([presale_sku.pk], [main.pk]) == {(presale_sku.pk, main.pk): 0}


def test_arrival_allocates_waiting_stockouts_first_come_first_served(main: Any) -> None:
    # given two orders made short by a count (4 units gone), the older paid first
    sku = make_sku("TEE", stock=4)
    older = approved(("TEE", 2), at=T0)
    newer = approved(("TEE", 2), at=T0 + timedelta(hours=1))
    released = release_for_shortfall(
        sku_id=sku.pk, warehouse_id=main.pk, quantity=4, document="PD-1", actor=None, at=T0 + timedelta(hours=2)
    )
    assert released == 4
    put(sku, main, 0)
    # when 3 units arrive
    put(sku, main, 3)
    after_stock_arrived(sku_ids=[sku.pk], warehouse_id=main.pk, actor=None, at=T0 + timedelta(days=1))
    # then the older order gets its 2, the newer waits for the 1 missing unit
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.status, newer.status) == ("allocated", "stockout")
    assert level(sku, main) == (3, 2, 0, 0)
    assert Shortage.objects.filter(order=older, resolved_at__isnull=True).count() == 0
    assert list(
        Shortage.objects.filter(order=newer, resolved_at__isnull=True).values_list("short_quantity", flat=True)
    ) == [2]


def test_release_for_shortfall_takes_from_the_newest_paid_first(main: Any) -> None:
    # given three allocated orders of 2 paid at t0, t0+1h, t0+2h
    sku = make_sku("CUP", stock=6)
    orders = [approved(("CUP", 2), at=T0 + timedelta(hours=hour)) for hour in range(3)]
    for order in orders:
        allocate_order(order=order, actor=None, at=T0 + timedelta(hours=3))
    # when a count finds 3 units fewer than reserved
    released = release_for_shortfall(
        sku_id=sku.pk, warehouse_id=main.pk, quantity=3, document="PD-7", actor=None, at=T0 + timedelta(hours=4)
    )
    # then the newest loses both units, the middle one loses one; the oldest keeps its own
    assert released == 3
    statuses = [Order.objects.get(pk=order.pk).status for order in orders]
    assert statuses == ["allocated", "stockout", "stockout"]
    assert [lines_of(order)[0][3] for order in orders] == [2, 1, 0]
    assert level(sku, main) == (6, 3, 0, 0)
    shortages = list(Shortage.objects.order_by("order_id").values_list("order_id", "short_quantity", "document"))
    assert shortages == [(orders[1].pk, 1, "PD-7"), (orders[2].pk, 2, "PD-7")]
    event = OrderEvent.objects.get(order=orders[2], type=OrderEventType.STOCKOUT)
    assert event.data["status_before"] == "allocated"
    assert event.data["lines"] == [{"sku": "CUP", "position": 1, "short": 2}]


def test_release_for_shortfall_in_a_b2b_shop_takes_from_the_lowest_ranked_first(main: Any) -> None:
    # given a B2B shop: a gold customer's order and a plain customer's later order
    from sellerdesk.customers.models import Customer, CustomerLevel

    shop = Shop.objects.create(code="wholesale", name="批发", is_b2b=True)
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=3)
    sku = make_sku("BOX", stock=10)
    ranked = paid(("BOX", 5), shop="wholesale", at=T0 + timedelta(hours=1))
    plain = paid(("BOX", 5), shop="wholesale", at=T0)
    Customer.objects.filter(pk=ranked.customer_id).update(level=gold)
    # when a count finds 4 units missing
    released = release_for_shortfall(
        sku_id=sku.pk, warehouse_id=main.pk, quantity=4, document="PD-2", actor=None, at=T0 + timedelta(hours=2)
    )
    # then the plain customer (lower rank, though older) loses them
    assert released == 4
    assert (lines_of(ranked)[0][3], lines_of(plain)[0][3]) == (5, 1)
    assert shop.pk == Order.objects.get(pk=plain.pk).shop_id


def test_release_for_shortfall_never_takes_presale_reservations_and_says_how_many_it_found(
    main: Any, presale_sku: Any
) -> None:
    # given only a presale order holds units of the SKU there
    put(presale_sku, main, 0, in_transit=5)
    place(("PRE-1", 2))
    # when a count asks for 1 unit back
    released = release_for_shortfall(
        sku_id=presale_sku.pk, warehouse_id=main.pk, quantity=1, document="PD-3", actor=None, at=T0
    )
    # then nothing is released and nothing changed
    assert released == 0
    assert level(presale_sku, main) == (0, 0, 5, 2)
    assert Shortage.objects.count() == 0


def test_arrival_at_another_warehouse_moves_the_waiting_order_there(main: Any) -> None:
    # given an order short at main and units arriving at a second warehouse
    east = make_warehouse("east", priority=50)
    sku = make_sku("PEN", stock=2)
    order = approved(("PEN", 2))
    release_for_shortfall(sku_id=sku.pk, warehouse_id=main.pk, quantity=2, document="PD-4", actor=None, at=T0)
    put(sku, main, 0)
    put(sku, east, 5)
    # when the hook runs for east
    after_stock_arrived(sku_ids=[sku.pk], warehouse_id=east.pk, actor=None, at=T0 + timedelta(days=1))
    # then the order is allocated at east with its 2 units reserved there
    order.refresh_from_db()
    assert (order.status, order.warehouse_id) == ("allocated", east.pk)
    assert level(sku, east) == (5, 2, 0, 0)
    assert level(sku, main) == (0, 0, 0, 0)
