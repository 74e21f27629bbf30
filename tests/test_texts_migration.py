"""orders 0015 and inventory 0006: close reasons, hold resolutions, the reasons of closed
and refund events and stock movement notes written the old way (a sentence in the
writer's language) become codes and parameters; what a person typed stays as typed."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.models import MovementKind, StockMovement, Warehouse
from sellerdesk.orders.models import Order, OrderEvent, OrderHold
from sellerdesk.orders.timeline import describe_event
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, place

orders_migration = importlib.import_module("sellerdesk.orders.migrations.0015_texts_as_codes")
inventory_migration = importlib.import_module("sellerdesk.inventory.migrations.0006_movement_note_codes")


@pytest.fixture
def tee(db: Any) -> Sku:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    return make_sku("TEE-RED-M", price="59.00", stock=10)


def closed_with(reason: str) -> Order:
    order = place(("TEE-RED-M", 1))
    Order.objects.filter(pk=order.pk).update(status="closed", closed_at=timezone.now(), close_reason=reason)
    return order


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_close_reasons_and_resolutions_become_codes(tee: Sku, written_in: str) -> None:
    with translation.override(written_in):
        expired = closed_with(_("Not paid in time"))
        split = closed_with(_("split into %(numbers)s") % {"numbers": "1-1, 1-2"})
        approved = _("Approved")
        refund_reason = _("short lines dropped")
    typed = closed_with("买家不要了")
    hold = OrderHold.objects.create(
        order=typed, reason="manual", message="改地址", created_at=timezone.now(), resolution=approved
    )
    kept = OrderHold.objects.create(
        order=typed, reason="manual", message="改地址", created_at=timezone.now(), resolution="已确认"
    )
    refund = OrderEvent.objects.create(
        order=typed, type="refund_recorded", at=timezone.now(), data={"amount": "10.00", "reason": refund_reason}
    )

    orders_migration.texts_to_codes(apps, None)

    expired, split, typed = (Order.objects.get(pk=order.pk) for order in (expired, split, typed))
    assert (expired.close_reason, expired.close_reason_data) == ("", {"code": "closed_not_paid"})
    assert (split.close_reason, split.close_reason_data) == (
        "",
        {"code": "closed_split_into", "numbers": ["1-1", "1-2"]},
    )
    assert (typed.close_reason, typed.close_reason_data) == ("买家不要了", {})
    hold, kept = OrderHold.objects.get(pk=hold.pk), OrderHold.objects.get(pk=kept.pk)
    assert (hold.resolution, hold.resolution_data) == ("", {"code": "hold_approved"})
    assert (kept.resolution, kept.resolution_data) == ("已确认", {})
    refund = OrderEvent.objects.get(pk=refund.pk)
    assert refund.data == {"amount": "10.00", "reason": {"code": "refund_short_lines_dropped"}}
    for language, words in (
        ("zh-hans", ("超时未付款", "已拆分为 1-1, 1-2", "已审核")),
        ("en", ("Not paid in time", "split into 1-1, 1-2", "Approved")),
    ):
        with translation.override(language):
            assert (expired.close_reason_text, split.close_reason_text, hold.resolution_text) == words
            assert typed.close_reason_text == "买家不要了"
            assert describe_event(refund).endswith(_("short lines dropped"))


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_movement_notes_become_codes(tee: Sku, written_in: str) -> None:
    warehouse = Warehouse.objects.get(code="main")

    def movement(note: str) -> StockMovement:
        return StockMovement.objects.create(
            sku=tee, warehouse=warehouse, kind=MovementKind.ADJUST, note=note, at=timezone.now()
        )

    with translation.override(written_in):
        rows = [
            movement(_("stock count")),
            movement(_("%(quantity)s picked") % {"quantity": 3}),
            movement(
                _("%(quantity)s units from %(source)s to %(target)s")
                % {"quantity": 5, "source": _("no bin"), "target": "A-01"}
            ),
            movement(_("moved from %(source)s to %(target)s") % {"source": "2611", "target": "2612"}),
            movement("allocation"),
            movement("short in P1"),
            movement("盘点时发现破损"),  # typed by a person
        ]

    inventory_migration.notes_to_codes(apps, None)

    stored = [StockMovement.objects.get(pk=row.pk) for row in rows]
    assert [(row.note, row.note_data) for row in stored] == [
        ("", {"code": "note_stock_count"}),
        ("", {"code": "note_picked", "quantity": "3"}),
        ("", {"code": "note_units_moved", "quantity": "5", "source": "", "target": "A-01"}),
        ("", {"code": "note_reservation_moved", "source": "2611", "target": "2612"}),
        ("", {"code": "note_allocated"}),
        ("", {"code": "note_short_in", "document": "P1"}),
        ("盘点时发现破损", {}),
    ]
    with translation.override("zh-hans"):
        assert [row.note_text for row in stored[:4]] == [
            "盘点",
            "已拣 3 件",
            "5 件从 未上架 移到 A-01",
            "从 2611 移到 2612",
        ]
    with translation.override("en"):
        assert [row.note_text for row in stored[:4]] == [
            "stock count",
            "3 picked",
            "5 units from no bin to A-01",
            "moved from 2611 to 2612",
        ]
        assert stored[-1].note_text == "盘点时发现破损"


hold_migration = importlib.import_module("sellerdesk.orders.migrations.0016_hold_messages_to_codes")


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_hold_messages_and_held_reasons_become_codes(tee: Sku, written_in: str) -> None:
    order = place(("TEE-RED-M", 1))
    with translation.override(written_in):
        no_carrier = _("No carrier delivers to %(area)s%(cod)s (超区).") % {
            "area": "西藏自治区阿里地区",
            "cod": _(" with cash on delivery"),
        }
        too_big = _("The total ¥%(total)s is above the shop's limit of ¥%(limit)s.") % {
            "total": "6000.00",
            "limit": "5000.00",
        }
    now = timezone.now()
    coded = OrderHold.objects.create(order=order, reason="carrier", message=no_carrier, created_at=now)
    typed = OrderHold.objects.create(order=order, reason="manual", message="买家要改地址", created_at=now)
    with translation.override(written_in):
        wrong_district = _("%(district)s is not a district of %(city)s.") % {"district": "朝阳区", "city": "杭州市"}
    address = OrderHold.objects.create(
        order=order,
        reason="address",
        message=wrong_district,
        suggestion={"field": "district", "problem": "district_not_in_city", "address": None},
        created_at=now,
    )
    held = OrderEvent.objects.create(
        order=order,
        type="held",
        at=now,
        data={
            "automatic": True,
            "reasons": [
                {"code": "large_order", "message": too_big, "suggestion": None},
                {"code": "manual", "message": "买家要改地址", "suggestion": None},
            ],
        },
    )

    hold_migration.messages_to_codes(apps, None)

    coded, typed = OrderHold.objects.get(pk=coded.pk), OrderHold.objects.get(pk=typed.pk)
    assert (coded.message, coded.message_data) == (
        "",
        {"code": "finding_no_carrier", "area": "西藏自治区阿里地区", "cod": True},
    )
    assert (typed.message, typed.message_data) == ("买家要改地址", {})
    assert OrderHold.objects.get(pk=address.pk).message_data == {
        "code": "address_district_not_in_city",
        "district": "朝阳区",
        "city": "杭州市",
    }
    held = OrderEvent.objects.get(pk=held.pk)
    assert [reason["message"] for reason in held.data["reasons"]] == [
        {"code": "finding_total_above_limit", "total": "6000.00", "limit": "5000.00"},
        "买家要改地址",
    ]
    with translation.override("en"):
        assert coded.message_text == "No carrier delivers to 西藏自治区阿里地区 with cash on delivery (超区)."
        assert "The total ¥6000.00 is above the shop's limit of ¥5000.00." in describe_event(held)
    with translation.override("zh-hans"):
        assert coded.message_text == _("No carrier delivers to %(area)s%(cod)s (超区).") % {
            "area": "西藏自治区阿里地区",
            "cod": _(" with cash on delivery"),
        }
        assert "买家要改地址" in describe_event(held)
