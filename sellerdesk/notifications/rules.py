"""When a message may go out: a shop's sending rules and a buyer's wishes (C13 rules).

`plan` answers for one message about to be written: send now, hold until the morning
(SMS and payment reminders in quiet hours), or do not send (the shop's switch, the
buyer's opt-out of non-transactional messages, the daily cap). The outbox (N1's
`outbox.enqueue`) asks it before writing each row; `channels_for` tells `outbox.notify`
which channels a kind goes out on.

Quiet hours are local time (settings.TIME_ZONE) and may cross midnight (21:00–08:00 by
default); on a Chinese public holiday the morning starts at the shop's holiday_quiet_end
(10:00 by default) instead. One-time codes, purchase orders to suppliers and webhooks to
other systems are never held nor capped: someone is waiting for them, and none wakes a buyer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sellerdesk.core import refcache
from sellerdesk.core.audit import changes_of, register_settings_code, settings_changed
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import remembered
from sellerdesk.customers.models import Customer
from sellerdesk.notifications.models import (
    NON_TRANSACTIONAL_KINDS,
    BuyerPreference,
    Channel,
    MessageKind,
    MessageStatus,
    NotificationSettings,
    OutgoingMessage,
)
from sellerdesk.shops.access import require_visible_shop
from sellerdesk.shops.models import Shop

try:  # Chinese public holidays for the years the table below does not cover.
    import holidays as holidays_package  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - the table covers the years the tests use
    holidays_package = None  # type: ignore[assignment, unused-ignore]

SETTINGS_SAVED = "notification_settings_saved"

register_settings_code(
    SETTINGS_SAVED,
    gettext_noop("Notification settings of %(shop)s saved."),
    NotificationSettings,
    example={"shop": "main", "shop_name": "主店", "changes": {"daily_cap": [5, 3]}},
)

# Why a message is held or not sent (Plan.reason).
REASON_SHOP_OFF = "shop_off"
REASON_CHANNEL_OFF = "channel_off"
REASON_OPTED_OUT = "opted_out"
REASON_DAILY_CAP = "daily_cap"
REASON_QUIET_HOURS = "quiet_hours"

# Messages the rules never hold nor suppress for a buyer's sake: a sign-in code (the buyer
# waits for it), a purchase order (to a supplier), an event for another system.
# A service-desk message answers the buyer who wrote: never held, capped or switched off.
_UNRULED_KINDS = frozenset(
    {MessageKind.ONE_TIME_CODE, MessageKind.PURCHASE_ORDER, MessageKind.WEBHOOK_EVENT, MessageKind.SERVICE_MESSAGE}
)
# The kinds a shop chooses channels for, and the channels it chooses among (a buyer's).
CONFIGURABLE_KINDS: tuple[str, ...] = tuple(kind for kind in MessageKind.values if kind not in _UNRULED_KINDS)
BUYER_CHANNELS: tuple[str, ...] = (Channel.IN_SITE, Channel.IM, Channel.SMS, Channel.EMAIL)
# Kinds that wait for the morning on every channel, not only SMS: a reminder at night is rude.
_HELD_KINDS = frozenset({MessageKind.PAYMENT_REMINDER})
# Channels that wake a buyer's phone at night.
_HELD_CHANNELS = frozenset({Channel.SMS})

# The channels each kind goes out on unless the shop chose otherwise (NotificationSettings.channels).
_ORDER_STEP: list[str] = [Channel.IN_SITE, Channel.SMS, Channel.EMAIL]
DEFAULT_CHANNELS: dict[str, list[str]] = {
    MessageKind.ORDER_CONFIRMATION: [Channel.IM, Channel.IN_SITE, Channel.EMAIL],
    MessageKind.PAID: [Channel.IN_SITE, Channel.EMAIL],
    MessageKind.PARCEL_SHIPPED: _ORDER_STEP,
    MessageKind.IN_TRANSIT: [Channel.IN_SITE, Channel.EMAIL],
    MessageKind.DELIVERED: _ORDER_STEP,
    MessageKind.PARCEL_PROBLEM: _ORDER_STEP,
    MessageKind.AFTERSALES: _ORDER_STEP,
    MessageKind.REFUND_DONE: _ORDER_STEP,
    MessageKind.PAYMENT_REMINDER: [Channel.IM, Channel.SMS],
    MessageKind.ONE_TIME_CODE: [Channel.SMS],
    MessageKind.PURCHASE_ORDER: [Channel.EMAIL],
    MessageKind.WEBHOOK_EVENT: [Channel.WEBHOOK],
}

# China's public holidays as the State Council announced them (放假调休: the days off,
# weekends inside a break included; the working weekends 调休上班 are not holidays).
# 2026: 国务院办公厅关于2026年部分节假日安排的通知 (4 Nov 2025). The `holidays` package
# answers for other years; without it, the holidays whose dates never move.
_HOLIDAY_RANGES: dict[int, list[tuple[tuple[int, int], tuple[int, int]]]] = {
    2025: [
        ((1, 1), (1, 1)),
        ((1, 28), (2, 4)),
        ((4, 4), (4, 6)),
        ((5, 1), (5, 5)),
        ((5, 31), (6, 2)),
        ((10, 1), (10, 8)),
    ],
    2026: [
        ((1, 1), (1, 3)),
        ((2, 15), (2, 23)),
        ((4, 4), (4, 6)),
        ((5, 1), (5, 5)),
        ((6, 19), (6, 21)),
        ((9, 25), (9, 27)),
        ((10, 1), (10, 7)),
    ],
}


def _expand(year: int, ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> set[date]:
    days = set()
    for (start_month, start_day), (end_month, end_day) in ranges:
        day, end = date(year, start_month, start_day), date(year, end_month, end_day)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return days


HOLIDAYS: dict[int, frozenset[date]] = {
    year: frozenset(_expand(year, ranges)) for year, ranges in _HOLIDAY_RANGES.items()
}


def is_holiday(day: date) -> bool:
    """Whether `day` is a Chinese public holiday (a day off of a holiday break)."""
    table = HOLIDAYS.get(day.year)
    if table is not None:
        return day in table
    if holidays_package is not None:
        return day in holidays_package.China(years=day.year)
    # Without the package: the holidays whose dates never move (元旦, 劳动节, 国庆节).
    return (day.month, day.day) in {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


# --- a shop's settings ---------------------------------------------------------------------


def settings_for(shop: Shop | None) -> NotificationSettings:
    """The shop's sending rules, or the defaults (an unsaved row) when it has none;
    remembered per process for REFERENCE_CACHE_SECONDS (core.refcache), as every event
    that tells a buyer asks for them. Do not change the row returned."""
    if shop is not None:
        return remembered(("notification_settings", shop.pk), lambda: _load_settings(shop))
    return NotificationSettings()


def _load_settings(shop: Shop) -> NotificationSettings:
    row = NotificationSettings.objects.filter(shop=shop).first()
    return row if row is not None else NotificationSettings(shop=shop)


def channels_for(shop: Shop | None, kind: str, *, settings: NotificationSettings | None = None) -> list[str]:
    """The channels the shop sends this kind on: its choice, else DEFAULT_CHANNELS; none
    at all when the shop's switch is off."""
    if kind in _UNRULED_KINDS:  # a code, a purchase order, a webhook: always on their own channel
        return list(DEFAULT_CHANNELS.get(kind, []))
    current = settings if settings is not None else settings_for(shop)
    if not current.enabled:
        return []
    chosen = (current.channels or {}).get(kind)
    return list(chosen) if chosen is not None else list(DEFAULT_CHANNELS.get(kind, []))


