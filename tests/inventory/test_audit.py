"""Transfers and stock counts keep an audit trail (core.audit): who did what when, as codes,
shown on their pages in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sellerdesk.catalog.models import Sku
from sellerdesk.core.audit import history
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.inventory import actions, events
from sellerdesk.inventory.models import Warehouse
from tests.factories import make_user
from tests.inventory.conftest import T0, HookCalls


def codes(kind: str, object_id: int) -> list[tuple[str, str | None]]:
    rows = AuditEvent.objects.filter(object_kind=kind, object_id=str(object_id)).order_by("pk")
    return [(row.code, row.actor.username if row.actor else None) for row in rows]


def page(path: str, language: str) -> str:
    client = Client()
    client.force_login(User.objects.filter(username="boss").first() or make_user("boss", "owner", "老板"))
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_transfer_records_each_step(tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls) -> None:
    keeper = make_user("keeper", "warehouse", "小李")
    transfer = actions.create_transfer(
        from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 2)], actor=keeper, at=T0
    )
    actions.ship_transfer(transfer=transfer, actor=keeper, at=T0)
    actions.receive_transfer(transfer=transfer, actor=None, at=T0)

    assert codes(events.TRANSFER, transfer.pk) == [
        ("transfer_created", "keeper"),
        ("transfer_shipped", "keeper"),
        ("transfer_received", None),
    ]
    assert AuditEvent.objects.get(code="transfer_received").data == {"number": transfer.number, "status": "received"}


def test_a_cancelled_transfer_records_it(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 1)], actor=None, at=T0)

    actions.cancel_transfer(transfer=transfer, actor=None, at=T0)

    assert codes(events.TRANSFER, transfer.pk) == [("transfer_created", None), ("transfer_cancelled", None)]


def test_a_refused_transfer_records_nothing(tee: Sku, main: Warehouse) -> None:
    with pytest.raises(Exception):  # noqa: B017  (any refusal: same warehouse)
        actions.create_transfer(from_warehouse=main, to_warehouse=main, lines=[(tee, 1)], actor=None, at=T0)

    assert AuditEvent.objects.count() == 0


def test_a_count_records_start_counts_and_posting(tee: Sku, main: Warehouse, hooks: HookCalls) -> None:
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    line = count.lines.get()
    actions.enter_counts(count=count, counted={line.pk: 9}, actor=None)
    actions.post_count(count=count, actor=None, at=T0)

    assert [code for code, _actor in codes(events.STOCK_COUNT, count.pk)] == [
        "count_started",
        "counts_entered",
        "count_posted",
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_transfer_and_count_pages_show_their_history_in_the_readers_language(
    tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls, language: str
) -> None:
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 2)], actor=None, at=T0)
    actions.ship_transfer(transfer=transfer, actor=None, at=T0)
    count = actions.start_count(warehouse=main, skus=[tee], actor=None, at=T0)
    actions.cancel_count(count=count, actor=None)

    for path, kind, object_id in (
        (f"/stock/transfers/{transfer.number}/", events.TRANSFER, transfer.pk),
        (f"/stock/counts/{count.number}/", events.STOCK_COUNT, count.pk),
    ):
        shown = page(path, language)
        with translation.override(language):
            expected = [entry.text for entry in history(kind, [object_id])]
        assert expected and [text for text in expected if escape(text) not in shown] == []
    with translation.override("zh-hans"):
        chinese = [entry.text for entry in history(events.TRANSFER, [transfer.pk])]
    with translation.override("en"):
        english = [entry.text for entry in history(events.TRANSFER, [transfer.pk])]
    assert chinese != english


def test_history_is_rendered_in_the_readers_language(tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 1)], actor=None, at=T0)

    with translation.override("zh-hans"):
        chinese = history(events.TRANSFER, [transfer.pk])[0].text
    with translation.override("en"):
        english = history(events.TRANSFER, [transfer.pk])[0].text

    assert (chinese, english) == (f"调拨单 {transfer.number} 已创建。", f"Transfer {transfer.number} created.")
