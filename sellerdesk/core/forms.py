"""Form fields shared by the staff pages: money and dates read as the API reads them
(core.money, core.dates)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from sellerdesk.core import dates
from sellerdesk.core.money import NotMoney, parse_money

# Large enough for every money column (max_digits 14); the field's own max_value bounds it.
_WIDEST = Decimal("999999999999.99")


class MoneyField(forms.DecimalField):
    """An amount of money read by core.money.parse_money, the API's and the importers'
    reader: "1e3", NaN, Infinity and more than 2 decimals are refused as invalid. The
    range is the field's min_value / max_value, checked as a DecimalField checks it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs say int
        if value in self.empty_values:
            return None
        try:
            return parse_money(
                value if isinstance(value, (int, Decimal)) else str(value), minimum=None, maximum=_WIDEST
            )
        except NotMoney as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class BusinessDateField(forms.DateField):
    """A DateField whose date must lie within core.dates' range (2000..2099), as the API's
    BusinessDate: a year such as 568 or 9999 is refused as invalid."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            try:
                dates.check_date(value)
            except dates.NotADate as error:
                raise forms.ValidationError(str(error), code="invalid") from None


class BusinessDateTimeField(forms.DateTimeField):
    """A DateTimeField within core.dates' range, as the API's BusinessDatetime."""

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None:
            try:
                dates.check_datetime(value)
            except dates.NotADate as error:
                raise forms.ValidationError(str(error), code="invalid") from None
