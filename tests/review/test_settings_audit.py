"""Changes to a shop's settings (review rules, allocation, carrier rules) are audited
(core.audit, kind "shop_settings") with their before and after, and listed on the
settings page in the reader's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sellerdesk.core.audit import SHOP_SETTINGS, history
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.logistics import actions as logistics_actions
from sellerdesk.orders.review import configure
from sellerdesk.shops.models import Shop

SETTINGS = "/orders/review-settings/"


def audited(shop: Shop) -> list[tuple[str, dict[str, object]]]:
    rows = AuditEvent.objects.filter(object_kind=SHOP_SETTINGS, object_id=shop.code).order_by("pk")
    return [(row.code, row.data["changes"]) for row in rows]


def test_a_settings_change_is_audited_with_before_and_after(owner: User, default_shop: Shop) -> None:
    configure.update_review_settings(
        shop=default_shop, actor=owner, changes={"auto_approve": False, "max_order_total": Decimal("800.00")}
    )
    configure.update_allocation_settings(shop=default_shop, actor=owner, is_b2b=True)
    logistics_actions.update_logistics_settings(
        actor=owner,
        shop=default_shop,
        strategy="cheapest",
        honour_requested_carrier=True,
        disabled_carriers=[],
        stale_after_days=3,
    )

    assert audited(default_shop) == [
        ("review_settings_changed", {"auto_approve": [True, False], "max_order_total": ["5000.00", "800.00"]}),
        ("allocation_settings_changed", {"is_b2b": [False, True]}),
        ("logistics_settings_changed", {"stale_after_days": [2, 3]}),
    ]
    assert AuditEvent.objects.filter(actor=owner).count() == 3


def test_saving_unchanged_settings_records_nothing(owner: User, default_shop: Shop) -> None:
    configure.update_review_settings(shop=default_shop, actor=owner, changes={"auto_approve": True})

    assert audited(default_shop) == []


def test_a_refused_change_records_nothing(owner: User, default_shop: Shop) -> None:
    with pytest.raises(Exception):  # noqa: B017  (ValidationFailed)
        configure.update_review_settings(shop=default_shop, actor=owner, changes={"hold_buffer_minutes": -1})

    assert audited(default_shop) == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_settings_page_lists_the_changes_in_the_readers_language(
    owner: User, default_shop: Shop, language: str
) -> None:
    configure.update_review_settings(shop=default_shop, actor=owner, changes={"auto_approve": False})
    client = Client()
    client.force_login(owner)

    shown = client.get(SETTINGS, HTTP_ACCEPT_LANGUAGE=language).content.decode()

    with translation.override(language):
        [entry] = history(SHOP_SETTINGS, [default_shop.code])
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        [other] = history(SHOP_SETTINGS, [default_shop.code])
    assert entry.text != other.text
    assert escape(entry.text) in shown
