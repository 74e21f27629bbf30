"""A hold the review rules make is stored as a code: the review queue (page and API) and
the order page show its reason in the reader's language; a reason typed by an agent is
shown as typed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.models import OrderHold
from sellerdesk.orders.review import actions as review
from tests.conftest import ApiClient
from tests.review.conftest import AFTER_BUFFER, paid


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rules_hold_reads_in_the_readers_language(agent: User, agent_api: ApiClient, tee: Sku, language: str) -> None:
    order = paid(("TEE-RED-M", 1), buyer_message="帮我换个颜色吧")
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    hold = OrderHold.objects.get(order=order)
    with translation.override(language):
        mine = hold.message_text
    with translation.override("en" if language == "zh-hans" else "zh-hans"):
        theirs = hold.message_text
    client = Client()
    client.force_login(agent)

    page = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    queue = client.get("/orders/review-queue/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    api = agent_api.client.get("/api/v1/review-queue", HTTP_ACCEPT_LANGUAGE=language).json()

    assert (hold.message, hold.message_data["code"]) == ("", "finding_message_not_understood")
    assert mine != theirs and "换个颜色" in mine
    assert escape(mine) in page and escape(mine) in queue
    assert api["items"][0]["holds"][0]["message"] == mine
