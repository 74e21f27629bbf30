"""Webhooks: the signed POST to a local receiver, what each answer means, the URL checks,
and docs/webhooks.md's receiver example run against real deliveries."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.notifications.channels import adapter_for
from sellerdesk.notifications.channels.webhook import check_webhook_url, checked_url, opener_for, sign
from sellerdesk.notifications.models import OutgoingMessage, WebhookEndpoint
from tests.notifications.http_stub import Answer, Received, closed_port_url, http_stub

SECRET = "whsec-0123456789abcdef"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


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


def delivery(
    url: str, *, key: str = "paid:SO1:webhook:3", active: bool = True, event: str = "order.paid"
) -> OutgoingMessage:
    endpoint = WebhookEndpoint(pk=3, url=url, secret=SECRET, active=active)
    return OutgoingMessage(
        pk=11,
        channel="webhook",
        kind="webhook_event",
        recipient=url,
        text="",
        idempotency_key=key,
        params={"event": event, "data": {"order": "SO1", "total": "59.00"}},
        webhook=endpoint,
        created_at=timezone.now(),
    )


# --- the request ----------------------------------------------------------------------


def test_the_event_is_posted_as_signed_json(loopback: None) -> None:
    with http_stub(lambda received: Answer(204)) as receiver:
        message = delivery(receiver.url)
        before = int(time.time())

        result = adapter_for("webhook").send(message)

    assert result.ok, result.error
    assert result.status_code == 204
    assert result.provider_message_id == "paid:SO1:webhook:3"
    [request] = receiver.received
    headers = request.headers
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["x-sellerdesk-event"] == "order.paid"
    assert headers["x-sellerdesk-delivery"] == "paid:SO1:webhook:3"
    timestamp = int(headers["x-sellerdesk-timestamp"])
    assert before <= timestamp <= int(time.time())
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert headers["x-sellerdesk-signature"] == expected == sign(SECRET, timestamp, request.body)
    assert json.loads(request.body) == {
        "event": "order.paid",
        "id": "paid:SO1:webhook:3",
        "created_at": timezone.localtime(message.created_at).isoformat(),
        "data": {"order": "SO1", "total": "59.00"},
    }


def test_a_retry_posts_the_same_body_and_delivery_id(loopback: None) -> None:
    with http_stub(lambda received: Answer(200)) as receiver:
        message = delivery(receiver.url)
        adapter_for("webhook").send(message)
        adapter_for("webhook").send(message)

    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["x-sellerdesk-delivery"] == second.headers["x-sellerdesk-delivery"]


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (410, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_what_each_answer_means(loopback: None, status: int, retryable: bool) -> None:
    with http_stub(lambda received: Answer(status, b'{"error": "nope"}')) as receiver:
        result = adapter_for("webhook").send(delivery(receiver.url))

    assert not result.ok
    assert result.status_code == status
    assert result.retryable is retryable
    assert result.error == f"The receiver answered {status}."
    assert result.response == '{"error": "nope"}'


def test_a_redirect_is_not_followed_and_fails_for_good(loopback: None) -> None:
    def redirect(received: Received) -> Answer:
        return Answer(302, b"")

    with http_stub(redirect) as receiver:
        result = adapter_for("webhook").send(delivery(receiver.url))

    assert not result.ok and not result.retryable
    assert result.status_code == 302
    assert len(receiver.received) == 1


def test_no_answer_is_retried(loopback: None) -> None:
    result = adapter_for("webhook").send(delivery(closed_port_url()))

    assert not result.ok
    assert result.retryable
    assert result.error.startswith("No answer from http://127.0.0.1:")


def test_a_receiver_slower_than_the_timeout_is_retried(loopback: None) -> None:
    # The receiver answers only once the sender has given up (after its 2 s timeout).
    gave_up = threading.Event()

    def slow(received: Received) -> Answer:
        gave_up.wait(timeout=10)
        return Answer(200)

    with http_stub(slow) as receiver:
        started = time.monotonic()
        result = adapter_for("webhook").send(delivery(receiver.url))
        took = time.monotonic() - started
        gave_up.set()

    assert not result.ok and result.retryable
    assert took < 3


def test_a_switched_off_or_deleted_endpoint_gets_nothing_but_a_ping(loopback: None) -> None:
    with http_stub(lambda received: Answer(200)) as receiver:
        off = adapter_for("webhook").send(delivery(receiver.url, active=False))
        deleted_message = delivery(receiver.url)
        deleted_message.webhook = None
        deleted = adapter_for("webhook").send(deleted_message)
        ping = adapter_for("webhook").send(delivery(receiver.url, active=False, event="ping"))

    assert not off.ok and not off.retryable and not deleted.ok and not deleted.retryable
    assert off.error == "The webhook was deleted or switched off."
    assert ping.ok
    assert [r.headers["x-sellerdesk-event"] for r in receiver.received] == ["ping"]


def test_an_internal_url_is_refused_at_send_time_too(settings: Any) -> None:
    result = adapter_for("webhook").send(delivery("http://10.0.0.7:9/hook"))

    assert not result.ok and not result.retryable
    assert result.error == "http://10.0.0.7:9/hook: must not point to this server or an internal address (10.0.0.7)"


# --- URL checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://93.184.216.34/hook", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https://user:pw@93.184.216.34/hook", "must not contain a user name or password"),
        ("https://token@93.184.216.34/hook", "must not contain a user name or password"),
        ("https:///hook", "must name a host"),
        ("http://93.184.216.34:99999/", "is not a valid URL"),
        ("http://93.184.216.34/a b", "is not a valid URL"),
        ("http://93.184.216.34/a\r\nX-Injected: 1", "is not a valid URL"),
        ("http://testserver/hook", "must not point to this server itself"),
        ("http://localhost:8000/api", "must not point to this server itself"),
        ("http://127.0.0.1:8000/api", "must not point to this server itself"),
        ("http://127.0.0.2:8000/api", "must not point to this server or an internal address (127.0.0.2)"),
        ("http://10.1.2.3/hook", "must not point to this server or an internal address (10.1.2.3)"),
        ("http://192.168.1.10/hook", "must not point to this server or an internal address (192.168.1.10)"),
        (
            "http://169.254.169.254/latest/meta-data",
            "must not point to this server or an internal address (169.254.169.254)",
        ),
        ("http://[::1]:8000/", "must not point to this server or an internal address (::1)"),
        ("http://[::ffff:127.0.0.1]/", "must not point to this server or an internal address (::ffff:127.0.0.1)"),
        ("http://0.0.0.0/", "must not point to this server or an internal address (0.0.0.0)"),
        ("http://2130706433/", "must not point to this server or an internal address (127.0.0.1)"),
    ],
)
def test_urls_a_webhook_may_not_go_to(url: str, why: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_webhook_url(url, allow_loopback=False)

    assert refused.value.fields == {"url": why}


def test_a_public_address_is_accepted_and_loopback_only_when_allowed() -> None:
    assert (
        check_webhook_url(" https://93.184.216.34/hook?x=1 ", allow_loopback=False) == "https://93.184.216.34/hook?x=1"
    )
    assert check_webhook_url("http://127.0.0.1:8000/hook", allow_loopback=True) == "http://127.0.0.1:8000/hook"
    with pytest.raises(ValidationFailed):
        check_webhook_url("ftp://127.0.0.1/", allow_loopback=True)


# --- the docs' receiver -----------------------------------------------------------------


def _docs_receiver() -> dict[str, Any]:
    """docs/webhooks.md's Python receiver, executed as it is written there."""
    [code] = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(compile(code, str(DOCS), "exec"), namespace)
    namespace["SECRET"] = SECRET.encode()
    return namespace


