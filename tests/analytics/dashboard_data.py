"""Fact rows written by hand for the dashboard's tests (test_dashboard, test_export, the
browser test): two shops, two agents, a row without an agent, a previous period, and
rows just outside the range that must not count.

This period: 2026-03-02 .. 2026-03-04; the previous one: 2026-02-27 .. 2026-03-01."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sellerdesk.analytics.models import DailyFact, DailyReasonFact
from sellerdesk.reminders.models import UnpaidReason
from sellerdesk.reminders.reasons import install_reasons
from sellerdesk.shops.models import Shop
from tests.factories import make_user


def fill_facts() -> dict:
    """The users, shops and fact rows; returns them by name."""
    owner = make_user("boss", "owner")
    ann = make_user("ann", "agent", "Ann")
    bob = make_user("bob", "agent", "Bob")
    install_reasons()  # the data migration's (the tests run without migrations)
    main, _created = Shop.objects.get_or_create(code="main", defaults={"name": "Main shop"})
    second = Shop.objects.create(code="second", name="Second shop")

    def fact(day: date, shop: Shop, agent, **columns: int | Decimal) -> None:
        DailyFact.objects.create(day=day, shop=shop, agent=agent, **columns)

    # This period: 2026-03-02 .. 2026-03-04; the previous one: 2026-02-27 .. 2026-03-01.
    fact(
        date(2026, 3, 2),
        main,
        ann,
        orders_placed=10,
        orders_lost=2,
        orders_completed=6,
        orders_cancelled=2,
        orders_shipped=4,
        ship_seconds=4 * 7200,
        sales_amount=Decimal("100.00"),
        refunded_amount=Decimal("10.00"),
    )
    fact(date(2026, 3, 2), main, bob, orders_placed=5, orders_lost=0, orders_completed=2, orders_cancelled=0)
    fact(
        date(2026, 3, 3),
        second,
        ann,
        orders_placed=5,
        orders_lost=3,
        orders_shipped=2,
        ship_seconds=2 * 3600,
        aftersales_opened=1,
        reminded=4,
        reminder_paid=1,
    )
    fact(
        date(2026, 3, 4),
        main,
        None,
        conversations=10,
        resolutions=7,
        first_responses=5,
        first_response_seconds=5 * 90,
        csat_count=2,
        csat_sum=9,
        parcels_delivered=8,
        parcels_damaged=1,
    )
    # the previous period
    fact(date(2026, 2, 27), main, ann, orders_placed=4, orders_lost=1, orders_completed=3, orders_cancelled=1)
    fact(date(2026, 3, 1), second, bob, orders_placed=6, orders_lost=0, reminded=2, reminder_paid=2)
    # outside both: must not count
    fact(date(2026, 2, 26), main, ann, orders_placed=100, orders_lost=100)
    fact(date(2026, 3, 5), main, ann, orders_placed=100, orders_lost=100)

    reason = UnpaidReason.objects.order_by("pk").first()
    DailyReasonFact.objects.create(day=date(2026, 3, 3), shop=second, agent=ann, reason=reason.code, count=3)
    DailyReasonFact.objects.create(day=date(2026, 2, 28), shop=main, agent=ann, reason=reason.code, count=1)
    DailyReasonFact.objects.create(day=date(2026, 3, 3), shop=second, agent=ann, reason="note_only", count=1)
    return {"owner": owner, "ann": ann, "bob": bob, "main": main, "second": second, "reason": reason}
