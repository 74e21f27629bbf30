"""The outbox engine: one message per key, sending with a lease, backoff, dead letters, resend."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from sellerdesk.core.errors import Conflict, PermissionDenied
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.core.tasks import forget_wake_ups
from sellerdesk.notifications import outbox, rules, templates
from sellerdesk.notifications.channels import SendResult
from sellerdesk.notifications.models import (
    BuyerPreference,
    DeliveryAttempt,
    MessageStatus,
    NotificationSettings,
    OutgoingMessage,
)
from sellerdesk.orders.models import Order
from tests.api.helpers import assert_error, assert_invalid
from tests.factories import make_user, place

T0 = timezone.now().replace(microsecond=0)


@dataclass
class FakeAdapter:
    """Answers with `results` in turn, then with success; remembers every call."""

    results: list[SendResult] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    in_transaction: list[bool] = field(default_factory=list)

    def send(self, message: OutgoingMessage) -> SendResult:
        self.keys.append(str(message.idempotency_key))
        self.in_transaction.append(connection.in_atomic_block)
        if self.results:
            return self.results.pop(0)
        return SendResult(ok=True, provider_message_id=f"P-{message.pk}", status_code=200, response="ok")


@dataclass(frozen=True)
class _Plan:
    status: str
    send_at: datetime
    reason: str = ""


FAILED = SendResult(ok=False, status_code=503, error="gateway down", response="busy")
REFUSED = SendResult(ok=False, status_code=400, error="not a mobile number", retryable=False)


class _DueNow:
    """Rules that let every message go at once."""

    @staticmethod
    def plan(*, now: datetime, **question: Any) -> Any:
        return _Plan("queued", now)


@pytest.fixture(autouse=True)
def _no_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine alone: every message due at once (the rules' own tests are theirs)."""
    monkeypatch.setattr(outbox.rules, "plan", _DueNow.plan)


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> FakeAdapter:
    fake = FakeAdapter()
    monkeypatch.setattr(outbox, "adapter_for", lambda channel: fake)
    return fake


@pytest.fixture
def few_attempts(settings: Any) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "NOTIFICATIONS": {**settings.SELLERDESK["NOTIFICATIONS"], "MAX_ATTEMPTS": 3},
    }


def _enqueue(key: str = "paid:SO1:sms", *, at: datetime = T0, **fields: Any) -> OutgoingMessage:
    values: dict[str, Any] = {"kind": "paid", "channel": "sms", "recipient": "13800138000", "text": "付款成功"}
    message = outbox.enqueue(key=key, at=at, **{**values, **fields})
    assert message is not None
    return message


def _row(message: OutgoingMessage) -> OutgoingMessage:
    return OutgoingMessage.objects.get(pk=message.pk)


def _attempts(message: OutgoingMessage) -> list[tuple[int, bool, int | None, str]]:
    return list(
        DeliveryAttempt.objects.filter(message=message)
        .order_by("number")
        .values_list("number", "ok", "status_code", "error")
    )


# --- enqueue ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_is_written_queued_and_due_at_once() -> None:
    message = _enqueue()

    row = _row(message)
    assert (row.status, row.attempts, row.next_attempt_at, row.idempotency_key) == ("queued", 0, T0, "paid:SO1:sms")
    assert (row.kind, row.channel, row.recipient, row.text, row.transactional) == (
        "paid",
        "sms",
        "13800138000",
        "付款成功",
        True,
    )


@pytest.mark.django_db
def test_the_same_key_again_returns_the_row_and_writes_nothing(django_assert_num_queries: Any) -> None:
    first = _enqueue()

    with django_assert_num_queries(1):  # the look-up by key, nothing written
        again = _enqueue(text="another text", recipient="13900000000")

    assert again.pk == first.pk
    assert OutgoingMessage.objects.count() == 1
    assert _row(first).text == "付款成功"


@pytest.mark.django_db
def test_a_key_written_by_a_twin_transaction_meanwhile_is_returned(monkeypatch: pytest.MonkeyPatch) -> None:
    # given the twin's row committed between this call's look-up and its INSERT
    twin = _enqueue()
    real_first = outbox.OutgoingMessage.objects.filter
    calls = []

    def miss_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) == 1:
            return real_first(pk=-1)
        return real_first(*args, **kwargs)

    monkeypatch.setattr(outbox.OutgoingMessage.objects, "filter", miss_once)

    # when the INSERT meets the unique key, then the twin's row comes back
    assert _enqueue().pk == twin.pk
    assert OutgoingMessage.objects.count() == 1


