"""Payment reminders (催付, seed 002): every write of the reminders app.

An unpaid order is reminded once (the database's one-to-one refuses a second), at the
shop's good hours (default 11–12 and 16–17), never after it is paid or closed, not for a
buyer on the do-not-remind list or who opted out, and a cash-on-delivery buyer with no
reputation at most `cod_zero_reputation_daily_cap` times a day. A reminder goes out by SMS
or chat through the notifications outbox (whose quiet hours hold too), or becomes a phone
task in an agent's queue. Once done it is written on the order: "12.04 阿华 已催付 (SMS)".
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role, require
from sellerdesk.customers.models import Customer
from sellerdesk.notifications import outbox
from sellerdesk.notifications.models import BuyerPreference, MessageKind, MessageStatus, OutgoingMessage
from sellerdesk.notifications.templates import goods_text
from sellerdesk.orders.events import insert_events
from sellerdesk.orders.models import Order, PaymentMethod
from sellerdesk.orders.states import OrderStatus, PaymentStatus
from sellerdesk.reminders.events import build_payment_reminded_event, payment_reminded_event
from sellerdesk.reminders.models import (
    DoNotRemind,
    PaymentReminder,
    ReminderChannel,
    ReminderSettings,
    ReminderStatus,
    UnpaidReason,
)
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop

logger = logging.getLogger(__name__)

CHANNELS = frozenset(ReminderChannel.values)
# Reminders go out by day only: a shop's windows must lie inside these hours.
EARLIEST = time(8, 0)
LATEST = time(21, 0)
BATCH = 500


class OrderNotRemindable(Conflict):
    """The order is paid, closed or otherwise past waiting for payment."""

    def __init__(self, order: Order) -> None:
        super().__init__(
            "order_not_remindable",
            _("Order %(number)s is not waiting for payment (%(status)s); it is not reminded.")
            % {"number": order.number, "status": order.get_status_display()},
            details={"order": order.number, "status": order.status, "payment_status": order.payment_status},
        )


class AlreadyReminded(Conflict):
    def __init__(self, order: Order) -> None:
        super().__init__(
            "already_reminded",
            _("Order %(number)s has been reminded already; a buyer is reminded once.") % {"number": order.number},
            details={"order": order.number},
        )


class BuyerNotToRemind(Conflict):
    def __init__(self, order: Order) -> None:
        super().__init__(
            "buyer_not_to_remind",
            _("The buyer of order %(number)s is on the do-not-remind list.") % {"number": order.number},
            details={"order": order.number},
        )


class BuyerOptedOut(Conflict):
    def __init__(self, order: Order) -> None:
        super().__init__(
            "buyer_opted_out",
            _("The buyer of order %(number)s asked for no reminders.") % {"number": order.number},
            details={"order": order.number},
        )


class ReminderNotSent(Conflict):
    def __init__(self, order: Order, message: OutgoingMessage | None) -> None:
        super().__init__(
            "reminder_not_sent",
            _("The reminder of order %(number)s was not sent: %(why)s")
            % {
                "number": order.number,
                "why": (message.last_error if message else "") or _("no channel reaches the buyer"),
            },
            details={"order": order.number},
        )


# --- settings ----------------------------------------------------------------------------


def settings_for(shop: Shop | int) -> ReminderSettings:
    """The shop's reminder settings, or the defaults (unsaved) when it has none."""
    shop_id = shop if isinstance(shop, int) else shop.pk
    found = ReminderSettings.objects.filter(shop_id=shop_id).first()
    return found or ReminderSettings(shop_id=shop_id)


