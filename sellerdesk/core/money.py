"""Money is Decimal with two places, CNY unless said otherwise.

`parse_money` is the one reader of an amount typed or sent by a person or a program:
the API's Money type, the forms' MoneyField and the importers all go through it, so an
amount one of them refuses is refused by all (an exponent such as "1e3", NaN, Infinity,
a float, more than two decimals, a value out of range).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The largest amount any money column holds (max_digits 10 of the narrowest, 2 places).
MAX_MONEY = Decimal("99999999.99")

# Digits with an optional point and decimals, and an optional sign. No exponent, no
# spaces inside, no "NaN"/"Infinity" (Decimal would take all of these).
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
# What people paste from a spreadsheet or a shop page: ¥ / ￥ and thousands commas.
_CURRENCY_MARKS = re.compile(r"^[¥￥]\s*|(?<=\d),(?=\d{3}(?:\D|$))")


class NotMoney(ValueError):
    """The value is not an acceptable amount; str() says why, in the active language."""


def to_money(value: Decimal | int | str) -> Decimal:
    """The amount rounded half-up to cents (the rounding Chinese invoices use)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(value: Decimal) -> str:
    return str(to_money(value))


def parse_money(
    value: Any,
    *,
    minimum: Decimal | None = ZERO,
    maximum: Decimal = MAX_MONEY,
    currency_marks: bool = False,
) -> Decimal:
    """An amount with at most 2 decimals, as a Decimal of 2 places, from text ("59",
    "59.00", "-3.5"), an int or a Decimal. With `currency_marks`, a leading ¥/￥ and
    thousands commas ("¥1,299.00", as spreadsheets show amounts) are allowed too.

    Raises NotMoney for anything else: a float or bool (binary fractions are not
    money), an exponent ("1e3"), NaN or Infinity, more than 2 decimals, less than
    `minimum` (None: no lower bound) or more than `maximum`."""
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int, Decimal)):
        raise NotMoney(_('send money as a string with 2 decimals, e.g. "59.00"'))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotMoney(_('not an amount of money, e.g. "59.00"'))
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = value.strip()
        if currency_marks:
            text = _CURRENCY_MARKS.sub("", text).strip()
        if len(text) > 40 or not _AMOUNT.fullmatch(text):
            raise NotMoney(_('not an amount of money, e.g. "59.00"'))
        try:
            amount = Decimal(text)
        except InvalidOperation:  # the pattern lets none through; kept for safety
            raise NotMoney(_('not an amount of money, e.g. "59.00"')) from None
    if minimum is not None and amount < minimum:
        raise NotMoney(_("must not be negative") if minimum == 0 else _("must be at least %(n)s") % {"n": minimum})
    if amount > maximum:
        raise NotMoney(_("at most %(max)s") % {"max": maximum})
    if amount != amount.quantize(CENT):
        raise NotMoney(_("at most 2 decimal places"))
    return to_money(amount)
