from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import to_money
from sellerdesk.core.permissions import Role, require
from sellerdesk.customers.models import (
    Customer,
    CustomerEvent,
    CustomerEventType,
    CustomerLevel,
    TransportMode,
    customer_identity,
)
from sellerdesk.shops.models import Shop


def count_order_of_buyer(*, shop: Shop, name: str, phone: str, nickname: str, at: datetime) -> int:
    """The id of the shop's customer for this buyer (by nickname, else by phone), created
    if new, with one more order counted and `at` as its last order if later — in a single
    statement, race-free.

    An identity merged into another customer (crm.merging) counts the order to the
    customer it was merged into, and returns that one's id: a second statement, only then.
    """
    table = Customer._meta.db_table
    # Adapted as the ORM stores it, so that ORM filters on these columns compare alike.
    when = connection.ops.adapt_datetimefield_value(at)
    later = (
        f"CASE WHEN {table}.last_order_at IS NULL OR {table}.last_order_at < %s THEN %s ELSE {table}.last_order_at END"
    )
    with connection.cursor() as cursor:
        # The WHERE leaves a merged duplicate's row alone (no row is returned); on
        # PostgreSQL the conflicting row is locked and read at its latest committed
        # version, so a merge that committed meanwhile is seen.
        cursor.execute(
            f"INSERT INTO {table} (shop_id, identity, nickname, name, phone, order_count, total_spent, created_at, "  # noqa: S608
            "last_order_at) VALUES (%s, %s, %s, %s, %s, 1, 0, %s, %s) "
            f"ON CONFLICT (shop_id, identity) DO UPDATE SET order_count = {table}.order_count + 1, "
            f"last_order_at = {later} WHERE {table}.merged_into_id IS NULL "
            "RETURNING id",
            [shop.pk, customer_identity(nickname=nickname, phone=phone), nickname, name, phone, when, when, when, when],
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        cursor.execute(
            f"SELECT merged_into_id FROM {table} WHERE shop_id = %s AND identity = %s",  # noqa: S608
            [shop.pk, customer_identity(nickname=nickname, phone=phone)],
        )
        target = cursor.fetchone()[0]
        # A merge chain is one step long (a merge repoints earlier merges), but the kept
        # customer may itself be merged while we look: follow it, a few steps at most.
        for _step in range(10):
            cursor.execute(
                f"UPDATE {table} SET order_count = order_count + 1, last_order_at = {later} "  # noqa: S608
                "WHERE id = %s AND merged_into_id IS NULL RETURNING id",
                [when, when, target],
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            cursor.execute(f"SELECT merged_into_id FROM {table} WHERE id = %s", [target])  # noqa: S608
            target = cursor.fetchone()[0]
    raise RuntimeError(
        f"customer merge chain too long from {shop.pk}/{customer_identity(nickname=nickname, phone=phone)}"
    )


def add_spending(*, customer_id: int, amount: Decimal) -> None:
    """Money actually paid by the customer; refunds pass a negative amount."""
    Customer.objects.filter(pk=customer_id).update(total_spent=F("total_spent") + amount)


# Fields of a customer's profile and terms that `update_customer` may change, with the
# permission each needs. Credit and terms are the owner's or a supervisor's decision.
EDITABLE_FIELDS: dict[str, str] = {
    "level": "customers.edit",
    "is_b2b": "customers.edit",
    "credit_limit": "customers.edit",
    "payment_terms_days": "customers.edit",
    "discount_note": "customers.edit",
    "agent": "customers.edit",
    "delivery_area": "customers.edit",
    "unloading_notes": "customers.edit",
    "delivery_requirements": "customers.edit",
    "delayed_order_handling": "customers.edit",
    "number": "customers.edit",
    "route_order": "customers.edit",
    "transport_mode": "customers.edit",
    "vehicle": "customers.edit",
}
MAX_ROUTE_ORDER = 999_999
MAX_PAYMENT_TERMS_DAYS = 365
MAX_CREDIT_LIMIT = Decimal("99999999.99")
_AGENT_ROLES = frozenset({Role.OWNER, Role.SUPERVISOR, Role.AGENT})


def create_customer_level(
    *, actor: User | None, code: str, name: str, rank: int = 0, shop: Shop | None
) -> CustomerLevel:
    """A new customer level for one shop, or for every shop when `shop` is None.

    A code already used in the same scope is a Conflict("duplicate_level")."""
    require(actor, "customers.edit")
    code, name = code.strip(), name.strip()
    errors: dict[str, str] = {}
    if not code or len(code) > 40 or not all(char.isalnum() or char in "-_" for char in code):
        errors["code"] = _("use 1–40 letters, digits, - or _")
    if not name or len(name) > 50:
        errors["name"] = _("enter a name of at most 50 characters")
    if not 0 <= rank <= 32767:
        errors["rank"] = _("must be between 0 and 32767")
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            return CustomerLevel.objects.create(shop=shop, code=code, name=name, rank=rank)
    except IntegrityError:
        raise Conflict(
            "duplicate_level",
            _("A customer level %(code)s exists already.") % {"code": code},
            details={"field": "code"},
        ) from None


def _validated_change(customer: Customer, field: str, value: Any) -> Any:
    """The value to store for `field`, or a ValueError saying why it may not be."""
    if field == "level":
        if value is not None and (
            not isinstance(value, CustomerLevel) or value.shop_id not in (None, customer.shop_id)
        ):
            raise ValueError(_("this level belongs to another shop"))
        return value
    if field == "agent":
        if value is not None and (not isinstance(value, User) or not value.is_active or value.role not in _AGENT_ROLES):
            raise ValueError(_("must be an active owner, supervisor or agent"))
        return value
    if field == "is_b2b":
        if not isinstance(value, bool):
            raise ValueError(_("must be true or false"))
        return value
    if field == "credit_limit":
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > MAX_CREDIT_LIMIT:
            raise ValueError(_("must be an amount from 0.00 to %(max)s") % {"max": MAX_CREDIT_LIMIT})
        if value != value.quantize(Decimal("0.01")):
            raise ValueError(_("at most 2 decimal places"))
        return to_money(value)
    if field == "payment_terms_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAYMENT_TERMS_DAYS:
            raise ValueError(_("must be a whole number of days from 0 to %(max)s") % {"max": MAX_PAYMENT_TERMS_DAYS})
        return value
    if field == "route_order":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ROUTE_ORDER
        ):
            raise ValueError(_("must be a whole number from 0 to %(max)s, or empty") % {"max": MAX_ROUTE_ORDER})
        return value
    if field == "transport_mode":
        if value not in ("", *TransportMode.values):
            raise ValueError(_("unknown transport mode %(mode)s") % {"mode": value})
        return value
    if field == "number":
        if not isinstance(value, str):
            raise ValueError(_("must be text"))
        value = value.strip()
        if len(value) > 30 or not all(char.isalnum() or char in "-_" for char in value):
            raise ValueError(_("use at most 30 letters, digits, - or _"))
        if value and Customer.objects.filter(shop_id=customer.shop_id, number=value).exclude(pk=customer.pk).exists():
            raise ValueError(_("another customer of this shop has the number %(number)s") % {"number": value})
        return value
    # The free-text profile fields.
    if not isinstance(value, str):
        raise ValueError(_("must be text"))
    model_field = Customer._meta.get_field(field)
    max_length = getattr(model_field, "max_length", None) or 0
    value = value.strip()
    if len(value) > max_length:
        raise ValueError(_("at most %(count)d characters") % {"count": max_length})
    return value


def _audit_value(value: Any) -> Any:
    """How a value appears in the audit event: ids and codes, amounts as strings."""
    if isinstance(value, CustomerLevel):
        return value.code
    if isinstance(value, User):
        return value.pk
    if isinstance(value, Decimal):
        return str(to_money(value))
    return value


def update_customer(*, customer: Customer, actor: User | None, changes: Mapping[str, Any]) -> Customer:
    """Change a customer's profile and terms: `changes` maps field names of EDITABLE_FIELDS
    to new values (a CustomerLevel or None for `level`, a User or None for `agent`).

    Every value is checked first; a bad one is a ValidationFailed naming each bad field
    and nothing is written. The changed fields are audited with before and after in one
    `profile_changed` event; a call that changes nothing writes nothing.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed({field: _("not a field that can be changed") for field in unknown})
    for permission in sorted({EDITABLE_FIELDS[field] for field in changes}):
        require(actor, permission)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for field, value in changes.items():
        try:
            values[field] = _validated_change(customer, field, value)
        except ValueError as error:
            errors[field] = str(error)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        customer = Customer.objects.select_related("level", "agent").select_for_update(of=("self",)).get(pk=customer.pk)
        diff: dict[str, dict[str, Any]] = {}
        for field, value in values.items():
            before = getattr(customer, field)
            if before != value:
                diff[field] = {"before": _audit_value(before), "after": _audit_value(value)}
                setattr(customer, field, value)
        if not diff:
            return customer
        try:
            with transaction.atomic():
                customer.save(update_fields=sorted(diff))
        except IntegrityError:
            # The number was taken between the check above and this write.
            raise ValidationFailed(
                {"number": _("another customer of this shop has the number %(number)s") % {"number": customer.number}}
            ) from None
        CustomerEvent.objects.create(
            customer=customer,
            type=CustomerEventType.PROFILE_CHANGED,
            actor=actor,
            at=timezone.now(),
            data={"changes": diff},
        )
    return customer
