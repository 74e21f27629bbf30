"""Confirming a pick: every unit found, or units missing (their orders go out of stock),
and the time each worker's step took."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerdesk.core.errors import InvalidTransition, ValidationFailed
from sellerdesk.fulfilment import actions, picking
from sellerdesk.fulfilment.models import PickLine, WaveStep
from sellerdesk.fulfilment.waves import WaveRules
from sellerdesk.inventory.models import Bin, BinStock, StockLevel, StockMovement
from sellerdesk.orders.models import Order, OrderEvent, Shortage
from tests.factories import make_user
from tests.fulfilment.conftest import T0, allocated, sku


@pytest.fixture
def wave(main, warehouse_user):
    sku("TEE", stock_in={"A-01": 3})
    sku("CAP", stock_in={"A-02": 5})
    allocated(("TEE", 2), ("CAP", 1))
    allocated(("TEE", 1), ("CAP", 1), at=T0 + timedelta(minutes=5))
    return actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user, at=T0 + timedelta(hours=1))


def test_a_full_pick_marks_every_line_picked(wave, warehouse_user):
    actions.confirm_pick(wave=wave, actor=warehouse_user, at=T0 + timedelta(hours=2))

    wave.refresh_from_db()
    assert (wave.status, wave.picked_by) == ("picked", warehouse_user)
    assert [(stop.bin_code, stop.quantity, stop.picked_quantity) for stop in picking.pick_list(wave)] == [
        ("A-01", 3, 3),
        ("A-02", 2, 2),
    ]
    assert set(Order.objects.values_list("status", flat=True)) == {"picking"}


def test_a_unit_missing_sends_the_last_order_needing_it_to_stockout(wave, warehouse_user):
    tee = Bin.objects.get(code="A-01")
    first, second = Order.objects.order_by("created_at")
    tee_sku = PickLine.objects.filter(bin=tee).first().sku_id

    actions.confirm_pick(wave=wave, actor=warehouse_user, picked={(tee.pk, tee_sku): 2}, at=T0 + timedelta(hours=2))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("picking", "stockout")
    shortage = Shortage.objects.get()
    assert (shortage.order, shortage.sku.code, shortage.short_quantity) == (second, "TEE", 1)
    event = OrderEvent.objects.get(order=second, type="stockout")
    assert event.data["found_by"] == "picking"
    assert event.data["lines"] == [{"sku": "TEE", "position": 1, "short": 1}]


def test_the_ledger_records_each_stop_picked(wave, warehouse_user):
    actions.confirm_pick(wave=wave, actor=warehouse_user, at=T0 + timedelta(hours=2))

    picks = StockMovement.objects.filter(kind="pick").order_by("bin__route_order")
    assert [(m.bin.code, m.sku.code, m.on_hand_delta, m.reserved_delta, m.document) for m in picks] == [
        ("A-01", "TEE", 0, 0, wave.number),
        ("A-02", "CAP", 0, 0, wave.number),
    ]
    assert [m.note_text for m in picks] == ["3 picked", "2 picked"]


def test_units_not_found_leave_on_hand_the_bin_and_the_reservation(wave, warehouse_user):
    tee = Bin.objects.get(code="A-01")
    second = Order.objects.order_by("created_at").last()
    tee_sku = PickLine.objects.filter(bin=tee).first().sku_id
    level = StockLevel.objects.get(sku_id=tee_sku)
    before = (level.on_hand, level.reserved, BinStock.objects.get(bin=tee).quantity)

    actions.confirm_pick(wave=wave, actor=warehouse_user, picked={(tee.pk, tee_sku): 2}, at=T0 + timedelta(hours=2))

    level.refresh_from_db()
    after = (level.on_hand, level.reserved, BinStock.objects.get(bin=tee).quantity)
    assert after == (before[0] - 1, before[1] - 1, before[2] - 1)
    assert second.lines.get(sku_id=tee_sku).reserved_quantity == 0
    movement = StockMovement.objects.filter(sku_id=tee_sku, kind="adjust").last()
    assert (movement.on_hand_delta, movement.reserved_delta, movement.bin, movement.document) == (
        -1,
        -1,
        tee,
        wave.number,
    )


def test_a_count_above_the_list_or_an_unknown_stop_is_refused_and_nothing_changes(wave, warehouse_user):
    tee = Bin.objects.get(code="A-01")
    tee_sku = PickLine.objects.filter(bin=tee).first().sku_id

    with pytest.raises(ValidationFailed) as refused:
        actions.confirm_pick(wave=wave, actor=warehouse_user, picked={(tee.pk, tee_sku): 4, (None, tee_sku): 1})

    assert refused.value.fields == {"lines[0].picked": "between 0 and 3", "lines[1]": "not a stop of this pick list"}
    wave.refresh_from_db()
    assert wave.status == "picking"
    assert set(PickLine.objects.values_list("picked_quantity", flat=True)) == {None}


def test_a_wave_is_confirmed_once(wave, warehouse_user):
    actions.confirm_pick(wave=wave, actor=warehouse_user)

    with pytest.raises(InvalidTransition):
        actions.confirm_pick(wave=wave, actor=warehouse_user)


def test_each_picker_s_start_and_finish_are_recorded(wave, warehouse_user):
    other = make_user("picker2", "warehouse", "小李")
    actions.start_step(wave=wave, step="pick", actor=warehouse_user, at=T0 + timedelta(hours=1, minutes=1))
    actions.start_step(wave=wave, step="pick", actor=other, at=T0 + timedelta(hours=1, minutes=2))
    # a second start keeps the first time
    actions.start_step(wave=wave, step="pick", actor=warehouse_user, at=T0 + timedelta(hours=1, minutes=5))
    actions.finish_step(wave=wave, step="pick", actor=other, at=T0 + timedelta(hours=1, minutes=12))
    actions.confirm_pick(wave=wave, actor=warehouse_user, at=T0 + timedelta(hours=1, minutes=21))

    steps = [(s.worker.username, s.step, s.started_at, s.finished_at) for s in WaveStep.objects.order_by("pk")]
    assert steps == [
        ("picker", "pick", T0 + timedelta(hours=1, minutes=1), T0 + timedelta(hours=1, minutes=21)),
        ("picker2", "pick", T0 + timedelta(hours=1, minutes=2), T0 + timedelta(hours=1, minutes=12)),
    ]


def test_an_unknown_step_is_refused(wave, warehouse_user):
    with pytest.raises(ValidationFailed):
        actions.start_step(wave=wave, step="dance", actor=warehouse_user)
    assert WaveStep.objects.count() == 0
