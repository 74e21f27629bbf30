"""orders 0014: events written the old way (a finished sentence in data["text"], in the
writer's language) become codes and parameters, and read the same afterwards — in both
languages, whichever language they were written in."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.timeline import describe_event
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, place

migration = importlib.import_module("sellerdesk.orders.migrations.0014_event_sentences_to_codes")
AT = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def order(db: Any) -> Order:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    make_sku("TEE-RED-M", price="59.00", stock=10)
    return place(("TEE-RED-M", 2))


def old_rows(language: str) -> list[tuple[str, dict[str, Any]]]:
    """Events as the old writers stored them, their sentence made in `language`."""
    with translation.override(language):
        extended_to = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        return [
            (
                "shipment",
                {
                    "text": _("Label booked with %(carrier)s, tracking number %(number)s")
                    % {"carrier": "顺丰速运", "number": "SF100"},
                    "shipment_id": 1,
                    "carrier": "SF",
                    "tracking_number": "SF100",
                    "action": "created",
                },
            ),
            (
                "shipment",
                {
                    "text": _("Label %(number)s cancelled: %(reason)s") % {"number": "SF100", "reason": "换快递"},
                    "shipment_id": 1,
                    "action": "cancelled",
                },
            ),
            (
                "shipment",
                {
                    "text": _("Parcel %(number)s intercepted: %(reason)s") % {"number": "SF101", "reason": "买家取消"},
                    "shipment_id": 2,
                    "action": "intercepted",
                },
            ),
            (
                "tracking",
                {
                    "text": f"{_('Picked up')} (杭州市): 【杭州市】快件已揽收",
                    "shipment_id": 2,
                    "tracking_number": "SF101",
                    "kind": "picked_up",
                    "location": "杭州市",
                },
            ),
            (
                "logistics_exception",
                {
                    "text": _("Parcel %(number)s: %(kind)s — %(detail)s")
                    % {"number": "SF101", "kind": _("Lost parcel"), "detail": "丢件"},
                    "exception_id": 1,
                    "kind": "lost",
                    "action": "detected",
                },
            ),
            (
                "logistics_exception",
                {
                    "text": _("Buyer told about parcel %(number)s: %(text)s")
                    % {"number": "SF101", "text": "包裹丢了，马上补发"},
                    "exception_id": 1,
                    "message_id": 7,
                    "action": "contacted",
                },
            ),
            (
                "logistics_exception",
                {
                    "text": _("Parcel %(number)s: %(kind)s resolved — %(outcome)s")
                    % {
                        "number": "SF101",
                        "kind": _("Lost parcel"),
                        "outcome": _("Forward with another carrier (extra fee)"),
                    }
                    + " "
                    + _("(extra fee ¥%(fee)s)") % {"fee": "8.00"}
                    + " · 转寄中通",
                    "exception_id": 1,
                    "outcome": "forward",
                    "action": "resolved",
                },
            ),
            (
                "auto_confirm_extended",
                {
                    "text": _("Receipt confirmation extended by %(days)s day(s) to %(date)s: %(reason)s")
                    % {"days": 5, "date": "2026-11-25 10:00", "reason": "换货中"},
                    "before": AT.isoformat(),
                    "after": extended_to.isoformat(),
                    "days": 5,
                    "reason": "换货中",
                },
            ),
            (
                "lines_changed",
                {
                    "text": _("Short lines dropped; total ¥%(before)s → ¥%(after)s")
                    % {"before": "118.00", "after": "59.00"},
                    "total_before": "118.00",
                    "total_after": "59.00",
                },
            ),
            (
                "lines_changed",
                {
                    "text": _("Lines changed; total ¥%(before)s → ¥%(after)s")
                    % {"before": "118.00", "after": "177.00"},
                    "total_before": "118.00",
                    "total_after": "177.00",
                },
            ),
            (
                "carrier_chosen",
                {
                    "text": _("Carrier: %(before)s → %(after)s") % {"before": "-", "after": "ZTO"},
                    "before": "",
                    "after": "ZTO",
                },
            ),
            (
                "packed",
                {
                    "text": _("Packed; label %(carrier)s %(number)s printed")
                    % {"carrier": "顺丰速运", "number": "SF102"},
                    "status_before": "picking",
                    "status_after": "packed",
                    "wave": "W1",
                    "carrier": "SF",
                    "tracking_number": "SF102",
                },
            ),
            (
                "picking_started",
                {
                    "text": _("Picking in wave %(wave)s, slot %(slot)s") % {"wave": "W1", "slot": 3},
                    "wave": "W1",
                    "slot": 3,
                },
            ),
            (
                "packing_checked",
                {"text": _("Packing check passed: %(units)s unit(s) scanned") % {"units": 2}, "wave": "W1", "units": 2},
            ),
        ]


# How each old row is read by the timeline after the migration, in each language.
def expected_sentences(language: str) -> list[str]:
    with translation.override(language):
        return [
            _("Label booked with %(carrier)s, tracking number %(number)s") % {"carrier": "顺丰速运", "number": "SF100"},
            _("Label %(number)s cancelled: %(reason)s") % {"number": "SF100", "reason": "换快递"},
            _("Parcel %(number)s intercepted: %(reason)s") % {"number": "SF101", "reason": "买家取消"},
            f"{_('Picked up')} (杭州市): 【杭州市】快件已揽收",
            _("Parcel %(number)s: %(kind)s — %(detail)s")
            % {"number": "SF101", "kind": _("Lost parcel"), "detail": "丢件"},
            _("Buyer told about parcel %(number)s: %(text)s") % {"number": "SF101", "text": "包裹丢了，马上补发"},
            _("Parcel %(number)s: %(kind)s resolved — %(outcome)s")
            % {"number": "SF101", "kind": _("Lost parcel"), "outcome": _("Forward with another carrier (extra fee)")}
            + " "
            + _("(extra fee ¥%(fee)s)") % {"fee": "8.00"}
            + " · 转寄中通",
            _("Receipt confirmation extended by %(days)s day(s) to %(date)s: %(reason)s")
            % {"days": 5, "date": "2026-11-25 10:00", "reason": "换货中"},
            _("Short lines dropped; total ¥%(before)s → ¥%(after)s") % {"before": "118.00", "after": "59.00"},
            _("Lines changed; total ¥%(before)s → ¥%(after)s") % {"before": "118.00", "after": "177.00"},
            _("Carrier: %(before)s → %(after)s") % {"before": "-", "after": "ZTO"},
            _("Packed; label %(carrier)s %(number)s printed") % {"carrier": "顺丰速运", "number": "SF102"},
            _("Picking in wave %(wave)s, slot %(slot)s") % {"wave": "W1", "slot": 3},
            _("Packing check passed: %(units)s unit(s) scanned") % {"units": 2},
        ]


def insert_old_rows(order: Order, language: str) -> list[OrderEvent]:
    return [OrderEvent.objects.create(order=order, type=kind, at=AT, data=data) for kind, data in old_rows(language)]


def read(rows: list[OrderEvent], language: str) -> list[str]:
    with translation.override(language):
        return [describe_event(OrderEvent.objects.get(pk=row.pk)) for row in rows]


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_old_sentences_become_codes_read_in_the_readers_language(order: Order, written_in: str) -> None:
    rows = insert_old_rows(order, written_in)

    migration.sentences_to_codes(apps, None)

    stored = [OrderEvent.objects.get(pk=row.pk).data for row in rows]
    assert [data.get("text") for data in stored if data.get("code") != "buyer_told"] == [None] * (len(rows) - 1)
    assert [data.get("code") for data in stored] == [
        "label_booked",
        "label_cancelled",
        "parcel_intercepted",
        None,  # a scan: the type's own code
        "exception_detected",
        "buyer_told",
        "exception_resolved",
        None,
        "short_lines_dropped",
        None,
        None,
        None,
        None,
        None,
    ]
    assert stored[0] == {
        "code": "label_booked",
        "carrier": "SF",
        "carrier_name": "顺丰速运",
        "tracking_number": "SF100",
        "shipment_id": 1,
        "action": "created",
    }
    assert stored[6] == {
        "code": "exception_resolved",
        "tracking_number": "SF101",
        "kind": "lost",
        "outcome": "forward",
        "extra_fee": "8.00",
        "note": "转寄中通",
        "exception_id": 1,
        "action": "resolved",
    }
    assert stored[3]["description"] == "【杭州市】快件已揽收"
    assert read(rows, "zh-hans") == expected_sentences("zh-hans")
    assert read(rows, "en") == expected_sentences("en")
    assert expected_sentences("zh-hans") != expected_sentences("en")


def test_an_unknown_sentence_is_kept_and_shown_as_it_was(order: Order) -> None:
    row = OrderEvent.objects.create(
        order=order, type="shipment", at=AT, data={"text": "面单被狗吃了", "shipment_id": 3, "action": "created"}
    )

    migration.sentences_to_codes(apps, None)

    data = OrderEvent.objects.get(pk=row.pk).data
    assert data == {"code": "legacy", "legacy_text": "面单被狗吃了", "shipment_id": 3, "action": "created"}
    assert read([row], "en") == read([row], "zh-hans") == ["面单被狗吃了"]


def test_rows_of_the_new_shape_and_typed_notes_are_left_alone(order: Order) -> None:
    note = OrderEvent.objects.create(order=order, type="note_added", at=AT, data={"text": "已催付", "note_id": 1})
    told = OrderEvent.objects.create(
        order=order,
        type="logistics_exception",
        at=timezone.now(),
        data={"code": "buyer_told", "tracking_number": "SF1", "text": "已补发"},
    )
    before = {row.pk: row.data for row in (note, told)}

    migration.sentences_to_codes(apps, None)
    migration.sentences_to_codes(apps, None)  # and running it again changes nothing

    assert {row.pk: OrderEvent.objects.get(pk=row.pk).data for row in (note, told)} == before
