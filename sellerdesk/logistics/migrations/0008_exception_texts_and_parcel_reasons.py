"""Texts logistics stored as finished sentences in the writer's language become a code and
parameters, rendered when read (core.messages):

- a logistics exception's suggestion (one per kind) and the detail the system worded (no
  tracking update for N hours; a troubled scan the carrier described in no words of its
  own), also in the exception's DETECTED log and its order event; a carrier's words stay;
- the reason a parcel was intercepted, cancelled or its booking withdrawn when the system
  cancelled its order (the order's close reason), in the parcel's log and order events;
  a reason a person typed stays as typed;
- a booking refused because the carrier answered with a tracking number in use already
  (Shipment.booking_error and the parcel's log); a carrier's own refusal stays as it came.

Templates frozen as they were written; read in English and Chinese (the .po catalogue).
"""

from datetime import datetime
from typing import Any

from django.db import migrations, models
from django.utils import timezone

from sellerdesk.core import legacy_text

SUGGESTIONS = {
    "no_update": (
        "No update for two days often means a remote address: the parcel is scanned again only at the "
        "local transit station. Check with the carrier, follow it up yourself, and tell the buyer by SMS "
        "or phone as soon as there is news."
    ),
    "out_of_area": (
        "超区 is the hardest problem parcel. Phone the buyer and persuade them to pay the extra freight to "
        "forward it with another carrier, or forward it at the shop's cost as a service; if neither, the "
        "carrier returns it to the shop."
    ),
    "overload": (
        "爆仓 happens around big sales festivals. Explain the delay and ask the buyer to be patient; ship "
        "urgent orders with SF; advise buyers to order before the festival next time."
    ),
    "weather": (
        "Storms or snow stop delivery. Explain to the buyer: once the parcel reaches the local station and "
        "the weather improves, delivery resumes."
    ),
    "accident": "When the carrier reports a vehicle accident, phone the buyer to explain and reship the parcel.",
    "lost": "Phone the buyer, apologise and reship (or refund if they prefer); claim the loss from the carrier.",
    "damaged": (
        "Remind the buyer to open and check the parcel before signing; reship or refund the damaged goods "
        "and claim from the carrier."
    ),
    "refused": (
        "Ask the buyer why they refused, note the refusal on the order with the tracking number, have the "
        "carrier send it back, and note it again when it arrives. The return freight is the seller's."
    ),
}
NO_UPDATE = "No tracking update for %(hours)s hours (last at %(at)s)"
# The labels of the troubled scans (TrackingKind) that open an exception.
SCAN_LABELS = {
    "out_of_area": "Outside the service area (超区)",
    "overload": "Sorting centre overloaded (爆仓)",
    "delayed_weather": "Delayed by weather",
    "delayed_accident": "Delayed by an accident",
    "lost": "Lost",
    "damaged": "Damaged",
    "refused": "Refused by the buyer (拒收)",
}
CLOSE_REASONS = [
    ("closed_not_paid", "Not paid in time"),
    ("closed_merged_into", "merged into %(number)s"),
    ("closed_split_back", "split back into %(numbers)s"),
    ("closed_split_into", "split into %(numbers)s"),
    ("closed_out_of_stock", "Out of stock; the buyer chose to cancel"),
]
REASON_LOGS = ["intercepted", "cancelled", "booking_withdrawn"]
DUPLICATE = "%(carrier)s answered with tracking number %(number)s, which is in use already."
REASON_EVENTS = ["parcel_intercepted", "label_cancelled"]