# --- quiet hours ---------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, timezone.get_default_timezone())


def _morning(settings: NotificationSettings, day: date) -> time:
    return settings.holiday_quiet_end if is_holiday(day) else settings.quiet_end


def _quiet_until(settings: NotificationSettings, moment: datetime) -> datetime | None:
    """The end of the quiet hours `moment` falls in (aware, local), or None when it is not quiet."""
    local = _local(moment)
    start, today, now = settings.quiet_start, local.date(), local.time()
    end_today = _morning(settings, today)
    if start > settings.quiet_end:  # across midnight: the evening, then the next morning
        if now >= start:
            morning_day = today + timedelta(days=1)
        elif now < end_today:
            morning_day = today
        else:
            return None
    elif start < settings.quiet_end:  # inside one day (a siesta, say)
        if not start <= now < end_today:
            return None
        morning_day = today
    else:
        return None
    end = datetime.combine(morning_day, _morning(settings, morning_day))
    return timezone.make_aware(end, timezone.get_default_timezone())


def is_quiet(shop: Shop | None, moment: datetime, *, settings: NotificationSettings | None = None) -> bool:
    """Whether `moment` is in the shop's quiet hours (local time; holidays start later)."""
    return _quiet_until(settings if settings is not None else settings_for(shop), moment) is not None


