"""The seed's forbidden phrases (服务禁语, service/data/forbidden_phrases.csv) in an empty
ForbiddenPhrase table; the owner edits them from then on (never overwritten)."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def seed(apps: Any, schema_editor: Any) -> None:
    from sellerdesk.service.forbidden import seed_rows

    phrase_model = apps.get_model("service", "ForbiddenPhrase")
    if phrase_model.objects.using(schema_editor.connection.alias).exists():
        return
    moment = timezone.now()
    phrase_model.objects.using(schema_editor.connection.alias).bulk_create(
        phrase_model(**row, created_at=moment, updated_at=moment) for row in seed_rows()
    )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
