"""Value types shared by the API schemas: money as 2-decimal strings, phones, codes."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, PlainSerializer, StringConstraints, WithJsonSchema

from sellerdesk.core import dates, money
from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.money import MAX_MONEY, to_money

__all__ = [
    "MAX_MONEY",
    "BusinessDate",
    "BusinessDatetime",
    "Code",
    "LocalTime",
    "Money",
    "Name",
    "Phone",
    "Text",
    "UnitPrice",
    "parse_money",
    "parse_unit_price",
]


def parse_money(value: Any) -> Decimal:
    """A non-negative amount with at most 2 decimals, from a string or an integer (see
    core.money.parse_money, shared with the forms and the importers)."""
    try:
        return money.parse_money(value)
    except money.NotMoney as error:
        # pydantic reports a ValueError's text as the field's reason.
        raise ValueError(str(error)) from None


def parse_unit_price(value: Any) -> Decimal:
    """A unit price: as parse_money, at most settings.SELLERDESK["MAX_UNIT_PRICE"] (the
    order forms' limit)."""
    try:
        return money.parse_money(value, maximum=settings.SELLERDESK["MAX_UNIT_PRICE"])
    except money.NotMoney as error:
        raise ValueError(str(error)) from None


Money = Annotated[Decimal, BeforeValidator(parse_money), PlainSerializer(lambda v: str(to_money(v)), return_type=str)]


def money_at_most(maximum: Decimal) -> Any:
    """Money (as `Money`) of at most `maximum`: the type of a field whose form has a
    smaller limit than the column, so that the API refuses what the form refuses."""

    def parse(value: Any) -> Decimal:
        try:
            return money.parse_money(value, maximum=maximum)
        except money.NotMoney as error:
            raise ValueError(str(error)) from None

    return Annotated[Decimal, BeforeValidator(parse), PlainSerializer(lambda v: str(to_money(v)), return_type=str)]


# The price of one unit on an order line: Money within the order forms' maximum.
UnitPrice = Annotated[
    Decimal, BeforeValidator(parse_unit_price), PlainSerializer(lambda v: str(to_money(v)), return_type=str)
]


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


def _business_date(value: date) -> date:
    try:
        return dates.check_date(value)
    except dates.NotADate as error:
        raise ValueError(str(error)) from None


def _business_datetime(value: datetime) -> datetime:
    try:
        return dates.check_datetime(value)
    except dates.NotADate as error:
        raise ValueError(str(error)) from None


# A date or an aware date and time a shop works with: within core.dates' range (a year
# such as 568 is refused, not stored with that year's time zone offset).
BusinessDate = Annotated[date, AfterValidator(_business_date)]
BusinessDatetime = Annotated[AwareDatetime, AfterValidator(_business_datetime)]

# A time of day on the shop's clock (quiet hours, working hours): no offset, since it
# is the same local time on every day. Published as a pattern, not as JSON Schema's
# "time" format, which is RFC 3339's and requires an offset ("21:00:00" would not match).
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
            "description": "a time of day in the shop's time zone, HH:MM:SS",
        }
    ),
]
