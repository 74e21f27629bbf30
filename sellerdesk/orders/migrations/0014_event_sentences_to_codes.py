"""Events written before codes kept a finished sentence, in the writer's language, in
data["text"]. Turn each into the code and parameters the timeline renders now; a
sentence that matches no known template (in English or Chinese) is kept as the
`legacy_text` parameter of the `legacy` code and shown as it was.

The templates are frozen here (as they were written), so later changes to the code's
renderers do not change what this migration reads.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from sellerdesk.core import legacy_text

# (type, data["action"] or None) → [(code, msgid, {placeholder: parameter}, suffix)]
FEE = "(extra fee ¥%(fee)s)"
RULES: dict[tuple[str, str | None], list[tuple[str, str, dict[str, str]]]] = {
    ("shipment", "created"): [
        (
            "label_booked",
            "Label booked with %(carrier)s, tracking number %(number)s",
            {"carrier": "carrier_name", "number": "tracking_number"},
        )
    ],
    ("shipment", "cancelled"): [
        ("label_cancelled", "Label %(number)s cancelled: %(reason)s", {"number": "tracking_number"})
    ],
    ("shipment", "intercepted"): [
        ("parcel_intercepted", "Parcel %(number)s intercepted: %(reason)s", {"number": "tracking_number"})
    ],
    ("logistics_exception", "detected"): [
        ("exception_detected", "Parcel %(number)s: %(kind)s — %(detail)s", {"number": "tracking_number"})
    ],
    ("logistics_exception", "contacted"): [
        ("buyer_told", "Buyer told about parcel %(number)s: %(text)s", {"number": "tracking_number"})
    ],
    ("logistics_exception", "resolved"): [
        ("exception_resolved", "Parcel %(number)s: %(kind)s resolved — %(outcome)s", {"number": "tracking_number"})
    ],
    ("auto_confirm_extended", None): [
        (
            "auto_confirm_extended",
            "Receipt confirmation extended by %(days)s day(s) to %(date)s: %(reason)s",
            {"date": "_date"},
        )
    ],
    ("lines_changed", None): [
        (
            "lines_changed",
            "Lines changed; total ¥%(before)s → ¥%(after)s",
            {"before": "total_before", "after": "total_after"},
        ),
        (
            "short_lines_dropped",
            "Short lines dropped; total ¥%(before)s → ¥%(after)s",
            {"before": "total_before", "after": "total_after"},
        ),
    ],
    ("address_corrected", None): [
        ("address_corrected", "Address corrected: %(before)s → %(after)s", {"before": "_before", "after": "_after"})
    ],
    ("carrier_chosen", None): [
        ("carrier_chosen", "Carrier: %(before)s → %(after)s", {"before": "_before", "after": "_after"})
    ],
    ("picking_started", None): [("picking_started", "Picking in wave %(wave)s, slot %(slot)s", {})],
    ("packing_checked", None): [("packing_checked", "Packing check passed: %(units)s unit(s) scanned", {})],
    ("packed", None): [
        (
            "packed",
            "Packed; label %(carrier)s %(number)s printed",
            {"carrier": "carrier_name", "number": "tracking_number"},
        )
    ],
}
TYPES = sorted({kind for kind, _action in RULES} | {"tracking"})

# The labels the sentences named, as they were (code, msgid).
EXCEPTION_KINDS = [
    ("no_update", "No tracking update"),
    ("out_of_area", "Outside the service area (超区)"),
    ("overload", "Warehouse overload (爆仓)"),
    ("weather", "Weather delay"),
    ("accident", "Accident delay"),
    ("lost", "Lost parcel"),
    ("damaged", "Damaged parcel"),
    ("refused", "Refused COD parcel coming back (拒收)"),
]
EXCEPTION_OUTCOMES = [
    ("reship", "Reship"),
    ("forward", "Forward with another carrier (extra fee)"),
    ("refund", "Refund"),
    ("wait", "Wait for the carrier"),
]
TRACKING_KINDS = [
    ("picked_up", "Picked up"),
    ("departed", "Left a sorting centre"),
    ("arrived", "Arrived at a sorting centre"),
    ("out_for_delivery", "Out for delivery"),
    ("delivered", "Delivered"),
    ("delayed_weather", "Delayed by weather"),
    ("delayed_accident", "Delayed by an accident"),
    ("overload", "Sorting centre overloaded (爆仓)"),
    ("out_of_area", "Outside the service area (超区)"),
    ("lost", "Lost"),
    ("damaged", "Damaged"),
    ("refused", "Refused by the buyer (拒收)"),
    ("returning", "Returning to the seller"),
    ("returned", "Returned to the seller"),
]


def _resolved_suffix() -> str:
    """The optional tails of a resolved exception's sentence: " (extra fee ¥x)" in either
    language, then " · note"."""
    fees = []
    for index, template in enumerate(legacy_text.translations(FEE)):
        body = legacy_text.pattern(template).pattern[1:-1]  # unanchored
        fees.append(body.replace("(?P<fee>", f"(?P<fee{index}>"))
    return "(?: (?:" + "|".join(fees) + "))?" + "(?: · (?P<note>.*))?"


def _scan(text: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """A carrier scan was "label (location): description" with the label of its kind."""
    msgid = dict(TRACKING_KINDS).get(data.get("kind", ""))
    labels = legacy_text.translations(msgid) if msgid else [data.get("kind", "")]
    place = f" ({data['location']})" if data.get("location") else ""
    for label in labels:
        head = f"{label}{place}"
        if text == head:
            return {"description": ""}
        if text.startswith(head + ": "):
            return {"description": text[len(head) + 2 :]}
    return None


def convert(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The new data of an old event with a sentence in data["text"]; None if it has none."""
    if "text" not in data or "code" in data:
        return None
    text = str(data["text"])
    params = {key: value for key, value in data.items() if key != "text"}
    if event_type == "tracking":
        parsed = _scan(text, data)
        return {**parsed, **params} if parsed is not None else {**params, "code": "legacy", "legacy_text": text}
    rules = RULES.get((event_type, data.get("action"))) or RULES.get((event_type, None)) or []
    for code, msgid, names in rules:
        suffix = _resolved_suffix() if code == "exception_resolved" else ""
        parsed = legacy_text.parse(text, msgid, suffix=suffix)
        if parsed is None:
            continue
        values: dict[str, Any] = {}
        for name, value in parsed.items():
            if name.startswith("fee"):
                values["extra_fee"] = value
            elif names.get(name, name).startswith("_"):
                continue  # shown from the structured parameters the event already has
            elif name == "kind":
                values["kind"] = legacy_text.label_code(value, EXCEPTION_KINDS) or value
            elif name == "outcome":
                values["outcome"] = legacy_text.label_code(value, EXCEPTION_OUTCOMES) or value
            else:
                values[names.get(name, name)] = value
        converted = {**values, **params}  # the facts the row kept beat what is read back
        if code != event_type:
            converted["code"] = code
        return converted
    return {**params, "code": "legacy", "legacy_text": text}


def sentences_to_codes(apps: Any, schema_editor: Any) -> None:
    OrderEvent = apps.get_model("orders", "OrderEvent")
    batch = []
    for event in OrderEvent.objects.filter(type__in=TYPES).only("pk", "type", "data").iterator(chunk_size=2000):
        converted = convert(event.type, event.data or {})
        if converted is None:
            continue
        event.data = converted
        batch.append(event)
        if len(batch) >= 1000:
            OrderEvent.objects.bulk_update(batch, ["data"])
            batch = []
    if batch:
        OrderEvent.objects.bulk_update(batch, ["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0013_dropship_cancelled"),
    ]

    operations = [
        migrations.RunPython(sentences_to_codes, migrations.RunPython.noop, elidable=True),
    ]