class _Rules:
    def __init__(self, plan: _Plan) -> None:
        self.plan_of = plan
        self.asked: list[dict[str, Any]] = []

    def plan(self, **question: Any) -> _Plan:
        self.asked.append(question)
        return self.plan_of


@pytest.mark.django_db
def test_a_message_held_by_the_rules_is_due_when_they_say(monkeypatch: pytest.MonkeyPatch) -> None:
    morning = T0 + timedelta(hours=9)
    rules = _Rules(_Plan("queued", morning, "quiet_hours"))
    monkeypatch.setattr(outbox.rules, "plan", rules.plan)

    row = _row(_enqueue(kind="payment_reminder"))

    assert (row.status, row.next_attempt_at, row.last_error) == ("queued", morning, "")
    assert rules.asked == [
        {
            "shop": None,
            "customer": None,
            "kind": "payment_reminder",
            "channel": "sms",
            "transactional": False,
            "now": T0,
        }
    ]


@pytest.mark.django_db
def test_a_message_suppressed_by_the_rules_is_kept_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox.rules, "plan", _Rules(_Plan("suppressed", T0, "opted_out")).plan)

    row = _row(_enqueue())

    assert (row.status, row.next_attempt_at, row.last_error) == ("suppressed", None, "opted_out")


@pytest.mark.django_db
def test_no_recipient_writes_nothing() -> None:
    assert outbox.enqueue(kind="paid", channel="email", recipient=" ", key="paid:SO1:email", at=T0) is None
    assert not OutgoingMessage.objects.exists()


@pytest.mark.django_db
def test_a_reminder_is_not_transactional_by_default() -> None:
    assert _enqueue("r:SO1:sms", kind="payment_reminder").transactional is False


@pytest.mark.django_db
def test_the_worker_is_woken_when_the_transaction_commits(django_capture_on_commit_callbacks: Any) -> None:
    forget_wake_ups()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _enqueue()

    assert outbox.wake_sender in callbacks
    woken = DBTaskResult.objects.get()
    assert woken.args_kwargs["args"] == [outbox.SEND_JOB]


# --- sending ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_due_message_is_sent_and_its_attempt_recorded(adapter: FakeAdapter) -> None:
    message = _enqueue()

    assert outbox.send_due(now=T0, worker="w1") == 1

    row = _row(message)
    assert (row.status, row.attempts, row.provider_message_id, row.lease_until, row.next_attempt_at) == (
        "sent",
        1,
        f"P-{message.pk}",
        None,
        None,
    )
    assert row.sent_at is not None and row.sent_at >= T0
    attempt = DeliveryAttempt.objects.get(message=message)
    assert (attempt.number, attempt.ok, attempt.status_code, attempt.provider_message_id, attempt.response) == (
        1,
        True,
        200,
        f"P-{message.pk}",
        "ok",
    )
    assert adapter.keys == ["paid:SO1:sms"]
    # nothing is due any more
    assert outbox.send_due(now=T0 + timedelta(days=1), worker="w1") == 0


@pytest.mark.django_db
def test_a_message_due_later_is_not_sent_before(adapter: FakeAdapter, monkeypatch: pytest.MonkeyPatch) -> None:
    message = _enqueue()
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0 + timedelta(hours=2))

    assert outbox.send_due(now=T0 + timedelta(hours=1), worker="w1") == 0
    assert outbox.send_due(now=T0 + timedelta(hours=2), worker="w1") == 1
    assert _row(message).status == "sent"


