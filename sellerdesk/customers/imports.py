"""Customers entered from a file (crm.excel): creating one that no order brought in yet,
and the `imported` entry of the customer's timeline."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerEventType, customer_identity
from sellerdesk.shops.models import Shop


def checked_identity(*, name: str, nickname: str, phone: str) -> tuple[str, str, str]:
    """(name, nickname, phone) cleaned, or a ValidationFailed naming each bad one: a name is
    required, and a nickname or a valid phone to know the buyer by."""
    name, nickname, phone = name.strip(), nickname.strip(), phone.strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 100:
        errors["name"] = _("enter a name of at most 100 characters")
    if len(nickname) > 100:
        errors["nickname"] = _("at most %(count)d characters") % {"count": 100}
    if phone:
        normal = normalize_phone(phone)
        if normal is None:
            errors["phone"] = _("not a valid mainland China mobile or landline number")
        else:
            phone = normal
    if not nickname and not phone and "phone" not in errors:
        errors["nickname"] = _("give a nickname or a phone number")
    if errors:
        raise ValidationFailed(errors)
    return name, nickname, phone


def create_customer(
    *,
    actor: User | None,
    shop: Shop,
    name: str,
    nickname: str = "",
    phone: str = "",
    number: str = "",
    at: datetime | None = None,
) -> Customer:
    """A new customer of `shop`, known by its nickname, else its phone (the identity new
    orders will find it by). A customer with that identity or number in the shop already
    is a Conflict naming the field; nothing is written then."""
    require(actor, "customers.import")
    name, nickname, phone = checked_identity(name=name, nickname=nickname, phone=phone)
    number = number.strip()
    if len(number) > 30:
        raise ValidationFailed({"number": _("at most %(count)d characters") % {"count": 30}})
    identity = customer_identity(nickname=nickname, phone=phone)
    if Customer.objects.filter(shop=shop, identity=identity).exists():
        raise Conflict(
            "duplicate_customer",
            _("The shop has a customer %(identity)s already.") % {"identity": identity},
            details={"field": "nickname" if nickname else "phone"},
        )
    if number and Customer.objects.filter(shop=shop, number=number).exists():
        raise Conflict(
            "duplicate_customer_number",
            _("The shop has a customer numbered %(number)s already.") % {"number": number},
            details={"field": "number"},
        )
    try:
        with transaction.atomic():
            customer = Customer.objects.create(
                shop=shop, identity=identity, nickname=nickname, name=name, phone=phone, number=number
            )
            if at is not None:
                # created_at is auto_now_add; an import dated by the caller keeps its time.
                Customer.objects.filter(pk=customer.pk).update(created_at=at)
                customer.created_at = at
    except IntegrityError:  # the same buyer's first order arrived at this moment
        raise Conflict(
            "duplicate_customer",
            _("The shop has a customer %(identity)s already.") % {"identity": identity},
            details={"field": "nickname" if nickname else "phone"},
        ) from None
    return customer


def record_imported(
    *, customer: Customer, actor: User | None, file: str, line: int, created: bool, at: datetime | None = None
) -> CustomerEvent:
    """The customer's timeline entry for a row of an imported file that created or changed it."""
    require(actor, "customers.import")
    return CustomerEvent.objects.create(
        customer=customer,
        type=CustomerEventType.IMPORTED,
        actor=actor,
        at=at or timezone.now(),
        data={"file": file[:200], "line": line, "created": created},
    )
