"""The demo shop's messages and payment reminders (issue 13's "Done when"), on a small
demo loaded once for the module (tests/support/demo.py)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from sellerdesk.core.models import AuditEvent
from sellerdesk.customers.models import Customer
from sellerdesk.demo.generate import DemoConfig, DemoSummary
from sellerdesk.demo.notifications import ERP_URL, LEFT_QUEUED, REMINDING_DAYS, STORIES
from sellerdesk.notifications.models import Channel, DeliveryAttempt, MessageStatus, OutgoingMessage, WebhookEndpoint
from sellerdesk.notifications.outbox import max_attempts
from sellerdesk.orders.models import OrderEvent
from sellerdesk.portal.inbox import inbox_of
from sellerdesk.reminders.models import PaymentReminder, ReminderStatus
from sellerdesk.reminders.queries import reminder_badges
from tests.support.clock import TEST_NOW
from tests.support.demo import Clock, demo_shop_loaded_once

NOW = TEST_NOW
# Three weeks: the weeks the demo's shop has been reminding (REMINDING_DAYS). (Neither the
# CRM's 13 weeks nor the small demo's 60 orders has the reminders and the ERP outage this
# module checks: it shares its load with no other module, tests/support/demo.py.)
DEMO_CONFIG = DemoConfig(orders=80, days=REMINDING_DAYS, sku_limit=24, now=NOW)


@pytest.fixture(scope="module")
def demo_clock() -> Clock:
    return Clock(NOW)


@pytest.fixture(scope="module")
def loaded_demo(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory, demo_clock: Clock
) -> Iterator[DemoSummary]:
    credentials = tmp_path_factory.mktemp("demo") / "demo-credentials.txt"
    with demo_shop_loaded_once(
        django_db_blocker, config=DEMO_CONFIG, clock=demo_clock, credentials=credentials
    ) as summary:
        yield summary


@pytest.fixture
def demo(loaded_demo: DemoSummary, db: Any, demo_clock: Clock, monkeypatch: Any) -> DemoSummary:
    monkeypatch.setattr(timezone, "now", demo_clock)
    return loaded_demo


def local_hour(moment: Any) -> int:
    return timezone.localtime(moment).hour


def test_the_history_is_sent_and_only_the_newest_few_wait_for_the_worker(demo: DemoSummary) -> None:
    # (A message held for the morning by the quiet hours waits for it.)
    pending = OutgoingMessage.objects.filter(
        status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING), next_attempt_at__lte=NOW
    ).exclude(channel=Channel.WEBHOOK)
    sent = OutgoingMessage.objects.filter(status=MessageStatus.SENT)

    assert 0 < pending.count() <= LEFT_QUEUED
    assert sent.count() > 30
    # Each sent message has its attempt, successful, with the provider's id.
    assert sent.filter(delivery_attempts__isnull=True).count() == 0
    assert DeliveryAttempt.objects.filter(message__in=sent, ok=True).count() >= sent.count()
    assert sent.filter(provider_message_id="").count() == 0
    assert sent.filter(sent_at__isnull=True).count() == 0
    assert sent.filter(sent_at__gt=NOW).count() == 0
    # Every step of the orders has its messages, the parcel-problem desk's and after-sales' too.
    written = OutgoingMessage.objects.exclude(status=MessageStatus.SUPPRESSED)
    assert set(written.values_list("kind", flat=True)) >= {
        "order_confirmation",
        "paid",
        "parcel_shipped",
        "in_transit",
        "delivered",
        "parcel_problem",
        "aftersales",
        "payment_reminder",
        "webhook_event",
    }


def test_unpaid_orders_are_reminded_at_eleven_and_sixteen_never_at_night(demo: DemoSummary) -> None:
    done = PaymentReminder.objects.filter(status=ReminderStatus.DONE)

    assert done.count() >= 10
    assert {local_hour(reminder.reminded_at) for reminder in done} == {11, 16}
    assert not PaymentReminder.objects.filter(created_at__gt=NOW).exists()
    # By SMS, chat and phone calls made by agents.
    assert set(done.values_list("channel", flat=True)) == {"sms", "im", "phone"}


def test_the_order_list_shows_who_reminded(demo: DemoSummary) -> None:
    by_agent = PaymentReminder.objects.filter(agent__display_name="阿华").values_list("order_id", flat=True)
    badges = reminder_badges(list(by_agent))

    assert badges
    # "12.04 阿华 已催付 (短信)" once the catalogue has the words (the lead merges them).
    for order_id, badge in badges.items():
        reminder = PaymentReminder.objects.get(order_id=order_id)
        day = timezone.localtime(reminder.reminded_at)
        assert "阿华" in badge.text
        assert f"{day.month}.{day.day:02d}" in badge.text
    assert OrderEvent.objects.filter(type="payment_reminded", order_id__in=list(by_agent)).count() == len(by_agent)


def test_the_daily_report_has_reasons_and_recoveries(demo: DemoSummary) -> None:
    reminded = PaymentReminder.objects.filter(status=ReminderStatus.DONE)
    paid = reminded.filter(paid_at__isnull=False)
    with_reason = reminded.filter(reason__isnull=False)

    assert 0 < paid.count() < reminded.count()
    assert all(reminder.paid_at > reminder.reminded_at for reminder in paid)
    assert with_reason.count() >= 2
    assert with_reason.values("reason").distinct().count() >= 2
    assert not with_reason.filter(paid_at__isnull=False, reason_recorded_at__gt=timezone.now()).exists()


def test_the_erp_webhook_failed_was_retried_went_dead_and_one_was_resent_by_hand(demo: DemoSummary) -> None:
    endpoint = WebhookEndpoint.objects.get(url=ERP_URL)
    deliveries = OutgoingMessage.objects.filter(webhook=endpoint)
    resent_ids = set(
        AuditEvent.objects.filter(object_kind="outgoing_message", code="message_resent").values_list(
            "object_id", flat=True
        )
    )

    assert deliveries.filter(status=MessageStatus.SENT, attempts=1).exists()  # before and after the outage
    retried = deliveries.filter(status=MessageStatus.SENT, attempts__gt=1).exclude(pk__in=resent_ids)
    assert retried.exists()
    for message in retried:
        attempts = list(message.delivery_attempts.order_by("number"))
        assert [attempt.ok for attempt in attempts] == [False] * (len(attempts) - 1) + [True]
        gaps = [later.started_at - earlier.started_at for earlier, later in itertools.pairwise(attempts)]
        assert gaps == sorted(gaps)  # the backoff grows
    dead = deliveries.filter(status=MessageStatus.DEAD)
    assert dead.exists()
    assert all(message.attempts == max_attempts() and message.last_error for message in dead)
    resent = deliveries.filter(pk__in=resent_ids)
    assert resent.count() == 1
    assert resent.get().status == MessageStatus.SENT
    assert resent.get().delivery_attempts.filter(ok=True).count() == 1
    assert not endpoint.active  # switched off afterwards: a running demo does not call its made-up host


def test_the_story_buyers_got_every_step_in_their_language_and_read_some_in_the_portal(demo: DemoSummary) -> None:
    steps = {"order_confirmation", "paid", "parcel_shipped", "in_transit", "delivered"}
    for buyer in STORIES:
        customer = Customer.objects.get(phone=buyer.phone)
        messages = OutgoingMessage.objects.filter(customer=customer)

        assert set(messages.values_list("kind", flat=True)) >= steps, buyer.name
        assert set(messages.values_list("language", flat=True)) == {buyer.language}
        assert {"in_site", "email", "sms"} <= set(messages.values_list("channel", flat=True))
        assert set(messages.values_list("status", flat=True)) == {MessageStatus.SENT}
        # Sent by the outbox's loop: one attempt each, the simulated provider's id.
        for message in messages:
            assert [attempt.ok for attempt in message.delivery_attempts.all()] == [True]
            assert message.provider_message_id
        assert messages.filter(channel="email", recipient=buyer.email).exists()
        inbox = inbox_of(customer)
        assert inbox.filter(read_at__isnull=True).exists()
        assert inbox.filter(read_at__isnull=False).exists()
