"""Shop limits on what the notifications are set up with (the closing note's "not yet
applied": message templates, sending rules and webhooks): a supervisor limited to one
shop reads and changes only that shop's; another shop's code is not found (404), a
webhook of another shop or of every shop is not theirs to see or change, and nothing is
written when refused. An unlimited owner still manages every shop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.tokens import create_token
from sellerdesk.notifications import rules, templates, webhooks
from sellerdesk.notifications.models import MessageTemplate, NotificationSettings, WebhookEndpoint
from sellerdesk.shops.access import set_user_shops
from sellerdesk.shops.models import Shop, default_shop
from tests.conftest import ApiClient
from tests.factories import make_user

PUBLIC_URL = "https://93.184.216.34/hooks"
TEMPLATE = "/api/v1/notifications/templates/paid/sms/en"


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def shops(db: Any) -> tuple[Shop, Shop]:
    return default_shop(), Shop.objects.create(code="jd-store", name="京东店")


@pytest.fixture
def limited(shops: tuple[Shop, Shop]) -> User:
    """A supervisor (who may manage notifications) limited to the default shop."""
    user = make_user("lijie", "supervisor")
    set_user_shops(user=user, shops=[shops[0]])
    return user


def _api(user: User) -> ApiClient:
    return ApiClient(create_token(user=user).raw)


def _web(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_templates_of_another_shop_are_not_found_and_nothing_is_written(
    shops: tuple[Shop, Shop], limited: User
) -> None:
    here, there = shops
    api = _api(limited)

    assert api.get(TEMPLATE, shop=there.code).status_code == 404
    assert api.put(TEMPLATE, {"shop": there.code, "body": "Paid {order_number}"}).status_code == 404
    assert api.client.delete(f"{TEMPLATE}?shop={there.code}").status_code == 404
    assert api.post(TEMPLATE + "/preview", {"shop": there.code, "body": "{order_number}"}).status_code == 404
    assert not MessageTemplate.objects.exists()

    saved = api.put(TEMPLATE, {"shop": here.code, "body": "Paid {order_number}"})
    assert saved.status_code == 200, saved.content
    assert list(MessageTemplate.objects.values_list("shop__code", flat=True)) == [here.code]

    # The action refuses it too, whoever calls it.
    with pytest.raises(NotFound):
        templates.save_template(shop=there, kind="paid", channel="sms", language="en", body="x", actor=limited)


def test_sending_rules_of_another_shop_are_not_found_and_unchanged(shops: tuple[Shop, Shop], limited: User) -> None:
    here, there = shops
    api = _api(limited)

    assert api.get("/api/v1/notifications/settings", shop=there.code).status_code == 404
    refused = api.patch("/api/v1/notifications/settings", {"shop": there.code, "daily_cap": 1})
    assert refused.status_code == 404
    assert not NotificationSettings.objects.filter(shop=there).exists()

    changed = api.patch("/api/v1/notifications/settings", {"shop": here.code, "daily_cap": 2})
    assert changed.status_code == 200, changed.content
    assert rules.settings_for(here).daily_cap == 2
    with pytest.raises(NotFound):
        rules.update_settings(shop=there, fields={"daily_cap": 1}, actor=limited)


def test_webhooks_of_another_shop_or_of_every_shop_are_not_theirs(shops: tuple[Shop, Shop], limited: User) -> None:
    here, there = shops
    owner = make_user("boss", "owner")
    everywhere = webhooks.add_endpoint(url=PUBLIC_URL, events=["order.paid"], actor=owner)
    theirs = webhooks.add_endpoint(url=PUBLIC_URL + "/jd", events=["order.paid"], shop=there, actor=owner)
    mine = webhooks.add_endpoint(url=PUBLIC_URL + "/main", events=["order.paid"], shop=here, actor=owner)
    api = _api(limited)

    assert [item["id"] for item in api.get("/api/v1/webhooks").json()] == [mine.pk]
    for endpoint in (everywhere, theirs):
        assert api.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
        assert api.patch(f"/api/v1/webhooks/{endpoint.pk}", {"url": "https://93.184.216.34/mine"}).status_code == 404
        assert api.client.delete(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
        assert api.post(f"/api/v1/webhooks/{endpoint.pk}/test").status_code == 404
    # An endpoint of every shop would hear other shops' events: refused, like another shop.
    assert api.post("/api/v1/webhooks", {"url": PUBLIC_URL + "/all"}).status_code == 404
    assert api.post("/api/v1/webhooks", {"url": PUBLIC_URL + "/jd2", "shop": there.code}).status_code == 404
    assert WebhookEndpoint.objects.count() == 3
    assert WebhookEndpoint.objects.get(pk=everywhere.pk).url == PUBLIC_URL

    added = api.post("/api/v1/webhooks", {"url": PUBLIC_URL + "/main2", "shop": here.code})
    assert added.status_code == 201, added.content
    # The owner, with no limit, still sees every endpoint.
    assert len(_api(owner).get("/api/v1/webhooks").json()) == 4


def test_the_pages_offer_only_the_visible_shops_and_refuse_another(shops: tuple[Shop, Shop], limited: User) -> None:
    here, there = shops
    web = _web(limited)

    for page in ("/notifications/templates/", "/notifications/settings/", "/notifications/webhooks/"):
        shown = web.get(page)
        assert shown.status_code == 200, page
        assert [shop.code for shop in shown.context["shops"]] == [here.code], page
        assert web.get(page, {"shop": there.code}).status_code == 404, page

    refused = web.post("/notifications/settings/", {"shop": there.code, "daily_cap": "1"})
    assert refused.status_code == 404
    assert not NotificationSettings.objects.filter(shop=there).exists()

    owner_page = _web(make_user("boss", "owner")).get("/notifications/templates/")
    assert {shop.code for shop in owner_page.context["shops"]} == {here.code, there.code}
