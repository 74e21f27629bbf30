"""Order actions from a conversation (service.order_actions) and orders.actions.extend_receipt:
each through the order's own action and permission, written on the order's timeline and
the conversation's; a refusal anywhere writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case
from sellerdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.changes import NewAddress
from sellerdesk.orders.models import Order, OrderEvent
from sellerdesk.orders.timeline import describe_event
from sellerdesk.reminders.actions import AlreadyReminded
from sellerdesk.reminders.models import PaymentReminder
from sellerdesk.service import order_actions as desk
from sellerdesk.service.models import AgentProfile, Conversation, ConversationEvent
from sellerdesk.shops.models import Shop
from tests.aftersales.builders import delivered_order, paid_order, shipped_order
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
from tests.factories import make_sku, make_user, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db: Any) -> Any:
    make_sku("TEE-RED-L", price="59.00", stock=50)
    return make_sku("TEE", price="59.00", stock=50)


def conversation_of(order: Order, **fields: Any) -> Conversation:
    now = timezone.now()
    defaults: dict[str, Any] = {
        "shop_id": order.shop_id,
        "customer_id": order.customer_id,
        "order": order,
        "channel": "web",
        "created_at": now,
        "last_message_at": now,
    }
    defaults.update(fields)
    return Conversation.objects.create(**defaults)


def codes(conversation: Conversation) -> list[str]:
    return list(ConversationEvent.objects.filter(conversation=conversation).values_list("code", flat=True))


def written(order: Order, conversation: Conversation) -> tuple[Any, ...]:
    fresh = Order.objects.get(pk=order.pk)
    return (
        OrderEvent.objects.filter(order=order).count(),
        ConversationEvent.objects.filter(conversation=conversation).count(),
        fresh.status,
        fresh.auto_confirm_at,
        fresh.address_text,
        list(fresh.lines.values_list("sku_code", flat=True)),
        Case.objects.count(),
        PaymentReminder.objects.count(),
    )


# --- orders.actions.extend_receipt ----------------------------------------------------------------


def test_extend_receipt_moves_the_automatic_confirmation_and_writes_the_order_timeline(tee: Any, agent: Any) -> None:
    order = shipped_order(("TEE", 1))
    before = order.auto_confirm_at
    assert before is not None

    extended = order_actions.extend_receipt(order=order, actor=agent, days=3, reason="物流延误")

    assert extended.auto_confirm_at == before + timedelta(days=3)
    assert Order.objects.get(pk=order.pk).auto_confirm_at == before + timedelta(days=3)
    event = OrderEvent.objects.get(order=order, type="auto_confirm_extended")
    assert (event.actor, event.data["days"], event.data["reason"]) == (agent, 3, "物流延误")
    with translation.override("en"):
        assert describe_event(event).startswith("Receipt confirmation extended by 3 day(s) to ")


@pytest.mark.parametrize("days", [0, -1, 31, True])
def test_extend_receipt_refuses_a_bad_number_of_days_and_changes_nothing(tee: Any, agent: Any, days: Any) -> None:
    order = shipped_order(("TEE", 1))
    before = (Order.objects.get(pk=order.pk).auto_confirm_at, OrderEvent.objects.count())

    with pytest.raises(ValidationFailed) as refused:
        order_actions.extend_receipt(order=order, actor=agent, days=days, reason="x")

    assert list(refused.value.fields) == ["days"]
    assert (Order.objects.get(pk=order.pk).auto_confirm_at, OrderEvent.objects.count()) == before


def test_extend_receipt_refuses_an_order_not_awaiting_receipt(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    count = OrderEvent.objects.count()

    with pytest.raises(InvalidTransition):
        order_actions.extend_receipt(order=order, actor=agent, days=3, reason="x")

    assert OrderEvent.objects.count() == count


def test_extend_receipt_needs_the_confirm_receipt_permission(tee: Any) -> None:
    order = shipped_order(("TEE", 1))
    picker = make_user("picker2", "warehouse")

    with pytest.raises(PermissionDenied):
        order_actions.extend_receipt(order=order, actor=picker, days=3, reason="x")


# --- from a conversation ------------------------------------------------------------------------


def test_cancel_unpaid_cancels_and_writes_both_timelines(tee: Any, agent: Any) -> None:
    order = place(("TEE", 1))
    conversation = conversation_of(order)

    cancelled = desk.cancel_unpaid(conversation=conversation, order=order, actor=agent, reason="买家拍错了")

    assert cancelled.status == "closed"
    assert OrderEvent.objects.filter(order=order, type="closed", actor=agent).count() == 1
    assert codes(conversation) == [desk.ORDER_CANCELLED]
    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.actor, event.data["order"], event.data["reason"]) == (agent, order.number, "买家拍错了")
    with translation.override("en"):
        assert event.text == f"Order {order.number} cancelled: 买家拍错了"


def test_cancel_unpaid_refuses_a_paid_order_and_writes_nothing(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    conversation = conversation_of(order)
    before = written(order, conversation)

    with pytest.raises(InvalidTransition):
        desk.cancel_unpaid(conversation=conversation, order=order, actor=agent, reason="不要了")

    assert written(order, conversation) == before


def test_change_address_corrects_it_on_the_order_and_notes_it_on_the_conversation(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    conversation = conversation_of(order)

    desk.change_address(
        conversation=conversation,
        order=order,
        actor=agent,
        address=NewAddress("浙江省", "宁波市", "鄞州区", "天童南路 588 号"),
    )

    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.city, fresh.district, fresh.address_detail) == ("宁波市", "鄞州区", "天童南路 588 号")
    assert OrderEvent.objects.filter(order=order, type="address_corrected", actor=agent).count() == 1
    assert codes(conversation) == [desk.ORDER_ADDRESS_CHANGED]
    # The address itself stays on the order; the conversation keeps the fact.
    assert "宁波市" not in str(ConversationEvent.objects.get(conversation=conversation).data)


def test_a_bad_address_is_refused_with_its_fields_and_nothing_written(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    conversation = conversation_of(order)
    before = written(order, conversation)

    with pytest.raises(ValidationFailed):
        desk.change_address(conversation=conversation, order=order, actor=agent, address=NewAddress("", "", "", ""))

    assert written(order, conversation) == before


def test_change_item_swaps_the_size_in_the_hold_buffer(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    conversation = conversation_of(order)

    desk.change_item(conversation=conversation, order=order, actor=agent, line=1, sku="TEE-RED-L")

    assert list(Order.objects.get(pk=order.pk).lines.values_list("sku_code", flat=True)) == ["TEE-RED-L"]
    assert OrderEvent.objects.filter(order=order, type="lines_changed", actor=agent).count() == 1
    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.code, event.data["sku_before"], event.data["sku_after"]) == (
        desk.ORDER_ITEMS_CHANGED,
        "TEE",
        "TEE-RED-L",
    )


def test_change_item_refuses_an_unknown_line(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))
    conversation = conversation_of(order)
    before = written(order, conversation)

    with pytest.raises(ValidationFailed) as refused:
        desk.change_item(conversation=conversation, order=order, actor=agent, line=9, sku="TEE-RED-L")

    assert list(refused.value.fields) == ["line"]
    assert written(order, conversation) == before


def test_remind_to_pay_reminds_once_and_writes_both_timelines(tee: Any, agent: Any) -> None:
    order = place(("TEE", 1))
    conversation = conversation_of(order)

    reminder = desk.remind_to_pay(conversation=conversation, order=order, actor=agent, channel="phone")

    assert (reminder.order_id, reminder.channel, reminder.agent) == (order.pk, "phone", agent)
    assert OrderEvent.objects.filter(order=order, type="payment_reminded").count() == 1
    assert codes(conversation) == [desk.ORDER_PAYMENT_REMINDED]
    before = written(order, conversation)
    with pytest.raises(AlreadyReminded):
        desk.remind_to_pay(conversation=conversation, order=order, actor=agent, channel="phone")
    assert written(order, conversation) == before


def test_extend_receipt_from_the_conversation(tee: Any, agent: Any) -> None:
    order = shipped_order(("TEE", 1))
    conversation = conversation_of(order)
    before = Order.objects.get(pk=order.pk).auto_confirm_at
    assert before is not None

    desk.extend_receipt(conversation=conversation, order=order, actor=agent, days=5, reason="包裹延误")

    assert Order.objects.get(pk=order.pk).auto_confirm_at == before + timedelta(days=5)
    assert OrderEvent.objects.filter(order=order, type="auto_confirm_extended").count() == 1
    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.code, event.data["days"]) == (desk.ORDER_RECEIPT_EXTENDED, 5)
    with translation.override("en"):
        assert event.text == f"Receipt confirmation of order {order.number} extended by 5 day(s)"


def test_extend_receipt_from_the_conversation_needs_a_reason(tee: Any, agent: Any) -> None:
    order = shipped_order(("TEE", 1))
    conversation = conversation_of(order)
    before = written(order, conversation)

    with pytest.raises(ValidationFailed) as refused:
        desk.extend_receipt(conversation=conversation, order=order, actor=agent, days=5, reason=" ")

    assert list(refused.value.fields) == ["reason"]
    assert written(order, conversation) == before


def test_open_case_opens_it_and_notes_it_on_the_order_and_the_conversation(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    conversation = conversation_of(order)
    line = order.lines.get(position=1).pk

    case = desk.open_case(
        conversation=conversation,
        order=order,
        actor=agent,
        type="return_refund",
        reason="quality",
        lines=[LineRequest(line, 1)],
        description="线头多",
    )

    assert (case.order_id, case.type, case.source) == (order.pk, "return_refund", "agent")
    order_event = OrderEvent.objects.get(order=order, type="note_added")
    assert order_event.data["case"] == case.number
    with translation.override("en"):
        assert describe_event(order_event) == (
            f"After-sales case {case.number} (Return and refund (退货退款)) opened from service conversation"
            f" #{conversation.pk}"
        )
    event = ConversationEvent.objects.get(conversation=conversation)
    assert (event.code, event.data["case"], event.data["order"]) == (desk.ORDER_CASE_OPENED, case.number, order.number)


def test_open_case_refused_by_after_sales_writes_nothing(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 1))  # not shipped: a return cannot start yet
    conversation = conversation_of(order)
    before = written(order, conversation)

    with pytest.raises(ValidationFailed):
        desk.open_case(
            conversation=conversation,
            order=order,
            actor=agent,
            type="return_refund",
            reason="quality",
            lines=[LineRequest(order.lines.get().pk, 1)],
        )

    assert written(order, conversation) == before


def test_add_order_note(tee: Any, agent: Any) -> None:
    order = place(("TEE", 1))
    conversation = conversation_of(order)

    note = desk.add_order_note(conversation=conversation, order=order, actor=agent, text="买家要求周末送")

    assert (note.order_id, note.text) == (order.pk, "买家要求周末送")
    assert OrderEvent.objects.filter(order=order, type="note_added").count() == 1
    assert codes(conversation) == [desk.ORDER_NOTE_ADDED]


def test_another_buyers_order_is_refused(tee: Any, agent: Any) -> None:
    mine = place(("TEE", 1))
    theirs = place(("TEE", 1), buyer=order_actions.Buyer("李四", "13900139000", "lisi"))
    conversation = conversation_of(mine)
    before = written(theirs, conversation)

    with pytest.raises(ValidationFailed) as refused:
        desk.add_order_note(conversation=conversation, order=theirs, actor=agent, text="x")

    assert list(refused.value.fields) == ["order"]
    assert written(theirs, conversation) == before


def test_an_agent_of_another_shop_is_refused(tee: Any, agent: Any) -> None:
    order = place(("TEE", 1))
    conversation = conversation_of(order)
    other = Shop.objects.create(code="other", name="别的店")
    AgentProfile.objects.create(user=agent).shops.add(other)
    before = written(order, conversation)

    with pytest.raises(PermissionDenied):
        desk.cancel_unpaid(conversation=conversation, order=order, actor=agent, reason="x")

    assert written(order, conversation) == before


def test_a_warehouse_user_may_not_act_from_a_conversation(tee: Any, warehouse_user: Any) -> None:
    order = place(("TEE", 1))
    conversation = conversation_of(order)

    with pytest.raises(PermissionDenied):
        desk.add_order_note(conversation=conversation, order=order, actor=warehouse_user, text="x")
