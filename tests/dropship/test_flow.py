"""The dropship flow through its actions: paid order → purchase → seller pays → supplier
ships → buyer's order shipped → receipt confirmed (by hand or automatically) → settled."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sellerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.payments.actions import record_payment
from sellerdesk.purchasing import dropship
from sellerdesk.purchasing.models import PurchaseOrder, SupplierSku
from tests.dropship.conftest import (
    confirm,
    dropship_sku,
    make_supplier,
    pay,
    purchase_of,
    snapshot,
)
from tests.factories import make_sku, place


def ready_to_ship(order: Order, owner: Any) -> PurchaseOrder:
    """The seller approved the order and paid the supplier."""
    order_actions.approve_order(order=order, actor=owner)
    return dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)


def test_a_paid_order_sends_a_purchase_to_the_preferred_dropship_supplier(mug: Any, acme: Any) -> None:
    # given a second, cheaper supplier that is not preferred
    cheaper = make_supplier("cheap")
    SupplierSku.objects.create(supplier=cheaper, sku=mug, cost=Decimal("20.00"), is_dropship=True)

    # when the buyer pays for 2 mugs
    order = pay(place(("MUG-DS", 2)))

    # then one purchase goes to the preferred supplier at its cost, sent, for that order
    purchase = purchase_of(order)
    assert (purchase.supplier, purchase.kind, purchase.status, purchase.for_order_id) == (
        acme,
        "dropship",
        "sent",
        order.pk,
    )
    assert [(line.sku.code, line.quantity, line.unit_cost) for line in purchase.lines.all()] == [
        ("MUG-DS", 2, Decimal("30.00"))
    ]
    assert purchase.total == Decimal("60.00")
    assert purchase.number.startswith("DS")
    assert purchase.paid_at is None
    event = order.events.get(type="dropship_ordered")
    assert event.data["purchase"] == purchase.number
    assert event.data["supplier"] == "acme"
    assert event.data["total_cost"] == "60.00"
    assert order.status == "pending_review"


def test_an_order_without_dropship_lines_costs_one_query_and_writes_nothing(db: Any) -> None:
    make_sku("TEE", stock=10)
    order = place(("TEE", 1))
    record_payment(order=order, amount=order.total, method="online", reference="P1", actor=None)
    order = Order.objects.get(pk=order.pk)
    events_before = order.events.count()

    with CaptureQueriesContext(connection) as queries:
        created = dropship.on_order_paid(order=order, actor=None, at=timezone.now())
    assert created == []
    assert len(queries) == 1
    assert order.events.count() == events_before
    assert PurchaseOrder.objects.count() == 0

    with CaptureQueriesContext(connection) as queries:
        assert dropship.on_order_completed(order=order, actor=None, at=timezone.now()) == []
    assert len(queries) == 1


def test_a_dropship_sku_without_supplier_holds_the_order_with_the_reason(db: Any) -> None:
    dropship_sku("LAMP-DS", None)

    order = pay(place(("LAMP-DS", 1)))

    assert order.status == "on_hold"
    hold = OrderHold.objects.get(order=order)
    assert (hold.reason, hold.suggestion, hold.resolved_at) == ("dropship_supplier", {"skus": ["LAMP-DS"]}, None)
    assert "LAMP-DS" in hold.message_text
    assert PurchaseOrder.objects.count() == 0
    assert order.payment_status == "paid"


def test_the_whole_flow_ships_the_order_and_settles_the_supplier_after_receipt(
    mug: Any, acme_user: Any, owner: Any
) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = ready_to_ship(order, owner)
    assert purchase.paid_at is not None

    # when the supplier ships with its own login
    at = timezone.now()
    dropship.ship_dropship_purchase(
        purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number=" sf1234567890 ", at=at
    )

    # then the purchase and the buyer's order are shipped with the supplier's parcel
    purchase.refresh_from_db()
    order.refresh_from_db()
    assert (purchase.status, purchase.carrier, purchase.tracking_number, purchase.shipped_at) == (
        "shipped",
        "顺丰",
        "SF1234567890",
        at,
    )
    assert (order.status, order.carrier, order.tracking_number, order.shipped_at) == (
        "shipped",
        "顺丰",
        "SF1234567890",
        at,
    )
    shipped = order.events.get(type="shipped")
    assert shipped.actor is None  # the system ships on the supplier's behalf
    by_supplier = order.events.get(type="dropship_shipped")
    assert (by_supplier.actor, by_supplier.data["purchase"]) == (acme_user, purchase.number)
    assert purchase.settled_at is None

    # when the buyer confirms receipt, then the supplier is settled
    order = confirm(order, actor=owner)
    purchase.refresh_from_db()
    assert (order.status, purchase.status, purchase.settled_at) == ("completed", "settled", order.completed_at)
    assert order.events.get(type="dropship_settled").data["amount"] == "30.00"


def test_auto_confirmed_receipt_settles_the_supplier(mug: Any, acme_user: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = ready_to_ship(order, owner)
    dropship.ship_dropship_purchase(purchase=purchase, actor=acme_user, carrier="圆通", tracking_number="YT100200300")
    order.refresh_from_db()
    later = order.auto_confirm_at + timedelta(minutes=1)

    assert order_actions.auto_confirm_receipt(order_id=order.pk, now=later) is True
    order.refresh_from_db()
    dropship.on_order_completed(order=order, actor=None, at=later)

    purchase.refresh_from_db()
    assert (order.status, purchase.status, purchase.settled_at) == ("completed", "settled", later)


def test_the_supplier_cannot_ship_before_the_seller_pays(mug: Any, acme_user: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    order_actions.approve_order(order=order, actor=owner)
    purchase = purchase_of(order)
    before = snapshot(purchase)

    with pytest.raises(Conflict) as refused:
        dropship.ship_dropship_purchase(
            purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number="SF12345678"
        )

    assert refused.value.code == "purchase_not_paid"
    assert snapshot(purchase) == before


def test_the_supplier_cannot_ship_an_order_still_in_review(mug: Any, acme_user: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)
    before = snapshot(purchase)

    with pytest.raises(Conflict) as refused:
        dropship.ship_dropship_purchase(
            purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number="SF12345678"
        )

    assert (refused.value.code, refused.value.details["order_status"]) == ("order_not_ready_to_ship", "pending_review")
    assert snapshot(purchase) == before


def test_shipping_twice_is_refused(mug: Any, acme_user: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = ready_to_ship(order, owner)
    dropship.ship_dropship_purchase(purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number="SF11111111")
    before = snapshot(purchase)

    with pytest.raises(Conflict) as refused:
        dropship.ship_dropship_purchase(
            purchase=purchase, actor=acme_user, carrier="中通", tracking_number="ZT22222222"
        )

    assert (refused.value.code, refused.value.details["current_status"]) == ("purchase_not_shippable", "shipped")
    assert snapshot(purchase) == before


@pytest.mark.parametrize(
    ("carrier", "tracking", "errors"),
    [
        ("", "SF12345678", {"carrier": "name the carrier"}),
        ("顺丰", "", {"tracking_number": "enter the tracking number"}),
        ("顺丰", "SF1", {"tracking_number": "a tracking number has 6 to 40 characters"}),
        ("顺丰", "SF 1234 5678", {"tracking_number": "only letters, digits and hyphens"}),
        ("顺丰", "顺丰单号12345", {"tracking_number": "only letters, digits and hyphens"}),
        ("x" * 51, "SF12345678", {"carrier": "at most 50 characters"}),
    ],
)
def test_bad_shipment_input_is_refused_and_changes_nothing(
    mug: Any, acme_user: Any, owner: Any, carrier: str, tracking: str, errors: dict[str, str]
) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = ready_to_ship(order, owner)
    before = snapshot(purchase)

    with pytest.raises(ValidationFailed) as refused:
        dropship.ship_dropship_purchase(purchase=purchase, actor=acme_user, carrier=carrier, tracking_number=tracking)

    assert refused.value.fields == errors
    assert snapshot(purchase) == before


def test_another_suppliers_purchase_is_not_found_for_a_supplier(mug: Any, rival_user: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = ready_to_ship(order, owner)
    before = snapshot(purchase)

    with pytest.raises(NotFound):
        dropship.ship_dropship_purchase(
            purchase=purchase, actor=rival_user, carrier="顺丰", tracking_number="SF12345678"
        )
    with pytest.raises(NotFound):
        dropship.get_supplier_purchase(actor=rival_user, number=purchase.number)
    assert list(dropship.supplier_purchases(actor=rival_user)) == []
    assert snapshot(purchase) == before


def test_staff_without_purchasing_rights_cannot_pay_or_ship(mug: Any, agent: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    order_actions.approve_order(order=order, actor=owner)
    purchase = purchase_of(order)
    before = snapshot(purchase)

    with pytest.raises(PermissionDenied):
        dropship.pay_dropship_purchase(purchase=purchase, actor=agent)
    with pytest.raises(PermissionDenied):
        dropship.ship_dropship_purchase(purchase=purchase, actor=agent, carrier="顺丰", tracking_number="SF12345678")
    with pytest.raises(PermissionDenied):
        dropship.supplier_purchases(actor=agent)
    assert snapshot(purchase) == before


def test_paying_twice_is_refused(mug: Any, owner: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = dropship.pay_dropship_purchase(purchase=purchase_of(order), actor=owner)
    paid_at = purchase.paid_at

    with pytest.raises(Conflict) as refused:
        dropship.pay_dropship_purchase(purchase=purchase, actor=owner)

    assert refused.value.code == "purchase_already_paid"
    purchase.refresh_from_db()
    assert purchase.paid_at == paid_at


def test_a_mixed_order_is_split_so_each_part_ships_on_its_own(mug: Any, acme_user: Any, owner: Any) -> None:
    make_sku("TEE", price="59.00", stock=10)

    order = pay(place(("TEE", 2), ("MUG-DS", 1)))

    # then the original is closed into two parts: our stock, and the supplier's
    assert order.status == "closed"
    own, dropped = Order.objects.filter(split_from=order).order_by("number")
    assert [(line.sku_code, line.quantity) for line in own.lines.all()] == [("TEE", 2)]
    assert [(line.sku_code, line.quantity) for line in dropped.lines.all()] == [("MUG-DS", 1)]
    assert (own.status, dropped.status) == ("pending_review", "pending_review")
    assert (own.paid_amount, dropped.paid_amount) == (Decimal("118.00"), Decimal("99.00"))
    purchase = PurchaseOrder.objects.get()
    assert purchase.for_order_id == dropped.pk

    # when the supplier ships its part, only that part ships
    purchase = ready_to_ship(dropped, owner)
    dropship.ship_dropship_purchase(purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number="SF12345678")
    own.refresh_from_db()
    dropped.refresh_from_db()
    assert (own.status, dropped.status) == ("pending_review", "shipped")


def test_two_suppliers_get_a_part_and_a_purchase_each(mug: Any, acme: Any) -> None:
    rival = make_supplier("rival")
    dropship_sku("BOWL-DS", rival, cost="12.50", price="39.00")

    order = pay(place(("MUG-DS", 1), ("BOWL-DS", 2)))

    parts = {part.lines.get().sku_code: part for part in Order.objects.filter(split_from=order)}
    purchases = {p.supplier.code: p for p in PurchaseOrder.objects.all()}
    assert set(purchases) == {"acme", "rival"}
    assert purchases["acme"].for_order_id == parts["MUG-DS"].pk
    assert purchases["rival"].for_order_id == parts["BOWL-DS"].pk
    assert purchases["rival"].total == Decimal("25.00")


def test_staff_creates_the_purchase_of_a_held_order_once_a_supplier_exists(db: Any, owner: Any) -> None:
    lamp = dropship_sku("LAMP-DS", None)
    order = pay(place(("LAMP-DS", 1)))
    assert order.status == "on_hold"
    before = PurchaseOrder.objects.count()

    # when nobody ships it yet: refused, nothing written
    with pytest.raises(Conflict) as refused:
        dropship.create_dropship_purchase(order=order, actor=owner)
    assert (refused.value.code, refused.value.details) == ("no_dropship_supplier", {"skus": ["LAMP-DS"]})
    assert PurchaseOrder.objects.count() == before

    # when a supplier is added, the purchase is created and the hold answered
    supplier = make_supplier("lampco")
    SupplierSku.objects.create(supplier=supplier, sku=lamp, cost=Decimal("45.00"), is_dropship=True)
    (purchase,) = dropship.create_dropship_purchase(order=order, actor=owner)
    assert (purchase.supplier, purchase.for_order_id, purchase.status) == (supplier, order.pk, "sent")
    hold = OrderHold.objects.get(order=order)
    assert hold.resolved_at is not None
    assert Order.objects.get(pk=order.pk).status == "on_hold"  # the agent still releases it

    # and a second time is refused
    with pytest.raises(Conflict) as again:
        dropship.create_dropship_purchase(order=order, actor=owner)
    assert again.value.code == "dropship_purchase_exists"


def test_staff_cannot_create_a_purchase_for_an_unpaid_order(mug: Any, owner: Any) -> None:
    order = place(("MUG-DS", 1))

    with pytest.raises(Conflict) as refused:
        dropship.create_dropship_purchase(order=order, actor=owner)

    assert refused.value.code == "order_not_paid"
    assert PurchaseOrder.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == "unpaid"


def test_settlement_sums_per_supplier(mug: Any, acme_user: Any, owner: Any) -> None:
    sent = pay(place(("MUG-DS", 1)))
    paid = pay(place(("MUG-DS", 2)))
    dropship.pay_dropship_purchase(purchase=purchase_of(paid), actor=owner)
    settled = pay(place(("MUG-DS", 3)))
    purchase = ready_to_ship(settled, owner)
    dropship.ship_dropship_purchase(purchase=purchase, actor=acme_user, carrier="顺丰", tracking_number="SF12345678")
    confirm(Order.objects.get(pk=settled.pk), actor=owner)
    assert sent.status == "pending_review"

    (row,) = dropship.settlement_by_supplier(actor=owner)

    assert (row.supplier.code, row.unpaid, row.paid, row.settled, row.purchases) == (
        "acme",
        Decimal("30.00"),
        Decimal("60.00"),
        Decimal("90.00"),
        3,
    )


def test_cancelling_the_buyers_order_cancels_its_purchase_not_yet_shipped(mug: Any, agent: Any) -> None:
    order = pay(place(("MUG-DS", 1)))
    purchase = purchase_of(order)

    order_actions.cancel_order(order=order, actor=agent, reason="买家不要了")

    purchase.refresh_from_db()
    assert (purchase.status, purchase.closed_at is not None) == ("cancelled", True)
    event = order.events.get(type="dropship_cancelled")
    assert (event.data["purchase"], event.data["paid"]) == (purchase.number, False)
    # A cancelled purchase no longer shows as the supplier's work to ship.
    assert PurchaseOrder.objects.filter(for_order=order, status="sent").count() == 0
