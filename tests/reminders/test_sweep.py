"""Payment reminders (催付, seed 002): the sweep reminds each unpaid order once, at the
shop's good hours (11–12 and 16–17 by default), never at night, never after payment or
closing, not for buyers on the do-not-remind list or who opted out, and caps COD buyers
with no reputation; by hand, once per order; the note on the order in both languages;
the order list's badge."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer
from sellerdesk.notifications.models import BuyerPreference, OutgoingMessage
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.timeline import timeline_entry
from sellerdesk.reminders import actions
from sellerdesk.reminders.models import (
    DoNotRemind,
    PaymentReminder,
    ReminderSettings,
    ReminderStatus,
    UnpaidReason,
)
from sellerdesk.reminders.queries import phone_queue, reminder_badges
from sellerdesk.reminders.tasks import remind_unpaid_orders
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (default_shop: autouse)
from tests.factories import make_sku, make_user, place
from tests.support.clock import TEST_NOW

# TEST_NOW is 10:00 in Shanghai; the day moves with the suite's clock.
DAY = TEST_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
PLACED = DAY.replace(hour=8)  # placed in the morning, unpaid since


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100, attributes={"颜色": "玫红", "尺码": "XS"})


def unpaid(**fields: Any) -> Order:
    fields.setdefault("placed_at", PLACED)
    return place(("TEE-RED-M", 1), **fields)


def main_shop() -> Shop:
    return Shop.objects.get(code="main")


def reminded_ids() -> list[int]:
    return sorted(PaymentReminder.objects.values_list("order_id", flat=True))


# --- when ----------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", [at(11), at(11, 59), at(16), at(16, 30)], ids=["11:00", "11:59", "16:00", "16:30"])
def test_the_sweep_reminds_in_the_windows(tee: Sku, moment: datetime) -> None:
    order = unpaid()

    assert remind_unpaid_orders(moment) == 1

    reminder = PaymentReminder.objects.get(order=order)
    assert (reminder.channel, reminder.status, reminder.reminded_at, reminder.agent) == ("sms", "done", moment, None)


@pytest.mark.parametrize(
    "moment",
    [at(10, 59), at(12), at(15, 59), at(17), at(23), at(3)],
    ids=["10:59", "12:00", "15:59", "17:00", "23:00", "03:00"],
)
def test_the_sweep_reminds_nobody_outside_the_windows(tee: Sku, moment: datetime) -> None:
    unpaid()

    assert remind_unpaid_orders(moment) == 0
    assert PaymentReminder.objects.count() == 0
    assert not OrderEvent.objects.filter(type="payment_reminded").exists()


def test_an_order_is_reminded_only_once_unpaid_long_enough(tee: Sku) -> None:
    fresh = unpaid(placed_at=at(10, 45))  # 15 minutes at 11:00; the shop waits 30

    assert remind_unpaid_orders(at(11)) == 0
    assert remind_unpaid_orders(at(11, 15)) == 1
    assert reminded_ids() == [fresh.pk]


def test_the_shops_own_windows_and_switch(tee: Sku) -> None:
    unpaid()
    ReminderSettings.objects.create(shop=main_shop(), windows=[["09:00", "10:00"]])

    assert remind_unpaid_orders(at(11)) == 0
    ReminderSettings.objects.filter(shop=main_shop()).update(enabled=False)
    assert remind_unpaid_orders(at(9, 30)) == 0
    ReminderSettings.objects.filter(shop=main_shop()).update(enabled=True)
    assert remind_unpaid_orders(at(9, 30)) == 1


# --- never after payment or closing, never twice -------------------------------------------


def test_never_a_paid_or_closed_order(tee: Sku) -> None:
    paid = advance(unpaid(), "pending_review")
    closed = advance(unpaid(), "closed")
    cod = unpaid(payment_method="cod", source="cod")
    waiting = unpaid()

    assert remind_unpaid_orders(at(11)) == 1

    assert reminded_ids() == [waiting.pk]
    assert [paid.status, closed.status, cod.status] == ["pending_review", "closed", "pending_review"]


def test_never_twice(tee: Sku) -> None:
    order = unpaid()

    assert remind_unpaid_orders(at(11)) == 1
    assert remind_unpaid_orders(at(16)) == 0
    assert remind_unpaid_orders(at(11) + timedelta(days=1)) == 0

    assert reminded_ids() == [order.pk]
    assert OrderEvent.objects.filter(order=order, type="payment_reminded").count() == 1
    assert OutgoingMessage.objects.filter(order=order, kind="payment_reminder").count() == 1


def test_the_database_refuses_a_second_reminder(tee: Sku) -> None:
    order = unpaid()
    remind_unpaid_orders(at(11))

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentReminder.objects.create(order=order, shop=main_shop(), channel="sms", status="done", created_at=at(16))


def test_a_claim_of_an_order_reminded_meanwhile_is_a_no_op(tee: Sku) -> None:
    order = unpaid()
    candidates = actions.due_candidates(actions.settings_for(main_shop()), now=at(11))
    remind_unpaid_orders(at(11))  # another sweep got there first

    assert actions.remind_batch(actions.settings_for(main_shop()), candidates, now=at(11, 5)) == 0
    assert reminded_ids() == [order.pk]


def test_a_claim_of_an_order_paid_meanwhile_is_a_no_op(tee: Sku) -> None:
    order = unpaid()
    candidates = actions.due_candidates(actions.settings_for(main_shop()), now=at(11))
    advance(order, "pending_review")  # paid between the read and the claim

    assert actions.remind_batch(actions.settings_for(main_shop()), candidates, now=at(11)) == 0
    assert PaymentReminder.objects.count() == 0
    assert not OutgoingMessage.objects.filter(kind="payment_reminder").exists()


# --- who is not reminded -------------------------------------------------------------------


def test_not_a_buyer_on_the_do_not_remind_list(tee: Sku, agent: User) -> None:
    listed = unpaid()
    other = unpaid()
    actions.add_do_not_remind(customer=listed.customer, actor=agent, reason="asked us not to")

    assert remind_unpaid_orders(at(11)) == 1
    assert reminded_ids() == [other.pk]


def test_not_a_buyer_who_opted_out(tee: Sku) -> None:
    opted_out = unpaid()
    other = unpaid()
    BuyerPreference.objects.create(customer=opted_out.customer, opt_out=True)

    assert remind_unpaid_orders(at(11)) == 1
    assert reminded_ids() == [other.pk]


def test_cod_buyers_without_reputation_are_capped_per_day(tee: Sku) -> None:
    from sellerdesk.orders import actions as order_actions

    buyer = order_actions.Buyer("李四", "13900139000", "cod-buyer")
    unpaid(buyer=buyer, payment_method="cod", source="cod")  # a COD buyer, nothing bought yet
    first, second = unpaid(buyer=buyer), unpaid(buyer=buyer)
    customer = Customer.objects.get(pk=first.customer_id)
    assert customer.total_spent == 0

    assert remind_unpaid_orders(at(11)) == 1  # the shop's cap: 1 a day
    assert remind_unpaid_orders(at(16)) == 0
    assert reminded_ids() == [first.pk]
    assert remind_unpaid_orders(at(11) + timedelta(days=1)) == 1
    assert reminded_ids() == [first.pk, second.pk]


def test_a_buyer_who_has_bought_is_not_capped(tee: Sku) -> None:
    from sellerdesk.orders import actions as order_actions

    buyer = order_actions.Buyer("王五", "13700137000", "good-buyer")
    unpaid(buyer=buyer, payment_method="cod", source="cod")
    Customer.objects.filter(phone="13700137000").update(total_spent=500)
    first, second = unpaid(buyer=buyer), unpaid(buyer=buyer)

    assert remind_unpaid_orders(at(11)) == 2
    assert reminded_ids() == [first.pk, second.pk]


# --- how: the outbox, phone tasks --------------------------------------------------------


def test_the_sms_is_in_the_outbox_with_the_goods_total_and_pay_by(tee: Sku) -> None:
    order = unpaid()

    remind_unpaid_orders(at(11))

    message = OutgoingMessage.objects.get(order=order, kind="payment_reminder")
    reminder = PaymentReminder.objects.get(order=order)
    assert (message.channel, message.recipient, reminder.message_id) == ("sms", order.buyer_phone, message.pk)
    assert message.params["goods"] == "商品 TEE-RED-M（玫红 XS） × 1"
    assert message.params["total"] == "59.00"
    assert message.params["pay_by"] == timezone.localtime(order.pay_deadline).strftime("%Y-%m-%d %H:%M")


def test_a_phone_reminder_is_a_task_for_the_buyers_agent_or_the_least_loaded(tee: Sku) -> None:
    ReminderSettings.objects.create(shop=main_shop(), channel="phone")
    ahua = make_user("ahua", "agent", "阿华")
    xiao = make_user("xiaoli", "agent", "小李")
    mine = unpaid()
    Customer.objects.filter(pk=mine.customer_id).update(agent=xiao)
    others = [unpaid(), unpaid(), unpaid()]

    assert remind_unpaid_orders(at(11)) == 4

    assignees = dict(PaymentReminder.objects.values_list("order_id", "assignee__username"))
    assert assignees[mine.pk] == "xiaoli"
    assert sorted(assignees[order.pk] for order in others) == ["ahua", "ahua", "xiaoli"]
    assert set(PaymentReminder.objects.values_list("status", flat=True)) == {"pending"}
    assert not OutgoingMessage.objects.filter(kind="payment_reminder").exists()
    assert not OrderEvent.objects.filter(type="payment_reminded").exists()  # not until the call
    assert len(list(phone_queue(actor=xiao))) == 2
    assert len(list(phone_queue(actor=ahua, mine=False))) == 4

    reason = UnpaidReason.objects.get(code="insufficient_balance")
    task = PaymentReminder.objects.get(order=mine)
    actions.complete_phone_task(reminder=task, actor=xiao, at=at(11, 20), reason=reason, note="明天下午付款")

    task.refresh_from_db()
    assert (task.status, task.agent, task.reminded_at, task.reason, task.reason_note) == (
        "done",
        xiao,
        at(11, 20),
        reason,
        "明天下午付款",
    )
    assert OrderEvent.objects.filter(order=mine, type="payment_reminded", actor=xiao).count() == 1
    assert len(list(phone_queue(actor=xiao))) == 1


# --- by hand -----------------------------------------------------------------------------


def test_an_agent_reminds_by_hand_once(tee: Sku, agent: User) -> None:
    order = unpaid()

    reminder = actions.remind_order(order=order, channel="im", actor=agent, at=at(14))

    assert (reminder.channel, reminder.status, reminder.agent) == ("im", "done", agent)
    assert OutgoingMessage.objects.filter(order=order, kind="payment_reminder", channel="im").count() == 1
    with pytest.raises(actions.AlreadyReminded):
        actions.remind_order(order=order, channel="sms", actor=agent, at=at(14, 5))
    assert remind_unpaid_orders(at(16)) == 0
    assert PaymentReminder.objects.count() == 1


def test_by_hand_a_paid_order_or_a_bad_channel_is_refused_and_nothing_written(tee: Sku, agent: User) -> None:
    paid = advance(unpaid(), "pending_review")
    order = unpaid()

    with pytest.raises(actions.OrderNotRemindable):
        actions.remind_order(order=paid, channel="sms", actor=agent, at=at(14))
    with pytest.raises(ValidationFailed):
        actions.remind_order(order=order, channel="pigeon", actor=agent, at=at(14))

    assert PaymentReminder.objects.count() == 0
    assert not OutgoingMessage.objects.filter(kind="payment_reminder").exists()
    assert not OrderEvent.objects.filter(type="payment_reminded").exists()


# --- the note on the order, the list's badge ------------------------------------------------


def test_the_note_on_the_order_in_both_languages(tee: Sku, agent: User) -> None:
    order = unpaid()
    actions.remind_order(order=order, channel="sms", actor=agent, at=DAY.replace(month=12, day=4, hour=11))

    event = OrderEvent.objects.get(order=order, type="payment_reminded")
    with translation.override("zh-hans"):
        assert timeline_entry(event).text == "12.04 阿华 已催付 (短信)"
    with translation.override("en"):
        assert timeline_entry(event).text == "Reminded to pay on 12.04 by 阿华 (SMS)"


def test_the_list_shows_the_badge_in_one_query(tee: Sku, agent: User, client: Any) -> None:
    orders = [unpaid() for _ in range(3)]
    actions.remind_order(order=orders[0], channel="sms", actor=agent, at=at(11))
    actions.remind_order(order=orders[1], channel="phone", actor=agent, at=at(11))

    with CaptureQueriesContext(connection) as queries:
        badges = reminder_badges([order.pk for order in orders])

    assert len(queries) == 1
    assert set(badges) == {orders[0].pk, orders[1].pk}
    client.force_login(agent)
    with translation.override("en"):
        page = client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("Reminded to pay on") == 2


def test_the_list_query_count_does_not_grow_with_reminders(tee: Sku, agent: User, client: Any) -> None:
    client.force_login(agent)
    for _ in range(2):
        actions.remind_order(order=unpaid(), channel="sms", actor=agent, at=at(11))
    with CaptureQueriesContext(connection) as few:
        client.get("/orders/")
    for _ in range(5):
        actions.remind_order(order=unpaid(), channel="sms", actor=agent, at=at(11))
    with CaptureQueriesContext(connection) as many:
        client.get("/orders/")

    assert len(many) == len(few)


# --- recovery, reasons, do-not-remind --------------------------------------------------------


def test_payment_after_the_reminder_is_recorded(tee: Sku) -> None:
    order = unpaid()
    remind_unpaid_orders(at(11))

    advance(order, "pending_review")

    reminder = PaymentReminder.objects.get(order=order)
    assert reminder.paid_at is not None
    assert reminder.status == ReminderStatus.DONE


def test_reasons_are_the_seeds_list_as_data(db: Any) -> None:
    codes = list(UnpaidReason.objects.values_list("code", flat=True))
    assert codes[:4] == ["still_comparing", "price_too_high", "shipping_cost", "insufficient_balance"]
    assert {"forgot", "changed_mind", "payment_tool_trouble", "other"} <= set(codes)
    assert UnpaidReason.objects.get(code="price_too_high").name_zh == "价格太贵,再考虑一下"


def test_record_a_reason_or_free_text_but_not_nothing(tee: Sku, agent: User) -> None:
    order = unpaid()
    reminder = actions.remind_order(order=order, channel="sms", actor=agent, at=at(11))

    with pytest.raises(ValidationFailed):
        actions.record_reason(reminder=reminder, actor=agent, reason=None, note="  ")
    actions.record_reason(reminder=reminder, actor=agent, reason=None, note="U盾不在身边")

    reminder.refresh_from_db()
    assert (reminder.reason, reminder.reason_note) == (None, "U盾不在身边")


def test_settings_refuse_a_night_window(db: Any, owner: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        actions.update_settings(
            shop=main_shop(),
            actor=owner,
            enabled=True,
            windows=[["11:00", "12:00"], ["22:00", "23:00"]],
            channel="sms",
            min_unpaid_minutes=30,
            cod_zero_reputation_daily_cap=1,
        )
    assert set(refused.value.details["fields"]) == {"windows.1"}
    assert not ReminderSettings.objects.exists()


def test_do_not_remind_by_hand_too(tee: Sku, agent: User) -> None:
    order = unpaid()
    actions.add_do_not_remind(customer=order.customer, actor=agent)

    with pytest.raises(actions.BuyerNotToRemind):
        actions.remind_order(order=order, channel="sms", actor=agent, at=at(11))
    assert DoNotRemind.objects.count() == 1
    assert actions.remove_do_not_remind(customer=order.customer, actor=agent) is True


def test_by_hand_an_opted_out_buyer_is_refused(tee: Sku, agent: User) -> None:
    order = unpaid()
    BuyerPreference.objects.create(customer=order.customer, opt_out=True)

    with pytest.raises(actions.BuyerOptedOut):
        actions.remind_order(order=order, channel="sms", actor=agent, at=at(11))
    assert PaymentReminder.objects.count() == 0
    assert not OutgoingMessage.objects.filter(kind="payment_reminder").exists()


def test_a_shop_with_broken_windows_waits_and_the_others_are_reminded(tee: Sku) -> None:
    other = Shop.objects.create(code="second", name="二店")
    ReminderSettings.objects.create(shop=main_shop(), windows=[["23:00", "02:00"]])  # saved around the checks
    order = unpaid()
    Order.objects.filter(pk=order.pk).update(shop=other)
    unpaid()

    assert remind_unpaid_orders(at(11)) == 1
    assert reminded_ids() == [order.pk]


def test_a_reminder_by_hand_at_night_waits_for_the_morning_in_the_outbox(tee: Sku, agent: User) -> None:
    order = unpaid()

    actions.remind_order(order=order, channel="sms", actor=agent, at=at(23))

    message = OutgoingMessage.objects.get(order=order, kind="payment_reminder")
    morning = timezone.localtime(message.next_attempt_at)
    assert message.status == "queued"
    assert morning.date() == (at(23) + timedelta(days=1)).date()
    assert 8 <= morning.hour <= 10  # the shop's quiet hours end (later on a public holiday)
