"""The sending rules, templates and webhooks that every event reads are remembered per
process (core.refcache); a change made in this process is read at once, not after
REFERENCE_CACHE_SECONDS (the demo adds a webhook and sends events in one transaction)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from sellerdesk.core import refcache
from sellerdesk.notifications import templates, webhooks
from sellerdesk.shops.models import Shop

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.216.34/erp"


@pytest.fixture(autouse=True)
def remembering(settings: Any) -> Iterator[None]:
    settings.SELLERDESK = {**settings.SELLERDESK, "REFERENCE_CACHE_SECONDS": 60}
    refcache.forget_all()
    yield
    refcache.forget_all()


def test_a_webhook_added_hears_the_very_next_event() -> None:
    at = timezone.now()
    assert webhooks.enqueue_event(event="order.paid", data={"order": "A1"}, key="paid:A1", at=at) == []

    webhooks.add_endpoint(url=PUBLIC_URL, actor=None, events=["order.paid"], at=at)
    queued = webhooks.enqueue_event(event="order.paid", data={"order": "A2"}, key="paid:A2", at=at)

    assert [message.recipient for message in queued] == [PUBLIC_URL]


def test_a_template_saved_is_the_one_the_next_message_uses() -> None:
    shop = Shop.objects.get(code="main")
    params = {"buyer_name": "张三", "order_number": "SO1"}
    before = templates.render(kind="paid", channel="in_site", language="zh-hans", params=params, shop=shop)

    templates.save_template(
        shop=shop, kind="paid", channel="in_site", language="zh-hans", body="已收到 {order_number} 的货款", actor=None
    )

    after = templates.render(kind="paid", channel="in_site", language="zh-hans", params=params, shop=shop)
    assert before.body != after.body == "已收到 SO1 的货款"