def test_the_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [outbox.retry_delay(attempt).total_seconds() for attempt in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


@pytest.mark.django_db
def test_a_failure_is_retried_after_the_backoff_with_a_little_jitter(adapter: FakeAdapter) -> None:
    adapter.results = [FAILED, FAILED]
    message = _enqueue()

    outbox.send_due(now=T0, worker="w1")
    first = _row(message)
    assert (first.status, first.attempts, first.last_error, first.lease_until) == ("retrying", 1, "gateway down", None)
    assert timedelta(seconds=60) <= first.next_attempt_at - T0 <= timedelta(seconds=67)

    # not before it is due
    assert outbox.send_due(now=first.next_attempt_at - timedelta(seconds=1), worker="w1") == 0
    outbox.send_due(now=first.next_attempt_at, worker="w1")
    second = _row(message)
    assert second.status == "retrying"
    assert timedelta(seconds=120) <= second.next_attempt_at - first.next_attempt_at <= timedelta(seconds=133)

    outbox.send_due(now=second.next_attempt_at, worker="w1")
    assert _row(message).status == "sent"
    assert _attempts(message) == [(1, False, 503, "gateway down"), (2, False, 503, "gateway down"), (3, True, 200, "")]


@pytest.mark.django_db
@pytest.mark.usefixtures("few_attempts")
def test_a_message_is_dead_after_the_last_attempt_fails(adapter: FakeAdapter) -> None:
    adapter.results = [FAILED] * 5
    message = _enqueue()

    moment = T0
    for _attempt in range(3):
        assert outbox.send_due(now=moment, worker="w1") == 1
        moment = _row(message).next_attempt_at or moment

    row = _row(message)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("dead", 3, None, "gateway down")
    assert [number for number, *_rest in _attempts(message)] == [1, 2, 3]
    # a dead letter is never tried again by the worker
    assert outbox.send_due(now=moment + timedelta(days=30), worker="w1") == 0
    assert len(adapter.keys) == 3


@pytest.mark.django_db
def test_a_failure_the_channel_calls_final_is_dead_at_once(adapter: FakeAdapter) -> None:
    adapter.results = [REFUSED]
    message = _enqueue()

    outbox.send_due(now=T0, worker="w1")

    row = _row(message)
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "not a mobile number")
    assert _attempts(message) == [(1, False, 400, "not a mobile number")]


@pytest.mark.django_db
def test_an_adapter_that_raises_is_a_failure_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(channel: str) -> Any:
        raise LookupError("no adapter")

    monkeypatch.setattr(outbox, "adapter_for", broken)
    message = _enqueue()

    outbox.send_due(now=T0, worker="w1")

    row = _row(message)
    assert (row.status, row.attempts, row.last_error) == ("retrying", 1, "LookupError: no adapter")


@pytest.mark.django_db
def test_an_expired_lease_is_claimed_again_and_the_provider_gets_the_same_key(adapter: FakeAdapter) -> None:
    # given a worker that claimed the message and died before recording anything
    message = _enqueue()
    [claimed] = outbox._claim(now=T0, size=10)
    assert (claimed.status, claimed.attempts) == ("sending", 1)
    assert claimed.lease_until == T0 + timedelta(seconds=60)

    # when another worker looks while the lease holds, it leaves the message alone
    assert outbox.send_due(now=T0 + timedelta(seconds=59), worker="w2") == 0
    assert adapter.keys == []

    # and once the lease has expired it sends it, with the same key, as attempt 2
    assert outbox.send_due(now=T0 + timedelta(seconds=60), worker="w2") == 1
    row = _row(message)
    assert (row.status, row.attempts) == ("sent", 2)
    assert adapter.keys == ["paid:SO1:sms"]
    assert [number for number, *_rest in _attempts(message)] == [2]


@pytest.mark.django_db
def test_a_late_worker_overtaken_does_not_undo_the_newer_attempt(adapter: FakeAdapter) -> None:
    # given worker 1's lease expired and worker 2 claimed the message again
    message = _enqueue()
    [stale] = outbox._claim(now=T0, size=10)
    [fresh] = outbox._claim(now=T0 + timedelta(seconds=61), size=10)
    assert fresh.attempts == 2

    # when worker 1 finally records its failure
    outbox._record(stale, FAILED, started_at=T0, duration_ms=5)

    # then the message is still worker 2's
    row = _row(message)
    assert (row.status, row.attempts) == ("sending", 2)
    assert _attempts(message) == [(1, False, 503, "gateway down")]


