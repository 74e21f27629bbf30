"""Transfers (调拨): draft → shipped → received, or cancelled; only available units leave."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import InsufficientStock, InvalidTransition, PermissionDenied, ShortLine, ValidationFailed
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import Bin, MovementKind, StockMovement, Transfer, TransferStatus, Warehouse
from tests.factories import make_user, place
from tests.inventory.conftest import T0, HookCalls, bins_of, figures, ledger, snapshot


def _transfer(source: Warehouse, target: Warehouse, *lines: tuple[Sku, int]) -> Transfer:
    return actions.create_transfer(from_warehouse=source, to_warehouse=target, lines=list(lines), actor=None, at=T0)


def test_create_merges_lines_and_moves_no_stock(tee: Sku, cap: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    transfer = actions.create_transfer(
        from_warehouse=main,
        to_warehouse=guangzhou,
        lines=[(tee, 2), (cap, 1), (tee, 3)],
        for_order="2611220000000001",
        note="补广州仓",
        actor=None,
        at=T0,
    )
    assert transfer.status == TransferStatus.DRAFT
    assert transfer.number.startswith(f"DB{T0:%y%m%d}")
    assert sorted(transfer.lines.values_list("sku__code", "quantity")) == [("CAP-BLK", 1), ("TEE-RED-M", 5)]
    assert (transfer.for_order, transfer.note) == ("2611220000000001", "补广州仓")
    assert figures(tee, main) == (10, 0, 0, 0)
    assert ledger(transfer.number) == []


def test_ship_and_receive_move_units_through_in_transit(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls
) -> None:
    transfer = _transfer(main, guangzhou, (tee, 4))
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    assert figures(tee, main) == (6, 0, 0, 0)
    assert figures(tee, guangzhou) == (0, 0, 4, 0)
    assert hooks.arrived == []

    actions.receive_transfer(transfer=transfer, actor=None, at=T0)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert (transfer.shipped_at, transfer.received_at) == (T0, T0)
    assert list(transfer.lines.values_list("received", flat=True)) == [4]
    assert figures(tee, guangzhou) == (4, 0, 0, 0)
    assert ledger(transfer.number) == [
        ("TEE-RED-M", "main", MovementKind.TRANSFER_OUT, -4, 0, 0, 0),
        ("TEE-RED-M", "gz", MovementKind.IN_TRANSIT, 0, 0, 4, 0),
        ("TEE-RED-M", "gz", MovementKind.TRANSFER_IN, 4, 0, -4, 0),
    ]
    assert hooks.arrived == [{"sku_ids": [tee.pk], "warehouse_id": guangzhou.pk, "actor": None, "at": T0}]


def test_a_transfer_to_the_same_warehouse_is_refused(tee: Sku, main: Warehouse) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        _transfer(main, main, (tee, 1))
    assert list(refused.value.fields) == ["to_warehouse"]
    assert snapshot() == before


@pytest.mark.parametrize("quantity", [0, -3])
def test_a_line_without_units_is_refused(tee: Sku, main: Warehouse, guangzhou: Warehouse, quantity: int) -> None:
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        _transfer(main, guangzhou, (tee, 1), (tee, quantity))
    assert list(refused.value.fields) == ["lines[1].quantity"]
    assert snapshot() == before


def test_a_transfer_from_a_warehouse_without_the_stock_is_refused(
    tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        _transfer(guangzhou, main, (tee, 1))
    assert refused.value.lines == [ShortLine("TEE-RED-M", 1, 0)]
    assert snapshot() == before


def test_units_reserved_for_orders_cannot_be_transferred(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    # given a draft for 6 while 10 are on hand, then an order reserving 7 of them
    transfer = _transfer(main, guangzhou, (tee, 6))
    place(("TEE-RED-M", 7))
    before = snapshot()
    # when the transfer ships, only 3 are available
    with pytest.raises(InsufficientStock) as refused:
        actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    # then nothing moved and it is still a draft
    assert refused.value.lines == [ShortLine("TEE-RED-M", 6, 3)]
    assert snapshot() == before
    assert figures(tee, main) == (10, 7, 0, 0)


def test_one_short_line_refuses_the_whole_shipment(tee: Sku, cap: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    transfer = _transfer(main, guangzhou, (tee, 2), (cap, 5))
    actions.set_on_hand(sku=cap, on_hand=4, actor=None)
    before = snapshot()
    with pytest.raises(InsufficientStock) as refused:
        actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    assert refused.value.lines == [ShortLine("CAP-BLK", 5, 4)]
    assert snapshot() == before


def test_cancelling_a_shipped_transfer_puts_the_units_back(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls
) -> None:
    transfer = _transfer(main, guangzhou, (tee, 4))
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    actions.cancel_transfer(transfer=transfer, actor=None, at=T0)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert figures(tee, main) == (10, 0, 0, 0)
    assert figures(tee, guangzhou) == (0, 0, 0, 0)
    assert ledger(transfer.number)[2:] == [
        ("TEE-RED-M", "main", MovementKind.TRANSFER_IN, 4, 0, 0, 0),
        ("TEE-RED-M", "gz", MovementKind.IN_TRANSIT, 0, 0, -4, 0),
    ]
    assert hooks.arrived == [{"sku_ids": [tee.pk], "warehouse_id": main.pk, "actor": None, "at": T0}]


def test_cancelling_a_draft_moves_nothing(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    transfer = _transfer(main, guangzhou, (tee, 4))
    actions.cancel_transfer(transfer=transfer, actor=None, at=T0)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert ledger(transfer.number) == []


@pytest.mark.parametrize(
    ("done", "action"),
    [
        ("received", actions.ship_transfer),
        ("received", actions.cancel_transfer),
        ("cancelled", actions.receive_transfer),
        ("draft", actions.receive_transfer),
    ],
)
def test_moves_the_status_does_not_allow_are_refused(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls, done: str, action: object
) -> None:
    transfer = _transfer(main, guangzhou, (tee, 1))
    if done == "received":
        actions.ship_transfer(transfer=transfer, actor=None, at=T0)
        actions.receive_transfer(transfer=transfer, actor=None, at=T0)
    elif done == "cancelled":
        actions.cancel_transfer(transfer=transfer, actor=None, at=T0)
    before = snapshot()
    with pytest.raises(InvalidTransition) as refused:
        action(transfer=transfer, actor=None, at=T0)  # type: ignore[operator]
    assert refused.value.current == done
    assert snapshot() == before


def test_transfers_need_the_transfer_permission(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    agent = make_user("agent", "agent")
    before = snapshot()
    with pytest.raises(PermissionDenied):
        actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 1)], actor=agent)
    assert snapshot() == before


# --- received in parts, put away into several bins (issue 17 C) ----------------------------


def test_a_transfer_is_received_in_parts_into_several_bins(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls
) -> None:
    """Issue 17 C: transfers could only be received whole, and nothing went into bins."""
    near, far = (
        Bin.objects.create(warehouse=guangzhou, code="GZ-A"),
        Bin.objects.create(warehouse=guangzhou, code="GZ-B"),
    )
    transfer = _transfer(main, guangzhou, (tee, 10))
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)

    first = actions.LineReceipt(tee.pk, 6, (actions.BinPart(near, 4), actions.BinPart(far, 1)))
    actions.receive_transfer(transfer=transfer, actor=None, at=T0, receipts=[first])

    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_at) == (TransferStatus.SHIPPED, None)
    assert list(transfer.lines.values_list("received", flat=True)) == [6]
    assert figures(tee, guangzhou) == (6, 0, 4, 0)
    assert bins_of(tee, guangzhou) == {"GZ-A": 4, "GZ-B": 1}  # and one unit not in a bin yet
    received = StockMovement.objects.filter(document=transfer.number, kind=MovementKind.TRANSFER_IN).order_by("pk")
    assert list(received.values_list("bin__code", "on_hand_delta", "in_transit_delta")) == [
        ("GZ-A", 4, -4),
        ("GZ-B", 1, -1),
        (None, 1, -1),
    ]
    assert hooks.arrived == [{"sku_ids": [tee.pk], "warehouse_id": guangzhou.pk, "actor": None, "at": T0}]

    actions.receive_transfer(
        transfer=transfer, actor=None, at=T0, receipts=[actions.LineReceipt(tee.pk, 4, (actions.BinPart(far, 4),))]
    )

    transfer.refresh_from_db()
    assert (transfer.status, transfer.received_at) == (TransferStatus.RECEIVED, T0)
    assert figures(tee, guangzhou) == (10, 0, 0, 0)
    assert bins_of(tee, guangzhou) == {"GZ-A": 4, "GZ-B": 5}


def test_cancelling_a_part_received_transfer_sends_back_only_what_did_not_arrive(
    tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    transfer = _transfer(main, guangzhou, (tee, 10))
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    actions.receive_transfer(transfer=transfer, actor=None, at=T0, receipts=[actions.LineReceipt(tee.pk, 3)])

    actions.cancel_transfer(transfer=transfer, actor=None, at=T0)

    assert (figures(tee, main), figures(tee, guangzhou)) == ((7, 0, 0, 0), (3, 0, 0, 0))


@pytest.mark.parametrize(
    ("receipt", "field"),
    [
        (lambda tee, bins: actions.LineReceipt(tee.pk, 11), "lines[0].quantity"),
        (lambda tee, bins: actions.LineReceipt(tee.pk + 999, 1), "lines[0].sku"),
        (lambda tee, bins: actions.LineReceipt(tee.pk, 2, (actions.BinPart(bins["main"], 1),)), "lines[0].bins[0].bin"),
        (lambda tee, bins: actions.LineReceipt(tee.pk, 2, (actions.BinPart(bins["gz"], 3),)), "lines[0].bins"),
    ],
)
def test_a_bad_receipt_is_refused_and_changes_nothing(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, receipt: Any, field: str
) -> None:
    bins = {
        "main": Bin.objects.create(warehouse=main, code="M-1"),
        "gz": Bin.objects.create(warehouse=guangzhou, code="GZ-A"),
    }
    transfer = _transfer(main, guangzhou, (tee, 10))
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    before = snapshot()

    with pytest.raises(ValidationFailed) as refused:
        actions.receive_transfer(transfer=transfer, actor=None, at=T0, receipts=[receipt(tee, bins)])

    assert list(refused.value.fields) == [field]
    assert snapshot() == before
