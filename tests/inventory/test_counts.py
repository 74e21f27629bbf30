"""Stock counts (盘点): snapshot, enter, post the differences (over and under)."""

from __future__ import annotations

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, MovementKind, StockCount, StockCountStatus, Warehouse
from tests.factories import make_sku, make_user, place
from tests.inventory.conftest import T0, HookCalls, bins_of, figures, ledger, snapshot


def _lines(count: StockCount) -> dict[str, int]:
    """SKU (or bin/SKU) → line id."""
    return {
        (f"{line.bin.code}/" if line.bin else "") + line.sku.code: line.pk
        for line in count.lines.select_related("sku", "bin")
    }


def test_start_snapshots_every_sku_with_stock(tee: Sku, cap: Sku, main: Warehouse) -> None:
    make_sku("EMPTY", stock=0)
    count = actions.start_count(warehouse=main, note="月末盘点", actor=None, at=T0)
    assert count.number.startswith(f"PD{T0:%y%m%d}")
    assert count.status == StockCountStatus.OPEN
    assert list(count.lines.values_list("sku__code", "expected", "counted")) == [
        ("CAP-BLK", 5, None),
        ("TEE-RED-M", 10, None),
    ]


def test_start_for_chosen_skus_includes_ones_without_stock(tee: Sku, guangzhou: Warehouse) -> None:
    count = actions.start_count(warehouse=guangzhou, skus=[tee], actor=None, at=T0)
    assert list(count.lines.values_list("sku__code", "expected")) == [("TEE-RED-M", 0)]


def test_start_of_an_empty_warehouse_is_refused(guangzhou: Warehouse) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.start_count(warehouse=guangzhou, actor=None, at=T0)
    assert list(refused.value.fields) == ["skus"]
    assert snapshot() == before


def test_posting_writes_over_and_under_as_adjustments(tee: Sku, cap: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, actor=None, at=T0)
    ids = _lines(count)
    actions.enter_counts(count=count, counted={ids["TEE-RED-M"]: 12, ids["CAP-BLK"]: 3}, actor=None)
    actions.post_count(count=count, actor=None, at=T0)
    count.refresh_from_db()
    assert (count.status, count.posted_at) == (StockCountStatus.POSTED, T0)
    assert figures(tee, main) == (12, 0, 0, 0)
    assert figures(cap, main) == (3, 0, 0, 0)
    assert ledger(count.number) == [  # in SKU id order, the lock order
        ("TEE-RED-M", "main", MovementKind.ADJUST, 2, 0, 0, 0),
        ("CAP-BLK", "main", MovementKind.ADJUST, -2, 0, 0, 0),
    ]


