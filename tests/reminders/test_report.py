"""The daily report: reminded, paid after the reminder (recovery), reasons summed, per
shop and agent, the lost-order rate over time, the previous period beside; the XLSX
export carries the same numbers (opened back here)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import PermissionDenied
from sellerdesk.core.models import User
from sellerdesk.reminders import actions
from sellerdesk.reminders.models import UnpaidReason
from sellerdesk.reminders.report import build_report, report_xlsx
from sellerdesk.reminders.tasks import remind_unpaid_orders
from tests.api.helpers import advance, default_shop  # noqa: F401  (default_shop: autouse)
from tests.factories import make_sku, place
from tests.support.clock import TEST_NOW

DAY = TEST_NOW.replace(hour=0, minute=0, second=0, microsecond=0)
YESTERDAY = DAY - timedelta(days=1)


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE-RED-M", price="59.00", stock=100)


def test_the_day_with_the_previous_day_beside(tee: Sku, agent: User, owner: User) -> None:
    # yesterday: 1 reminded by the sweep, not paid
    place(("TEE-RED-M", 1), placed_at=YESTERDAY.replace(hour=8))
    remind_unpaid_orders(YESTERDAY.replace(hour=11))
    # today: the sweep reminds 3, 2 of them pay; 阿华 reminds 1 by hand, who gives a reason
    swept = [place(("TEE-RED-M", 1), placed_at=DAY.replace(hour=8)) for _ in range(3)]
    remind_unpaid_orders(DAY.replace(hour=11))
    advance(swept[0], "pending_review")
    advance(swept[1], "pending_review")
    by_hand = place(("TEE-RED-M", 1), placed_at=DAY.replace(hour=9))
    reminder = actions.remind_order(order=by_hand, channel="phone", actor=agent, at=DAY.replace(hour=16))
    actions.record_reason(
        reminder=reminder,
        actor=agent,
        reason=UnpaidReason.objects.get(code="insufficient_balance"),
        note="卡里余额不足",
    )
    actions.record_reason(
        reminder=actions.get_reminder(swept[2].payment_reminder.pk), actor=agent, reason=None, note="下班回家付"
    )
    # one of yesterday's other orders was closed unpaid: lost
    advance(place(("TEE-RED-M", 1), placed_at=YESTERDAY.replace(hour=9)), "closed")

    with translation.override("en"):
        report = build_report(actor=owner, day=DAY.date(), period="day")

    assert (report.total.reminded, report.total.paid_after, report.total.recovery_rate) == (4, 2, Decimal("50.0"))
    assert (report.previous.reminded, report.previous.paid_after, report.previous.recovery_rate) == (
        1,
        0,
        Decimal("0.0"),
    )
    assert dict(report.total.reasons) == {"insufficient_balance": 1, "note_only": 1}
    assert [(line.name, line.current.reminded, line.current.paid_after) for line in report.by_agent] == [
        ("阿华", 1, 0),
        ("System", 3, 2),
    ]
    assert [(line.name, line.current.reminded, line.previous.reminded) for line in report.by_shop] == [("主店", 4, 1)]
    assert (report.lost_now.placed, report.lost_now.lost) == (4, 0)
    assert (report.lost_before.placed, report.lost_before.lost, report.lost_before.lost_rate) == (2, 1, Decimal("50.0"))
    assert len(report.lost) == 8

    book = load_workbook(io.BytesIO(report_xlsx(report)))
    summary = [list(row) for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert [row[1:3] for row in summary] == [[4, 1], [2, 0], [50.0, 0.0], [4, 2], [0, 1], [0.0, 50.0]]
    agents = list(book.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert agents[0][:3] == ("阿华", 1, 0)
    reasons = {row[0]: row[1] for row in book.worksheets[3].iter_rows(min_row=2, values_only=True)}
    assert sum(reasons.values()) == 2
    lost = list(book.worksheets[4].iter_rows(min_row=2, values_only=True))
    assert lost[-2:] == [(str(YESTERDAY.date()), 2, 1, 50.0), (str(DAY.date()), 4, 0, 0.0)]


def test_week_and_month_hold_the_day(tee: Sku, owner: User) -> None:
    place(("TEE-RED-M", 1), placed_at=DAY.replace(hour=8))
    remind_unpaid_orders(DAY.replace(hour=11))

    week = build_report(actor=owner, day=DAY.date(), period="week")
    month = build_report(actor=owner, day=DAY.date(), period="month")

    assert week.start == DAY.date() - timedelta(days=DAY.weekday())
    assert month.start == DAY.date().replace(day=1)
    assert week.total.reminded == month.total.reminded == 1


def test_an_agent_may_not_read_the_report(db: Any, agent: User) -> None:
    with pytest.raises(PermissionDenied):
        build_report(actor=agent, day=DAY.date())
