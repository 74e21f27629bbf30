"""Sending rules: quiet hours across midnight and on holiday mornings, the daily cap, the
buyer's opt-out, the shop's switches. Fixed dates, never today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import AuditEvent
from sellerdesk.customers.models import Customer
from sellerdesk.notifications import rules
from sellerdesk.notifications.models import BuyerPreference, NotificationSettings, OutgoingMessage
from sellerdesk.shops.models import Shop
from tests.factories import make_user
from tests.support.clock import TEST_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def shop(db: Any) -> Shop:
    return Shop.objects.get(is_default=True)


@pytest.fixture
def buyer(shop: Shop) -> Customer:
    return Customer.objects.create(shop=shop, identity="tel:13800138000", name="张三", phone="13800138000")


def test_the_defaults_when_the_shop_saved_none(shop: Shop) -> None:
    current = rules.settings_for(shop)
    assert current.pk is None
    assert (current.enabled, current.quiet_start, current.quiet_end, current.daily_cap) == (
        True,
        time(21, 0),
        time(8, 0),
        5,
    )


@pytest.mark.parametrize(
    ("moment", "quiet", "morning"),
    [
        # A working Thursday and Friday in December 2026.
        (at(2026, 12, 3, 20, 59), False, at(2026, 12, 3, 20, 59)),
        (at(2026, 12, 3, 21, 0), True, at(2026, 12, 4, 8, 0)),
        (at(2026, 12, 3, 23, 30), True, at(2026, 12, 4, 8, 0)),
        (at(2026, 12, 4, 0, 10), True, at(2026, 12, 4, 8, 0)),
        (at(2026, 12, 4, 7, 59), True, at(2026, 12, 4, 8, 0)),
        (at(2026, 12, 4, 8, 0), False, at(2026, 12, 4, 8, 0)),
        # The night before National Day: the holiday morning starts at 10:00.
        (at(2026, 9, 30, 22, 0), True, at(2026, 10, 1, 10, 0)),
        (at(2026, 10, 1, 9, 0), True, at(2026, 10, 1, 10, 0)),
        (at(2026, 10, 1, 10, 0), False, at(2026, 10, 1, 10, 0)),
        # The last night of the break: back to 08:00 on the working day after.
        (at(2026, 10, 7, 23, 0), True, at(2026, 10, 8, 8, 0)),
        # A working Saturday (调休上班) is no holiday.
        (at(2026, 10, 10, 9, 0), False, at(2026, 10, 10, 9, 0)),
        # Spring Festival 2026.
        (at(2026, 2, 17, 8, 30), True, at(2026, 2, 17, 10, 0)),
    ],
)
def test_quiet_hours_across_midnight_and_on_holidays(
    shop: Shop, moment: datetime, quiet: bool, morning: datetime
) -> None:
    assert rules.is_quiet(shop, moment) is quiet
    assert rules.next_morning(shop, moment) == morning


def test_holidays_from_the_table() -> None:
    assert rules.is_holiday(date(2026, 10, 1))
    assert rules.is_holiday(date(2025, 1, 29))
    assert not rules.is_holiday(date(2026, 2, 14))  # a working Saturday before the Spring Festival
    assert not rules.is_holiday(date(2026, 12, 4))
    # A year beyond the table: National Day all the same (the package, or the fixed dates).
    assert rules.is_holiday(date(2027, 10, 1))


def test_quiet_hours_inside_one_day(shop: Shop) -> None:
    NotificationSettings.objects.create(shop=shop, quiet_start=time(12, 0), quiet_end=time(14, 0))
    assert rules.is_quiet(shop, at(2026, 12, 3, 13, 0))
    assert rules.next_morning(shop, at(2026, 12, 3, 13, 0)) == at(2026, 12, 3, 14, 0)
    assert not rules.is_quiet(shop, at(2026, 12, 3, 23, 0))


def test_sms_at_night_waits_for_the_morning_and_email_does_not(shop: Shop, buyer: Customer) -> None:
    night = at(2026, 12, 3, 23, 0)
    sms = rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="sms", now=night)
    email = rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="email", now=night)
    reminder = rules.plan(shop=shop, customer=buyer, kind="payment_reminder", channel="im", now=night)

    assert sms == rules.Plan("queued", at(2026, 12, 4, 8, 0), rules.REASON_QUIET_HOURS)
    assert email == rules.Plan("queued", night)
    assert reminder == rules.Plan("queued", at(2026, 12, 4, 8, 0), rules.REASON_QUIET_HOURS)


def test_a_one_time_code_is_never_held(shop: Shop, buyer: Customer) -> None:
    NotificationSettings.objects.create(shop=shop, enabled=False, daily_cap=1)
    night = at(2026, 10, 1, 3, 0)
    assert rules.plan(shop=shop, customer=buyer, kind="one_time_code", channel="sms", now=night) == rules.Plan(
        "queued", night
    )


def _sent(buyer: Customer, moment: datetime, status: str = "sent", channel: str = "sms") -> None:
    OutgoingMessage.objects.create(
        customer=buyer, channel=channel, recipient=buyer.phone, kind="paid", text="x", status=status, created_at=moment
    )


def test_the_daily_cap_counts_todays_messages_on_the_channel(shop: Shop, buyer: Customer) -> None:
    NotificationSettings.objects.create(shop=shop, daily_cap=2)
    noon = at(2026, 12, 4, 12, 0)
    _sent(buyer, at(2026, 12, 3, 23, 59))  # yesterday, local time
    _sent(buyer, at(2026, 12, 4, 9, 0))
    _sent(buyer, at(2026, 12, 4, 9, 5), status="suppressed")  # stopped by a rule: not counted
    _sent(buyer, at(2026, 12, 4, 9, 10), channel="email")  # another channel
    assert rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="sms", now=noon).status == "queued"

    _sent(buyer, at(2026, 12, 4, 0, 1), status="queued")
    capped = rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="sms", now=noon)
    assert capped == rules.Plan("suppressed", noon, rules.REASON_DAILY_CAP)
    # The next local day starts afresh.
    assert rules.plan(shop=shop, customer=buyer, kind="delivered", channel="sms", now=at(2026, 12, 5, 9, 0)).status == (
        "queued"
    )


def test_an_opted_out_buyer_gets_no_reminder_but_order_news(shop: Shop, buyer: Customer) -> None:
    BuyerPreference.objects.create(customer=buyer, opt_out=True)
    noon = at(2026, 12, 4, 12, 0)
    assert rules.plan(shop=shop, customer=buyer, kind="payment_reminder", channel="sms", now=noon) == rules.Plan(
        "suppressed", noon, rules.REASON_OPTED_OUT
    )
    assert rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="sms", now=noon).status == "queued"
    # A caller may mark any message non-transactional.
    assert (
        rules.plan(shop=shop, customer=buyer, kind="paid", channel="email", transactional=False, now=noon).reason
        == rules.REASON_OPTED_OUT
    )


def test_the_shops_switches(shop: Shop, buyer: Customer) -> None:
    noon = at(2026, 12, 4, 12, 0)
    settings = NotificationSettings.objects.create(shop=shop, channels={"parcel_shipped": ["email"]})
    assert rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="sms", now=noon).reason == (
        rules.REASON_CHANNEL_OFF
    )
    assert rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="email", now=noon).status == "queued"
    assert rules.channels_for(shop, "parcel_shipped") == ["email"]
    assert rules.channels_for(shop, "delivered") == rules.DEFAULT_CHANNELS["delivered"]

    settings.enabled = False
    settings.save()
    assert rules.plan(shop=shop, customer=buyer, kind="parcel_shipped", channel="email", now=noon) == rules.Plan(
        "suppressed", noon, rules.REASON_SHOP_OFF
    )
    assert rules.channels_for(shop, "parcel_shipped") == []
    # A sign-in code still goes by SMS.
    assert rules.channels_for(shop, "one_time_code") == ["sms"]


def test_update_settings_is_checked_and_audited(shop: Shop) -> None:
    owner = make_user("owner1", "owner")
    with pytest.raises(ValidationFailed) as refused:
        rules.update_settings(
            shop=shop,
            fields={
                "quiet_start": "25:00",
                "daily_cap": -1,
                "channels": {"paid": ["fax"], "one_time_code": [], "delivered": ["webhook"]},
            },
            actor=owner,
        )
    assert set(refused.value.fields) == {
        "quiet_start",
        "daily_cap",
        "channels.paid",
        "channels.one_time_code",
        "channels.delivered",
    }
    assert not NotificationSettings.objects.exists()

    row = rules.update_settings(
        shop=shop,
        fields={"quiet_start": "22:00", "daily_cap": 3, "channels": {"paid": ["sms", "in_site"]}},
        actor=owner,
        at=at(2026, 12, 4, 12, 0),
    )
    assert (row.quiet_start, row.daily_cap, row.channels) == (time(22, 0), 3, {"paid": ["in_site", "sms"]})
    event = AuditEvent.objects.get(code=rules.SETTINGS_SAVED)
    assert event.data["changes"]["daily_cap"] == [5, 3]


def test_sent_today_tests_a_message_read_as_its_condition_selects_it(shop: Shop, buyer: Customer) -> None:
    """outbox.notify reads today's messages in the query that looks for its keys and counts
    them with SentToday.counts: on every row it agrees with the condition sent_today uses."""
    today = TEST_NOW.astimezone(SHANGHAI).date()
    noon = datetime.combine(today, time(12), tzinfo=SHANGHAI)
    someone_else = Customer.objects.create(shop=shop, identity="tel:13900139000", name="李四", phone="13900139000")
    moments = [noon - timedelta(hours=12, minutes=1), noon - timedelta(hours=12), noon, noon + timedelta(hours=12)]
    for customer in (buyer, someone_else):
        for moment in moments:
            for status in ("sent", "queued", "suppressed", "recorded"):
                for channel in ("sms", "email"):
                    _sent(customer, moment, status=status, channel=channel)
    sent_today = rules.SentToday(buyer.pk, ["sms", "in_site"], noon)

    selected = set(OutgoingMessage.objects.filter(sent_today.condition()).values_list("pk", flat=True))
    tested = {
        message.pk
        for message in OutgoingMessage.objects.all()
        if sent_today.counts(
            customer_id=message.customer_id,
            channel=message.channel,
            created_at=message.created_at,
            status=message.status,
        )
    }

    assert selected == tested
    # Today's SMS at midnight and at noon, sent or queued.
    assert len(selected) == 4
    assert rules.sent_today(buyer, "sms", noon) == 4
