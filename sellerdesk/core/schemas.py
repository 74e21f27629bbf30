"""Value types shared by the API schemas: money as 2-decimal strings, phones, codes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, StringConstraints

from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.money import to_money

MAX_MONEY = Decimal("99999999.99")


def parse_money(value: Any) -> Decimal:
    """A non-negative amount with at most 2 decimals, from a string or an integer."""
    if isinstance(value, (bool, float)):
        raise ValueError('send money as a string with 2 decimals, e.g. "59.00"')
    if not isinstance(value, (str, int, Decimal)):
        raise ValueError('send money as a string with 2 decimals, e.g. "59.00"')
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError('not an amount of money, e.g. "59.00"') from None
    if not amount.is_finite():
        raise ValueError("not an amount of money")
    if amount < 0:
        raise ValueError("must not be negative")
    if amount > MAX_MONEY:
        raise ValueError("too large")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("at most 2 decimal places")
    return to_money(amount)


Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(lambda v: str(to_money(v)), return_type=str)]


def _parse_phone(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    phone = normalize_phone(value)
    if phone is None:
        raise ValueError("not a valid mainland China mobile or landline number")
    return phone


Phone = Annotated[str, BeforeValidator(_parse_phone)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