def test_the_docs_receiver_accepts_a_real_delivery_once_and_refuses_forgeries(loopback: None) -> None:
    receiver_code = _docs_receiver()

    def respond(received: Received) -> Answer:
        return Answer(receiver_code["check_and_handle"](received.headers, received.body))

    with http_stub(respond) as receiver:
        message = delivery(receiver.url)
        first = adapter_for("webhook").send(message)
        again = adapter_for("webhook").send(message)  # a retry after a lost answer
        message.webhook.secret = "not-the-secret-at-all"  # type: ignore[union-attr]
        forged = adapter_for("webhook").send(message)

    assert first.ok and again.ok
    assert forged.status_code == 401 and not forged.retryable
    assert receiver_code["handled"] == [json.loads(receiver.received[0].body)]  # acted on once
    assert receiver_code["seen_deliveries"] == {"paid:SO1:webhook:3"}


def test_the_docs_receiver_refuses_a_replay_and_a_changed_body() -> None:
    receiver_code = _docs_receiver()
    check = receiver_code["check_and_handle"]
    body = b'{"event":"order.paid","id":"d1"}'
    old = str(int(time.time()) - 301)
    now = str(int(time.time()))

    replay = {
        "x-sellerdesk-timestamp": old,
        "x-sellerdesk-signature": sign(SECRET, old, body),
        "x-sellerdesk-delivery": "d1",
    }
    changed = {
        "x-sellerdesk-timestamp": now,
        "x-sellerdesk-signature": sign(SECRET, now, body),
        "x-sellerdesk-delivery": "d1",
    }

    assert check(replay, body) == 400
    assert check(changed, body.replace(b"paid", b"shipped")) == 401
    assert check(changed, body) == 200
    assert receiver_code["handled"] == [json.loads(body)]


# --- DNS: checked once, connected to what was checked --------------------------------------


def test_the_connection_goes_to_the_checked_address_whatever_dns_says_later() -> None:
    # "rebind.test" has no address at all: the request still reaches the address that was
    # checked (here the local receiver), with the URL's host in the Host header.
    with http_stub(lambda received: Answer(200)) as receiver:
        port = receiver.url.rsplit(":", 1)[1].strip("/")
        request = urllib.request.Request(f"http://rebind.test:{port}/hook", data=b"{}", method="POST")
        with opener_for("127.0.0.1").open(request, timeout=2) as answer:
            assert answer.status == 200

    assert receiver.received[0].headers["host"] == f"rebind.test:{port}"


def test_a_host_without_an_address_at_send_time_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_answer(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)

    result = adapter_for("webhook").send(delivery("https://erp.example.com/hook"))

    assert not result.ok and result.retryable
    assert result.error == "https://erp.example.com/hook: the host erp.example.com cannot be resolved"


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def two_answers(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.9", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)

    with pytest.raises(ValidationFailed) as refused:
        check_webhook_url("https://erp.example.com/hook", allow_loopback=False)
    assert refused.value.fields == {"url": "must not point to this server or an internal address (10.0.0.9)"}
    assert checked_url("https://erp.example.com/x", allow_loopback=True).address is None


def test_a_receiver_that_does_not_speak_http_is_retried(loopback: None) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]

        def babble() -> None:
            connection, _address = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"hello, this is not HTTP\r\n\r\n")

        thread = threading.Thread(target=babble, daemon=True)
        thread.start()
        result = adapter_for("webhook").send(delivery(f"http://127.0.0.1:{port}/"))
        thread.join(5)

    assert not result.ok and result.retryable
    assert result.error.startswith(f"No answer from http://127.0.0.1:{port}/: ")
