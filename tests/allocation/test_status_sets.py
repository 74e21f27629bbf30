"""The order statuses allocation works with, read from the order table (no database)."""

from sellerdesk.allocation.actions import ALLOCATABLE
from sellerdesk.allocation.presale import OPEN_FOR_PRESALE
from sellerdesk.allocation.shortages import HOLDING
from sellerdesk.orders.states import OrderStatus as S


def test_approved_and_short_orders_are_allocated() -> None:
    assert {S.APPROVED, S.STOCKOUT} == ALLOCATABLE


def test_a_shortfall_in_the_bins_takes_units_only_from_orders_not_yet_picked() -> None:
    # Picked and packed orders hold units the warehouse has in hand; shipped ones hold none.
    assert {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.ALLOCATED, S.STOCKOUT} == HOLDING


def test_presale_lines_wait_in_orders_not_yet_allocated() -> None:
    assert {S.UNPAID, S.PENDING_REVIEW, S.ON_HOLD, S.APPROVED, S.STOCKOUT} == OPEN_FOR_PRESALE
