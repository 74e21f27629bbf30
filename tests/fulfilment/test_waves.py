"""Building waves by rules (table-driven), the pick list in route order with quantities
summed per bin and SKU, the sort list per slot, picking by order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerdesk.core.errors import Conflict, InvalidTransition, ValidationFailed
from sellerdesk.fulfilment import actions, picking
from sellerdesk.fulfilment.models import PickLine, Wave, WaveOrder
from sellerdesk.fulfilment.waves import WaveRules, plan_wave
from sellerdesk.orders.models import Order, OrderEvent
from tests.fulfilment.conftest import T0, allocated, sku


@pytest.fixture
def orders(main, carriers):
    """Five allocated orders, oldest first: the name says what each is."""
    sku("TEE", stock_in={"A-01": 10})
    sku("CAP", stock_in={"A-02": 10})
    sku("MUG", stock_in={"B-01": 10})
    made = {
        "single_tee": allocated(("TEE", 1), at=T0),
        "tee_and_cap": allocated(("TEE", 1), ("CAP", 1), at=T0 + timedelta(hours=1)),
        "single_mug": allocated(("MUG", 1), at=T0 + timedelta(hours=2)),
        "two_tees_by_sf": allocated(("TEE", 2), at=T0 + timedelta(hours=3), buyer_message="请发顺丰"),
        "cod_cap": allocated(("CAP", 1), at=T0 + timedelta(hours=4), payment_method="cod"),
    }
    return made


CASES = [
    (WaveRules(), ["single_tee", "tee_and_cap", "single_mug", "two_tees_by_sf", "cod_cap"]),
    (WaveRules(single_item="only"), ["single_tee", "single_mug", "cod_cap"]),
    (WaveRules(single_item="exclude"), ["tee_and_cap", "two_tees_by_sf"]),
    (WaveRules(zone="A"), ["single_tee", "tee_and_cap", "two_tees_by_sf", "cod_cap"]),
    (WaveRules(zone="B"), ["single_mug"]),
    (WaveRules(cutoff=T0 + timedelta(hours=1, minutes=30)), ["single_tee", "tee_and_cap"]),
    (WaveRules(max_orders=2), ["single_tee", "tee_and_cap"]),
    (WaveRules(max_items=3), ["single_tee", "tee_and_cap"]),
    (WaveRules(max_items=2), ["single_tee", "single_mug"]),
    (WaveRules(carrier="SF"), ["two_tees_by_sf"]),
    (WaveRules(carrier="EMS"), ["cod_cap"]),
    (WaveRules(carrier="YUNDA"), ["single_tee", "tee_and_cap", "single_mug"]),
    (WaveRules(single_item="only", zone="A", max_orders=1), ["single_tee"]),
]


@pytest.mark.parametrize(("rules", "expected"), CASES, ids=[str(case[0].as_dict()) for case in CASES])
def test_the_rules_choose_the_orders_oldest_first(orders, main, rules, expected):
    names = {order.pk: name for name, order in orders.items()}

    plan = plan_wave(warehouse=main, rules=rules)

    assert [names[planned.order_id] for planned in plan.orders] == expected
    assert plan.considered == len(orders) if rules.cutoff is None else plan.considered == 2


def test_creating_a_wave_moves_its_orders_to_picking_with_an_event(orders, main, warehouse_user):
    wave = actions.create_wave(warehouse=main, rules=WaveRules(single_item="only"), actor=warehouse_user, at=T0)

    chosen = [orders["single_tee"], orders["single_mug"], orders["cod_cap"]]
    assert wave.number == f"W{T0:%y%m%d}0001"
    assert (wave.order_count, wave.item_count, wave.status, wave.mode) == (3, 3, "picking", "wave")
    assert list(WaveOrder.objects.filter(wave=wave).values_list("order__number", "slot")) == [
        (order.number, slot) for slot, order in enumerate(chosen, start=1)
    ]
    assert dict(Order.objects.values_list("number", "status")) == {
        **{order.number: "allocated" for order in orders.values()},
        **{order.number: "picking" for order in chosen},
    }
    event = OrderEvent.objects.get(order=orders["single_mug"], type="picking_started")
    assert (event.actor, event.data["wave"], event.data["slot"]) == (warehouse_user, wave.number, 2)
    assert (event.data["status_before"], event.data["status_after"]) == ("allocated", "picking")


def test_an_empty_wave_is_refused_and_nothing_is_written(orders, main, warehouse_user):
    with pytest.raises(Conflict) as refused:
        actions.create_wave(warehouse=main, rules=WaveRules(zone="C"), actor=warehouse_user)

    assert refused.value.code == "empty_wave"
    assert refused.value.details["left_out"] == {"zone": 5}
    assert Wave.objects.count() == 0
    assert set(Order.objects.values_list("status", flat=True)) == {"allocated"}


def test_bad_rules_are_refused_field_by_field(main):
    with pytest.raises(ValidationFailed) as refused:
        plan_wave(warehouse=main, rules=WaveRules(single_item="some", max_orders=0, max_items=0))

    assert set(refused.value.fields) == {"single_item", "max_orders", "max_items"}


def test_the_pick_list_walks_the_bins_in_route_order_and_sums_per_bin_and_sku(main, warehouse_user):
    # TEE: 2 in B-02 (route 4), 3 in A-01 (route 1); CAP: 4 in A-02 (route 2); the rest not in a bin.
    sku("TEE", stock_in={"B-02": 2, "A-01": 3})
    sku("CAP", stock_in={"A-02": 4})
    first = allocated(("TEE", 2), ("CAP", 1))
    second = allocated(("TEE", 2), ("CAP", 2), at=T0 + timedelta(minutes=5))
    third = allocated(("TEE", 3), at=T0 + timedelta(minutes=10))

    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)

    stops = [(stop.bin_code, stop.zone, stop.sku_code, stop.quantity) for stop in picking.pick_list(wave)]
    assert stops == [
        ("A-01", "A", "TEE", 3),
        ("A-02", "A", "CAP", 3),
        ("B-02", "B", "TEE", 2),
        ("not in a bin", "", "TEE", 2),
    ]
    slots = [
        (slot.slot, slot.order_number, [(item.sku_code, item.quantity) for item in slot.items])
        for slot in picking.sort_list(wave)
    ]
    assert slots == [
        (1, first.number, [("CAP", 1), ("TEE", 2)]),
        (2, second.number, [("CAP", 2), ("TEE", 2)]),
        (3, third.number, [("TEE", 3)]),
    ]
    # Each order's units: TEE of the first two from A-01 then B-02, the third's from B-02 and unbinned.
    third_lines = PickLine.objects.filter(entry__order=third).order_by("route_order")
    assert [(line.bin.code if line.bin else None, line.quantity) for line in third_lines] == [("B-02", 1), (None, 2)]


def test_units_taken_by_orders_being_picked_are_not_listed_again(main, warehouse_user):
    sku("TEE", stock_in={"A-01": 2, "B-01": 5})
    allocated(("TEE", 2))
    actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)
    later = allocated(("TEE", 1), at=T0 + timedelta(hours=1))

    wave = actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user)

    assert [(stop.bin_code, stop.quantity) for stop in picking.pick_list(wave)] == [("B-01", 1)]
    assert WaveOrder.objects.get(wave=wave).order == later


def test_picking_by_order_is_a_wave_of_that_order(main, warehouse_user):
    sku("TEE", stock_in={"A-01": 5})
    allocated(("TEE", 1))
    wanted = allocated(("TEE", 2), at=T0 + timedelta(hours=1))

    wave = actions.pick_order(order=wanted, actor=warehouse_user)

    assert (wave.mode, wave.order_count, wave.item_count) == ("order", 1, 2)
    assert [(stop.bin_code, stop.quantity) for stop in picking.pick_list(wave)] == [("A-01", 2)]
    wanted.refresh_from_db()
    assert wanted.status == "picking"


def test_picking_an_order_not_allocated_is_refused(main, warehouse_user):
    sku("TEE", stock_in={"A-01": 5})
    order = allocated(("TEE", 1))
    actions.pick_order(order=order, actor=warehouse_user)

    with pytest.raises(InvalidTransition):
        actions.pick_order(order=order, actor=warehouse_user)

    assert Wave.objects.count() == 1


def test_wave_rules_refused_keep_what_was_typed_and_name_the_fields_by_their_labels(main, warehouse_user) -> None:
    """Issue 17 D (walkthrough): bad wave rules redirected to an empty form with
    "cutoff: … max_orders: … max_items: …" (the fields' codes); the page comes back with
    the rules as typed and each error under its field, and the preview names the fields
    by their labels."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(warehouse_user)
    rules = {"warehouse": main.code, "single_item": "any", "zone": "A区", "max_orders": "-1", "max_items": "abc"}

    answer = client.post("/warehouse/waves/create/", rules)
    page = answer.content.decode()
    assert answer.status_code == 422 and Wave.objects.count() == 0
    assert 'value="A区"' in page and 'value="-1"' in page and 'value="abc"' in page
    assert "max_orders:" not in page and "max_items:" not in page
    assert 'class="field-error">Enter a whole number.' in page

    preview = client.post("/warehouse/waves/preview/", rules).content.decode()
    assert "max_items:" not in preview and "max_orders:" not in preview
