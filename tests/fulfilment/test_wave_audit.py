"""A wave keeps an audit trail (core.audit): created, steps started and finished, the pick
confirmed; shown on the wave page in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sellerdesk.core.audit import history
from sellerdesk.core.models import AuditEvent
from sellerdesk.fulfilment import actions
from sellerdesk.fulfilment.events import WAVE
from sellerdesk.fulfilment.waves import WaveRules
from tests.fulfilment.conftest import T0, allocated, sku


@pytest.fixture
def wave(main: Any, carriers: Any, warehouse_user: Any) -> Any:
    sku("TEE", stock_in={"A-01": 10})
    allocated(("TEE", 1), at=T0)
    allocated(("TEE", 2), at=T0)
    return actions.create_wave(warehouse=main, rules=WaveRules(), actor=warehouse_user, at=T0)


def test_a_wave_records_its_creation_steps_and_pick(wave: Any, warehouse_user: Any) -> None:
    actions.start_step(wave=wave, step="pick", actor=warehouse_user, at=T0)
    actions.start_step(wave=wave, step="pick", actor=warehouse_user, at=T0)  # a second start records nothing
    actions.confirm_pick(wave=wave, actor=warehouse_user, at=T0)

    rows = AuditEvent.objects.filter(object_kind=WAVE, object_id=str(wave.pk)).order_by("pk")
    assert [(row.code, row.data) for row in rows] == [
        ("wave_created", {"wave": wave.number, "orders": 2, "items": 3, "mode": "wave"}),
        ("wave_step_started", {"step": "pick"}),
        ("wave_pick_confirmed", {"short_units": 0, "short_orders": 0}),
    ]
    assert {row.actor for row in rows} == {warehouse_user}


def test_finishing_a_step_records_it_once(wave: Any, warehouse_user: Any) -> None:
    actions.finish_step(wave=wave, step="pack", actor=warehouse_user, at=T0)
    actions.finish_step(wave=wave, step="pack", actor=warehouse_user, at=T0)

    rows = AuditEvent.objects.filter(object_kind=WAVE, object_id=str(wave.pk)).order_by("pk")
    assert [row.code for row in rows] == ["wave_created", "wave_step_finished"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_wave_page_shows_its_history_in_the_readers_language(wave: Any, warehouse_user: Any, language: str) -> None:
    client = Client()
    client.force_login(warehouse_user)

    shown = client.get(f"/warehouse/waves/{wave.number}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    with translation.override(language):
        expected = [entry.text for entry in history(WAVE, [wave.pk])]
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        other = [entry.text for entry in history(WAVE, [wave.pk])]
    assert expected != other
    assert [text for text in expected if escape(text) not in shown] == []