@pytest.mark.django_db
def test_a_claim_near_the_end_of_its_lease_gives_the_rest_back(
    adapter: FakeAdapter, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # given a lease of 0 seconds: no time to send anything claimed
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "NOTIFICATIONS": {**settings.SELLERDESK["NOTIFICATIONS"], "LEASE_SECONDS": 0},
    }
    first, second = _enqueue("k1"), _enqueue("k2")
    OutgoingMessage.objects.filter(pk=second.pk).update(status="retrying", attempts=2)

    assert outbox.send_due(now=T0, worker="w1") == 0

    assert adapter.keys == []
    assert [(row.status, row.attempts, row.lease_until) for row in map(_row, (first, second))] == [
        ("queued", 0, None),
        ("retrying", 2, None),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_adapter_is_called_outside_any_transaction(adapter: FakeAdapter) -> None:
    _enqueue("k1")
    _enqueue("k2")

    assert outbox.send_due(now=T0, worker="w1") == 2

    assert adapter.in_transaction == [False, False]
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_send_due_stops_at_its_limit(adapter: FakeAdapter) -> None:
    for number in range(5):
        _enqueue(f"k{number}")

    assert outbox.send_due(now=T0, limit=3, worker="w1") == 3

    assert adapter.keys == ["k0", "k1", "k2"]
    assert OutgoingMessage.objects.filter(status="queued").count() == 2


@pytest.mark.django_db
def test_recorded_and_suppressed_messages_are_never_sent(adapter: FakeAdapter) -> None:
    for key, status in (("k1", "recorded"), ("k2", "suppressed"), ("k3", "sent")):
        OutgoingMessage.objects.filter(pk=_enqueue(key).pk).update(status=status)

    assert outbox.send_due(now=T0, worker="w1") == 0
    assert adapter.keys == []


# --- resend ----------------------------------------------------------------------------------


@pytest.fixture
def boss(db: Any) -> User:
    return make_user("boss", "owner", "老板")


@pytest.mark.django_db
@pytest.mark.usefixtures("few_attempts")
def test_a_dead_message_resent_is_queued_again_with_its_attempts_and_audited(adapter: FakeAdapter, boss: User) -> None:
    adapter.results = [REFUSED]
    message = _enqueue()
    outbox.send_due(now=T0, worker="w1")
    later = T0 + timedelta(hours=1)

    resent = outbox.resend(message=message, actor=boss, at=later)

    row = _row(resent)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == ("queued", 1, later, "")
    event = AuditEvent.objects.get(object_kind="outgoing_message", object_id=str(message.pk))
    assert (event.code, event.actor_id, event.at, event.data) == ("message_resent", boss.pk, later, {"before": "dead"})

    outbox.send_due(now=later, worker="w1")
    assert (_row(message).status, _row(message).attempts) == ("sent", 2)
    assert [number for number, *_rest in _attempts(message)] == [1, 2]
    assert adapter.keys == ["paid:SO1:sms", "paid:SO1:sms"]


@pytest.mark.django_db
def test_only_a_dead_or_sent_message_may_be_resent(boss: User) -> None:
    message = _enqueue()

    with pytest.raises(Conflict) as refused:
        outbox.resend(message=message, actor=boss, at=T0)

    assert refused.value.details == {"current_status": "queued", "action": "resend"}
    assert _row(message).status == "queued"
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_an_agent_may_not_resend(boss: User) -> None:
    message = _enqueue()
    OutgoingMessage.objects.filter(pk=message.pk).update(status=MessageStatus.DEAD)

    with pytest.raises(PermissionDenied):
        outbox.resend(message=message, actor=make_user("agent", "agent"), at=T0)

    assert _row(message).status == "dead"
    assert not AuditEvent.objects.exists()


# --- notify: a buyer's message about an order ------------------------------------------------


@pytest.fixture
def order(tee: Any) -> Order:
    return place(("TEE-RED-M", 1))


def _words(order: Order, kind: str, channel: str, language: str) -> tuple[str, str]:
    params = templates.params_for_order(order, language=language)
    rendered = templates.render(kind=kind, channel=channel, language=language, params=params, shop=order.shop)
    return rendered.subject, rendered.body


@pytest.mark.django_db
def test_notify_writes_one_message_per_channel_of_the_shop_in_the_buyers_language(order: Order) -> None:
    BuyerPreference.objects.create(customer=order.customer, language="en", email="zhang@example.cn")

    written = outbox.notify(kind="paid", order=order, params={}, at=T0)

    assert rules.channels_for(order.shop, "paid") == ["in_site", "email"]
    assert [(m.channel, m.recipient, m.language, m.idempotency_key, m.status) for m in written] == [
        ("in_site", str(order.customer_id), "en", f"paid:{order.number}:in_site", "queued"),
        ("email", "zhang@example.cn", "en", f"paid:{order.number}:email", "queued"),
    ]
    for message in written:
        assert (message.subject, message.text) == _words(order, "paid", message.channel, "en")
        assert (message.order_id, message.customer_id, message.shop_id) == (order.pk, order.customer_id, order.shop_id)
        assert message.params["order_number"] == order.number
        assert message.params["total"] == str(order.total)


@pytest.mark.django_db
def test_notify_without_a_preference_writes_in_the_sites_language_and_skips_email(order: Order, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"

    written = outbox.notify(kind="paid", order=order, params={}, at=T0)

    assert [(m.channel, m.language) for m in written] == [("in_site", "zh-hans")]
    assert written[0].text == _words(order, "paid", "in_site", "zh-hans")[1]


@pytest.mark.django_db
def test_notify_again_for_the_same_event_writes_nothing_new(order: Order) -> None:
    first = outbox.notify(kind="parcel_shipped", order=order, params={"tracking_number": "SF1"}, at=T0)

    again = outbox.notify(kind="parcel_shipped", order=order, params={"tracking_number": "SF1"}, at=T0)

    assert [m.pk for m in again] == [m.pk for m in first]
    assert OutgoingMessage.objects.count() == len(first) > 0


@pytest.mark.django_db
def test_notify_on_the_channels_asked_with_the_callers_key(order: Order) -> None:
    [message] = outbox.notify(
        kind="payment_reminder", order=order, params={}, at=T0, key=f"reminder:{order.number}", channels=["sms"]
    )

    assert (message.channel, message.recipient, message.idempotency_key, message.transactional) == (
        "sms",
        "13800138000",
        f"reminder:{order.number}:sms",
        False,
    )


@pytest.mark.django_db
def test_notify_writes_nothing_when_the_shop_sends_no_messages(order: Order) -> None:
    NotificationSettings.objects.create(shop=order.shop, enabled=False)

    assert outbox.notify(kind="paid", order=order, params={}, at=T0) == []
    assert not OutgoingMessage.objects.exists()


# --- the API ---------------------------------------------------------------------------------

MESSAGES = "/api/v1/notifications/messages"


@pytest.fixture
def some_messages(order: Order) -> dict[str, OutgoingMessage]:
    made = {
        "sent": _enqueue("k-sent", order=order),
        "dead": _enqueue("k-dead", channel="email", recipient="a@example.cn"),
        "queued": _enqueue("k-queued", kind="payment_reminder"),
    }
    OutgoingMessage.objects.filter(pk=made["sent"].pk).update(status="sent", attempts=1, provider_message_id="P-1")
    OutgoingMessage.objects.filter(pk=made["dead"].pk).update(status="dead", attempts=6, last_error="gateway down")
    DeliveryAttempt.objects.create(
        message=made["dead"], number=1, started_at=T0, duration_ms=12, status_code=503, error="gateway down"
    )
    return made


@pytest.mark.django_db
def test_the_api_lists_messages_newest_first_with_filters(api: Any, some_messages: Any, order: Order) -> None:
    everything = api.get(MESSAGES)
    assert everything.status_code == 200
    body = everything.json()
    assert (body["count"], body["page"], body["pages"]) == (3, 1, 1)
    assert [item["idempotency_key"] for item in body["items"]] == ["k-queued", "k-dead", "k-sent"]

    assert [item["id"] for item in api.get(MESSAGES, status="dead").json()["items"]] == [some_messages["dead"].pk]
    assert [item["id"] for item in api.get(MESSAGES, channel="email").json()["items"]] == [some_messages["dead"].pk]
    assert [item["id"] for item in api.get(MESSAGES, kind="payment_reminder").json()["items"]] == [
        some_messages["queued"].pk
    ]
    [of_order] = api.get(MESSAGES, order=order.number).json()["items"]
    assert (of_order["id"], of_order["order"], of_order["status"], of_order["provider_message_id"]) == (
        some_messages["sent"].pk,
        order.number,
        "sent",
        "P-1",
    )
    assert api.get(MESSAGES, order="SO-NONE").json()["count"] == 0


@pytest.mark.django_db
def test_the_api_shows_a_message_with_its_attempts(api: Any, some_messages: Any) -> None:
    dead = some_messages["dead"]

    answer = api.get(f"{MESSAGES}/{dead.pk}")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["attempts"], body["last_error"], body["text"]) == (
        "dead",
        6,
        "gateway down",
        "付款成功",
    )
    assert [
        (a["number"], a["ok"], a["status_code"], a["duration_ms"], a["error"]) for a in body["delivery_attempts"]
    ] == [(1, False, 503, 12, "gateway down")]


@pytest.mark.django_db
def test_the_api_resends_a_dead_message_once(api: Any, some_messages: Any) -> None:
    dead = some_messages["dead"]

    answer = api.post(f"{MESSAGES}/{dead.pk}/resend")

    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["attempts"]) == ("queued", 6)
    again = api.post(f"{MESSAGES}/{dead.pk}/resend")
    assert_error(again, 409, "invalid_transition")
    assert AuditEvent.objects.filter(code="message_resent").count() == 1