def parse_windows(windows: Any) -> list[tuple[time, time]]:
    """[["11:00", "12:00"], …] as times; raises ValidationFailed naming the bad window.
    A window must start before it ends and lie by day (08:00–21:00): never at night."""
    if not isinstance(windows, list) or not windows:
        raise ValidationFailed({"windows": _("give at least one window, e.g. 11:00–12:00")})
    parsed = []
    for index, window in enumerate(windows):
        try:
            start, end = (time.fromisoformat(str(part)) for part in window)
        except (TypeError, ValueError):
            raise ValidationFailed({f"windows.{index}": _("a window is two times, HH:MM–HH:MM")}) from None
        if not start < end:
            raise ValidationFailed({f"windows.{index}": _("a window must start before it ends")})
        if start < EARLIEST or end > LATEST:
            raise ValidationFailed(
                {
                    f"windows.{index}": _("reminders go out by day only, between %(from)s and %(to)s")
                    % {"from": EARLIEST.strftime("%H:%M"), "to": LATEST.strftime("%H:%M")}
                }
            )
        parsed.append((start, end))
    return parsed


def in_window(reminder_settings: ReminderSettings, moment: datetime) -> bool:
    """Whether local `moment` falls inside one of the shop's windows (start included,
    end excluded: 11:00 is in 11–12, 12:00 is not)."""
    local = timezone.localtime(moment).time()
    return any(start <= local < end for start, end in parse_windows(reminder_settings.windows))


def update_settings(
    *,
    shop: Shop,
    actor: User,
    enabled: bool,
    windows: list[list[str]],
    channel: str,
    min_unpaid_minutes: int,
    cod_zero_reputation_daily_cap: int,
) -> ReminderSettings:
    """Save the shop's reminder settings after checking every field (nothing is saved
    when one is wrong)."""
    require(actor, "reminders.configure")
    parse_windows(windows)
    _check_channel(channel)
    if not 0 <= min_unpaid_minutes <= 7 * 24 * 60:
        raise ValidationFailed({"min_unpaid_minutes": _("between 0 and 10080 minutes")})
    if not 0 <= cod_zero_reputation_daily_cap <= 100:
        raise ValidationFailed({"cod_zero_reputation_daily_cap": _("between 0 and 100")})
    with transaction.atomic():
        found, _created = ReminderSettings.objects.select_for_update().get_or_create(shop=shop)
        found.enabled = enabled
        found.windows = [[str(start), str(end)] for start, end in windows]
        found.channel = channel
        found.min_unpaid_minutes = min_unpaid_minutes
        found.cod_zero_reputation_daily_cap = cod_zero_reputation_daily_cap
        found.save()
    return found


def _check_channel(channel: str) -> None:
    if channel not in CHANNELS:
        raise ValidationFailed(
            {"channel": _("one of %(channels)s") % {"channels": ", ".join(sorted(CHANNELS))}},
        )


# --- the message ---------------------------------------------------------------------------


def reminder_params(order: Order) -> dict[str, Any]:
    """The placeholders of the payment_reminder templates (N3's words, seed 002's tone)."""
    pay_by = timezone.localtime(order.pay_deadline) if order.pay_deadline else None
    placed = timezone.localtime(order.created_at)
    return {
        "order_number": order.number,
        "buyer_name": order.buyer_name,
        "shop_name": order.shop.name,
        # Name (colour size) × quantity, as every order message names the goods; the lines
        # are prefetched by the sweep (all(), not a new query per order).
        "goods": goods_text(sorted(order.lines.all(), key=lambda line: line.position), settings.LANGUAGE_CODE),
        "total": str(order.total),
        "pay_by": pay_by.strftime("%Y-%m-%d %H:%M") if pay_by else "",
        "placed_on": f"{placed.month}.{placed.day:02d}",
    }


def _send(order: Order, channel: str, at: datetime) -> OutgoingMessage | None:
    """The reminder into the outbox (one per order: the key), in the caller's
    transaction; None when the outbox wrote nothing."""
    messages = outbox.notify(
        kind=MessageKind.PAYMENT_REMINDER,
        order=order,
        params=reminder_params(order),
        at=at,
        key=f"payment_reminder:{order.pk}",
        channels=[channel],
    )
    return messages[0] if messages else None


