"""A small fixed data set for the facts tests, built through the product's actions, and
the fact rows it must give, counted by hand (tests/analytics/test_facts.py, and on
PostgreSQL tests/pg/test_facts_pg.py).

Two buyers of the shop: 张三 (agent in charge 阿华) and 李四 (nobody in charge). Days D1 … D4
are four Shanghai days ending a week before the test clock; every moment is local time.

- A   张三, 2 × TEE, paid D1 10:00, approved, booked with ZTO, shipped D2 09:00; the carrier
      scans it damaged D3 14:00, delivered D3 15:00; receipt confirmed D4 09:00; the buyer
      opens a case (damaged) D4 10:00 — the second report of the same damage, not counted
      again; 30.00 refunded D4 12:00 (partial).
- B1, B2  张三, 1 × TEE each, unpaid (D1 13:00, 14:00); 小美 reminds B1 by phone D1 16:00
      (reason: price too high); merged D1 17:00 into M (unpaid, 118.00); M paid D2 10:00, approved,
      shipped D2 15:00 (not through a parcel booking).
- S   李四, TEE + CAP, paid D1 10:30, split D1 12:00 into P1 (TEE) and P2 (CAP); P1
      approved, shipped D2 12:00; P2 cancelled D2 13:00 (its 30.00 refunded).
- L   李四, placed D1 23:30 (the day is Shanghai's, not UTC's), unpaid; 阿华 reminds it by
      phone D2 11:00 (the buyer's words only); cancelled D2 18:00: lost, on D1.
- C   张三, cash on delivery, placed D1 11:00, approved D1 12:00, booked with SF, shipped
      D2 10:00, refused by the buyer (拒收 scan) D3 10:00: cancelled on D3, never lost.
- U   张三, placed D1 15:00, unpaid and still open.
- E1, E2  李四, unpaid (D2 09:00, 09:10), merged D2 09:30, split back D2 10:00: the merged
      order's close is no cancellation; both originals stay open.
- The service desk: 3 conversations opened D1 without agent; 阿华 on D1 2 first replies
  (300 business seconds) and 1 resolution; on D2 1 conversation, 1 resolution and 2
  survey answers (4 and 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from sellerdesk.aftersales.actions import LineRequest, open_case
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.customers.actions import update_customer
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics import actions as logistics
from sellerdesk.logistics import tracking
from sellerdesk.logistics.carriers.base import CarrierTrackingEvent
from sellerdesk.logistics.models import Carrier, Shipment
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders import merging
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment, record_refund
from sellerdesk.reminders import actions as reminders
from sellerdesk.reminders.models import UnpaidReason
from sellerdesk.reminders.reasons import install_reasons
from sellerdesk.service import figures
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, order_draft
from tests.logistics.helpers import carriers
from tests.support.clock import SHANGHAI, TEST_NOW

D1 = (TEST_NOW - timedelta(days=10)).date()
D2, D3, D4 = (D1 + timedelta(days=n) for n in (1, 2, 3))
ZHANG = ("张三", "13800138000", "zhangsan88")
LI = ("李四", "13900139000", "lisi77")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class DataSet:
    shop: Shop
    ahua: User
    xiaomei: User


def _place(buyer: tuple[str, str, str], *lines: tuple[str, int], when: datetime, **fields: Any) -> Order:
    draft = order_draft(*lines, buyer=order_actions.Buyer(*buyer), placed_at=when, **fields)
    return order_actions.place_order(draft=draft, actor=None)


def _pay(order: Order, when: datetime) -> Order:
    order.refresh_from_db()
    record_payment(
        order=order, amount=order.balance_due, method="online", reference=f"TX-{order.number}", actor=None, at=when
    )
    return Order.objects.get(pk=order.pk)


def _approve(order: Order, when: datetime) -> Order:
    return order_actions.approve_order(order=Order.objects.get(pk=order.pk), actor=None, at=when)


def _scan(shipment: Shipment, kind: str, when: datetime) -> None:
    event = CarrierTrackingEvent(f"{shipment.tracking_number}-{kind}", shipment.tracking_number, kind, when)
    tracking.record_events(shipment=shipment, events=[event], source="webhook", now=when)


def _shipped_parcel(order: Order, carrier: str, booked: datetime, shipped: datetime) -> Shipment:
    shipment = logistics.create_shipment(
        order=Order.objects.get(pk=order.pk),
        carrier=Carrier.objects.get(code=carrier),
        parcel=logistics.Parcel(weight_grams=800, options={"scenario": "normal"}),
        actor=None,
        at=booked,
    )
    order_actions.ship_order(
        order=order, actor=None, carrier=carrier, tracking_number=shipment.tracking_number, at=shipped
    )
    return logistics.mark_handed_over(shipment=shipment, actor=None, at=shipped)


def build() -> DataSet:
    """The data set above, written through the actions (the database must be empty of orders)."""
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    shop, _created = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    carriers()
    install_reasons()
    if not Sku.objects.filter(code="TEE").exists():
        make_sku("TEE", price="59.00", stock=1000)
        make_sku("CAP", price="30.00", stock=1000)
    ahua = make_user("ahua", "agent", "阿华")
    xiaomei = make_user("xiaomei", "agent", "小美")

    # A: paid, shipped as a booked parcel, damaged, delivered, completed, a case, a partial refund.
    order_a = _place(ZHANG, ("TEE", 2), when=at(D1, 9))
    zhang = Customer.objects.get(pk=order_a.customer_id)
    update_customer(customer=zhang, actor=None, changes={"agent": ahua})
    order_a = _approve(_pay(order_a, at(D1, 10)), at(D1, 11))
    parcel_a = _shipped_parcel(order_a, "ZTO", at(D1, 12), at(D2, 9))
    _scan(parcel_a, "damaged", at(D3, 14))
    _scan(parcel_a, "delivered", at(D3, 15))
    order_actions.confirm_receipt(order=Order.objects.get(pk=order_a.pk), actor=None, at=at(D4, 9))
    line = Order.objects.get(pk=order_a.pk).lines.get()
    open_case(
        order=Order.objects.get(pk=order_a.pk),
        type="refund_only",
        reason="damaged",
        lines=[LineRequest(order_line_id=line.pk, quantity=1)],
        description="外箱压坏",
        requested_amount=Decimal("30.00"),
        actor=ahua,
        at=at(D4, 10),
    )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order_a.pk)
        record_refund(order=locked, amount=Decimal("30.00"), actor=ahua, at=at(D4, 12), reason="部分退款")

    # B1 + B2 merged into M, paid as M.
    b1 = _place(ZHANG, ("TEE", 1), when=at(D1, 13))
    b2 = _place(ZHANG, ("TEE", 1), when=at(D1, 14))
    reminder = reminders.remind_order(order=b1, channel="phone", actor=xiaomei, at=at(D1, 16))
    reminders.record_reason(
        reminder=reminder, actor=xiaomei, reason=UnpaidReason.objects.get(code="price_too_high"), at=at(D1, 16, 5)
    )
    merged = merging.merge_orders(orders=[b1, b2], actor=None, at=at(D1, 17))
    merged = _approve(_pay(merged, at(D2, 10)), at(D2, 11))
    order_actions.ship_order(order=merged, actor=None, carrier="顺丰", tracking_number="SF-M-1", at=at(D2, 15))

    # S split into P1 (shipped) and P2 (cancelled, refunded).
    order_s = _pay(_place(LI, ("TEE", 1), ("CAP", 1), when=at(D1, 10)), at(D1, 10, 30))
    part_1, part_2 = merging.split_order(
        order=order_s,
        actor=None,
        parts=[[merging.PartLine(1, 1)], [merging.PartLine(2, 1)]],
        at=at(D1, 12),
    )
    part_1 = _approve(part_1, at(D2, 8))
    order_actions.ship_order(order=part_1, actor=None, carrier="顺丰", tracking_number="SF-P-1", at=at(D2, 12))
    order_actions.cancel_order(order=part_2, actor=None, reason="买家不要帽子了", at=at(D2, 13))

    # L: placed late on D1, reminded, never paid, cancelled.
    order_l = _place(LI, ("TEE", 1), when=at(D1, 23, 30))
    reminder = reminders.remind_order(order=order_l, channel="phone", actor=ahua, at=at(D2, 11))
    reminders.record_reason(reminder=reminder, actor=ahua, reason=None, note="在比价", at=at(D2, 11, 5))
    order_actions.cancel_order(order=order_l, actor=None, reason="买家不买了", at=at(D2, 18))

    # C: cash on delivery, refused.
    order_c = _approve(_place(ZHANG, ("TEE", 1), when=at(D1, 11), payment_method="cod"), at(D1, 12))
    parcel_c = _shipped_parcel(order_c, "SF", at(D1, 13), at(D2, 10))
    _scan(parcel_c, "refused", at(D3, 10))

    # U: unpaid, still open.
    _place(ZHANG, ("TEE", 1), when=at(D1, 15))

    # E1 + E2 merged and split back.
    e1 = _place(LI, ("TEE", 1), when=at(D2, 9))
    e2 = _place(LI, ("CAP", 1), when=at(D2, 9, 10))
    merging.unmerge_order(
        order=merging.merge_orders(orders=[e1, e2], actor=None, at=at(D2, 9, 30)), actor=None, at=at(D2, 10)
    )

    # The service desk's own daily figures (service.figures, as its actions add them).
    figures.add(day=D1, shop_id=shop.pk, agent_id=None, conversations=3)
    figures.add(day=D1, shop_id=shop.pk, agent_id=ahua.pk, first_responses=2, first_response_seconds=300, resolutions=1)
    figures.add(day=D2, shop_id=shop.pk, agent_id=ahua.pk, conversations=1, resolutions=1, csat_count=2, csat_sum=9)
    return DataSet(shop=shop, ahua=ahua, xiaomei=xiaomei)


HOUR = 3600


def expected_rows(data: DataSet) -> dict[tuple[date, int | None], dict[str, Any]]:
    """The fact rows by (day, agent id), counted by hand: only the non-zero columns."""
    ahua, xiaomei = data.ahua.pk, data.xiaomei.pk
    return {
        (D1, ahua): {
            "orders_placed": 5,  # A, B1, B2, C, U (never M)
            "orders_paid": 1,  # A
            "sales_amount": Decimal("118.00"),
            "first_responses": 2,
            "first_response_seconds": 300,
            "resolutions": 1,
        },
        (D1, None): {
            "orders_placed": 2,  # S, L (never P1, P2)
            "orders_lost": 1,  # L
            "orders_paid": 1,  # S
            "sales_amount": Decimal("89.00"),
            "conversations": 3,
        },
        (D1, xiaomei): {"reminded": 1, "reminder_paid": 1},  # B1, paid as M
        (D2, ahua): {
            "orders_paid": 2,  # B1 and B2, paid as M
            "orders_shipped": 3,  # A, M, C
            # A 23 h after payment, M 5 h, C (COD) 22 h after approval
            "ship_seconds": (23 + 5 + 22) * HOUR,
            "sales_amount": Decimal("118.00"),  # M's payment
            "reminded": 1,  # L, reminded by 阿华
            "conversations": 1,
            "resolutions": 1,
            "csat_count": 2,
            "csat_sum": 9,
        },
        (D2, None): {
            "orders_placed": 2,  # E1, E2
            "orders_shipped": 1,  # P1
            "ship_seconds": 25 * HOUR + 30 * 60,  # paid D1 10:30 (S's payment)
            "orders_cancelled": 1,  # P2 (the merged E's close is no cancellation; L was never valid)
            "refunded_amount": Decimal("30.00"),  # P2's money back
        },
        (D3, ahua): {
            "parcels_delivered": 1,  # A
            "parcels_damaged": 1,  # A, by the carrier's scan
            "orders_cancelled": 1,  # C refused
        },
        (D4, ahua): {
            "orders_completed": 1,  # A
            "aftersales_opened": 1,  # A's case (its damage already counted on D3)
            "refunded_amount": Decimal("30.00"),  # A's partial refund
        },
    }


# Every metric over D1 … D4, the whole shop, by hand from the rows above.
EXPECTED_METRICS: dict[str, Decimal | None] = {
    "completion_rate": Decimal("33.3"),  # 1 completed ÷ (1 + 2 cancelled)
    "time_to_ship": Decimal("18.9"),  # (23 + 5 + 22 + 25.5) h ÷ 4 shipped = 18.875 h
    "damage_rate": Decimal("100.0"),  # 1 damaged ÷ 1 delivered
    "aftersales_rate": Decimal("25.0"),  # 1 case ÷ 4 shipped
    "first_response": Decimal("2.5"),  # 300 s ÷ 2 replies = 2.5 min
    "resolution_rate": Decimal("50.0"),  # 2 resolved ÷ 4 opened
    "satisfaction": Decimal("4.50"),  # 9 ÷ 2
    "lost_rate": Decimal("11.1"),  # 1 lost ÷ 9 placed
    "reminder_recovery": Decimal("50.0"),  # 1 paid after ÷ 2 reminded
    "orders_placed": Decimal("9"),
    "sales": Decimal("265.00"),  # 118 + 89 + 118 paid − 30 − 30 refunded
}
