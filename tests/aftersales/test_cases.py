"""Opening, approving, refusing and withdrawing after-sales cases (aftersales.actions)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from sellerdesk.aftersales import actions
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.aftersales.models import Case, CaseEvent, CaseLine, CaseStatus, CaseType
from sellerdesk.aftersales.policies import policy_for, update_policy
from sellerdesk.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.core.models import AuditEvent
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order, paid_order, shipped_order
from tests.factories import make_sku, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE", price="59.00", stock=50)


def line_of(order: Order, position: int = 1) -> int:
    return order.lines.get(position=position).pk


def nothing_written() -> None:
    assert Case.objects.count() == 0
    assert CaseLine.objects.count() == 0
    assert CaseEvent.objects.count() == 0
    assert OutgoingMessage.objects.filter(kind="aftersales").count() == 0


def test_a_return_opens_with_its_lines_due_within_the_response_hours(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    now = timezone.now()

    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent, at=now
    )

    assert case.status == CaseStatus.REQUESTED
    assert case.number.startswith("AS")
    assert case.requested_amount == Decimal("59.00")
    assert case.due_at == now + timedelta(hours=48)
    line = case.lines.get()
    assert (line.quantity, line.reason, line.refund_amount) == (1, "quality", Decimal("59.00"))
    assert [event.code for event in case.events.all()] == ["case_opened"]
    message = OutgoingMessage.objects.get(kind="aftersales", channel="in_site")
    assert message.status == "queued" and case.number in message.text
    # and on the shop's other channels for after-sales news (SMS by default)
    assert list(
        OutgoingMessage.objects.filter(kind="aftersales").order_by("channel").values_list("channel", flat=True)
    ) == [
        "in_site",
        "sms",
    ]


def test_more_units_than_went_out_less_other_live_cases_is_refused(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
    )

    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(
            order=order, type="exchange", reason="wrong_size", lines=[LineRequest(line_of(order), 2)], actor=agent
        )

    assert list(refused.value.fields) == ["lines[0].quantity"]
    assert Case.objects.count() == 1


def test_a_rejected_or_canceled_case_frees_its_units(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    first = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 2)], actor=agent
    )
    actions.reject_case(case=first, actor=agent, reason="照片看不出问题")
    second = actions.open_case(
        order=order, type="exchange", reason="wrong_size", lines=[LineRequest(line_of(order), 2)], actor=agent
    )
    actions.cancel_case(case=second, actor=None, by_buyer=True)
    actions.close_case(case=first, actor=agent)

    rows = actions.refundable_lines(order)

    assert [(r.shipped, r.in_live_cases, r.askable) for r in rows] == [(2, 0, 2)]


def test_a_line_of_another_order_is_refused_and_nothing_is_written(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    other = delivered_order(("TEE", 1))

    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        actions.open_case(
            order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(other), 1)], actor=agent
        )

    assert refused.value.fields == {"lines[0].order_line_id": f"not a line of order {order.number}"}
    nothing_written()


def test_past_the_window_is_refused_naming_the_type(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1), delivered_at=timezone.now() - timedelta(days=16))

    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(
            order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
        )

    assert list(refused.value.fields) == ["type"]
    nothing_written()


def test_no_reason_only_within_the_no_reason_days_from_delivery(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1), delivered_at=timezone.now() - timedelta(days=8))

    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(
            order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line_of(order), 1)], actor=agent
        )

    assert list(refused.value.fields) == ["reason"]
    fresh = delivered_order(("TEE", 1), delivered_at=timezone.now() - timedelta(days=6))
    case = actions.open_case(
        order=fresh, type="return_refund", reason="no_reason", lines=[LineRequest(line_of(fresh), 1)], actor=agent
    )
    assert case.reason == "no_reason"


def test_refund_before_shipping_only_for_a_paid_order_not_shipped(tee: Any, agent: Any) -> None:
    shipped = shipped_order(("TEE", 1))
    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(
            order=shipped,
            type="refund_before_shipping",
            reason="no_longer_wanted",
            lines=[LineRequest(line_of(shipped), 1)],
            actor=agent,
        )
    assert list(refused.value.fields) == ["type"]

    paid = paid_order(("TEE", 2))
    case = actions.open_case(
        order=paid,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(paid), 2)],
        actor=agent,
    )
    assert case.requested_amount == Decimal("118.00")

    with pytest.raises(ValidationFailed) as goods_before_shipping, translation.override("en"):
        actions.open_case(
            order=paid, type="return_refund", reason="quality", lines=[LineRequest(line_of(paid), 1)], actor=agent
        )
    assert goods_before_shipping.value.fields["type"].startswith("the order has not shipped yet")


def test_a_refund_asked_above_what_was_paid_is_refused(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))

    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(
            order=order,
            type="refund_only",
            reason="quality",
            lines=[LineRequest(line_of(order), 1)],
            requested_amount=order.paid_amount + Decimal("0.01"),
            actor=agent,
        )

    assert list(refused.value.fields) == ["requested_amount"]
    nothing_written()


def test_lines_are_required_except_for_a_complaint(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    with pytest.raises(ValidationFailed) as refused:
        actions.open_case(order=order, type="exchange", reason="wrong_size", lines=[], actor=agent)
    assert list(refused.value.fields) == ["lines"]

    complaint = actions.open_case(order=order, type="complaint", reason="service", lines=[], actor=agent)
    assert complaint.type == CaseType.COMPLAINT and complaint.lines.count() == 0


def test_approving_a_return_waits_for_the_parcel_with_the_policys_payer(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    case = actions.open_case(
        order=order, type="return_refund", reason="no_reason", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    now = timezone.now()

    case = actions.approve_case(case=case, actor=agent, at=now)

    assert case.status == CaseStatus.AWAITING_RETURN
    assert case.approved_amount == Decimal("59.00")
    assert case.return_shipping_payer == "buyer"
    assert case.due_at == now + timedelta(days=10)
    assert [(e.status_before, e.status_after) for e in case.events.exclude(status_before="")] == [
        ("requested", "approved"),
        ("approved", "awaiting_return"),
    ]


def test_an_amount_above_the_agent_limit_needs_a_supervisor(tee: Any, agent: Any, owner: Any) -> None:
    make_sku("COAT", price="300.00", stock=5)
    order = delivered_order(("COAT", 1))
    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
    )

    with pytest.raises(PermissionDenied):
        actions.approve_case(case=case, actor=agent)

    case.refresh_from_db()
    assert case.status == CaseStatus.REQUESTED
    assert case.events.count() == 1
    supervisor = make_user("boss", "supervisor")
    assert actions.approve_case(case=case, actor=supervisor, note="同意").status == CaseStatus.AWAITING_RETURN


def test_a_case_moves_only_through_its_table(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    actions.reject_case(case=case, actor=agent, reason="不符合")

    with pytest.raises(InvalidTransition):
        actions.approve_case(case=case, actor=agent)
    with pytest.raises(ValidationFailed):
        actions.reject_case(case=case, actor=agent, reason=" ")


def test_bulk_approve_does_each_case_alone(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 2))
    first = actions.open_case(
        order=order, type="exchange", reason="wrong_size", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    second = actions.open_case(
        order=order, type="exchange", reason="wrong_size", lines=[LineRequest(line_of(order), 1)], actor=agent
    )
    actions.reject_case(case=second, actor=agent, reason="重复申请")

    result = actions.bulk_approve(case_ids=[first.pk, second.pk, 999999], actor=agent)

    assert result.done == [first.number]
    assert set(result.refused) == {second.number, "999999"}
    first.refresh_from_db()
    assert first.status == CaseStatus.AWAITING_RETURN


def test_assign_note_and_message(tee: Any, agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE", 1))
    case = actions.open_case(order=order, type="complaint", reason="service", lines=[], actor=agent)

    with pytest.raises(ValidationFailed) as refused:
        actions.assign_case(case=case, assignee=warehouse_user, actor=agent)
    assert list(refused.value.fields) == ["assignee"]
    actions.assign_case(case=case, assignee=agent, actor=agent)
    actions.add_note(case=case, actor=agent, text="买家情绪激动")
    actions.post_message(case=case, body="您好，我们正在处理。", actor=agent, from_buyer=False)
    actions.post_message(case=case, body="好的", actor=None, from_buyer=True)

    case.refresh_from_db()
    assert case.assignee == agent
    assert [(m.from_buyer, m.body) for m in case.messages.all()] == [(False, "您好，我们正在处理。"), (True, "好的")]
    # opened, the shop's message: each in the portal and by SMS
    assert OutgoingMessage.objects.filter(kind="aftersales", channel="in_site").count() == 2
    assert OutgoingMessage.objects.filter(kind="aftersales").count() == 4
    assert not case.events.get(code="case_note").buyer_visible


def test_the_policy_is_the_shops_row_over_the_settings_and_its_changes_are_audited(owner: Any, agent: Any) -> None:
    from sellerdesk.shops.models import default_shop

    shop = default_shop()
    assert policy_for(shop).window_for("return_refund") == 15

    with pytest.raises(PermissionDenied):
        update_policy(shop=shop, fields={"no_reason_days": 15}, actor=agent)
    with pytest.raises(ValidationFailed) as refused:
        update_policy(shop=shop, fields={"no_reason_days": -1, "window_days": {"nope": 3}}, actor=owner)
    assert set(refused.value.fields) == {"no_reason_days", "window_days.nope"}

    update_policy(shop=shop, fields={"no_reason_days": 15, "window_days": {"exchange": 30}}, actor=owner)

    policy = policy_for(shop)
    assert policy.no_reason_days == 15
    assert policy.window_for("exchange") == 30
    assert policy.window_for("return_refund") == 15
    event = AuditEvent.objects.get(code="aftersales_policy_saved")
    assert event.data["changes"]["no_reason_days"] == [7, 15]


def test_a_complaints_lines_ask_no_units_back(tee: Any, agent: Any) -> None:
    order = delivered_order(("TEE", 1))
    actions.open_case(
        order=order, type="complaint", reason="service", lines=[LineRequest(line_of(order), 1)], actor=agent
    )

    case = actions.open_case(
        order=order, type="return_refund", reason="quality", lines=[LineRequest(line_of(order), 1)], actor=agent
    )

    assert case.lines.get().quantity == 1
    with pytest.raises(ValidationFailed):
        actions.open_case(
            order=order, type="complaint", reason="service", lines=[LineRequest(line_of(order), 2)], actor=agent
        )


def test_a_partial_refund_before_shipping_leaves_the_rest_of_the_line_askable(tee: Any, agent: Any) -> None:
    order = paid_order(("TEE", 3))
    case = actions.open_case(
        order=order,
        type="refund_before_shipping",
        reason="no_longer_wanted",
        lines=[LineRequest(line_of(order), 1)],
        actor=agent,
    )

    actions.approve_case(case=case, actor=agent)

    order.refresh_from_db()
    rows = actions.refundable_lines(order)
    assert [(r.ordered, r.in_live_cases, r.askable) for r in rows] == [(2, 0, 2)]