def next_morning(shop: Shop | None, moment: datetime, *, settings: NotificationSettings | None = None) -> datetime:
    """When a message held at `moment` may go: the end of the quiet hours, or `moment`
    itself when it is not quiet."""
    until = _quiet_until(settings if settings is not None else settings_for(shop), moment)
    return until if until is not None else moment


# --- the plan of one message ---------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """status: "queued" (at send_at) or "suppressed" (reason says which rule)."""

    status: str
    send_at: datetime
    reason: str = ""

    @property
    def is_suppressed(self) -> bool:
        return self.status == MessageStatus.SUPPRESSED

    @property
    def is_held(self) -> bool:
        return self.reason == REASON_QUIET_HOURS


def _local_day(moment: datetime) -> tuple[datetime, datetime]:
    local = _local(moment)
    start = timezone.make_aware(datetime.combine(local.date(), time(0)), timezone.get_default_timezone())
    return start, start + timedelta(days=1)


# Messages the rules stopped, and old ones recorded but never sent, do not count as sent.
_NOT_SENT = (MessageStatus.SUPPRESSED, MessageStatus.RECORDED)


def sent_today_condition(customer_ids: Collection[int], channels: Collection[str], now: datetime) -> Q:
    """The messages `sent_today` counts, for some buyers and channels: written today
    (local day), not stopped by the rules, not old ones never sent. The one definition
    of "sent today" (this module's cap, outbox.notify, the batch of confirmations)."""
    start, end = _local_day(now)
    return Q(
        customer_id__in=list(customer_ids), channel__in=list(channels), created_at__gte=start, created_at__lt=end
    ) & ~Q(status__in=_NOT_SENT)


def sent_today(customer: Customer | int, channel: str, now: datetime) -> int:
    """Messages on `channel` to the buyer (a customer or its id) written today (local day),
    not counting those the rules stopped nor the old ones never sent."""
    customer_id = customer if isinstance(customer, int) else customer.pk
    return OutgoingMessage.objects.filter(sent_today_condition([customer_id], [channel], now)).count()


class SentToday:
    """The buyer's messages of today on some channels (what `sent_today` counts), as a
    condition for a query and as a test of a row already read: a caller that reads other
    messages too (outbox.notify) reads these in the same query and counts them here."""

    def __init__(self, customer_id: int, channels: Sequence[str], now: datetime) -> None:
        self.customer_id, self.channels = customer_id, list(channels)
        self.start, self.end = _local_day(now)

    def condition(self) -> Q:
        return sent_today_condition([self.customer_id], self.channels, self.start)

    def counts(self, *, customer_id: int | None, channel: str, created_at: datetime, status: str) -> bool:
        """Whether a message with these values meets `condition()`."""
        return (
            customer_id == self.customer_id
            and channel in self.channels
            and self.start <= created_at < self.end
            and status not in _NOT_SENT
        )


def counts_against_cap(*, shop: Shop | None, customer_id: int | None, kind: str, channel: str) -> bool:
    """Whether `plan` would count the buyer's messages of today on `channel` for this kind
    (before its other checks; a caller counting in advance asks this to count no more
    than plan would)."""
    if customer_id is None or kind in _UNRULED_KINDS or channel == Channel.WEBHOOK:
        return False
    current = settings_for(shop)
    return bool(current.enabled and current.daily_cap)