@pytest.mark.django_db
def test_an_agent_may_read_the_outbox_but_not_resend(agent_api: Any, some_messages: Any) -> None:
    dead = some_messages["dead"]

    assert agent_api.get(MESSAGES).status_code == 200
    assert_error(agent_api.post(f"{MESSAGES}/{dead.pk}/resend"), 403, "permission_denied")
    assert _row(dead).status == "dead"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "nonsense"}, "status"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "gossip"}, "kind"),
        ({"page": "0"}, "page"),
        ({"page": "many"}, "page"),
        ({"order": "x" * 41}, "order"),
        ({"order": "SO\x00"}, "order"),
    ],
)
def test_the_api_refuses_bad_filters_clearly(api: Any, params: dict[str, str], field: str) -> None:
    assert_invalid(api.get(MESSAGES, **params), field)


@pytest.mark.django_db
@pytest.mark.parametrize("message_id", ["0", "999999", "99999999999999999999999", "-1"])
def test_the_api_answers_404_for_a_message_that_does_not_exist(api: Any, message_id: str) -> None:
    assert_error(api.get(f"{MESSAGES}/{message_id}"), 404, "not_found")
    assert_error(api.post(f"{MESSAGES}/{message_id}/resend"), 404, "not_found")


@pytest.mark.django_db
def test_the_api_answers_a_non_number_id_without_an_error_page(api: Any) -> None:
    answer = api.get(f"{MESSAGES}/abc")
    assert answer.status_code in (404, 422)
    assert answer.json()["code"] in ("not_found", "validation_error")


