from django.db import migrations


def create_default_shop(apps, schema_editor):
    Shop = apps.get_model("shops", "Shop")
    if not Shop.objects.exists():
        Shop.objects.create(code="main", name="主店 Main shop", platform="web", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("shops", "0001_initial")]
    operations = [migrations.RunPython(create_default_shop, migrations.RunPython.noop)]