def plan(
    *,
    shop: Shop | None,
    customer: Customer | int | None,
    kind: str,
    channel: str,
    transactional: bool | None = None,
    now: datetime,
    sent: int | None = None,
) -> Plan:
    """What to do with a message about to be written, checked in this order: the shop's
    switch (all off, or this kind not on this channel) → suppressed; the buyer opted out
    and the message is not transactional (default: the kind is in NON_TRANSACTIONAL_KINDS)
    → suppressed; the buyer already got the shop's daily cap of messages on this channel
    today (local day) → suppressed; an SMS or a payment reminder in quiet hours → queued
    for the end of the quiet hours; else queued now. One-time codes, purchase orders and
    webhooks are never held nor capped. `sent`: the caller has just counted
    `sent_today(customer, channel, now)` (outbox.notify counts every channel in one query)."""
    if kind in _UNRULED_KINDS or channel == Channel.WEBHOOK:
        return Plan(MessageStatus.QUEUED, now)
    settings = settings_for(shop)
    if not settings.enabled:
        return Plan(MessageStatus.SUPPRESSED, now, REASON_SHOP_OFF)
    if channel not in channels_for(shop, kind, settings=settings):
        return Plan(MessageStatus.SUPPRESSED, now, REASON_CHANNEL_OFF)
    if transactional is None:
        transactional = kind not in NON_TRANSACTIONAL_KINDS
    if customer is not None:
        if not transactional and BuyerPreference.objects.filter(customer=customer, opt_out=True).exists():
            return Plan(MessageStatus.SUPPRESSED, now, REASON_OPTED_OUT)
        if settings.daily_cap:
            if sent is None:
                sent = sent_today(customer, channel, now)
            if sent >= settings.daily_cap:
                return Plan(MessageStatus.SUPPRESSED, now, REASON_DAILY_CAP)
    if channel in _HELD_CHANNELS or kind in _HELD_KINDS:
        until = _quiet_until(settings, now)
        if until is not None:
            return Plan(MessageStatus.QUEUED, until, REASON_QUIET_HOURS)
    return Plan(MessageStatus.QUEUED, now)


# --- changing the settings -----------------------------------------------------------------

EDITABLE = ("enabled", "channels", "quiet_start", "quiet_end", "holiday_quiet_end", "daily_cap")


def _time(value: Any) -> time | None:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _cleaned(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    clean: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for name, value in fields.items():
        if name not in EDITABLE:
            bad[name] = _("not a notification setting")
        elif name == "enabled":
            if not isinstance(value, bool):
                bad[name] = _("true or false")
            else:
                clean[name] = value
        elif name in ("quiet_start", "quiet_end", "holiday_quiet_end"):
            parsed = _time(value)
            if parsed is None:
                bad[name] = _("a time of day such as 21:00")
            else:
                clean[name] = parsed
        elif name == "daily_cap":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                bad[name] = _("a whole number from 0 (no cap) to 100")
            else:
                clean[name] = value
        elif name == "channels":
            if not isinstance(value, Mapping):
                bad[name] = _("the channels of each kind")
                continue
            chosen: dict[str, list[str]] = {}
            for kind, channels in value.items():
                if kind not in CONFIGURABLE_KINDS:
                    bad[f"channels.{kind}"] = _("one of %(values)s") % {"values": ", ".join(CONFIGURABLE_KINDS)}
                elif isinstance(channels, str) or not all(channel in BUYER_CHANNELS for channel in channels):
                    bad[f"channels.{kind}"] = _("channels among %(values)s") % {"values": ", ".join(BUYER_CHANNELS)}
                else:
                    chosen[kind] = [channel for channel in BUYER_CHANNELS if channel in set(channels)]
            clean[name] = chosen
    return clean, bad


def _snapshot(row: NotificationSettings) -> dict[str, Any]:
    return {name: getattr(row, name) for name in EDITABLE}


@transaction.atomic
@refcache.forgets
def update_settings(
    *, shop: Shop, fields: Mapping[str, Any], actor: User | None, at: datetime | None = None
) -> NotificationSettings:
    """Change the shop's sending rules (notifications.manage): the switch, the channels per
    kind (the kinds given replace theirs, the others keep theirs), quiet hours, the holiday
    morning, the daily cap (0: none). Each bad field is named (ValidationFailed, nothing
    written); the change is audited with each field's before and after."""
    require(actor, "notifications.manage")
    require_visible_shop(actor, shop)
    clean, bad = _cleaned(fields)
    if bad:
        raise ValidationFailed(bad)
    row = NotificationSettings.objects.select_for_update().filter(shop=shop).first()
    if row is None:
        row = NotificationSettings.objects.create(shop=shop)
    before = _snapshot(row)
    if "channels" in clean:
        clean["channels"] = {**row.channels, **clean["channels"]}
    for name, value in clean.items():
        setattr(row, name, value)
    changes = changes_of(before, _snapshot(row))
    if not changes:
        return row
    row.save(update_fields=sorted(clean))
    settings_changed(shop, SETTINGS_SAVED, changes=changes, actor=actor, at=at or timezone.now())
    return row
