"""inventory 0007: a stockout transfer's note written the old way (a sentence in the
writer's language) becomes a code and parameters; a note a person typed stays as typed.
(logistics 0008 is tested in tests/logistics/test_texts_migration.py.)"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sellerdesk.inventory.models import Transfer, Warehouse

inventory_migration = importlib.import_module("sellerdesk.inventory.migrations.0007_transfer_note_codes")


@pytest.mark.parametrize("written_in", ["zh-hans", "en"])
def test_a_stockout_transfers_note_becomes_a_code(db: Any, written_in: str) -> None:
    main = Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})[0]
    east = Warehouse.objects.create(code="east", name="杭州仓")

    def transfer(number: str, note: str, for_order: str) -> Transfer:
        return Transfer.objects.create(
            number=number,
            from_warehouse=east,
            to_warehouse=main,
            for_order=for_order,
            note=note,
            created_at=timezone.now(),
        )

    with translation.override(written_in):
        system = transfer("DB1", _("stockout of %(number)s") % {"number": "2612060001"}, "2612060001")
    typed = transfer("DB2", "补广州仓", "2612060002")

    inventory_migration.notes_to_codes(apps, None)

    system, typed = Transfer.objects.get(pk=system.pk), Transfer.objects.get(pk=typed.pk)
    assert (system.note, system.note_data) == ("", {"code": "transfer_note_stockout", "number": "2612060001"})
    assert (typed.note, typed.note_data) == ("补广州仓", {})
    with translation.override("zh-hans"):
        assert (system.note_text, typed.note_text) == ("订单 2612060001 缺货", "补广州仓")
    with translation.override("en"):
        assert (system.note_text, typed.note_text) == ("stockout of 2612060001", "补广州仓")
