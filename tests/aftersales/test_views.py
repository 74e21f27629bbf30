"""The after-sales staff screens and their reads (aftersales.queries): the queue's order
(overdue first), the figures on a small built data set, each screen in zh-Hans and en,
who sees which button, and the bulk approval naming each refused case."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from sellerdesk.aftersales import actions, complaints, disputes, queries, refunds, returns
from sellerdesk.aftersales.models import Case, CaseEvent, CaseLine, Refund
from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.orders.models import Order
from tests.aftersales.builders import delivered_order, shipped_order
from tests.aftersales.evidence_support import image_bytes, upload
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user
from tests.logistics.helpers import carriers

_numbers = count(1)


@pytest.fixture(autouse=True)
def _skus(default_shop: Any) -> None:  # noqa: F811  (after the shop and warehouse)
    make_sku("TEE-RED-M", price="59.00")
    make_sku("CAP-BLK", price="30.00")


def built_case(
    order: Order,
    *,
    status: str = "requested",
    type: str = "return_refund",
    reason: str = "quality",
    created_at: datetime | None = None,
    due_at: datetime | None = None,
    closed_at: datetime | None = None,
    quantity: int = 1,
) -> Case:
    """A case row as it stands at some point of its life (the figures and the queue's
    order need cases at chosen times and states, which the actions reach only by
    replaying every step)."""
    created_at = created_at or timezone.now()
    case = Case.objects.create(
        number=f"AS{next(_numbers):06d}",
        order=order,
        shop=order.shop,
        customer=order.customer,
        type=type,
        status=status,
        reason=reason,
        created_at=created_at,
        due_at=due_at,
        closed_at=closed_at,
    )
    line = order.lines.order_by("pk").first()
    assert line is not None
    CaseLine.objects.create(case=case, order_line=line, sku=line.sku, quantity=quantity, reason=reason)
    return case


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_puts_overdue_cases_first_then_by_deadline(agent: Any) -> None:
    now = timezone.now()
    order = shipped_order(("TEE-RED-M", 2))
    later = built_case(order, due_at=now + timedelta(hours=30))
    no_deadline = built_case(order, status="received")
    long_overdue = built_case(order, due_at=now - timedelta(hours=20))
    soon = built_case(order, status="awaiting_return", due_at=now + timedelta(hours=2))
    just_overdue = built_case(order, due_at=now - timedelta(hours=1))
    closed_late = built_case(order, status="closed", due_at=now - timedelta(days=3), closed_at=now)

    every = queries.case_queue(actor=agent, now=now)
    assert [case.number for case in every] == [
        long_overdue.number, just_overdue.number, soon.number, later.number, no_deadline.number, closed_late.number,
    ]  # fmt: skip
    assert [case.is_overdue for case in every] == [1, 1, 0, 0, 0, 0]

    open_ones = queries.case_queue(actor=agent, status="open", now=now)
    assert [case.number for case in open_ones] == [
        long_overdue.number, just_overdue.number, soon.number, later.number, no_deadline.number,
    ]  # fmt: skip
    overdue = queries.case_queue(actor=agent, overdue_only=True, now=now)
    assert [case.number for case in overdue] == [long_overdue.number, just_overdue.number]
    counts = queries.queue_counts(actor=agent, now=now)
    assert (counts["open"], counts["overdue"], counts["all"], counts["requested"], counts["closed"]) == (5, 2, 6, 3, 1)


def test_the_queue_filters_and_searches(agent: Any) -> None:
    mine = shipped_order(("TEE-RED-M", 1))
    other = shipped_order(("CAP-BLK", 1))
    Order.objects.filter(pk=other.pk).update(buyer_name="李四", buyer_phone="13900001234")
    exchange = built_case(mine, type="exchange", reason="wrong_size")
    refund = built_case(other, type="refund_only")
    Case.objects.filter(pk=refund.pk).update(return_tracking_number="YT123456789")

    def found(**filters: Any) -> list[str]:
        return [case.number for case in queries.case_queue(actor=agent, **filters)]

    assert found(type="exchange") == [exchange.number]
    assert found(search=exchange.number) == [exchange.number]
    assert found(search=other.number) == [refund.number]
    assert found(search="YT123456789") == [refund.number]
    assert found(search="1234") == [refund.number]  # the phone's last digits
    assert found(search="李四") == [refund.number]
    assert found(search="nobody") == []
    with pytest.raises(ValidationFailed):
        found(status="lost")
    with pytest.raises(ValidationFailed):
        found(type="barter")


def test_the_queue_needs_the_view_permission(db: Any) -> None:
    buyer = make_user("buyer1", "buyer")
    with pytest.raises(PermissionDenied):
        queries.case_queue(actor=buyer)


def test_case_detail_reads_the_case_in_few_queries(agent: Any, django_assert_max_num_queries: Any) -> None:
    order = shipped_order(("TEE-RED-M", 2), ("CAP-BLK", 1))
    case = built_case(order, quantity=2)
    built_case(order, type="complaint", reason="service")

    with django_assert_max_num_queries(14):
        view = queries.case_detail(number=case.number, actor=agent)
        assert [line.sku.code for line in view.lines] == ["TEE-RED-M"]
        # Shipped by hand with a tracking number: no booked parcel to list.
        assert view.parcels == []
        assert len(view.other_cases) == 1
        assert len(view.order_lines) == 2


# --- the figures ------------------------------------------------------------------------------


def test_figures_add_up_on_a_small_data_set(agent: Any) -> None:
    start = timezone.make_aware(datetime(2026, 3, 1))
    end = start + timedelta(days=10)
    in_period = start + timedelta(days=2)
    before = start - timedelta(days=5)
    # Four orders shipped in the period, one in the one before.
    orders = [shipped_order(("TEE-RED-M", 1), at=in_period) for _ in range(4)]
    earlier = shipped_order(("TEE-RED-M", 1), at=before)
    # Three cases opened in the period: two quality returns, one wrong-size exchange; two
    # closed in it, one in 10 hours (answered in 5, within the 48 the policy gives), one in
    # 60 hours (answered in 50: late).
    on_time = built_case(orders[0], status="closed", created_at=in_period, closed_at=in_period + timedelta(hours=10))
    late = built_case(orders[1], status="closed", created_at=in_period, closed_at=in_period + timedelta(hours=60))
    for case, hours in ((on_time, 5), (late, 50)):
        CaseEvent.objects.create(
            case=case, code="case_moved", status_before="requested", status_after="approved",
            at=in_period + timedelta(hours=hours),
        )  # fmt: skip
    built_case(orders[2], type="exchange", reason="wrong_size", created_at=in_period)
    built_case(earlier, created_at=before)
    Refund.objects.create(
        number="RF1",
        case=late,
        order=late.order,
        status="succeeded",
        method="gateway",
        goods_amount=Decimal("59.00"),
        amount=Decimal("59.00"),
        idempotency_key="rf1",
        requested_at=in_period,
        completed_at=in_period + timedelta(hours=30),
    )
    Refund.objects.create(
        number="RF2",
        case=late,
        order=late.order,
        status="awaiting_transfer",
        method="bank_transfer",
        amount=Decimal("8.00"),
        idempotency_key="rf2",
        requested_at=in_period,
    )

    result = queries.figures(actor=agent, start=start, end=end)

    now = result.current
    assert (now.cases_opened, now.orders_shipped, now.rate, now.rate_percent) == (
        3, 4, Decimal("0.7500"), Decimal("75.00"),
    )  # fmt: skip
    assert (now.refund_amount, now.refunds) == (Decimal("59.00"), 1)
    assert [(tally.code, tally.count) for tally in now.by_reason] == [("quality", 2), ("wrong_size", 1)]
    assert [(tally.code, tally.count) for tally in now.by_type] == [("return_refund", 2), ("exchange", 1)]
    assert (now.resolved, now.average_hours_to_resolve, now.median_hours_to_resolve) == (
        2, Decimal("35.0"), Decimal("35.0"),
    )  # fmt: skip
    assert (now.resolved_in_time, now.share_resolved_in_time) == (1, Decimal("0.5000"))
    then = result.previous
    assert (then.start, then.end) == (start - timedelta(days=10), start)
    assert (then.cases_opened, then.orders_shipped, then.rate, then.refund_amount) == (1, 1, Decimal("1.0000"), 0)
    assert then.resolved == 0 and then.average_hours_to_resolve is None and then.share_resolved_in_time is None
    assert queries.figures(actor=agent, start=start, end=end, shop_id=999).current.cases_opened == 0


# --- the screens ------------------------------------------------------------------------------


def client_for(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def opened(order: Order, *, type: str = "return_refund", reason: str = "quality", quantity: int = 1) -> Case:
    """A case opened through the action, as an agent would from the order page."""
    line = order.lines.order_by("pk").first()
    assert line is not None
    return actions.open_case(
        order=order,
        type=type,
        reason=reason,
        lines=[actions.LineRequest(order_line_id=line.pk, quantity=quantity)],
        description="颜色不对",
        actor=None,
    )


def page_messages(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


@pytest.fixture
def supervisor(db: Any) -> Any:
    return make_user("boss", "supervisor", "主管")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_screen_renders_in_both_languages(language: str, agent: Any, supervisor: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order)
    disputes.open_dispute(case=case, reason="买家不同意", actor=agent)
    client = client_for(supervisor, language)
    pages = [
        "/aftersales/",
        "/aftersales/?status=all&q=" + order.number,
        f"/aftersales/cases/{case.number}/",
        f"/aftersales/cases/{case.number}/dispute/",
        "/aftersales/inspection/",
        f"/aftersales/inspection/{case.number}/",
        "/aftersales/work/",
        "/aftersales/figures/",
        "/aftersales/figures/?start=2026-01-01&end=2026-01-31",
        f"/aftersales/orders/{order.number}/panel/",
        f"/aftersales/orders/{order.number}/new/",
        f"/orders/{order.number}/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Language"] == language, path
    timeline = client.get(f"/aftersales/cases/{case.number}/").content.decode()
    with translation.override(language):
        assert str(CaseEvent.objects.filter(case=case).first().text) in timeline  # type: ignore[union-attr]


def test_the_queue_page_lists_overdue_first_and_the_tabs_count(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 3))
    first = opened(order)
    second = opened(order)
    Case.objects.filter(pk=second.pk).update(due_at=timezone.now() - timedelta(hours=1))

    page = client_for(agent).get("/aftersales/").content.decode()

    assert page.index(second.number) < page.index(first.number)
    assert 'data-testid="tab-overdue"' in page
    assert "is-overdue" in page


def test_an_agent_opens_a_case_from_the_order_page(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2), ("CAP-BLK", 1))
    line = order.lines.order_by("pk").first()
    client = client_for(agent)
    assert "Open an after-sales case" in client.get(f"/aftersales/orders/{order.number}/panel/").content.decode()

    too_many = client.post(
        f"/aftersales/orders/{order.number}/new/",
        {"type": "return_refund", "reason": "quality", f"qty_{line.pk}": "5"},  # type: ignore[union-attr]
    )
    assert too_many.status_code == 422
    assert not Case.objects.exists()

    response = client.post(
        f"/aftersales/orders/{order.number}/new/",
        {"type": "return_refund", "reason": "quality", "description": "破了", f"qty_{line.pk}": "1"},  # type: ignore[union-attr]
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/aftersales/cases/{case.number}/"
    assert (case.type, case.reason, case.description, case.lines.get().quantity) == (
        "return_refund",
        "quality",
        "破了",
        1,
    )
    assert case.number in client.get(f"/aftersales/orders/{order.number}/panel/").content.decode()


def test_a_warehouse_user_sees_the_inspection_desk_but_cannot_approve(agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order)
    client = client_for(warehouse_user)

    desk = client.get("/aftersales/inspection/")
    assert desk.status_code == 200 and 'id="scan-input"' in desk.content.decode()
    page = client.get(f"/aftersales/cases/{case.number}/").content.decode()
    assert 'data-testid="approve"' not in page
    response = client.post(f"/aftersales/cases/{case.number}/do/approve/", {"amount": "", "note": ""}, follow=True)

    assert response.status_code == 200
    assert any("aftersales.handle" in text for text in page_messages(response))
    case.refresh_from_db()
    assert case.status == "requested" and case.approved_at is None
    # The agent's page shows the button.
    assert 'data-testid="approve"' in client_for(agent).get(f"/aftersales/cases/{case.number}/").content.decode()


def test_above_the_agent_limit_only_a_supervisor_approves(agent: Any, supervisor: Any) -> None:
    order = delivered_order(("TEE-RED-M", 5))
    case = opened(order, quantity=4)  # 4 × 59.00 = 236.00, above the 200.00 an agent may approve
    assert case.requested_amount == Decimal("236.00")
    agent_page = client_for(agent).get(f"/aftersales/cases/{case.number}/").content.decode()
    assert 'data-testid="needs-supervisor"' in agent_page and 'data-testid="approve"' not in agent_page
    refused = client_for(agent).post(f"/aftersales/cases/{case.number}/do/approve/", {"amount": "236.00"}, follow=True)
    assert any("aftersales.approve_large" in text for text in page_messages(refused))
    case.refresh_from_db()
    assert case.status == "requested"

    client_for(supervisor).post(f"/aftersales/cases/{case.number}/do/approve/", {"amount": "236.00", "note": "同意"})

    case.refresh_from_db()
    assert (case.status, case.approved_amount, case.approval_note) == ("awaiting_return", Decimal("236.00"), "同意")


def test_bulk_approve_names_each_refused_case(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 3))
    first, second, refused = opened(order), opened(order), opened(order)
    actions.reject_case(case=refused, actor=agent, reason="重复申请")

    response = client_for(agent).post(
        "/aftersales/bulk/",
        {"ids": [first.pk, second.pk, refused.pk], "decision": "approve", "next": "/aftersales/?status=all"},
        follow=True,
    )

    texts = page_messages(response)
    assert any(first.number in text and second.number in text for text in texts)
    refusal = [text for text in texts if text.startswith(refused.number)]
    # The refusal names the case's status as the reader sees it (issue 17 B), not its code.
    assert len(refusal) == 1 and "“Rejected”" in refusal[0]
    statuses = dict(Case.objects.values_list("number", "status"))
    assert statuses == {first.number: "awaiting_return", second.number: "awaiting_return", refused.number: "rejected"}


def test_bulk_reject_needs_a_reason_and_writes_nothing_without(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    response = client_for(agent).post("/aftersales/bulk/", {"ids": [case.pk], "decision": "reject"}, follow=True)
    assert any("reason" in text for text in page_messages(response))
    case.refresh_from_db()
    assert case.status == "requested"


def test_a_refused_action_is_a_message_not_a_500(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    actions.reject_case(case=case, actor=agent, reason="no")

    response = client_for(agent).post(f"/aftersales/cases/{case.number}/do/approve/", {}, follow=True)

    assert response.status_code == 200
    assert page_messages(response)
    assert client_for(agent).post(f"/aftersales/cases/{case.number}/do/nonsense/").status_code == 404


def test_notes_and_replies_from_the_case_page(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    client = client_for(agent)

    client.post(f"/aftersales/cases/{case.number}/do/note/", {"text": "买家周五寄回"})
    client.post(f"/aftersales/cases/{case.number}/do/message/", {"body": "您好，请寄回"})
    empty = client.post(f"/aftersales/cases/{case.number}/do/note/", {"text": ""})

    assert empty.status_code == 422
    page = client.get(f"/aftersales/cases/{case.number}/").content.decode()
    assert "买家周五寄回" in page and "您好，请寄回" in page
    assert case.messages.get().body == "您好，请寄回"


def test_inspection_receives_and_grades(agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order, quantity=2)
    actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    client = client_for(warehouse_user)

    scan = client.post("/aftersales/inspection/scan/", {"code": case.number}, HTTP_X_SCAN="1")
    assert scan.json() == {"ok": True, "message": case.number, "redirect": f"/aftersales/inspection/{case.number}/"}
    unknown = client.post("/aftersales/inspection/scan/", {"code": "NOPE"}, HTTP_X_SCAN="1")
    assert unknown.status_code == 404 and unknown.json()["ok"] is False

    wrong = client.post(
        f"/aftersales/inspection/{case.number}/",
        {f"received_{line.pk}": "2", f"good_{line.pk}": "2", f"defective_{line.pk}": "1"},
    )
    assert wrong.status_code == 422
    case.refresh_from_db()
    assert case.status == "awaiting_return"  # nothing received when the grades are refused

    done = client.post(
        f"/aftersales/inspection/{case.number}/",
        {
            f"received_{line.pk}": "2",
            f"good_{line.pk}": "1",
            f"defective_{line.pk}": "1",
            f"disposition_{line.pk}": "defective",
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    line.refresh_from_db()
    assert (case.status, case.inspection_result) == ("inspected", "partial")
    assert (line.received, line.good, line.defective, line.disposition) == (2, 1, 1, "defective")


def test_the_inspection_desk_counts_units_in_the_readers_language(agent: Any, warehouse_user: Any) -> None:
    """Issue 17 D: in the Chinese UI the desk said "Unit 1 of 10" (its sentence was not translated)."""
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order, quantity=2)
    actions.approve_case(case=case, actor=agent)
    client = client_for(warehouse_user)

    chinese = client.get(f"/aftersales/inspection/{case.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(f"/aftersales/inspection/{case.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-msg-unit="Unit %(n)s of %(total)s: %(sku)s"' in english
    assert 'data-msg-unit="第 %(n)s 件，共 %(total)s 件：%(sku)s"' in chinese


def test_the_refund_form_is_prefilled_and_refunds_the_typed_amounts(agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order, quantity=2)
    actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    client_for(warehouse_user).post(
        f"/aftersales/inspection/{case.number}/",
        {f"received_{line.pk}": "2", f"good_{line.pk}": "2", f"defective_{line.pk}": "0"},
    )
    case.refresh_from_db()
    assert case.status == "inspected"
    client = client_for(agent)

    page = client.get(f"/aftersales/cases/{case.number}/")
    form = page.context["refund_form"]
    proposal = refunds.propose_refund(case)
    assert form.initial[f"goods_{line.pk}"] == proposal.goods[line.pk] == Decimal("118.00")  # type: ignore[index]
    assert page.context["refund_total"] == Decimal("118.00") + proposal.shipping - proposal.buyer_postage
    assert 'data-testid="refund-total"' in page.content.decode()

    bad = client.post(f"/aftersales/cases/{case.number}/do/refund/", {f"goods_{line.pk}": "abc"})
    assert bad.status_code == 422 and not Refund.objects.exists()
    client.post(
        f"/aftersales/cases/{case.number}/do/refund/",
        {f"goods_{line.pk}": "100.00", "shipping": "0", "buyer_postage": "0", "compensation": "5.00"},
    )

    refund = Refund.objects.get()
    assert (refund.goods_amount, refund.compensation, refund.amount) == (
        Decimal("100.00"), Decimal("5.00"), Decimal("105.00"),
    )  # fmt: skip
    case.refresh_from_db()
    assert case.status in ("refunding", "refunded")


def test_a_dispute_from_the_case_page_to_its_ruling_and_review(agent: Any, supervisor: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    actions.reject_case(case=case, actor=agent, reason="人为损坏")
    agent_client = client_for(agent)

    opened_dispute = agent_client.post(f"/aftersales/cases/{case.number}/do/dispute/", {"reason": "买家说不是人为"})
    assert opened_dispute["Location"] == f"/aftersales/cases/{case.number}/dispute/"
    page = agent_client.get(f"/aftersales/cases/{case.number}/dispute/").content.decode()
    case.refresh_from_db()
    assert case.status == "disputed" and case.dispute.bundle_sha256 in page
    assert "The bundle and every file still match their hashes." in page
    assert "Rule</button>" not in page  # an agent does not rule
    refused = agent_client.post(
        f"/aftersales/cases/{case.number}/do/rule/", {"outcome": "buyer", "ruling": "x"}, follow=True
    )
    assert any("aftersales.arbitrate" in text for text in page_messages(refused))

    boss = client_for(supervisor)
    boss.post(f"/aftersales/cases/{case.number}/do/rule/", {"outcome": "seller", "ruling": "照片显示人为损坏"})
    boss.post(f"/aftersales/cases/{case.number}/do/review/", {"cause": "buyer", "note": "说明书要写清楚"})

    case.refresh_from_db()
    assert (case.status, case.dispute.ruling_outcome, case.review_cause) == ("closed", "seller", "buyer")
    assert 'data-testid="review"' in boss.get(f"/aftersales/cases/{case.number}/dispute/").content.decode()


def test_a_complaint_ticked_solved_and_followed_up(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = actions.open_case(order=order, type="complaint", reason="service", lines=[], actor=None)
    client = client_for(agent)

    for step in complaints.CHECKLIST:
        client.post(f"/aftersales/cases/{case.number}/do/tick/", {"step": step})
    client.post(f"/aftersales/cases/{case.number}/do/resolve_complaint/", {"summary": "道歉并补偿优惠券"})

    case.refresh_from_db()
    assert case.status == "closed" and set(case.checklist) == set(complaints.CHECKLIST)
    follow_up = case.follow_ups.get()
    work = client.get("/aftersales/work/").content.decode()
    assert case.number in work
    client.post(f"/aftersales/work/follow-ups/{follow_up.pk}/", {"outcome": "满意", "satisfied": "yes"})
    follow_up.refresh_from_db()
    assert (follow_up.outcome, follow_up.satisfied, follow_up.done_by) == ("满意", True, agent)


def test_a_ticked_complaint_step_shows_a_date_and_time_not_an_iso_string(agent: Any) -> None:
    """Issue 17 D (walkthrough): the case page showed a ticked step's time as a cut ISO
    string ("2026-03-10T10:14"); it reads as a date and time."""
    order = delivered_order(("TEE-RED-M", 1))
    case = actions.open_case(order=order, type="complaint", reason="service", lines=[], actor=None)
    at = datetime(2026, 3, 10, 2, 14, tzinfo=timezone.get_fixed_timezone(0))
    complaints.tick_step(case=case, step=complaints.CHECKLIST[0], actor=agent, at=at)

    page = client_for(agent).get(f"/aftersales/cases/{case.number}/").content.decode()
    assert '<span class="sub">2026-03-10 10:14</span>' in page
    assert ">2026-03-10T10:14<" not in page


def test_evidence_uploaded_shows_in_the_gallery_and_the_form_prints(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    client = client_for(agent)

    client.post(
        f"/aftersales/cases/{case.number}/do/evidence/",
        {"upload": upload("crack.jpg", image_bytes()), "caption": "裂缝"},
    )
    refused = client.post(
        f"/aftersales/cases/{case.number}/do/evidence/", {"upload": upload("x.jpg", b"not an image")}, follow=True
    )

    photo = case.evidence.get()
    page = client.get(f"/aftersales/cases/{case.number}/").content.decode()
    assert f"/aftersales/evidence/{photo.pk}/?variant=thumbnail" in page and "裂缝" in page
    assert page_messages(refused)
    pdf = client.get(f"/aftersales/cases/{case.number}/return-form.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_work_lists_show_transfers_to_make(agent: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    Refund.objects.create(
        number="RF-T1",
        case=case,
        order=order,
        status="awaiting_transfer",
        method="bank_transfer",
        amount=Decimal("59.00"),
        idempotency_key="rf-t1",
        requested_at=timezone.now(),
    )

    page = client_for(agent).get("/aftersales/work/").content.decode()

    assert "RF-T1" in page and "¥59.00" in page


def test_an_exchange_asks_for_another_size(agent: Any) -> None:
    make_sku("TEE-RED-L", price="59.00")
    order = delivered_order(("TEE-RED-M", 1))
    line = order.lines.get()
    client = client_for(agent)
    form = {"type": "exchange", "reason": "wrong_size", f"qty_{line.pk}": "1", f"swap_{line.pk}": "NOPE"}

    unknown = client.post(f"/aftersales/orders/{order.number}/new/", form)
    assert unknown.status_code == 422 and "NOPE" in unknown.content.decode()
    assert not Case.objects.exists()
    client.post(f"/aftersales/orders/{order.number}/new/", {**form, f"swap_{line.pk}": "TEE-RED-L"})

    assert Case.objects.get().lines.get().replacement_sku.code == "TEE-RED-L"  # type: ignore[union-attr]


def test_the_figures_page_shows_the_days_chosen_both_included(agent: Any) -> None:
    response = client_for(agent).get("/aftersales/figures/?start=2026-03-01&end=2026-03-10")

    now, then = response.context["now"], response.context["then"]
    assert (now.start, now.end) == (
        timezone.make_aware(datetime(2026, 3, 1)), timezone.make_aware(datetime(2026, 3, 11)),
    )  # fmt: skip
    assert (then.start.date().isoformat(), then.last_day.isoformat()) == ("2026-02-19", "2026-02-28")
    assert "2026-03-01 – 2026-03-10" in response.content.decode()
    assert client_for(agent).get("/aftersales/figures/?start=2026-03-10&end=2026-03-01").status_code == 200


def test_the_buyers_return_parcel_is_recorded_and_scanned_at_the_desk(agent: Any, warehouse_user: Any) -> None:
    carriers()
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    actions.approve_case(case=case, actor=agent)
    page = client_for(agent).get(f"/aftersales/cases/{case.number}/")
    code, _name = page.context["parcel_form"].fields["carrier_code"].choices[0]

    client_for(agent).post(
        f"/aftersales/cases/{case.number}/do/return_parcel/", {"carrier_code": code, "tracking_number": "YT9876543210"}
    )

    case.refresh_from_db()
    assert (case.return_carrier, case.return_tracking_number) == (code, "YT9876543210")
    scan = client_for(warehouse_user).post("/aftersales/inspection/scan/", {"code": "YT9876543210"})
    assert scan["Location"] == f"/aftersales/inspection/{case.number}/"


def test_the_return_parcel_names_its_carrier_not_its_code(agent: Any, warehouse_user: Any) -> None:
    """Issue 17 D (walkthrough): the case page, its timeline, the inspection desk and the
    inspection page showed a return parcel's carrier as its code ("ZTO ZTO…"), not its
    name."""
    carriers()
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order)
    actions.approve_case(case=case, actor=agent)
    returns.register_return_parcel(case=case, carrier_code="ZTO", tracking_number="ZT9876543210", actor=agent)

    pages = {
        "case": client_for(agent).get(f"/aftersales/cases/{case.number}/").content.decode(),
        "desk": client_for(warehouse_user).get("/aftersales/inspection/").content.decode(),
        "inspect": client_for(warehouse_user).get(f"/aftersales/inspection/{case.number}/").content.decode(),
    }
    for page in pages.values():
        assert "中通快递 ZT9876543210" in page
        assert "ZTO ZT9876543210" not in page
    assert "Return parcel sent: 中通快递 ZT9876543210" in pages["case"]


def test_receiving_without_grades_leaves_the_inspection_for_later(agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-RED-M", 2))
    case = opened(order, quantity=2)
    actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    client = client_for(warehouse_user)

    client.post(f"/aftersales/inspection/{case.number}/", {f"received_{line.pk}": "1"})

    case.refresh_from_db()
    line.refresh_from_db()
    assert (case.status, line.received, line.good) == ("received", 1, 0)
    page = client.get(f"/aftersales/inspection/{case.number}/").content.decode()
    assert f'name="good_{line.pk}"' in page and f'name="received_{line.pk}"' not in page
    graded = client.post(
        f"/aftersales/inspection/{case.number}/",
        {f"good_{line.pk}": "0", f"defective_{line.pk}": "1", f"disposition_{line.pk}": "scrap"},
    )
    assert graded.status_code == 302, page_messages(graded)
    case.refresh_from_db()
    line.refresh_from_db()
    assert (case.status, case.inspection_result, line.disposition) == ("inspected", "fail", "scrap")


def test_a_return_without_reason_goes_back_on_sale_when_received(agent: Any, warehouse_user: Any) -> None:
    order = delivered_order(("TEE-RED-M", 1))
    case = opened(order, reason="no_reason")
    actions.approve_case(case=case, actor=agent)
    line = case.lines.get()
    client = client_for(warehouse_user)
    page = client.get(f"/aftersales/inspection/{case.number}/").content.decode()
    assert f'name="good_{line.pk}"' not in page  # nothing to grade

    client.post(f"/aftersales/inspection/{case.number}/", {f"received_{line.pk}": "1"})

    case.refresh_from_db()
    line.refresh_from_db()
    assert (line.received, line.good, line.disposition) == (1, 1, "restock")
    assert case.status in ("refunding", "refunded")
