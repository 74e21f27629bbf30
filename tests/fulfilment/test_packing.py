"""The packing check (验货): every unit scanned against the order; a wrong SKU, another
colour or size, an extra or a missing item is refused with the reason and nothing
changes; the weight is compared with the expected weight; only a fully checked order
gets a label."""

from __future__ import annotations

import pytest

from sellerdesk.catalog.models import Product
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.fulfilment import actions, packing, shipping
from sellerdesk.fulfilment.models import WaveOrder
from sellerdesk.logistics.models import Shipment
from sellerdesk.orders.models import OrderEvent
from tests.fulfilment.conftest import allocated, picked, sku, state


@pytest.fixture
def goods(main, carriers):
    tee = Product.objects.create(name="纯棉T恤")
    red, blue = {"颜色": "红", "尺码": "M"}, {"颜色": "蓝", "尺码": "M"}
    sku("TEE-RED-M", stock_in={"A-01": 10}, barcode="6900000000011", product=tee, attributes=red, weight=200)
    sku("TEE-BLUE-M", stock_in={"A-02": 10}, barcode="6900000000028", product=tee, attributes=blue, weight=200)
    sku("CAP", stock_in={"B-01": 10}, barcode="6900000000035", weight=100)
    sku("MUG", stock_in={"B-02": 10}, barcode="6900000000042", weight=400)


@pytest.fixture
def order(goods, warehouse_user):
    return picked(("TEE-RED-M", 2), ("CAP", 1), actor=warehouse_user)


def scan(order, code, user):
    return packing.scan_item(order=order, code=code, actor=user)


def test_each_unit_scanned_by_barcode_or_code_counts_until_the_order_is_complete(order, warehouse_user):
    first = scan(order, "6900000000011", warehouse_user)
    assert first.message == "TEE-RED-M OK — 2 more to scan."
    scan(order, "CAP", warehouse_user)
    last = scan(order, "6900000000011", warehouse_user)

    assert last.message == "TEE-RED-M OK — every unit scanned."
    assert [(line.sku_code, line.expected, line.scanned) for line in last.check.lines] == [
        ("CAP", 1, 1),
        ("TEE-RED-M", 2, 2),
    ]
    assert last.check.is_complete
    entry = WaveOrder.objects.get(order=order)
    assert entry.checked_by == warehouse_user
    assert OrderEvent.objects.get(order=order, type="packing_checked").data["units"] == 3


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        (
            "6900000000028",
            "wrong_variant",
            "Wrong colour or size: scanned TEE-BLUE-M (颜色:蓝 尺码:M), the order has TEE-RED-M (颜色:红 尺码:M).",
        ),
        ("MUG", "wrong_item", "Wrong item: MUG 商品 MUG is not in order {number}."),
        ("6999999999999", "unknown_barcode", "Unknown barcode 6999999999999: no SKU has it."),
        ("CAP", "extra_item", "One too many: order {number} has only 1 × CAP, all scanned."),
    ],
)
def test_a_wrong_scan_is_refused_with_the_reason_and_nothing_changes(order, warehouse_user, code, error_code, message):
    scan(order, "CAP", warehouse_user)
    before = state(order)

    with pytest.raises(packing.ScanRefused) as refused:
        scan(order, code, warehouse_user)

    assert refused.value.code == error_code
    assert refused.value.message == message.format(number=order.number)
    assert state(order) == before


def test_an_empty_scan_is_invalid_input(order, warehouse_user):
    with pytest.raises(ValidationFailed):
        scan(order, "  ", warehouse_user)


def test_a_label_is_refused_while_items_are_missing_and_nothing_changes(order, warehouse_user):
    scan(order, "TEE-RED-M", warehouse_user)
    before = state(order)

    with pytest.raises(Conflict) as refused:
        shipping.print_label(order=order, actor=warehouse_user)

    assert refused.value.code == "not_checked"
    assert refused.value.message == (
        f"Order {order.number} is not fully checked: 1 × CAP, 1 × TEE-RED-M still to scan. No label for it yet."
    )
    assert refused.value.details["missing"] == [{"sku": "CAP", "missing": 1}, {"sku": "TEE-RED-M", "missing": 1}]
    assert state(order) == before
    assert Shipment.objects.count() == 0


