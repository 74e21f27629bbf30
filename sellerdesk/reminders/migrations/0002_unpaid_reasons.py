"""Seed 002's reasons for not paying, kept as data (the owner may add, rename or retire
them): price, shipping cost, still comparing, payment trouble, forgot, changed mind …"""

from django.db import migrations

# The list as the seed gives it (kept in the app so that the tests and the demo install the same).
from sellerdesk.reminders.reasons import REASONS

def add_reasons(apps, schema_editor):
    UnpaidReason = apps.get_model("reminders", "UnpaidReason")
    for position, (code, name_zh, name_en) in enumerate(REASONS, start=1):
        UnpaidReason.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position * 10}
        )


def remove_reasons(apps, schema_editor):
    UnpaidReason = apps.get_model("reminders", "UnpaidReason")
    UnpaidReason.objects.filter(code__in=[code for code, _zh, _en in REASONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, remove_reasons)]