def _status_after_sending(message: OutgoingMessage | None) -> str:
    # A message the outbox's rules suppressed (opt-out, the daily cap) did not remind anyone.
    if message is not None and message.status == MessageStatus.SUPPRESSED:
        return ReminderStatus.FAILED
    return ReminderStatus.DONE


# --- agents ------------------------------------------------------------------------------


def agent_loads(shop: Shop | int) -> dict[int, int]:
    """Each active agent's open phone tasks (0 for none): the least loaded gets the next."""
    agents = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").values_list("pk", flat=True)
    loads = dict.fromkeys(agents, 0)
    for assignee, count in (
        PaymentReminder.objects.filter(status=ReminderStatus.PENDING, assignee__in=list(loads))
        .values_list("assignee")
        .annotate(n=Count("pk"))
    ):
        loads[assignee] = count
    return loads


def _pick_agent(customer_agent_id: int | None, loads: dict[int, int]) -> int | None:
    """The buyer's own agent (if active), else the agent with fewest open tasks."""
    if customer_agent_id is not None and customer_agent_id in loads:
        chosen = customer_agent_id
    elif loads:
        chosen = min(loads, key=lambda agent: (loads[agent], agent))
    else:
        return None
    loads[chosen] += 1
    return chosen


# --- the sweep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    order_id: int
    customer_id: int
    customer_agent_id: int | None
    capped: bool  # a cash-on-delivery buyer with no reputation (seed 002)


def _local_day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def due_candidates(reminder_settings: ReminderSettings, *, now: datetime, limit: int | None = None) -> list[Candidate]:
    """The shop's orders to remind now, oldest first: unpaid for at least the shop's
    minimum, not past their pay-by time, never reminded, the buyer neither on the
    do-not-remind list nor opted out. Does not look at the windows (the caller does)."""
    cutoff = now - timedelta(minutes=reminder_settings.min_unpaid_minutes)
    orders = (
        Order.objects.filter(
            shop_id=reminder_settings.shop_id,
            status=OrderStatus.UNPAID,
            payment_status=PaymentStatus.UNPAID,
            created_at__lte=cutoff,
        )
        .filter(Q(pay_deadline__isnull=True) | Q(pay_deadline__gt=now))
        .exclude(Exists(PaymentReminder.objects.filter(order_id=OuterRef("pk"))))
        .exclude(Exists(DoNotRemind.objects.filter(customer_id=OuterRef("customer_id"))))
        .exclude(Exists(BuyerPreference.objects.filter(customer_id=OuterRef("customer_id"), opt_out=True)))
        .annotate(
            # Seed 002: COD buyers with no reputation (no purchase yet) refuse parcels most;
            # they are reminded sparingly.
            buys_cod=Exists(Order.objects.filter(customer_id=OuterRef("customer_id"), payment_method=PaymentMethod.COD))
        )
        .order_by("created_at", "pk")
        .values_list("pk", "customer_id", "customer__agent_id", "customer__total_spent", "buys_cod")
    )
    if limit is not None:
        orders = orders[:limit]
    return [
        Candidate(pk, customer, agent, bool(buys_cod) and not total_spent)
        for pk, customer, agent, total_spent, buys_cod in orders
    ]


def _within_cap(candidates: list[Candidate], *, cap: int, now: datetime) -> list[Candidate]:
    """Leave out a capped buyer's orders past `cap` reminders today (local day)."""
    capped_customers = {candidate.customer_id for candidate in candidates if candidate.capped}
    if not capped_customers:
        return candidates
    today = Counter(
        dict(
            PaymentReminder.objects.filter(
                order__customer_id__in=capped_customers, created_at__gte=_local_day_start(now)
            )
            .values_list("order__customer_id")
            .annotate(n=Count("pk"))
        )
    )
    kept = []
    for candidate in candidates:
        if candidate.capped:
            if today[candidate.customer_id] >= cap:
                continue
            today[candidate.customer_id] += 1
        kept.append(candidate)
    return kept


