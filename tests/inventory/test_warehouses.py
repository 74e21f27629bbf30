"""Warehouses (regions, priority, one default) and bins (single, ranges, route order)."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, Warehouse
from tests.factories import make_user
from tests.inventory.conftest import snapshot


def test_create_normalises_regions_and_the_sender_address(main: Warehouse) -> None:
    warehouse = actions.create_warehouse(
        code="sh",
        fields={
            "name": "上海仓",
            "regions": ["上海", "浙江省", "江苏", "浙江"],
            "priority": 10,
            "phone": "021-6123 4567",
            "province": "上海",
            "city": "上海市",
            "address_detail": "青浦区华新镇 88 号",
        },
        actor=None,
    )
    assert warehouse.regions == ["上海市", "浙江省", "江苏省"]
    assert (warehouse.priority, warehouse.phone, warehouse.province) == (10, "02161234567", "上海市")
    assert warehouse.is_default is False


def test_making_a_warehouse_the_default_moves_the_default(main: Warehouse) -> None:
    warehouse = actions.create_warehouse(code="sh", fields={"name": "上海仓", "is_default": True}, actor=None)
    main.refresh_from_db()
    assert (warehouse.is_default, main.is_default) == (True, False)
    actions.update_warehouse(warehouse=main, fields={"is_default": True}, actor=None)
    warehouse.refresh_from_db()
    assert list(Warehouse.objects.filter(is_default=True).values_list("code", flat=True)) == ["main"]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"name": "上海仓", "regions": ["上海", "华东"]}, ["regions[1]"]),
        ({"name": "上海仓", "priority": -1}, ["priority"]),
        ({"name": ""}, ["name"]),
        ({"name": "上海仓", "colour": "red"}, ["colour"]),
        ({"name": "上海仓", "phone": "12345"}, ["phone"]),
    ],
)
def test_bad_fields_are_refused(main: Warehouse, fields: dict[str, Any], bad: list[str]) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_warehouse(code="sh", fields=fields, actor=None)
    assert list(refused.value.fields) == bad
    assert snapshot() == before


def test_a_duplicate_code_is_refused(main: Warehouse) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_warehouse(code="main", fields={"name": "又一个"}, actor=None)
    assert list(refused.value.fields) == ["code"]
    assert snapshot() == before


def test_the_default_cannot_be_unset_or_deactivated(main: Warehouse) -> None:
    before = snapshot()
    for fields in ({"is_default": False}, {"is_active": False}):
        with pytest.raises(ValidationFailed):
            actions.update_warehouse(warehouse=main, fields=fields, actor=None)
    assert snapshot() == before


def test_update_changes_only_the_given_fields(main: Warehouse) -> None:
    actions.update_warehouse(warehouse=main, fields={"regions": ["广东"], "priority": 0}, actor=None)
    main.refresh_from_db()
    assert (main.name, main.regions, main.priority) == ("主仓", ["广东省"], 0)


def test_only_owner_and_supervisor_edit_warehouses(main: Warehouse) -> None:
    picker = make_user("picker", "warehouse")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.update_warehouse(warehouse=main, fields={"priority": 1}, actor=picker)
    assert snapshot() == before


def test_a_range_of_bins_follows_the_route(main: Warehouse) -> None:
    actions.create_bins(warehouse=main, codes="B-09", route_order=5, actor=None)
    created = actions.create_bins(warehouse=main, codes="A-01-08..A-01-11", zone="A", actor=None)
    assert [(bin.code, bin.zone, bin.route_order) for bin in created] == [
        ("A-01-08", "A", 6),
        ("A-01-09", "A", 7),
        ("A-01-10", "A", 8),
        ("A-01-11", "A", 9),
    ]


@pytest.mark.parametrize("codes", ["A-01-05..A-01-09", "A-01-20..A-01-01", "A-01..B-02", "A 01", "A-01-01..A-01-999"])
def test_duplicate_and_bad_bin_codes_create_nothing(main: Warehouse, codes: str) -> None:
    actions.create_bins(warehouse=main, codes="A-01-09", actor=None)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_bins(warehouse=main, codes=codes, actor=None)
    assert list(refused.value.fields) == ["code"]
    assert snapshot() == before


def test_the_same_bin_code_may_exist_in_two_warehouses(main: Warehouse, guangzhou: Warehouse) -> None:
    actions.create_bins(warehouse=main, codes="A-01", actor=None)
    actions.create_bins(warehouse=guangzhou, codes="A-01", actor=None)
    assert Bin.objects.filter(code="A-01").count() == 2
