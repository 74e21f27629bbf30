"""`{{ order.carrier|carrier_name }}`: the carrier an order names, by its name for people.

An order keeps the carrier as it was given (a code such as "SF" or "yunda", or a name as
a marketplace file wrote it); the page shows the carrier's name when logistics knows it."""

from __future__ import annotations

from django import template

from sellerdesk.core.hooks import PortNotProvided
from sellerdesk.orders.hooks import CARRIER_NAME

register = template.Library()


@register.filter
def carrier_name(named: str) -> str:
    """The name of the carrier `named` names; `named` itself when none is known."""
    if not named:
        return ""
    try:
        return CARRIER_NAME.get()(named) or named
    except PortNotProvided:
        return named