def test_a_checked_order_gets_its_label_and_is_packed(order, warehouse_user):
    for code in ("TEE-RED-M", "TEE-RED-M", "CAP"):
        scan(order, code, warehouse_user)

    shipment = shipping.print_label(order=order, actor=warehouse_user)

    order.refresh_from_db()
    assert order.status == "packed"
    assert (shipment.carrier.code, shipment.status, shipment.weight_grams) == ("YUNDA", "created", 500)
    event = OrderEvent.objects.get(order=order, type="packed")
    assert (event.data["status_before"], event.data["tracking_number"]) == ("picking", shipment.tracking_number)
    # printing again gives the same label, no second booking
    assert shipping.print_label(order=order, actor=warehouse_user) == shipment
    assert Shipment.objects.count() == 1


def test_the_weight_within_the_tolerance_is_kept_and_outside_it_refused(order, warehouse_user):
    # expected 2 × 200 + 100 = 500 g; tolerance max(10 %, 50 g) = 50 g
    before = state(order)
    with pytest.raises(packing.ScanRefused) as refused:
        packing.record_weight(order=order, grams=620, actor=warehouse_user)
    assert refused.value.code == "weight_mismatch"
    assert refused.value.message == "The parcel weighs 620 g; 500 g ± 50 g was expected. Check its contents."
    assert state(order) == before

    check = packing.record_weight(order=order, grams=540, actor=warehouse_user)

    assert (check.entry.weight_grams, check.is_complete) == (540, False)


def test_when_the_weight_is_required_the_label_waits_for_it(order, warehouse_user, settings):
    settings.SELLERDESK = {**settings.SELLERDESK, "PACKING": {"REQUIRE_WEIGHT": True}}
    for code in ("TEE-RED-M", "TEE-RED-M", "CAP"):
        scan(order, code, warehouse_user)
    with pytest.raises(Conflict) as refused:
        shipping.print_label(order=order, actor=warehouse_user)
    assert refused.value.details == {"missing": [], "weight_required": True}

    packing.record_weight(order=order, grams=510, actor=warehouse_user)
    shipment = shipping.print_label(order=order, actor=warehouse_user)

    assert shipment.weight_grams == 510


def test_an_order_still_being_picked_cannot_be_scanned(goods, main, warehouse_user):
    order = allocated(("CAP", 1))
    actions.pick_order(order=order, actor=warehouse_user)
    before = state(order)

    with pytest.raises(Conflict) as refused:
        scan(order, "CAP", warehouse_user)

    assert refused.value.code == "not_picked"
    assert state(order) == before


def test_restarting_the_check_empties_the_scans(order, warehouse_user):
    scan(order, "CAP", warehouse_user)

    check = packing.restart_check(order=order, actor=warehouse_user)

    assert check.units_scanned == 0
    assert WaveOrder.objects.get(order=order).scanned == {}


# --- a SKU without a weight (issue 17 C) ---------------------------------------------------


@pytest.fixture
def unweighed(goods, warehouse_user):
    sku("SCARF", stock_in={"B-02": 5}, barcode="6900000000059", weight=None)  # no weight recorded
    return picked(("TEE-RED-M", 1), ("SCARF", 1), actor=warehouse_user)


def test_a_sku_without_weight_leaves_the_scale_nothing_to_check_against(unweighed, warehouse_user):
    """Issue 17 C: expected 200 g counts only the T-shirt; the scarf's weight is unknown, so
    700 g is kept as weighed, never refused as a mismatch nor called right."""
    check = packing.record_weight(order=unweighed, grams=700, actor=warehouse_user)

    assert (check.can_check_weight, check.skus_without_weight, check.entry.weight_grams) == (False, ["SCARF"], 700)


def test_the_packing_desk_says_there_is_nothing_to_check_the_weight_against(unweighed, warehouse_user, client):
    """Issue 17 C: the desk said "Weight … g OK." for a parcel it could not check."""
    client.force_login(warehouse_user)

    answer = client.post(
        f"/warehouse/pack/{unweighed.number}/weight/",
        {"weight_grams": "700"},
        HTTP_X_SCAN="1",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    page = client.get(f"/warehouse/pack/{unweighed.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (answer.status_code, answer.json()["ok"]) == (200, True)
    assert answer.json()["message"] == "Weight 700 g recorded: nothing to check it against (no weight for SCARF)."
    assert "nothing to check against: no weight for SCARF" in page


def test_a_parcel_of_weighed_skus_is_still_checked(order, warehouse_user):
    check = packing.record_weight(order=order, grams=500, actor=warehouse_user)
    assert (check.can_check_weight, check.skus_without_weight) == (True, [])
