from typing import Any

from django.db import migrations

from sellerdesk.logistics.defaults import load_default_carriers


def load(apps: Any, schema_editor: Any) -> None:
    load_default_carriers(apps.get_model("logistics", "Carrier"), apps.get_model("logistics", "CarrierCoverage"))


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
