"""Close reasons and hold resolutions the system gave, and the reasons of closed and
refund events, were finished sentences in the writer's language: they become a code and
parameters (rendered when read, core.messages). What a person typed stays as typed.
Hold messages (the review rules' findings) are left as they are.

Templates frozen as they were written; read in English and Chinese (the .po catalogue).
"""

from typing import Any

from django.db import migrations, models

from sellerdesk.core import legacy_text

CLOSE_REASONS = [
    ("closed_not_paid", "Not paid in time"),
    ("closed_merged_into", "merged into %(number)s"),
    ("closed_split_back", "split back into %(numbers)s"),
    ("closed_split_into", "split into %(numbers)s"),
    ("closed_out_of_stock", "Out of stock; the buyer chose to cancel"),
]
RESOLUTIONS = [
    ("hold_approved", "Approved"),
    ("hold_address_corrected", "address corrected"),
    ("hold_carrier_chosen", "carrier chosen"),
    ("hold_dropship_created", "Dropship purchase created"),
]
REFUND_REASONS = [
    *CLOSE_REASONS,
    ("refund_lines_changed", "order lines changed"),
    ("refund_short_lines_dropped", "short lines dropped"),
]


def code_of(text: str, rules: list[tuple[str, str]]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = legacy_text.coded(text, rules) if text else None
    if found and "numbers" in found:
        found["numbers"] = found["numbers"].split(", ")
    return found


def texts_to_codes(apps: Any, schema_editor: Any) -> None:
    Order = apps.get_model("orders", "Order")
    OrderHold = apps.get_model("orders", "OrderHold")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    orders = []
    for order in Order.objects.exclude(close_reason="").only("pk", "close_reason").iterator(chunk_size=2000):
        found = code_of(order.close_reason, CLOSE_REASONS)
        if found:
            order.close_reason, order.close_reason_data = "", found
            orders.append(order)
    Order.objects.bulk_update(orders, ["close_reason", "close_reason_data"], batch_size=1000)
    holds = []
    for hold in OrderHold.objects.exclude(resolution="").only("pk", "resolution").iterator(chunk_size=2000):
        found = code_of(hold.resolution, RESOLUTIONS)
        if found:
            hold.resolution, hold.resolution_data = "", found
            holds.append(hold)
    OrderHold.objects.bulk_update(holds, ["resolution", "resolution_data"], batch_size=1000)
    batch = []
    events = OrderEvent.objects.filter(type__in=["closed", "refund_recorded"]).only("pk", "type", "data")
    for event in events.iterator(chunk_size=2000):
        reason = (event.data or {}).get("reason")
        found = code_of(reason, REFUND_REASONS) if isinstance(reason, str) else None
        if found:
            event.data = {**event.data, "reason": found}
            batch.append(event)
    OrderEvent.objects.bulk_update(batch, ["data"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0014_event_sentences_to_codes'),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='close_reason_data',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='orderhold',
            name='message_data',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='orderhold',
            name='resolution_data',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(texts_to_codes, migrations.RunPython.noop, elidable=True),
    ]