def _claim(order_ids: Sequence[int], *, shop_id: int, channel: str, status: str, now: datetime) -> list[int]:
    """Insert the reminders of those orders that are still unpaid, in ONE statement that
    reads each order's status and payment status as it inserts (on PostgreSQL it locks
    the orders first, so a payment committing meanwhile is seen); an order reminded by
    another sweep meanwhile is skipped by the unique order (ON CONFLICT DO NOTHING).
    Returns the order ids reminded by this call."""
    if not order_ids:
        return []
    reminder_table = PaymentReminder._meta.db_table
    order_table = Order._meta.db_table
    placeholders = ", ".join(["%s"] * len(order_ids))
    lock = " FOR UPDATE OF o" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {reminder_table} (order_id, shop_id, channel, status, created_at, reminded_at, reason_note) "  # noqa: S608
        f"SELECT o.id, o.shop_id, %s, %s, %s, %s, '' FROM {order_table} o "
        f"WHERE o.id IN ({placeholders}) AND o.shop_id = %s AND o.status = %s AND o.payment_status = %s "
        f"ORDER BY o.id{lock} "
        "ON CONFLICT (order_id) DO NOTHING RETURNING order_id"
    )
    reminded_at = now if status == ReminderStatus.DONE else None
    params = [channel, status, now, reminded_at, *order_ids, shop_id, OrderStatus.UNPAID, PaymentStatus.UNPAID]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def remind_batch(reminder_settings: ReminderSettings, candidates: list[Candidate], *, now: datetime) -> int:
    """Remind these candidates of one shop in one transaction: claim, send (outbox) or
    queue a phone task, write the notes on the orders. Returns how many were reminded."""
    channel = reminder_settings.channel if reminder_settings.channel in CHANNELS else ReminderChannel.SMS
    is_phone = channel == ReminderChannel.PHONE
    with transaction.atomic():
        claimed = _claim(
            [candidate.order_id for candidate in candidates],
            shop_id=reminder_settings.shop_id,
            channel=channel,
            status=ReminderStatus.PENDING,
            now=now,
        )
        if not claimed:
            return 0
        if is_phone:
            _assign_phone_tasks(reminder_settings.shop_id, claimed, candidates)
            return len(claimed)
        orders = Order.objects.filter(pk__in=claimed).select_related("shop", "customer").prefetch_related("lines")
        reminders = {reminder.order_id: reminder for reminder in PaymentReminder.objects.filter(order_id__in=claimed)}
        events = []
        for order in orders.order_by("pk"):
            reminder = reminders[order.pk]
            reminder.message = _send(order, channel, now)
            reminder.status = _status_after_sending(reminder.message)
            if reminder.status == ReminderStatus.DONE:
                reminder.reminded_at = now
                events.append(build_payment_reminded_event(order.pk, actor=None, at=now, channel=channel))
        PaymentReminder.objects.bulk_update(list(reminders.values()), ["message", "status", "reminded_at"])
        insert_events(events)
    return len(claimed)


def _assign_phone_tasks(shop_id: int, claimed: list[int], candidates: list[Candidate]) -> None:
    """Each call in an agent's queue: the buyer's agent, else the least loaded one (one
    UPDATE per agent)."""
    loads = agent_loads(shop_id)
    by_order = {candidate.order_id: candidate for candidate in candidates}
    per_agent: dict[int, list[int]] = {}
    for order_id in claimed:
        agent = _pick_agent(by_order[order_id].customer_agent_id, loads)
        if agent is not None:
            per_agent.setdefault(agent, []).append(order_id)
    for agent, order_ids in per_agent.items():
        PaymentReminder.objects.filter(order_id__in=order_ids).update(assignee_id=agent)