def _no_update(detail: str) -> dict[str, Any] | None:
    found = legacy_text.parse(detail, NO_UPDATE)
    if not found:
        return None
    try:
        hours = int(found["hours"])
        last = datetime.strptime(found["at"], "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    last_at = timezone.make_aware(last, timezone.get_default_timezone()).isoformat()
    return {"code": "no_update_detail", "hours": hours, "last_at": last_at}


def _scan(detail: str, kind: str, location: str) -> dict[str, Any] | None:
    label = SCAN_LABELS.get(kind)
    if label is None:
        return None
    for said in legacy_text.translations(label):
        if detail == (f"{location}: {said}" if location else said):
            return {"code": "exception_scan_detail", "kind": kind, "location": location}
    return None


def _exceptions_to_codes(apps: Any) -> dict[int, dict[str, Any]]:
    """Suggestions and details; the details converted, by exception id."""
    LogisticsException = apps.get_model("logistics", "LogisticsException")
    for kind, msgid in SUGGESTIONS.items():
        LogisticsException.objects.filter(kind=kind, suggestion__in=legacy_text.translations(msgid)).update(
            suggestion="", suggestion_data={"code": f"exception_suggestion_{kind}"}
        )
    details: dict[int, dict[str, Any]] = {}
    rows = LogisticsException.objects.filter(detail_data={}).exclude(detail="").select_related("trigger")
    batch = []
    for exception in rows.only("pk", "kind", "detail", "trigger").iterator(chunk_size=2000):
        trigger = exception.trigger
        if trigger is None:
            found = _no_update(exception.detail) if exception.kind == "no_update" else None
        elif not trigger.description:  # a carrier's description is its own words
            found = _scan(exception.detail, trigger.kind, trigger.location)
        else:
            found = None
        if found:
            exception.detail, exception.detail_data = "", found
            details[exception.pk] = found
            batch.append(exception)
    LogisticsException.objects.bulk_update(batch, ["detail", "detail_data"], batch_size=1000)
    return details


def _close_reason(reason: Any) -> dict[str, Any] | None:
    found: dict[str, Any] | None = legacy_text.coded(reason, CLOSE_REASONS) if isinstance(reason, str) else None
    if found and "numbers" in found:
        found["numbers"] = found["numbers"].split(", ")
    return found


def _duplicate(message: Any) -> dict[str, Any] | None:
    found = legacy_text.parse(message, DUPLICATE) if isinstance(message, str) and message else None
    if not found:
        return None
    return {
        "code": "booking_duplicate_tracking_number",
        "carrier_name": found["carrier"],
        "tracking_number": found["number"],
    }


def _booking_errors_to_codes(apps: Any) -> None:
    Shipment = apps.get_model("logistics", "Shipment")
    ShipmentLog = apps.get_model("logistics", "ShipmentLog")
    shipments = []
    for shipment in Shipment.objects.filter(booking_error__code="duplicate_tracking_number").iterator():
        found = _duplicate(shipment.booking_error.get("message"))
        if found:
            shipment.booking_error = {**shipment.booking_error, "message": "", "message_data": found}
            shipments.append(shipment)
    Shipment.objects.bulk_update(shipments, ["booking_error"], batch_size=1000)
    logs = []
    for log in ShipmentLog.objects.filter(type="booking_failed", data__code="duplicate_tracking_number").iterator():
        found = _duplicate(log.data.get("reason"))
        if found:
            log.data = {**log.data, "reason": found}
            logs.append(log)
    ShipmentLog.objects.bulk_update(logs, ["data"], batch_size=1000)


def texts_to_codes(apps: Any, schema_editor: Any) -> None:
    ExceptionLog = apps.get_model("logistics", "ExceptionLog")
    ShipmentLog = apps.get_model("logistics", "ShipmentLog")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    details = _exceptions_to_codes(apps)
    _booking_errors_to_codes(apps)
    logs = []
    for log in ExceptionLog.objects.filter(type="detected", exception_id__in=list(details)).iterator():
        log.data = {**log.data, "detail": details[log.exception_id]}
        logs.append(log)
    ExceptionLog.objects.bulk_update(logs, ["data"], batch_size=1000)
    parcel_logs = []
    for log in ShipmentLog.objects.filter(type__in=REASON_LOGS).iterator(chunk_size=2000):
        found = _close_reason((log.data or {}).get("reason"))
        if found:
            log.data = {**log.data, "reason": found}
            parcel_logs.append(log)
    ShipmentLog.objects.bulk_update(parcel_logs, ["data"], batch_size=1000)
    events = []
    rows = OrderEvent.objects.filter(type__in=["shipment", "logistics_exception"]).only("pk", "type", "data")
    for event in rows.iterator(chunk_size=2000):
        data = event.data or {}
        if data.get("code") in REASON_EVENTS:
            found, name = _close_reason(data.get("reason")), "reason"
        elif data.get("code") == "exception_detected" and isinstance(data.get("detail"), str):
            found, name = details.get(data.get("exception_id") or 0), "detail"
        else:
            found = None
        if found:
            event.data = {**data, name: found}
            events.append(event)
    OrderEvent.objects.bulk_update(events, ["data"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0007_withdrawn_bookings_tracking_requests"),
        ("orders", "0016_hold_messages_to_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="logisticsexception",
            name="detail_data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="logisticsexception",
            name="suggestion_data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(texts_to_codes, migrations.RunPython.noop, elidable=True),
    ]
