from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from sellerdesk.customers.models import Customer
from sellerdesk.shops.models import Shop


def find_or_create_customer(*, shop: Shop, name: str, phone: str, nickname: str) -> Customer:
    """The shop's customer for this buyer: by nickname when given, else by phone."""
    lookup = {"nickname": nickname} if nickname else {"nickname": "", "phone": phone}
    customer = Customer.objects.filter(shop=shop, **lookup).first()
    if customer is not None:
        return customer
    try:
        with transaction.atomic():
            return Customer.objects.create(shop=shop, name=name, phone=phone, nickname=nickname)
    except IntegrityError:
        # Another order of the same new buyer created it a moment ago.
        return Customer.objects.get(shop=shop, **lookup)


def count_order(*, customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(order_count=F("order_count") + 1)


def add_spending(*, customer_id: int, amount: Decimal) -> None:
    """Money actually paid by the customer; refunds pass a negative amount."""
    Customer.objects.filter(pk=customer_id).update(total_spent=F("total_spent") + amount)
