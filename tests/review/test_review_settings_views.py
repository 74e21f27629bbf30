"""The review-rules page and the exception queue's review-run panel."""

from __future__ import annotations

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.models import ReviewRun
from sellerdesk.shops.models import ReviewSettings, Shop
from tests.review.conftest import paid

SETTINGS = "/orders/review-settings/"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "rules": ["stock", "address", "carrier"],
        "hold_buffer_minutes": "15",
        "max_order_total": "999.00",
        "max_total_quantity": "20",
        "cod_orders_per_day_new_buyer": "2",
        "merge_window_hours": "12",
        "auto_approve": "on",
    }
    form.update(overrides)
    return form


def test_the_page_shows_every_rule_switch(owner: User, default_shop: Shop) -> None:
    response = _client(owner).get(SETTINGS)

    assert response.status_code == 200
    assert response.context["may_edit"] is True
    codes = [rule.code for rule in response.context["rules"]]
    assert {"stock", "price", "address", "carrier", "credit", "cod_risk", "buyer_message"} <= set(codes)
    assert all(f'value="{code}" checked' in response.content.decode() for code in codes)


def test_saving_switches_rules_and_thresholds(owner: User, default_shop: Shop) -> None:
    response = _client(owner).post(SETTINGS, _form())

    assert (response.status_code, response["Location"]) == (302, "/orders/review-settings/main/")
    settings = ReviewSettings.objects.get(shop=default_shop)
    assert "price" in settings.disabled_rules and "stock" not in settings.disabled_rules
    assert (settings.hold_buffer_minutes, settings.max_total_quantity, settings.auto_approve) == (15, 20, True)
    assert settings.merge_automatically is False


@pytest.mark.parametrize(
    ("field", "value"), [("hold_buffer_minutes", "soon"), ("max_order_total", "lots"), ("merge_window_hours", "0")]
)
def test_a_bad_value_is_shown_and_nothing_saved(owner: User, default_shop: Shop, field: str, value: str) -> None:
    client = _client(owner)
    client.get(SETTINGS)
    before = list(ReviewSettings.objects.values())

    response = client.post(SETTINGS, _form(**{field: value}))

    assert response.status_code == 422
    assert field in response.context["errors"]
    assert list(ReviewSettings.objects.values()) == before


def test_an_agent_sees_the_rules_but_cannot_save(agent: User, default_shop: Shop) -> None:
    client = _client(agent)
    assert client.get(SETTINGS).context["may_edit"] is False

    response = client.post(SETTINGS, _form())

    assert response.status_code == 403
    assert ReviewSettings.objects.get(shop=default_shop).hold_buffer_minutes == 30


def test_an_unknown_shop_is_a_404(owner: User, default_shop: Shop) -> None:
    assert _client(owner).get("/orders/review-settings/nope/").status_code == 404


def test_the_run_panel_starts_a_run_and_polls_while_it_is_active(owner: User, tee: Sku) -> None:
    paid(("TEE-RED-M", 1))
    client = _client(owner)
    assert client.get("/orders/review-queue/run/").context["run"] is None

    response = client.post("/orders/review-queue/run/start/", {"include_hold_buffer": "on"})

    assert response.status_code == 200
    run = ReviewRun.objects.get()
    assert (response.context["run"], response.context["active"]) == (run, True)
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_a_second_start_shows_the_conflict(owner: User, tee: Sku) -> None:
    paid(("TEE-RED-M", 1))
    client = _client(owner)
    client.post("/orders/review-queue/run/start/")

    response = client.post("/orders/review-queue/run/start/")

    assert response.status_code == 409
    assert response.context["error"]
    assert ReviewRun.objects.count() == 1


def test_a_warehouse_user_gets_no_start_button(warehouse_user: User, tee: Sku) -> None:
    response = _client(warehouse_user).get("/orders/review-queue/run/")

    assert response.context["may_start"] is False
    assert "start-review-run" not in response.content.decode()


def test_allocation_settings_are_saved_from_the_page(owner: User, default_shop: Shop) -> None:
    client = _client(owner)
    assert client.get(SETTINGS).context["allocation"].strategies == ["priority_only", "region_priority"]

    response = client.post("/orders/review-settings/main/allocation/", {"strategy": "priority_only", "is_b2b": "on"})

    assert response.status_code == 302
    default_shop.refresh_from_db()
    assert (default_shop.allocation_strategy, default_shop.is_b2b) == ("priority_only", True)


def test_an_unknown_strategy_changes_nothing(owner: User, default_shop: Shop) -> None:
    response = _client(owner).post("/orders/review-settings/main/allocation/", {"strategy": "random"})

    assert response.status_code == 302
    default_shop.refresh_from_db()
    assert (default_shop.allocation_strategy, default_shop.is_b2b) == ("region_priority", False)


def test_the_strategies_show_by_their_names_for_people(owner: User, default_shop: Shop) -> None:
    """Issue 17 D: the allocation strategy is chosen by what it does, never by its code
    (`region_priority`), in either language."""
    client = _client(owner)

    english = client.get(SETTINGS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(SETTINGS, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "Nearest warehouse first" in english
    assert '<option value="region_priority" selected>Nearest' in english
    assert ">region_priority<" not in english and "region_priority:" not in english
    assert ">region_priority<" not in chinese