def sweep_reminders(*, now: datetime, limit_per_shop: int | None = None) -> int:
    """The periodic sweep: for each shop with reminders on whose window is open now, remind
    its due orders (see `due_candidates`) in batches. Safe to run in several processes at
    once: an order is reminded by whichever claims it first, never twice. Returns how
    many orders were reminded."""
    shops = list(Shop.objects.order_by("pk").values_list("pk", flat=True))
    stored = {found.shop_id: found for found in ReminderSettings.objects.filter(shop_id__in=shops)}
    reminded = 0
    for shop_id in shops:
        reminder_settings = stored.get(shop_id) or ReminderSettings(shop_id=shop_id)
        try:
            open_now = reminder_settings.enabled and in_window(reminder_settings, now)
        except ValidationFailed:
            # Windows saved around the checks (the admin, the database): that shop waits
            # until they are fixed; the other shops are still reminded.
            logger.warning("shop %s: reminder windows %r are invalid", shop_id, reminder_settings.windows)
            continue
        if not open_now:
            continue
        candidates = due_candidates(reminder_settings, now=now, limit=limit_per_shop)
        candidates = _within_cap(candidates, cap=reminder_settings.cod_zero_reputation_daily_cap, now=now)
        for start in range(0, len(candidates), BATCH):
            reminded += remind_batch(reminder_settings, candidates[start : start + BATCH], now=now)
    return reminded


# --- by hand -------------------------------------------------------------------------------


def remind_order(*, order: Order, channel: str, actor: User, at: datetime | None = None) -> PaymentReminder:
    """An agent reminds the order now, by the channel they choose: SMS or chat through the
    outbox, or "phone" for a call they made. Still once per order (409 when reminded
    already, paid or closed, the buyer is on the do-not-remind list or opted out, or the
    outbox's rules refuse the message; 422 for a bad channel; nothing written then).
    The note is written on the order with the agent's name."""
    require(actor, "reminders.remind")
    _check_channel(channel)
    at = at or timezone.now()
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("shop", "customer").get(pk=order.pk)
        if locked.status != OrderStatus.UNPAID or locked.payment_status != PaymentStatus.UNPAID:
            raise OrderNotRemindable(locked)
        if PaymentReminder.objects.filter(order_id=locked.pk).exists():
            raise AlreadyReminded(locked)
        if DoNotRemind.objects.filter(customer_id=locked.customer_id).exists():
            raise BuyerNotToRemind(locked)
        if BuyerPreference.objects.filter(customer_id=locked.customer_id, opt_out=True).exists():
            raise BuyerOptedOut(locked)
        try:
            with transaction.atomic():
                reminder = PaymentReminder.objects.create(
                    order=locked,
                    shop_id=locked.shop_id,
                    channel=channel,
                    status=ReminderStatus.DONE,
                    agent=actor,
                    assignee=actor if channel == ReminderChannel.PHONE else None,
                    created_at=at,
                    reminded_at=at,
                )
        except IntegrityError:
            raise AlreadyReminded(locked) from None
        if channel != ReminderChannel.PHONE:
            reminder.message = _send(locked, channel, at)
            if _status_after_sending(reminder.message) != ReminderStatus.DONE:
                # The outbox's rules refused it (the buyer's daily cap …): nothing is kept,
                # so the order may still be reminded another way.
                raise ReminderNotSent(locked, reminder.message)
            reminder.save(update_fields=["message"])
        payment_reminded_event(locked, actor=actor, at=at, channel=channel)
    return reminder


def complete_phone_task(
    *,
    reminder: PaymentReminder,
    actor: User,
    at: datetime | None = None,
    reason: UnpaidReason | None = None,
    note: str = "",
) -> PaymentReminder:
    """The agent made the call: the task is done and the note written on the order (with
    the buyer's reason, if they gave one)."""
    require(actor, "reminders.remind")
    at = at or timezone.now()
    with transaction.atomic():
        locked = PaymentReminder.objects.select_for_update().get(pk=reminder.pk)
        if locked.status != ReminderStatus.PENDING or locked.channel != ReminderChannel.PHONE:
            raise Conflict(
                "reminder_not_pending",
                _("This reminder is not a call waiting to be made."),
                details={"reminder": locked.pk, "status": locked.status},
            )
        locked.status = ReminderStatus.DONE
        locked.agent = actor
        locked.reminded_at = at
        locked.save(update_fields=["status", "agent", "reminded_at"])
        payment_reminded_event(locked.order, actor=actor, at=at, channel=locked.channel)
        if reason is not None or note:
            _set_reason(locked, reason=reason, note=note, at=at)
    return locked