@pytest.mark.django_db
def test_the_api_asks_for_a_token(anonymous_api: Any) -> None:
    assert anonymous_api.get(MESSAGES).status_code == 401


@pytest.mark.django_db
@pytest.mark.usefixtures("few_attempts")
def test_a_message_whose_worker_died_on_the_last_attempt_is_dead_not_tried_again(adapter: FakeAdapter) -> None:
    # given a message whose third and last attempt was claimed by a worker that died
    message = _enqueue()
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status="sending", attempts=3, lease_until=T0, next_attempt_at=T0
    )

    with translation.override("en"):
        assert outbox.send_due(now=T0 + timedelta(seconds=1), worker="w2") == 0

    row = _row(message)
    assert (row.status, row.attempts, row.next_attempt_at, row.lease_until) == ("dead", 3, None, None)
    assert row.last_error == "The worker sending it stopped before it had an answer, on the last attempt."
    assert adapter.keys == []


@pytest.mark.django_db
@pytest.mark.usefixtures("few_attempts")
def test_a_resent_message_past_its_attempts_still_gets_its_try(adapter: FakeAdapter, boss: User) -> None:
    message = _enqueue()
    OutgoingMessage.objects.filter(pk=message.pk).update(status="dead", attempts=3)

    outbox.resend(message=message, actor=boss, at=T0)
    outbox.send_due(now=T0, worker="w1")

    assert (_row(message).status, _row(message).attempts) == ("sent", 4)
    assert adapter.keys == ["paid:SO1:sms"]
