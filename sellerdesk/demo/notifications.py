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
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.demo import names
from sellerdesk.inventory.actions import default_warehouse
from sellerdesk.inventory.availability import available_expression
from sellerdesk.inventory.models import StockLevel
from sellerdesk.notifications.models import (
    BuyerPreference,
    Channel,
    DeliveryAttempt,
    MessageStatus,
    OutgoingMessage,
)
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from sellerdesk.reminders import actions as reminders
from sellerdesk.reminders.models import PaymentReminder, ReminderChannel, ReminderStatus
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
        _play_reminders(rng=rng, owner=owner, agents=[agent, agent2], now=now)
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

# Days back whose good hours are played (today's too, once they have passed).
REMINDER_DAYS = 5
# Unpaid orders placed each of those days before each window: (placed at, by the sweep at).
_WINDOW_ORDERS = ((time(9, 20), time(11, 3)), (time(13, 40), time(16, 3)))
ORDERS_PER_WINDOW = 3
# The share of reminded orders paid within a few hours (seed 002: reminders recover some).
PAID_SHARE = 0.5
# The reasons the buyers gave the agents (seed 002's list; codes of reminders.reasons).
_REASONS = (
    ("still_comparing", "还在对比另一家的"),
    ("shipping_cost", "嫌运费贵，问能不能包邮"),
    ("insufficient_balance", "花呗额度不够了，月初再付"),
    ("forgot", ""),
    ("changed_mind", "不想要了"),
    ("pay_later", "晚上下班再付"),
)


def _at(day: date, moment: time, rng: random.Random, spread_minutes: int = 0) -> datetime:
    local = datetime.combine(day, moment, tzinfo=timezone.get_default_timezone())
    return local + timedelta(minutes=rng.randint(0, spread_minutes)) if spread_minutes else local


def _skus_with_stock() -> list[Sku]:
    levels = (
        StockLevel.objects.filter(
            warehouse=default_warehouse(),
            sku__is_active=True,
            sku__is_dropship=False,
            sku__is_presale=False,
            sku__product__isnull=False,
        )
        .alias(available_units=available_expression())
        .filter(available_units__gte=10)
        .select_related("sku")
        .order_by("sku__code")
    )
    return [level.sku for level in levels]


def _unpaid_order(rng: random.Random, *, shop: Shop, sku: Sku, placed: datetime) -> Order:
    """An order of a made-up buyer, placed and left unpaid (a unit or two of one SKU)."""
    where = names.place(rng)
    return order_actions.place_order(
        draft=order_actions.OrderDraft(
            buyer=order_actions.Buyer(
                names.person_name(rng), names.mobile_phone(rng), names.nickname(rng, shop.platform)
            ),
            address=order_actions.Address(where.province, where.city, where.district, names.street_address(rng)),
            lines=[order_actions.LineDraft(sku.code, rng.choice((1, 1, 2)))],
            payment_method="online",
            shop=shop.code,
            placed_at=placed,
        ),
        actor=None,
    )


def _play_reminders(*, rng: random.Random, owner: User, agents: list[User], now: datetime) -> None:
    """The last days' reminders, in time order: orders left unpaid in the morning and
    after lunch, the sweep at 11:03 and 16:03 (the main shop by SMS, the pinduoduo shop by
    chat, the tmall shop as phone calls in the agents' queues, made twenty minutes later),
    a few reminded by hand, half paid within hours (the recovery), the others' reasons
    recorded by the agent, closed when their time to pay ran out; and the sweep at 23:03,
    which reminds nobody (outside the good hours)."""
    shops = {shop.code: shop for shop in Shop.objects.filter(code__in=("main", "tmall", "pdd"))}
    if len(shops) < 3:
        return
    for code, channel in (("tmall", ReminderChannel.PHONE), ("pdd", ReminderChannel.CHAT)):
        current = reminders.settings_for(shops[code])
        reminders.update_settings(
            shop=shops[code],
            actor=owner,
            enabled=True,
            windows=current.windows,
            channel=channel,
            min_unpaid_minutes=current.min_unpaid_minutes,
            cod_zero_reputation_daily_cap=current.cod_zero_reputation_daily_cap,
        )
    skus = _skus_with_stock()
    if not skus:
        return
    today = timezone.localtime(now).date()
    install_reasons()  # as a migrated database has them (the tests run without migrations)
    reasons = {code: reminders.reason_by_code(code) for code, _note in _REASONS}
    for back in range(REMINDER_DAYS, -1, -1):
        day = today - timedelta(days=back)
        for placed_at, swept_at in _WINDOW_ORDERS:
            sweep = _at(day, swept_at, rng)
            if sweep + timedelta(hours=1) > now:
                continue  # today's window still to come: the worker's sweep will do it
            placed = [
                _unpaid_order(rng, shop=shops[code], sku=rng.choice(skus), placed=_at(day, placed_at, rng, 50))
                for code in ("main", "tmall", "pdd")[:ORDERS_PER_WINDOW]
            ]
            # One placed just before the sweep (too new for it): an agent reminds it by hand.
            by_hand = _unpaid_order(rng, shop=shops["main"], sku=rng.choice(skus), placed=sweep - timedelta(minutes=10))
            reminders.sweep_reminders(now=sweep)
            agent = agents[back % len(agents)]
            reminders.remind_order(
                order=by_hand,
                channel=ReminderChannel.CHAT,
                actor=agent,
                at=sweep + timedelta(minutes=rng.randint(25, 40)),
            )
            _outcomes(rng, [*placed, by_hand], agents=agents, reasons=reasons, sweep=sweep, now=now)
        # Late in the evening the sweep finds the good hours over: nobody is reminded.
        late = _at(day, time(23, 3), rng)
        if late <= now:
            reminders.sweep_reminders(now=late)


def _outcomes(
    rng: random.Random,
    orders: list[Order],
    *,
    agents: list[User],
    reasons: dict[str, object],
    sweep: datetime,
    now: datetime,
) -> None:
    """What became of the reminded orders: calls made, payments, reasons, closings."""
    for order in orders:
        reminder = PaymentReminder.objects.filter(order=order).first()
        if reminder is None:
            continue
        if reminder.channel == ReminderChannel.PHONE and reminder.status == ReminderStatus.PENDING:
            agent = reminder.assignee or agents[0]
            reminder = reminders.complete_phone_task(
                reminder=reminder, actor=agent, at=sweep + timedelta(minutes=rng.randint(15, 35))
            )
        if rng.random() < PAID_SHARE:
            paid_at = sweep + timedelta(minutes=rng.randint(20, 240))
            if paid_at < now:
                order.refresh_from_db()
                record_payment(
                    order=order,
                    amount=order.total - order.paid_amount,
                    method="online",
                    reference=f"DEMO-RM-{order.number}",
                    actor=None,
                    gateway="simulated",
                    at=paid_at,
                )
                continue
        code, note = rng.choice(_REASONS)
        asked = reminder.reminded_at or sweep
        reminders.record_reason(
            reminder=reminder,
            actor=reminder.agent or agents[0],
            reason=reasons[code],  # type: ignore[arg-type]
            note=note,
            at=asked + timedelta(minutes=rng.randint(5, 50)),
        )
        order.refresh_from_db()
        if order.pay_deadline is not None and order.pay_deadline < now:
            order_actions.close_expired_order(order_id=order.pk, now=order.pay_deadline + timedelta(minutes=1))
