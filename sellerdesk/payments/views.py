"""The payments part of the staff order page: recording a payment ("pay" move)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from sellerdesk.core.models import User
from sellerdesk.orders.forms import PaymentForm
from sellerdesk.orders.models import Order
from sellerdesk.orders.views import Move
from sellerdesk.payments import actions


def pay(order: Order, actor: User, form: PaymentForm) -> object:
    data = form.cleaned_data
    return actions.record_payment(
        order=order, amount=data["amount"], method=data["method"], reference=data["reference"], actor=actor
    )


# Posted to the order page like its other moves (orders.views.MOVES); the URL is the order's.
PAY = Move(gettext_lazy("Record payment"), "orders.pay", PaymentForm, pay, gettext_lazy("Payment recorded."))
