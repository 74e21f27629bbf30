"""Demo notifications (C13) and payment reminders (催付, C4): the shop's messages as they
would be after two months of sending, played through the real outbox, channels and
reminder functions, with times in the past.

Called by the demo generator last, after the orders and every other capability's demo
(their events wrote the buyers' messages into the outbox as they happened):

- two story buyers (`STORIES`) whose order went through every step — one of them reads
  English (her BuyerPreference), so her messages are in English — with the portal inbox
  of each partly read;
- history: every message older than the newest few is marked sent through its channel's
  simulated provider, with its delivery attempt, so that a fresh `make run` does not
  start by sending thousands; the newest `LEFT_QUEUED` stay queued, for the worker to
  send while the outbox screen is watched;
- payment reminders swept at 11:0x and 16:0x on the last days (and a sweep at 23:0x
  that reminds nobody), the agents' calls with the buyers' reasons, orders paid after
  their reminder: the order list's "已催付" line and the daily report's figures;
- a webhook endpoint (an ERP that was down for a while): deliveries that failed, were
  retried with backoff, went dead, and one resent by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.test import override_settings
from django.utils import timezone

from sellerdesk.core.models import User
from sellerdesk.notifications import outbox, webhooks
from sellerdesk.notifications.events import post_webhooks
from sellerdesk.notifications.models import (
    BuyerPreference,
    Channel,
    DeliveryAttempt,
    MessageStatus,
    OutgoingMessage,
)
from sellerdesk.orders.models import Order
from sellerdesk.reminders import actions as reminders
from sellerdesk.reminders.models import PaymentReminder, ReminderChannel, ReminderSettings, ReminderStatus
from sellerdesk.reminders.reasons import install_reasons
from sellerdesk.shops.models import Shop

# Messages left queued for the worker when the demo is loaded (the newest ones).
LEFT_QUEUED = 8


@dataclass(frozen=True)
class NotificationsDemo:
    """What the stage made, for the tests and the summary."""

    marked_sent: int
    left_queued: int


def load_demo_notifications(
    *, rng: random.Random, owner: User, agent: User, agent2: User, now: datetime
) -> NotificationsDemo:
    """Play the stories, the reminders and the webhook, then mark the history sent."""
    with transaction.atomic():
        _sweep_at_night(now=now)
        _webhook_story(rng=rng, owner=owner, now=now)
        marked, left = _mark_history_sent(rng=rng, now=now)
    return NotificationsDemo(marked_sent=marked, left_queued=left)


# --- the history: sent through the simulated providers -------------------------------------------


def _mark_history_sent(*, rng: random.Random, now: datetime) -> tuple[int, int]:
    """Every pending message but the newest LEFT_QUEUED sent a few seconds after it was due,
    at the first attempt, with the simulated provider's message id (webhooks apart: their
    story has its own attempts). Seed data written in bulk: sending each through the worker
    would take minutes, and the providers are simulated anyway."""
    pending = OutgoingMessage.objects.filter(status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING)).exclude(
        channel=Channel.WEBHOOK
    )
    newest = list(pending.order_by("-created_at", "-pk").values_list("pk", flat=True)[:LEFT_QUEUED])
    history = pending.exclude(pk__in=newest)
    due = Coalesce(F("next_attempt_at"), F("created_at"))
    marked = history.update(
        status=MessageStatus.SENT,
        attempts=1,
        sent_at=due + timedelta(seconds=3),
        next_attempt_at=None,
        lease_until=None,
        provider_message_id=Concat(Value("SIM"), Cast("pk", output_field=CharField())),
    )
    attempts = [
        DeliveryAttempt(
            message_id=pk,
            number=1,
            started_at=sent_at - timedelta(milliseconds=duration),
            duration_ms=duration,
            ok=True,
            provider_message_id=provider_id,
        )
        for pk, sent_at, provider_id, duration in (
            (pk, sent_at, provider_id, rng.randint(40, 400))
            for pk, sent_at, provider_id in OutgoingMessage.objects.filter(
                status=MessageStatus.SENT, delivery_attempts__isnull=True
            ).values_list("pk", "sent_at", "provider_message_id")
        )
    ]
    DeliveryAttempt.objects.bulk_create(attempts, batch_size=500)
    return marked, len(newest)


def _preference(customer_id: int, *, language: str, email: str, now: datetime) -> None:
    # Seed data: what the buyer chose in the portal's preferences page.
    BuyerPreference.objects.update_or_create(
        customer_id=customer_id, defaults={"language": language, "email": email, "updated_at": now}
    )


# --- payment reminders (催付) ---------------------------------------------------------------------

# The shops' way of reminding (the main shop keeps the default, SMS).
REMINDER_CHANNELS = {"tmall": ReminderChannel.PHONE, "pdd": ReminderChannel.CHAT}
# Reminders started this many days before `now` (the report's lost-order rate shows before
# and after); the orders of the weeks before were not reminded.
REMINDING_DAYS = 21
# The share of orders an agent reminds by hand in the window, before the sweep comes to them.
BY_HAND_SHARE = 0.2
# The reasons the buyers gave the agents (seed 002's list: codes of reminders.reasons), with their words.
_REASONS = (
    ("still_comparing", "还在对比另一家的"),
    ("shipping_cost", "嫌运费贵，问能不能包邮"),
    ("price_too_high", "说有点贵，等活动"),
    ("insufficient_balance", "花呗额度不够了，月初再付"),
    ("forgot", ""),
    ("changed_mind", "不想要了"),
    ("pay_later", "晚上下班再付"),
    ("bought_elsewhere", "在实体店买了"),
)


class ReminderPlayer:
    """What the reminder sweep and the agents did while the demo's orders were unpaid.

    The demo generator plays each order's whole story at once; before an unpaid order is
    paid, closed or cancelled it calls `before_payment`, which plays the reminders of the
    good hours the order went through unpaid: the sweep at the first window (11:0x or
    16:0x) after it had been unpaid long enough — or, for some, an agent by hand in the
    window —, the phone task made by the agent the sweep chose, and for an order that was
    never paid, the reason the buyer gave. A payment after the reminder is counted by
    reminders itself (its OrderPaid subscriber): the recovery rate. So the report has two
    months of figures made of the demo's own orders, and a reminder never falls outside
    the good hours."""

    def __init__(self, *, rng: random.Random, owner: User, agents: list[User], now: datetime) -> None:
        self.rng = rng
        self.agents = agents
        self.now = now
        self.since = now - timedelta(days=REMINDING_DAYS)
        install_reasons()  # as a migrated database has them (the tests run without migrations)
        self.reasons = {code: reminders.reason_by_code(code) for code, _words in _REASONS}
        self.settings: dict[int, ReminderSettings] = {}
        for shop in Shop.objects.order_by("pk"):
            current = reminders.settings_for(shop)
            channel = REMINDER_CHANNELS.get(shop.code)
            if channel is not None and current.channel != channel:
                current = reminders.update_settings(
                    shop=shop,
                    actor=owner,
                    enabled=True,
                    windows=current.windows,
                    channel=channel,
                    min_unpaid_minutes=current.min_unpaid_minutes,
                    cod_zero_reputation_daily_cap=current.cod_zero_reputation_daily_cap,
                )
            self.settings[shop.pk] = current

    def _first_window(self, order: Order, *, before: datetime) -> datetime | None:
        """The first moment of the shop's good hours after the order had been unpaid long
        enough (a few minutes into the window, when the sweep runs), if before `before`."""
        settings = self.settings.get(order.shop_id)
        if settings is None or not settings.enabled:
            return None
        earliest = order.created_at + timedelta(minutes=settings.min_unpaid_minutes)
        local = timezone.localtime(earliest)
        windows = reminders.parse_windows(settings.windows)
        for day in range(4):
            date_ = local.date() + timedelta(days=day)
            for start, _end in windows:
                moment = datetime.combine(date_, start, tzinfo=local.tzinfo) + timedelta(minutes=3)
                if moment < earliest:
                    continue
                if moment >= before or moment > self.now or (order.pay_deadline and moment >= order.pay_deadline):
                    return None
                return moment
        return None

    def before_payment(self, order: Order, *, at: datetime, will_pay: bool) -> None:
        """The reminders of `order`, unpaid until `at` (paid then if `will_pay`, else closed)."""
        if order.status != "unpaid" or order.payment_method == "cod" or order.created_at < self.since:
            return
        sweep = self._first_window(order, before=at)
        if sweep is None:
            return
        # The caller's copy may be older than a payment recorded since (record_payment
        # returns no order): the database says whether it is still unpaid.
        if not Order.objects.filter(pk=order.pk, status="unpaid", payment_status="unpaid").exists():
            return
        rng = self.rng
        if rng.random() < BY_HAND_SHARE:
            agent = rng.choice(self.agents)
            by_hand = sweep + timedelta(minutes=rng.randint(0, 40))
            if by_hand < at:
                channel = rng.choice((ReminderChannel.CHAT, ReminderChannel.SMS))
                reminders.remind_order(order=order, channel=channel, actor=agent, at=by_hand)
        if not PaymentReminder.objects.filter(order_id=order.pk).exists():
            # The sweep at that moment, for this order's shop (the other shops' orders due
            # then are reminded when their own story comes to it). Buyers under the COD cap
            # are left out: the live sweep counts their reminders of the day.
            settings = self.settings[order.shop_id]
            due = [found for found in reminders.due_candidates(settings, now=sweep) if not found.capped]
            reminders.remind_batch(settings, due, now=sweep)
        reminder = PaymentReminder.objects.filter(order_id=order.pk).select_related("assignee", "agent").first()
        if reminder is None:
            return
        if reminder.channel == ReminderChannel.PHONE and reminder.status == ReminderStatus.PENDING:
            called = sweep + timedelta(minutes=rng.randint(10, 45))
            if called >= at:
                return  # paid before the call was made: it leaves the queue
            reminder = reminders.complete_phone_task(
                reminder=reminder, actor=reminder.assignee or self.agents[0], at=called
            )
        if will_pay or reminder.status != ReminderStatus.DONE or reminder.reminded_at is None:
            return
        # The buyer answered the chat or the call: why they have not paid (seed 002's list).
        answered = reminder.reminded_at + timedelta(minutes=rng.randint(5, 50))
        if answered < at and rng.random() < 0.8:
            code, words = rng.choice(_REASONS)
            reminders.record_reason(
                reminder=reminder,
                actor=reminder.agent or rng.choice(self.agents),
                reason=self.reasons[code],
                note=words,
                at=answered,
            )


def _sweep_at_night(*, now: datetime) -> None:
    """The sweep runs around the clock; at 23:0x it finds the good hours over and
    reminds nobody (the last few nights, as the worker's log would show)."""
    today = timezone.localtime(now).date()
    for back in range(3, 0, -1):
        late = datetime.combine(today - timedelta(days=back), time(23, 3), tzinfo=timezone.localtime(now).tzinfo)
        if reminders.sweep_reminders(now=late):
            raise RuntimeError(f"the reminder sweep reminded orders at {late}")


# --- the webhook: an ERP that was down for a while ------------------------------------------------

# A made-up receiver (.example never resolves: nothing leaves the machine).
ERP_URL = "https://erp.nuanyang.example/hooks/sellerdesk"
# It was added this long ago.
ERP_ADDED_HOURS = 48


def _webhook_story(*, rng: random.Random, owner: User, now: datetime) -> None:
    """The main shop's ERP hears of payments. It was down for a while: the deliveries of
    those hours failed and were retried with the outbox's backoff; the late
    ones got through when it came back, the early ones ran out of attempts (dead) and the
    owner resent one by hand. Then the owner switched the endpoint off (its host is made
    up, so that a running demo does not keep failing to reach it).

    The endpoint and its messages through the real actions; the attempts are seed data
    written directly (each as the worker would have recorded it: the backoff from
    outbox.retry_delay, dead after outbox.max_attempts), as the receiver never existed."""
    main = Shop.objects.filter(code="main").first()
    if main is None:
        return
    added = now - timedelta(hours=ERP_ADDED_HOURS)
    # add_endpoint resolves the host; the demo's is made up, so it is added the way a
    # developer adds a local receiver (the switch the setting documents).
    relaxed = {**settings.SELLERDESK["NOTIFICATIONS"], "WEBHOOK_ALLOW_LOOPBACK": True}
    with override_settings(SELLERDESK={**settings.SELLERDESK, "NOTIFICATIONS": relaxed}):
        endpoint = webhooks.add_endpoint(
            url=ERP_URL,
            actor=owner,
            events=["order.paid"],
            shop=main,
            description="仓库 ERP（演示）",
            at=added,
        )
    messages = []
    for order in Order.objects.filter(shop=main, paid_at__gte=added, paid_at__lte=now).order_by("paid_at", "pk"):
        data = {
            "order": order.number,
            "shop": main.code,
            "status": order.status,
            "payment_status": order.payment_status,
            "total": f"{order.total:.2f}",
            "paid_amount": f"{order.paid_amount:.2f}",
        }
        assert order.paid_at is not None
        messages += post_webhooks(kind="paid", order=order, key=f"paid:{order.number}", at=order.paid_at, data=data)
    if len(messages) < 2:
        return
    down_from, down_until = _outage([message.next_attempt_at or message.created_at for message in messages])
    dead = [message for message in messages if _deliver(message, rng=rng, down=(down_from, down_until))]
    if dead:
        resent = outbox.resend(message=dead[0], actor=owner, at=down_until + timedelta(minutes=40))
        _deliver(resent, rng=rng, down=(down_from, down_from), first_number=resent.attempts + 1)
    webhooks.update_endpoint(endpoint=endpoint, actor=owner, active=False, at=now - timedelta(hours=2))


def _outage(due: list[datetime]) -> tuple[datetime, datetime]:
    """When the ERP was down: from just before a third of the deliveries were due, until
    10 minutes after the first delivery due once the first one affected has used up all its
    attempts. So the deliveries due early in the outage are dead, and those due later
    (within the retries' span of its end) get through on a retry."""
    retries = sum((outbox.retry_delay(number) for number in range(1, outbox.max_attempts())), timedelta())
    first = due[len(due) // 3]
    later = [moment for moment in due if moment > first + retries + timedelta(minutes=1)]
    until = (later[0] if later else first + retries) + timedelta(minutes=10)
    return first - timedelta(seconds=1), until


def _deliver(
    message: OutgoingMessage, *, rng: random.Random, down: tuple[datetime, datetime], first_number: int = 1
) -> bool:
    """The worker's attempts at `message` (due at its next_attempt_at) while the receiver
    was down in `down`: each failed one retried after the backoff, until one gets through
    or the last allowed one fails. Returns whether the message ended dead."""
    down_from, down_until = down
    moment = message.next_attempt_at or message.created_at
    number = first_number
    attempts = []
    while True:
        moment += timedelta(seconds=rng.uniform(0.5, 3))
        duration = rng.randint(30, 250)
        is_down = down_from <= moment < down_until
        attempts.append(
            DeliveryAttempt(
                message=message,
                number=number,
                started_at=moment,
                duration_ms=10_000 if is_down else duration,
                ok=not is_down,
                status_code=(503 if number % 2 else None) if is_down else 200,
                provider_message_id="" if is_down else message.idempotency_key or "",
                error=(
                    ("The receiver answered 503." if number % 2 else f"No answer from {ERP_URL}: timed out")
                    if is_down
                    else ""
                ),
                response='{"error": "maintenance"}' if is_down and number % 2 else ("" if is_down else '{"ok": true}'),
            )
        )
        if not is_down:
            _finish(message, attempts, status=MessageStatus.SENT, at=moment + timedelta(milliseconds=duration))
            return False
        if number >= outbox.max_attempts():
            _finish(message, attempts, status=MessageStatus.DEAD, at=moment)
            return True
        moment += outbox.retry_delay(number)
        number += 1


def _finish(message: OutgoingMessage, attempts: list[DeliveryAttempt], *, status: str, at: datetime) -> None:
    DeliveryAttempt.objects.bulk_create(attempts)
    last = attempts[-1]
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=status,
        attempts=last.number,
        sent_at=at if status == MessageStatus.SENT else None,
        provider_message_id=last.provider_message_id,
        last_error=last.error,
        next_attempt_at=None,
        lease_until=None,
    )
    message.refresh_from_db()
