"""/api/v1/webhooks: endpoints added, listed, changed, removed and tested; bad URLs and
events refused with nothing written; the events reach the endpoints that hear them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.core.models import AuditEvent
from sellerdesk.notifications import outbox, webhooks
from sellerdesk.notifications.models import OutgoingMessage, WebhookEndpoint
from sellerdesk.shops.models import Shop
from tests.conftest import ApiClient
from tests.notifications.http_stub import Answer, http_stub

PUBLIC_URL = "https://93.184.216.34/sellerdesk"


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def loopback(settings: Any) -> None:
    notifications = settings.SELLERDESK.get("NOTIFICATIONS", {})
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "NOTIFICATIONS": {**notifications, "WEBHOOK_ALLOW_LOOPBACK": True, "TIMEOUT_SECONDS": 2},
    }


def add(api: ApiClient, **fields: Any) -> Any:
    return api.post("/api/v1/webhooks", {"url": PUBLIC_URL, **fields})


def test_an_owner_adds_a_webhook_and_gets_its_secret_once(api: ApiClient) -> None:
    answer = add(api, events=["order.shipped", "order.paid"], shop="main", description="ERP")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert len(body["secret"]) == 64 and int(body["secret"], 16) >= 0
    assert body["url"] == PUBLIC_URL
    assert body["events"] == ["order.paid", "order.shipped"]
    assert body["shop"] == "main"
    assert body["active"] is True
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == body["secret"]
    assert [e.code for e in AuditEvent.objects.filter(object_kind="webhook_endpoint")] == ["webhook_added"]

    listed = api.get("/api/v1/webhooks").json()
    shown = api.get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert [w["id"] for w in listed] == [endpoint.pk]
    assert listed[0]["secret"] is None and shown["secret"] is None


def test_a_given_secret_is_kept(api: ApiClient) -> None:
    answer = add(api, secret="my-own-secret-0123456789")

    assert answer.status_code == 201
    assert WebhookEndpoint.objects.get().secret == "my-own-secret-0123456789"


@pytest.mark.parametrize(
    ("fields", "where", "why"),
    [
        ({"url": "ftp://93.184.216.34/x"}, "url", "must start with http:// or https://"),
        ({"url": "http://127.0.0.1:8000/api/v1/orders"}, "url", "must not point to this server itself"),
        ({"url": "http://10.0.0.5/hook"}, "url", "must not point to this server or an internal address (10.0.0.5)"),
        ({"url": "https://admin:pw@93.184.216.34/"}, "url", "must not contain a user name or password"),
        ({"events": ["order.paid", "order.eaten"]}, "events", "unknown events: order.eaten"),
        ({"secret": "short"}, "secret", "must be 16 to 100 printable characters, without spaces around"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    api: ApiClient, fields: dict[str, Any], where: str, why: str
) -> None:
    answer = api.post("/api/v1/webhooks", {"url": PUBLIC_URL, **fields}, headers={"Accept-Language": "en"})

    assert answer.status_code == 422
    assert answer.json()["details"]["fields"] == {where: why}
    assert not WebhookEndpoint.objects.exists()
    assert not AuditEvent.objects.filter(object_kind="webhook_endpoint").exists()


def test_an_unknown_shop_is_404(api: ApiClient) -> None:
    assert add(api, shop="nope").status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_an_agent_may_not_manage_webhooks(agent_api: ApiClient, api: ApiClient) -> None:
    endpoint_id = add(api).json()["id"]

    assert add(agent_api).status_code == 403
    assert agent_api.get("/api/v1/webhooks").status_code == 403
    assert agent_api.patch(f"/api/v1/webhooks/{endpoint_id}", {"active": False}).status_code == 403
    assert agent_api.client.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 403
    assert agent_api.post(f"/api/v1/webhooks/{endpoint_id}/test").status_code == 403
    assert WebhookEndpoint.objects.get().active
    assert not OutgoingMessage.objects.exists()


def test_changing_a_webhook(api: ApiClient) -> None:
    created = add(api).json()

    changed = api.patch(f"/api/v1/webhooks/{created['id']}", {"events": ["order.refunded"], "active": False})
    rotated = api.patch(f"/api/v1/webhooks/{created['id']}", {"rotate_secret": True})
    refused = api.patch(f"/api/v1/webhooks/{created['id']}", {"url": "http://192.168.0.9/"})

    assert changed.status_code == 200
    assert changed.json()["events"] == ["order.refunded"] and changed.json()["active"] is False
    assert changed.json()["secret"] is None
    assert rotated.status_code == 200
    assert len(rotated.json()["secret"]) == 64 and rotated.json()["secret"] != created["secret"]
    assert refused.status_code == 422
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == PUBLIC_URL and endpoint.secret == rotated.json()["secret"]
    changes = [e.data for e in AuditEvent.objects.filter(code="webhook_changed").order_by("pk")]
    assert changes == [{"fields": ["events", "active"]}, {"fields": ["secret"]}]


def test_removing_a_webhook(api: ApiClient) -> None:
    endpoint_id = add(api).json()["id"]

    assert api.client.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert api.client.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert api.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(code="webhook_removed", object_id=str(endpoint_id)).exists()


def test_the_events_list(api: ApiClient) -> None:
    names = [event["name"] for event in api.get("/api/v1/webhooks/events").json()]

    assert names == list(webhooks.WEBHOOK_EVENTS)
    assert "order.paid" in names and "ping" in names


def test_a_test_event_is_delivered_by_the_worker_signed(api: ApiClient, loopback: None) -> None:
    with http_stub(lambda received: Answer(200, b"ok")) as receiver:
        created = add(api, url=receiver.url + "hook").json()

        answer = api.post(f"/api/v1/webhooks/{created['id']}/test")
        assert answer.status_code == 202, answer.json()
        tried = outbox.send_due(now=timezone.now(), worker="test")

    assert tried == 1
    message = OutgoingMessage.objects.get(pk=answer.json()["message_id"])
    assert message.status == "sent"
    assert message.provider_message_id == answer.json()["delivery"] == message.idempotency_key
    [request] = receiver.received
    assert request.path == "/hook"
    assert request.headers["x-sellerdesk-event"] == "ping"
    assert request.headers["x-sellerdesk-delivery"] == message.idempotency_key
    assert json.loads(request.body)["data"] == {"webhook": created["id"], "test": True}
    assert AuditEvent.objects.filter(code="webhook_pinged", object_id=str(created["id"])).exists()


def test_an_event_reaches_the_endpoints_that_hear_it_once_per_key(api: ApiClient, owner: Any) -> None:
    other_shop = Shop.objects.create(code="outlet", name="奥莱店")
    every = webhooks.add_endpoint(url=PUBLIC_URL + "/every", actor=owner)
    paid_here = webhooks.add_endpoint(
        url=PUBLIC_URL + "/paid", events=["order.paid"], shop=Shop.objects.get(code="main"), actor=owner
    )
    webhooks.add_endpoint(url=PUBLIC_URL + "/shipped", events=["order.shipped"], actor=owner)
    webhooks.add_endpoint(url=PUBLIC_URL + "/outlet", shop=other_shop, actor=owner)
    webhooks.add_endpoint(url=PUBLIC_URL + "/off", active=False, actor=owner)
    main = Shop.objects.get(code="main")

    queued = webhooks.enqueue_event(
        event="order.paid", data={"order": "SO1"}, key="paid:SO1", at=timezone.now(), shop=main
    )
    again = webhooks.enqueue_event(
        event="order.paid", data={"order": "SO1"}, key="paid:SO1", at=timezone.now(), shop=main
    )

    assert [m.webhook_id for m in queued] == [every.pk, paid_here.pk]
    assert [m.pk for m in again] == [m.pk for m in queued]
    assert OutgoingMessage.objects.count() == 2
    # As a set: sorted as text, "webhook:10" comes before "webhook:9" (the ids depend on
    # what ran before on PostgreSQL, whose sequences are not reset between tests).
    assert set(OutgoingMessage.objects.values_list("idempotency_key", flat=True)) == {
        f"paid:SO1:webhook:{every.pk}",
        f"paid:SO1:webhook:{paid_here.pk}",
    }
    assert queued[0].params == {"event": "order.paid", "data": {"order": "SO1"}}
    assert queued[0].channel == "webhook" and queued[0].recipient == PUBLIC_URL + "/every"
