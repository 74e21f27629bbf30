"""Complaints: the seed's five steps ticked in order, the complaint resolved into a
closed case and a follow-up call (回访) due the policy's days later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sellerdesk.aftersales import complaints
from sellerdesk.aftersales.models import AfterSalesPolicy, CaseEvent, CaseStatus, CaseType, FollowUp, Reason
from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.notifications.models import OutgoingMessage
from tests.aftersales.evidence_support import make_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint():
    return make_case(type=CaseType.COMPLAINT, reason=Reason.SERVICE, description="客服态度差")


def tick_all(case, actor):
    for step in complaints.CHECKLIST:
        case = complaints.tick_step(case=case, step=step, actor=actor)
    return case


def test_the_checklist_is_the_seeds_procedure():
    assert complaints.CHECKLIST == ("calm", "listen", "empathise", "apologise", "solve")
    assert set(complaints.STEP_LABELS) == set(complaints.CHECKLIST) == set(complaints.STEP_HINTS)


def test_steps_are_ticked_in_order_once(agent, complaint):
    case = complaints.tick_step(case=complaint, step="calm", actor=agent)
    assert list(case.checklist) == ["calm"]

    with pytest.raises(Conflict) as refused:
        complaints.tick_step(case=case, step="apologise", actor=agent)
    assert refused.value.code == "checklist_order"
    assert refused.value.details["missing"] == ["listen", "empathise"]

    again = complaints.tick_step(case=case, step="calm", actor=agent)
    assert again.checklist == case.checklist
    assert CaseEvent.objects.filter(case=case, code=complaints.STEP_CODE).count() == 1
    assert complaints.missing_steps(again) == ["listen", "empathise", "apologise", "solve"]


def test_a_bad_step_or_a_case_that_is_no_complaint_is_refused(agent, complaint):
    with pytest.raises(ValidationFailed) as refused:
        complaints.tick_step(case=complaint, step="shout", actor=agent)
    assert "step" in refused.value.fields

    with pytest.raises(Conflict) as refused:
        complaints.tick_step(case=make_case(), step="calm", actor=agent)
    assert refused.value.code == "not_a_complaint"


def test_resolving_closes_the_case_and_schedules_the_follow_up(agent, complaint):
    case = tick_all(complaint, agent)
    now = timezone.now()

    follow_up = complaints.resolve_complaint(case=case, summary="已致歉并赠送优惠券", actor=agent, at=now)

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at == now
    assert follow_up.case == case and follow_up.assignee == agent
    assert follow_up.due_at == now + timedelta(days=3)  # the settings' default
    assert follow_up.done_at is None
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == complaints.RESOLVED_CODE and event.data["summary"] == "已致歉并赠送优惠券"
    told = OutgoingMessage.objects.filter(order=case.order, kind="aftersales").order_by("pk").last()
    assert "已致歉并赠送优惠券" in told.text


def test_the_follow_up_is_due_after_the_shops_days(agent, complaint):
    AfterSalesPolicy.objects.create(shop=complaint.shop, follow_up_days=7)
    case = tick_all(complaint, agent)
    now = timezone.now()

    follow_up = complaints.resolve_complaint(case=case, summary="ok", actor=agent, at=now)

    assert follow_up.due_at == now + timedelta(days=7)


def test_an_unfinished_checklist_or_no_summary_cannot_resolve(agent, complaint):
    complaints.tick_step(case=complaint, step="calm", actor=agent)
    with pytest.raises(Conflict) as refused:
        complaints.resolve_complaint(case=complaint, summary="done", actor=agent)
    assert refused.value.details["missing"] == ["listen", "empathise", "apologise", "solve"]

    case = tick_all(complaint, agent)
    with pytest.raises(ValidationFailed) as refused:
        complaints.resolve_complaint(case=case, summary="  ", actor=agent)
    assert "summary" in refused.value.fields
    case.refresh_from_db()
    assert case.status == CaseStatus.REQUESTED and not FollowUp.objects.exists()


def test_due_follow_ups_and_completing_one(agent, complaint):
    case = tick_all(complaint, agent)
    now = timezone.now()
    follow_up = complaints.resolve_complaint(case=case, summary="ok", actor=agent, at=now)

    assert list(complaints.due_follow_ups(now + timedelta(days=2))) == []
    assert list(complaints.due_follow_ups(now + timedelta(days=3))) == [follow_up]

    done = complaints.complete_follow_up(follow_up=follow_up, outcome="买家满意", satisfied=True, actor=agent)

    assert (done.outcome, done.satisfied, done.done_by) == ("买家满意", True, agent)
    assert list(complaints.due_follow_ups(now + timedelta(days=30))) == []
    assert CaseEvent.objects.filter(case=case).last().code == complaints.FOLLOW_UP_CODE
    with pytest.raises(Conflict):
        complaints.complete_follow_up(follow_up=follow_up, outcome="again", satisfied=False, actor=agent)


def test_a_follow_up_needs_what_the_buyer_said_and_a_yes_or_no(agent, complaint):
    follow_up = complaints.resolve_complaint(case=tick_all(complaint, agent), summary="ok", actor=agent)

    with pytest.raises(ValidationFailed) as refused:
        complaints.complete_follow_up(follow_up=follow_up, outcome="", satisfied="yes", actor=agent)

    assert set(refused.value.fields) == {"outcome", "satisfied"}
    follow_up.refresh_from_db()
    assert follow_up.done_at is None


def test_the_warehouse_does_not_handle_complaints(complaint):
    picker = make_user("picker9", "warehouse")
    with pytest.raises(PermissionDenied):
        complaints.tick_step(case=complaint, step="calm", actor=picker)
