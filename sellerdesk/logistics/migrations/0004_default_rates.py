from django.db import migrations


def forwards(apps, schema_editor):
    from sellerdesk.logistics.defaults import load_default_rates

    load_default_rates(apps.get_model("logistics", "Carrier"), apps.get_model("logistics", "CarrierRate"))


class Migration(migrations.Migration):
    dependencies = [("logistics", "0003_shipments_tracking_exceptions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
