"""Stock movement notes the system wrote were finished sentences in the writer's language
(or English words): they become a code and parameters in note_data, rendered when read
(core.messages). A note a person typed stays as typed.

Templates frozen as they were written; read in English and Chinese (the .po catalogue).
"""

from typing import Any

from django.db import migrations, models

from sellerdesk.core import legacy_text

# Notes without parameters: one UPDATE each.
FIXED = [
    ("note_stock_count", "stock count"),
    ("note_not_found_at_picking", "not found at picking"),
    ("note_transfer_cancelled", "transfer cancelled"),
    ("note_allocated", "allocation"),
    ("note_presale_arrived", "presale arrived"),
]
TEMPLATED = [
    ("note_reservation_moved", "moved from %(source)s to %(target)s"),
    ("note_units_moved", "%(quantity)s units from %(source)s to %(target)s"),
    ("note_picked", "%(quantity)s picked"),
    ("note_short_in", "short in %(document)s"),
]


def notes_to_codes(apps: Any, schema_editor: Any) -> None:
    StockMovement = apps.get_model("inventory", "StockMovement")
    for code, msgid in FIXED:
        StockMovement.objects.filter(note__in=legacy_text.translations(msgid)).update(note="", note_data={"code": code})
    no_bin = set(legacy_text.translations("no bin"))
    batch = []
    # Only notes that end like one of the templates are read in Python; the ledger is long.
    candidates = StockMovement.objects.filter(note__regex=r"(→|to |从|picked|已拣|short in|件从)").exclude(note="")
    for movement in candidates.only("pk", "note").iterator(chunk_size=2000):
        found = legacy_text.coded(movement.note, TEMPLATED)
        if not found:
            continue
        for end in ("source", "target"):
            if found.get(end) in no_bin:
                found[end] = ""
        movement.note, movement.note_data = "", found
        batch.append(movement)
    StockMovement.objects.bulk_update(batch, ["note", "note_data"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0005_putaway_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='stockmovement',
            name='note_data',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(notes_to_codes, migrations.RunPython.noop, elidable=True),
    ]
