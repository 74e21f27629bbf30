"""The staff pages of duplicates, merge, levels and the customer page's level form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from sellerdesk.crm.models import CustomerMerge
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel
from sellerdesk.orders import actions as order_actions
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user, place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TAOBAO = order_actions.Buyer("张三", "13800138000", "zhang_tb")
BY_PHONE = order_actions.Buyer("张三", "13800138000", "")


@pytest.fixture
def pair(db: Any) -> tuple[Customer, Customer]:
    make_sku("TEE", price="50.00", stock=100)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=TAOBAO)
    place(("TEE", 1), buyer=BY_PHONE)
    return Customer.objects.get(identity="zhang_tb"), Customer.objects.get(identity="tel:13800138000")


def client_of(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role, role))
    return client


def test_duplicates_page_lists_the_pair_and_links_to_the_merge(pair: tuple[Customer, Customer]) -> None:
    keep, duplicate = pair
    page = client_of("owner").get("/customers/duplicates/", **EN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "13800138000" in text and keep.display_number in text and duplicate.display_number in text
    assert f"/customers/merge/?customers={keep.pk}&amp;customers={duplicate.pk}" in text


def test_merge_page_merges_and_goes_to_the_customer_kept(pair: tuple[Customer, Customer]) -> None:
    keep, duplicate = pair
    owner = client_of("owner")
    form = owner.get(f"/customers/merge/?customers={keep.pk}&customers={duplicate.pk}", **EN)
    assert form.status_code == 200 and "Why are they the same buyer?" in form.content.decode()
    # a missing reason: shown again, nothing merged
    refused = owner.post(
        "/customers/merge/", {"customers": [keep.pk, duplicate.pk], "keep": keep.pk, "reason": " "}, **EN
    )
    assert refused.status_code == 422
    assert "say why these customers are the same buyer" in refused.content.decode()
    assert CustomerMerge.objects.count() == 0
    done = owner.post(
        "/customers/merge/", {"customers": [keep.pk, duplicate.pk], "keep": keep.pk, "reason": "同一个人"}, **EN
    )
    assert done.status_code == 302 and done["Location"] == f"/customers/{keep.pk}/"
    assert Customer.objects.get(pk=duplicate.pk).merged_into_id == keep.pk


def test_an_agent_may_not_open_the_merge_page(pair: tuple[Customer, Customer]) -> None:
    keep, duplicate = pair
    agent = client_of("agent")
    assert agent.get(f"/customers/merge/?customers={keep.pk}&customers={duplicate.pk}").status_code == 403
    answer = agent.post("/customers/merge/", {"customers": [keep.pk, duplicate.pk], "keep": keep.pk, "reason": "x"})
    assert answer.status_code == 403
    assert CustomerMerge.objects.count() == 0


def test_levels_page_changes_thresholds_and_promotes(pair: tuple[Customer, Customer]) -> None:
    keep, _duplicate = pair
    gold = CustomerLevel.objects.create(code="gold", name="金卡", rank=20)
    owner = client_of("owner")
    assert "金卡" in owner.get("/customers/levels/", **EN).content.decode()
    bad = owner.post("/customers/levels/", {"level": gold.pk, "min_spent": "abc", "min_orders": ""}, **EN)
    assert bad.status_code == 422 and "enter an amount" in bad.content.decode()
    saved = owner.post("/customers/levels/", {"level": gold.pk, "min_spent": "", "min_orders": "2"}, **EN)
    assert saved.status_code == 302
    gold.refresh_from_db()
    assert (gold.min_spent, gold.min_orders) == (None, 2)
    assert owner.post("/customers/levels/", {"action": "promote"}).status_code == 302
    keep.refresh_from_db()
    assert keep.level == gold
    # an agent sees the page but may not change it
    agent = client_of("agent")
    assert agent.get("/customers/levels/").status_code == 200
    assert agent.post("/customers/levels/", {"level": gold.pk, "min_orders": "9"}).status_code == 403
    gold.refresh_from_db()
    assert gold.min_orders == 2


def test_level_form_on_the_customer_page(pair: tuple[Customer, Customer]) -> None:
    keep, _duplicate = pair
    CustomerLevel.objects.create(code="vip", name="VIP", rank=30, min_spent=Decimal("99999"))
    owner = client_of("owner")
    page = owner.get(f"/customers/{keep.pk}/", **EN)
    assert page.status_code == 200
    assert 'data-testid="level-form"' in page.content.decode()
    answer = owner.post(f"/customers/{keep.pk}/level/", {"level": "vip", "reason": "大客户", "lock": "on"}, **EN)
    assert answer.status_code == 302 and answer["Location"] == f"/customers/{keep.pk}/"
    keep.refresh_from_db()
    assert (keep.level.code, keep.level_locked, keep.level_reason) == ("vip", True, "大客户")
    assert CustomerEvent.objects.filter(customer=keep, type="level_changed").count() == 1
    # without a reason: refused, shown as a message, nothing changed
    refused = owner.post(f"/customers/{keep.pk}/level/", {"level": "", "reason": ""}, follow=True, **EN)
    assert "say why this customer gets this level" in refused.content.decode()
    keep.refresh_from_db()
    assert keep.level.code == "vip"
