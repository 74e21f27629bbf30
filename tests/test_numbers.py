"""Document numbers: prefix, local date, random digits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sellerdesk.core.numbers import dated_number


def test_a_number_is_prefix_local_date_and_digits() -> None:
    at = datetime(2026, 11, 28, 20, 0, tzinfo=ZoneInfo("UTC"))  # already the 29th in Shanghai

    number = dated_number("PO", at)

    assert number[:8] == "PO261129"
    assert len(number) == 16 and number[8:].isdigit()


def test_order_numbers_have_ten_digits_and_no_prefix() -> None:
    number = dated_number("", datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), digits=10)

    assert number[:6] == "261128" and len(number) == 16 and number.isdigit()
