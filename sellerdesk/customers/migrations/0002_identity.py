from django.db import migrations, models


def fill_identity(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    for customer in Customer.objects.all().only("pk", "nickname", "phone"):
        customer.identity = customer.nickname or f"tel:{customer.phone}"
        customer.save(update_fields=["identity"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="identity",
            field=models.CharField(default="", editable=False, max_length=120),
            preserve_default=False,
        ),
        migrations.RunPython(fill_identity, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="customer", name="customer_shop_nickname_unique"),
        migrations.RemoveConstraint(model_name="customer", name="customer_shop_phone_unique"),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(fields=("shop", "identity"), name="customer_shop_identity_unique"),
        ),
    ]
