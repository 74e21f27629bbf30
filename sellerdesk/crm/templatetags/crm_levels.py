"""`{% levels_for customer as levels %}`: the levels a customer may hold (its shop's and the
global ones, best first), for the level form that the customer page includes."""

from __future__ import annotations

from django import template
from django.db.models import Q

from sellerdesk.customers.models import Customer, CustomerLevel

register = template.Library()


@register.simple_tag
def levels_for(customer: Customer) -> list[CustomerLevel]:
    return list(
        CustomerLevel.objects.filter(Q(shop__isnull=True) | Q(shop_id=customer.shop_id)).order_by("-rank", "code", "pk")
    )
