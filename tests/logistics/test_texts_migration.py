"""logistics 0008: a logistics exception's suggestion and the details the system worded,
and the close reason a parcel was intercepted for, written the old way (a sentence in the
writer's language), become codes and parameters; a carrier's or a person's words stay."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.logistics.exceptions import SUGGESTIONS
from sellerdesk.logistics.models import (
    ExceptionKind,
    ExceptionLog,
    LogisticsException,
    ShipmentLog,
    TrackingEvent,
    TrackingKind,
)
from sellerdesk.logistics.tracking import poll_tracking
from sellerdesk.orders.models import OrderEvent
from sellerdesk.orders.timeline import describe_event
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.logistics.helpers import T0, carriers, shipped

migration = importlib.import_module("sellerdesk.logistics.migrations.0008_exception_texts_and_parcel_reasons")


@pytest.fixture(autouse=True)
def _carriers(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    carriers()


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_exception_texts_become_codes(written_in: str) -> None:
    # given a lost parcel's exception, and a no-update one, written the old way
    shipment = shipped("lost")
    poll_tracking(T0 + timedelta(days=20))
    lost = LogisticsException.objects.get(shipment=shipment)
    carriers_words = lost.detail
    scanned = TrackingEvent.objects.create(
        shipment=shipment, carrier=shipment.carrier, carrier_event_id="x1", kind="damaged", location="杭州市",
        description="", at=T0, received_at=T0,
    )  # fmt: skip
    with translation.override(written_in):
        LogisticsException.objects.filter(pk=lost.pk).update(
            suggestion=str(SUGGESTIONS[ExceptionKind.LOST]), suggestion_data={}
        )
        damaged = LogisticsException.objects.create(
            shipment=shipment, order=shipment.order, kind="damaged", trigger=scanned, detected_at=T0,
            detail=f"杭州市: {TrackingKind.DAMAGED.label}", suggestion=str(SUGGESTIONS[ExceptionKind.DAMAGED]),
        )  # fmt: skip
        stale = LogisticsException.objects.create(
            shipment=shipment, order=shipment.order, kind="no_update", detected_at=T0,
            detail=_("No tracking update for %(hours)s hours (last at %(at)s)")
            % {"hours": 48, "at": "2026-12-04 10:00"},
            suggestion=str(SUGGESTIONS[ExceptionKind.NO_UPDATE]),
        )  # fmt: skip
    log = ExceptionLog.objects.create(exception=stale, type="detected", at=T0, data={"detail": stale.detail})
    event = OrderEvent.objects.create(
        order=shipment.order, type="logistics_exception", at=T0,
        data={"code": "exception_detected", "exception_id": stale.pk, "tracking_number": "SF1", "kind": "no_update",
              "detail": stale.detail},
    )  # fmt: skip

    migration.texts_to_codes(apps, None)

    lost, damaged, stale = (LogisticsException.objects.get(pk=row.pk) for row in (lost, damaged, stale))
    no_update = {"code": "no_update_detail", "hours": 48, "last_at": "2026-12-04T10:00:00+08:00"}
    assert (lost.detail, lost.detail_data) == (carriers_words, {})
    assert (damaged.detail, damaged.detail_data) == (
        "",
        {"code": "exception_scan_detail", "kind": "damaged", "location": "杭州市"},
    )
    assert (stale.detail, stale.detail_data) == ("", no_update)
    assert [(row.suggestion, row.suggestion_data) for row in (lost, damaged, stale)] == [
        ("", {"code": "exception_suggestion_lost"}),
        ("", {"code": "exception_suggestion_damaged"}),
        ("", {"code": "exception_suggestion_no_update"}),
    ]
    assert ExceptionLog.objects.get(pk=log.pk).data == {"detail": no_update}
    event = OrderEvent.objects.get(pk=event.pk)
    assert event.data["detail"] == no_update
    with translation.override("zh-hans"):
        assert (damaged.detail_text, lost.detail_text) == ("杭州市: 残次", carriers_words)
        assert stale.detail_text == "物流 48 小时未更新（最后一次 2026-12-04 10:00）"
        assert lost.suggestion_text == "电话联系顾客致歉并补发（或按顾客意愿退款）；向快递索赔。"
    with translation.override("en"):
        assert (damaged.detail_text, lost.detail_text) == ("杭州市: Damaged", carriers_words)
        assert stale.detail_text == "No tracking update for 48 hours (last at 2026-12-04 10:00)"
        assert describe_event(event).endswith("No tracking update for 48 hours (last at 2026-12-04 10:00)")
        assert lost.suggestion_text.startswith("Phone the buyer, apologise")


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_a_parcels_close_reason_becomes_a_code(written_in: str) -> None:
    shipment = shipped()
    with translation.override(written_in):
        reason = _("Out of stock; the buyer chose to cancel")
    system = ShipmentLog.objects.create(shipment=shipment, type="intercepted", at=T0, data={"reason": reason})
    typed = ShipmentLog.objects.create(shipment=shipment, type="cancelled", at=T0, data={"reason": "买家取消"})
    event = OrderEvent.objects.create(
        order=shipment.order, type="shipment", at=T0,
        data={"code": "parcel_intercepted", "shipment_id": shipment.pk, "tracking_number": "ZT1", "reason": reason},
    )  # fmt: skip

    migration.texts_to_codes(apps, None)

    system, typed = ShipmentLog.objects.get(pk=system.pk), ShipmentLog.objects.get(pk=typed.pk)
    event = OrderEvent.objects.get(pk=event.pk)
    assert (system.data, typed.data) == ({"reason": {"code": "closed_out_of_stock"}}, {"reason": "买家取消"})
    assert event.data["reason"] == {"code": "closed_out_of_stock"}
    with translation.override("zh-hans"):
        assert (system.reason_text, typed.reason_text) == ("缺货，买家选择取消", "买家取消")
        assert describe_event(event) == "包裹 ZT1 已截单：缺货，买家选择取消"
    with translation.override("en"):
        assert (system.reason_text, typed.reason_text) == ("Out of stock; the buyer chose to cancel", "买家取消")
        assert describe_event(event) == "Parcel ZT1 intercepted: Out of stock; the buyer chose to cancel"


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_a_tracking_number_in_use_already_becomes_a_code(written_in: str) -> None:
    shipment = shipped()
    with translation.override(written_in):
        sentence = _("%(carrier)s answered with tracking number %(number)s, which is in use already.") % {
            "carrier": "中通快递",
            "number": "ZT9",
        }
    refusal = {"code": "duplicate_tracking_number", "status": 409, "message": sentence, "details": {}}
    type(shipment).objects.filter(pk=shipment.pk).update(booking_error=refusal)
    log = ShipmentLog.objects.create(
        shipment=shipment, type="booking_failed", at=T0, data={"code": "duplicate_tracking_number", "reason": sentence}
    )
    carriers_own = ShipmentLog.objects.create(
        shipment=shipment, type="booking_failed", at=T0, data={"code": "out_of_area", "reason": "超区"}
    )

    migration.texts_to_codes(apps, None)

    worded = {"code": "booking_duplicate_tracking_number", "carrier_name": "中通快递", "tracking_number": "ZT9"}
    shipment.refresh_from_db()
    assert shipment.booking_error == {**refusal, "message": "", "message_data": worded}
    assert ShipmentLog.objects.get(pk=log.pk).data == {"code": "duplicate_tracking_number", "reason": worded}
    assert ShipmentLog.objects.get(pk=carriers_own.pk).data == {"code": "out_of_area", "reason": "超区"}
    with translation.override("zh-hans"):
        assert shipment.booking_error_text == "中通快递 返回的运单号 ZT9 已被使用。"
    with translation.override("en"):
        assert shipment.booking_error_text == "中通快递 answered with tracking number ZT9, which is in use already."
