"""Demo notifications (C13) and payment reminders (催付, C4): the shop's messages as they
would be after two months of sending, played through the real outbox, channels and
reminder functions, with times in the past.

Called by the demo generator last, after the orders and every other capability's demo
(their events wrote the buyers' messages into the outbox as they happened):

- two story buyers (`STORIES`) whose order went through every step — one of them reads
  English (her preference), so her messages are in English —, sent by the outbox's own
  loop through the simulated channels (the SMS log, the mail log, the portal), with the
  portal inbox of each partly read;
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
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, Least
from django.test import override_settings
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.demo.logistics import simulated_scenario, track_at_once
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.availability import available_expression
from sellerdesk.inventory.models import StockLevel
from sellerdesk.logistics.exceptions import contact_buyer
from sellerdesk.logistics.models import Carrier, LogisticsException, Shipment
from sellerdesk.logistics.tracking import poll_shipment
from sellerdesk.notifications import outbox, webhooks
from sellerdesk.notifications.events import post_webhooks
from sellerdesk.notifications.models import (
    Channel,
    DeliveryAttempt,
    MessageStatus,
    OutgoingMessage,
)
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.portal.inbox import inbox_of, open_message, save_preferences
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
        _tell_parcel_problems(rng=rng, agent=agent, now=now)
        buyers = [_story_order(rng=rng, buyer=buyer, agent=agent, now=now) for buyer in STORIES]
        customers = [customer_id for customer_id in buyers if customer_id is not None]
        marked, left = _mark_history_sent(rng=rng, now=now, keep_customers=customers)
        _send_stories(customers, now=now)
        _read_some(rng=rng, customers=customers, now=now)
    return NotificationsDemo(marked_sent=marked, left_queued=left)


# --- the history: sent through the simulated providers -------------------------------------------


def _mark_history_sent(*, rng: random.Random, now: datetime, keep_customers: list[int]) -> tuple[int, int]:
    """Every pending message but the newest LEFT_QUEUED sent a few seconds after it was due,
    at the first attempt, with the simulated provider's message id (webhooks apart: their
    story has its own attempts). Seed data written in bulk: sending each through the worker
    would take minutes, and the providers are simulated anyway."""
    pending = (
        OutgoingMessage.objects.filter(status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING))
        .exclude(channel=Channel.WEBHOOK)
        .exclude(customer_id__in=keep_customers)
    )
    newest = list(pending.order_by("-created_at", "-pk").values_list("pk", flat=True)[:LEFT_QUEUED])
    history = pending.exclude(pk__in=newest).filter(next_attempt_at__lte=now)
    due = Coalesce(F("next_attempt_at"), F("created_at"))
    marked = history.update(
        status=MessageStatus.SENT,
        attempts=1,
        # A few seconds after it was due, never after `now`.
        sent_at=Least(due + timedelta(seconds=3), Value(now)),
        next_attempt_at=None,
        lease_until=None,
        # In the shape each simulated channel gives its ids (the SMS gateway's are hashes of
        # the key; the number is enough for a message that was never really sent).
        provider_message_id=Case(
            When(channel__in=(Channel.IN_SITE, Channel.IM), then=Concat(Value("in_site:"), Cast("pk", CharField()))),
            When(channel=Channel.EMAIL, then=Concat(Value("<demo."), Cast("pk", CharField()), Value("@localhost>"))),
            default=Concat(Value("SIM"), Cast("pk", CharField())),
        ),
    )
    attempts = []
    for pk, sent_at, provider_id in OutgoingMessage.objects.filter(
        status=MessageStatus.SENT, delivery_attempts__isnull=True
    ).values_list("pk", "sent_at", "provider_message_id"):
        assert sent_at is not None
        duration = rng.randint(40, 400)
        attempts.append(
            DeliveryAttempt(
                message_id=pk,
                number=1,
                started_at=sent_at - timedelta(milliseconds=duration),
                duration_ms=duration,
                ok=True,
                provider_message_id=provider_id,
            )
        )
    DeliveryAttempt.objects.bulk_create(attempts, batch_size=500)
    return marked, len(newest)


def _tell_parcel_problems(*, rng: random.Random, agent: User, now: datetime) -> None:
    """The parcel-problem desk told the buyers of the older half of the open problems
    (delayed, stuck, damaged …) with the standard message of each kind, as soon as it
    could; the newer half wait for an agent (the desk's work today)."""
    open_problems = list(
        LogisticsException.objects.filter(contacted_at__isnull=True, closed_at__isnull=True)
        .select_related("order", "shipment__carrier")
        .order_by("detected_at", "pk")
    )
    for problem in open_problems[: (len(open_problems) + 1) // 2]:
        # (The logistics demo's problems were detected by the sweep at `now`: told at once.)
        told = max(min(problem.detected_at + timedelta(minutes=rng.randint(20, 90)), now), problem.detected_at)
        contact_buyer(exception=problem, actor=agent, at=told)


# --- the story buyers: every step of an order, in their language ------------------------------------


@dataclass(frozen=True)
class StoryBuyer:
    name: str
    phone: str
    nickname: str
    email: str
    language: str
    address: tuple[str, str, str, str]


# Made-up buyers (names and numbers assembled, as in demo.names); the phone signs in to the
# portal. 林安琪 reads English: her messages are in English.
STORIES = (
    StoryBuyer(
        "林安琪",
        "13764520918",
        "angela_lin",
        "angela.lin@example.com",
        "en",
        ("上海市", "上海市", "长宁区", "仙霞路 99 号"),
    ),
    StoryBuyer(
        "许晴",
        "15800732641",
        "晴天小许",
        "xuqing@example.com",
        "zh-hans",
        ("浙江省", "杭州市", "西湖区", "文三路 478 号"),
    ),
)
STORY_DAYS = 6


def _shelf_sku() -> Sku | None:
    level = (
        StockLevel.objects.filter(
            warehouse=default_warehouse(), sku__is_active=True, sku__is_dropship=False, sku__is_presale=False
        )
        .alias(available_units=available_expression())
        .filter(available_units__gte=5, sku__product__isnull=False)
        .select_related("sku")
        .order_by("sku__code")
        .first()
    )
    return level.sku if level is not None else None


def _story_order(*, rng: random.Random, buyer: StoryBuyer, agent: User, now: datetime) -> int | None:
    """The buyer's order through every step, each a message in her language: confirmed,
    paid, shipped, in transit, delivered (and received). She chose her language and email
    address in the portal right after placing it. Returns her customer id."""
    sku = _shelf_sku()
    carrier = Carrier.objects.filter(is_active=True).order_by("pk").first()
    if sku is None or carrier is None:
        return None
    placed = now - timedelta(days=STORY_DAYS, hours=rng.uniform(0, 3))
    province, city, district, detail = buyer.address
    order = order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer(buyer.name, buyer.phone, buyer.nickname),
            address=order_actions.Address(province, city, district, detail),
            lines=[order_actions.LineDraft(sku.code, 1)],
            payment_method="online",
            source="silent",
            placed_at=placed,
        ),
        actor=None,
    )
    assert order.customer is not None
    save_preferences(customer=order.customer, email=buyer.email, language=buyer.language, opt_out=False, at=placed)
    paid = placed + timedelta(minutes=rng.randint(3, 20))
    record_payment(
        order=order,
        amount=order.total,
        method="online",
        reference=f"DEMO-NT-{order.number}",
        actor=None,
        gateway="simulated",
        at=paid,
    )
    order = order_actions.approve_order(order=order, actor=agent, at=paid + timedelta(hours=1))
    shipped = paid + timedelta(hours=20)
    with simulated_scenario("normal"):
        order = order_actions.ship_order(
            order=order,
            actor=None,
            carrier=carrier.code,
            tracking_number=carrier.code + "".join(rng.choice("0123456789") for _ in range(12)),
            at=shipped,
        )
        track_at_once(order)
        # The tracking sweep's polls: picked up and in transit the next day, then delivered.
        for shipment in Shipment.objects.filter(order=order).select_related("carrier"):
            for polled in (shipped + timedelta(hours=12), shipped + timedelta(hours=30), now):
                poll_shipment(shipment=shipment, now=polled)
    order.refresh_from_db()
    if order.status == "shipped":
        order = order_actions.deliver_order(order=order, actor=None, at=shipped + timedelta(days=2))
    if order.status == "delivered":
        order_actions.confirm_receipt(order=order, actor=None, at=(order.delivered_at or now) + timedelta(hours=5))
    return order.customer_id


def _send_stories(customers: list[int], *, now: datetime) -> None:
    """The story buyers' messages sent by the outbox's own loop through the simulated
    channels (SMS into the SMS log, email through Django's backend — the mail log —,
    in-site and chat into the portal), each at the moment it was due."""
    story = OutgoingMessage.objects.filter(
        customer_id__in=customers, status__in=(MessageStatus.QUEUED, MessageStatus.RETRYING)
    ).exclude(next_attempt_at__gt=now)
    moments = {moment for moment in story.values_list("next_attempt_at", flat=True) if moment is not None}
    for due in sorted(moments):
        # The history was marked sent first: the story's messages are the only ones due then.
        outbox.send_due(now=due, limit=story.filter(next_attempt_at=due).count(), worker="demo")


def _read_some(*, rng: random.Random, customers: list[int], now: datetime) -> None:
    """The story buyers opened their older messages in the portal; the newest are unread."""
    for customer in Customer.objects.filter(pk__in=customers):
        messages = list(inbox_of(customer))
        for message in messages[2:]:
            if message.sent_at is not None:
                opened = min(message.sent_at + timedelta(minutes=rng.randint(3, 180)), now)
                open_message(customer=customer, pk=message.pk, at=opened)


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
