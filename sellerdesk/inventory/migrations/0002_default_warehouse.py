from django.db import migrations


def create_default_warehouse(apps, schema_editor):
    Warehouse = apps.get_model("inventory", "Warehouse")
    if not Warehouse.objects.exists():
        Warehouse.objects.create(code="main", name="主仓 Main warehouse", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]
    operations = [migrations.RunPython(create_default_warehouse, migrations.RunPython.noop)]