def test_posting_applies_the_difference_to_stock_that_moved_meanwhile(tee: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.receive_stock(sku_id=tee.pk, warehouse_id=main.pk, good=5, document="PO1", actor=None, at=T0)
    actions.enter_counts(count=count, counted={_lines(count)["TEE-RED-M"]: 9}, actor=None)
    actions.post_count(count=count, actor=None, at=T0)
    assert figures(tee, main) == (14, 0, 0, 0)


def test_equal_counts_post_no_movement(tee: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.enter_counts(count=count, counted={_lines(count)["TEE-RED-M"]: 10}, actor=None)
    actions.post_count(count=count, actor=None, at=T0)
    assert ledger(count.number) == []


def test_negative_counts_are_refused_and_nothing_changes(tee: Sku, cap: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, actor=None, at=T0)
    ids = _lines(count)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.enter_counts(count=count, counted={ids["TEE-RED-M"]: 4, ids["CAP-BLK"]: -1}, actor=None)
    assert refused.value.fields == {f"counted.{ids['CAP-BLK']}": "must be a whole number, 0 or more"}
    assert snapshot() == before


def test_a_line_of_another_count_is_refused(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    other = actions.start_count(warehouse=guangzhou, skus=[tee], actor=None, at=T0)
    before = snapshot()
    with pytest.raises(ValidationFailed):
        actions.enter_counts(count=count, counted={_lines(other)["TEE-RED-M"]: 1}, actor=None)
    assert snapshot() == before


def test_posting_with_lines_not_counted_is_refused(tee: Sku, cap: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, actor=None, at=T0)
    ids = _lines(count)
    actions.enter_counts(count=count, counted={ids["TEE-RED-M"]: 4}, actor=None)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.post_count(count=count, actor=None, at=T0)
    assert list(refused.value.fields) == [f"counted.{ids['CAP-BLK']}"]
    assert snapshot() == before


def test_a_count_below_reserved_first_releases_the_orders_shortfall(
    tee: Sku, main: Warehouse, hooks: HookCalls
) -> None:
    # given 10 on hand, 7 reserved by an order, and only 4 found
    place(("TEE-RED-M", 7))
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.enter_counts(count=count, counted={_lines(count)["TEE-RED-M"]: 4}, actor=None)
    # when the count is posted
    actions.post_count(count=count, actor=None, at=T0)
    # then the allocation colleague was asked to take 3 reserved units away, then on hand set
    assert hooks.shortfalls == [
        {"sku_id": tee.pk, "warehouse_id": main.pk, "quantity": 3, "document": count.number, "actor": None, "at": T0}
    ]
    assert figures(tee, main) == (4, 4, 0, 0)


def test_a_count_below_reserved_that_cannot_be_released_posts_nothing(
    tee: Sku, main: Warehouse, hooks: HookCalls
) -> None:
    place(("TEE-RED-M", 7))
    hooks.release = False
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.enter_counts(count=count, counted={_lines(count)["TEE-RED-M"]: 4}, actor=None)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        actions.post_count(count=count, actor=None, at=T0)
    assert refused.value.code == "stock_below_reserved"
    assert snapshot() == before


def test_a_bin_count_adjusts_the_bins_and_on_hand(tee: Sku, main: Warehouse) -> None:
    shelf: list[Bin] = actions.create_bins(warehouse=main, codes="A-01..A-02", actor=None)
    actions.putaway(sku=tee, bin=shelf[0], quantity=6, actor=None)
    actions.putaway(sku=tee, bin=shelf[1], quantity=4, actor=None)
    count = actions.start_count(warehouse=main, bins=shelf, actor=None, at=T0)
    ids = _lines(count)
    assert list(count.lines.values_list("bin__code", "sku__code", "expected")) == [
        ("A-01", "TEE-RED-M", 6),
        ("A-02", "TEE-RED-M", 4),
    ]
    actions.enter_counts(count=count, counted={ids["A-01/TEE-RED-M"]: 5, ids["A-02/TEE-RED-M"]: 7}, actor=None)
    actions.post_count(count=count, actor=None, at=T0)
    assert figures(tee, main) == (12, 0, 0, 0)
    assert bins_of(tee, main) == {"A-01": 5, "A-02": 7}
    assert ledger(count.number) == [
        ("TEE-RED-M", "main", MovementKind.ADJUST, -1, 0, 0, 0),
        ("TEE-RED-M", "main", MovementKind.ADJUST, 3, 0, 0, 0),
    ]


def test_a_posted_or_cancelled_count_is_closed(tee: Sku, main: Warehouse) -> None:
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.cancel_count(count=count, actor=None)
    before = snapshot()
    with pytest.raises(InvalidTransition):
        actions.enter_counts(count=count, counted={_lines(count)["TEE-RED-M"]: 1}, actor=None)
    with pytest.raises(InvalidTransition):
        actions.post_count(count=count, actor=None)
    assert snapshot() == before


def test_counting_needs_the_count_permission(tee: Sku, main: Warehouse) -> None:
    purchaser = make_user("buyer1", "agent")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.start_count(warehouse=main, actor=purchaser)
    assert snapshot() == before
