"""A transfer made for a stockout had its note written as a finished sentence in the
writer's language ("stockout of 2612060001", "订单 2612060001 缺货"): it becomes a code and
parameters in note_data, rendered when read (core.messages). A note a person typed stays
as typed.

The template is frozen as it was written; read in English and Chinese (the .po catalogue).
"""

from typing import Any

from django.db import migrations, models

from sellerdesk.core import legacy_text

TEMPLATED = [("transfer_note_stockout", "stockout of %(number)s")]


def notes_to_codes(apps: Any, schema_editor: Any) -> None:
    Transfer = apps.get_model("inventory", "Transfer")
    batch = []
    # Only the system's transfers name the order they were made for.
    for transfer in Transfer.objects.exclude(for_order="").exclude(note="").only("pk", "note").iterator():
        found = legacy_text.coded(transfer.note, TEMPLATED)
        if found:
            transfer.note, transfer.note_data = "", found
            batch.append(transfer)
    Transfer.objects.bulk_update(batch, ["note", "note_data"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0006_movement_note_codes"),
    ]

    operations = [
        migrations.AddField(
            model_name="transfer",
            name="note_data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(notes_to_codes, migrations.RunPython.noop, elidable=True),
    ]
