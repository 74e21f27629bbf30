"""The rule table of region_priority, without a database."""

from __future__ import annotations

import pytest

from sellerdesk.allocation.strategies import (
    AllocationContext,
    NeedLine,
    Plan,
    WarehouseInfo,
    get_strategy,
    strategy_names,
)
from sellerdesk.core.errors import ValidationFailed

# Three warehouses: north (priority 10, serves 北京市), east (20, serves 浙江省, 上海市), main (100, everywhere).
NORTH, EAST, MAIN = 1, 2, 3
WAREHOUSES = [
    WarehouseInfo(MAIN, 100),
    WarehouseInfo(NORTH, 10, ("北京市",)),
    WarehouseInfo(EAST, 20, ("浙江省", "上海市")),
]
A, B = 101, 102


def free(**by_warehouse: dict[int, int]) -> dict[tuple[int, int], int]:
    ids = {"north": NORTH, "east": EAST, "main": MAIN}
    return {(sku, ids[name]): units for name, stock in by_warehouse.items() for sku, units in stock.items()}


CASES = [
    # (case, province, lines, free, expected plan)
    (
        "a serving warehouse with every line wins",
        "浙江省",
        [NeedLine(1, A, 2)],
        free(north={A: 5}, east={A: 5}, main={A: 5}),
        Plan("single", warehouse_id=EAST),
    ),
    (
        "serving warehouses by priority: main serves everywhere but east is tried first",
        "浙江省",
        [NeedLine(1, A, 2)],
        free(east={A: 5}, main={A: 5}),
        Plan("single", warehouse_id=EAST),
    ),
    (
        "an address no regional warehouse serves goes to the one serving everywhere",
        "广东省",
        [NeedLine(1, A, 2)],
        free(north={A: 5}, east={A: 5}, main={A: 5}),
        Plan("single", warehouse_id=MAIN),
    ),
    (
        "serving warehouse short: fall back to any warehouse with every line, by priority",
        "浙江省",
        [NeedLine(1, A, 2)],
        free(north={A: 5}, east={A: 1}, main={A: 0}),
        Plan("single", warehouse_id=NORTH),
    ),
    (
        "the order's own reservations count where they are",
        "浙江省",
        [NeedLine(1, A, 3, warehouse_id=MAIN, reserved=3)],
        free(east={A: 2}, main={A: 0}),
        Plan("single", warehouse_id=MAIN),
    ),
    (
        "partial stock everywhere: split by the warehouse that has each line",
        "浙江省",
        [NeedLine(1, A, 2), NeedLine(2, B, 1)],
        free(north={B: 1}, east={A: 2}),
        Plan("split", parts={EAST: [1], NORTH: [2]}),
    ),
    (
        "units missing altogether: stockout where the most units are",
        "浙江省",
        [NeedLine(1, A, 4), NeedLine(2, B, 1)],
        free(north={A: 3, B: 1}, east={A: 1}),
        Plan("short", warehouse_id=NORTH, short={1: 1}),
    ),
    (
        "nothing anywhere: stockout at the first preferred warehouse",
        "上海市",
        [NeedLine(1, A, 1)],
        {},
        Plan("short", warehouse_id=EAST, short={1: 1}),
    ),
    (
        "two lines of one SKU are added up before choosing",
        "北京市",
        [NeedLine(1, A, 2), NeedLine(2, A, 2)],
        free(north={A: 3}, main={A: 4}),
        Plan("single", warehouse_id=MAIN),
    ),
]


@pytest.mark.parametrize(("case", "province", "lines", "stock", "expected"), CASES, ids=[c[0] for c in CASES])
def test_region_priority(case: str, province: str, lines: list[NeedLine], stock: dict, expected: Plan) -> None:
    plan = get_strategy("region_priority")(AllocationContext(province, lines, WAREHOUSES, stock))
    assert plan == expected


def test_priority_only_ignores_regions() -> None:
    context = AllocationContext("浙江省", [NeedLine(1, A, 1)], WAREHOUSES, free(north={A: 1}, east={A: 1}))
    assert get_strategy("priority_only")(context) == Plan("single", warehouse_id=NORTH)


def test_strategies_are_registered_by_name_and_an_unknown_name_is_a_validation_error() -> None:
    assert strategy_names() == ["priority_only", "region_priority"]
    with pytest.raises(ValidationFailed) as caught:
        get_strategy("nearest_moon")
    assert caught.value.fields == {"allocation_strategy": "unknown allocation strategy nearest_moon"}