def _set_reason(reminder: PaymentReminder, *, reason: UnpaidReason | None, note: str, at: datetime) -> None:
    note = note.strip()
    if reason is None and not note:
        raise ValidationFailed({"reason": _("choose a reason or write what the buyer said")})
    if len(note) > 300:
        raise ValidationFailed({"note": _("at most 300 characters")})
    if reason is not None and not reason.active:
        raise ValidationFailed({"reason": _("this reason is no longer in use")})
    reminder.reason = reason
    reminder.reason_note = note
    reminder.reason_recorded_at = at
    reminder.save(update_fields=["reason", "reason_note", "reason_recorded_at"])


def record_reason(
    *, reminder: PaymentReminder, actor: User, reason: UnpaidReason | None, note: str = "", at: datetime | None = None
) -> PaymentReminder:
    """Record why the buyer has not paid (a reason from the list and/or their words); a
    later answer replaces an earlier one."""
    require(actor, "reminders.remind")
    at = at or timezone.now()
    with transaction.atomic():
        locked = PaymentReminder.objects.select_for_update().get(pk=reminder.pk)
        _set_reason(locked, reason=reason, note=note, at=at)
    return locked


def reason_by_code(code: str) -> UnpaidReason:
    found = UnpaidReason.objects.filter(code=code).first()
    if found is None:
        raise ValidationFailed({"reason": _("no reason has the code %(code)s") % {"code": code}})
    return found


# --- payment after the reminder (orders.hooks.OrderPaid) ----------------------------------


def record_payment(*, order_id: int, at: datetime) -> int:
    """The reminded order is paid: remember when (the recovery rate). A call still waiting
    is no longer needed and leaves the queue (its status stays pending, its order paid)."""
    return PaymentReminder.objects.filter(order_id=order_id, paid_at__isnull=True).update(paid_at=at)


# --- do not remind -------------------------------------------------------------------------


def add_do_not_remind(*, customer: Customer, actor: User, reason: str = "", at: datetime | None = None) -> DoNotRemind:
    """Put the buyer on the do-not-remind list (adding them twice keeps one entry)."""
    require(actor, "reminders.remind")
    if len(reason) > 300:
        raise ValidationFailed({"reason": _("at most 300 characters")})
    entry, _created = DoNotRemind.objects.get_or_create(
        customer=customer, defaults={"reason": reason, "added_at": at or timezone.now(), "added_by": actor}
    )
    return entry


def remove_do_not_remind(*, customer: Customer, actor: User) -> bool:
    """Take the buyer off the list; False when they were not on it."""
    require(actor, "reminders.remind")
    deleted, _rows = DoNotRemind.objects.filter(customer=customer).delete()
    return bool(deleted)


def get_reminder(pk: int, *, actor: User | None = None) -> PaymentReminder:
    """The reminder `pk`, NotFound when there is none or it is of a shop `actor` may not
    see (shops.access; no actor: the system, every shop)."""
    visible = limit_to_visible_shops(PaymentReminder.objects.all(), actor)
    found = visible.select_related("order", "order__shop").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such reminder."))
    return found


__all__ = [
    "AlreadyReminded",
    "BuyerNotToRemind",
    "BuyerOptedOut",
    "OrderNotRemindable",
    "ReminderNotSent",
    "add_do_not_remind",
    "complete_phone_task",
    "record_payment",
    "record_reason",
    "remind_order",
    "remove_do_not_remind",
    "sweep_reminders",
    "update_settings",
]
