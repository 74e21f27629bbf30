"""Buyer groups (买家群): named lists of customers kept by hand — create, rename, delete,
add and remove members. Every membership change is audited on the customer's timeline
(group_joined / group_left with {"group": name})."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerEventType, CustomerGroup

# Who may keep the groups: the same roles that edit customers' profiles.
PERMISSION = "customers.edit"
MAX_MEMBERS_PER_CALL = 10_000

Membership = CustomerGroup.members.through


def _checked(name: str, description: str) -> tuple[str, str]:
    name, description = name.strip(), description.strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 60:
        errors["name"] = _("enter a name of at most 60 characters")
    if len(description) > 300:
        errors["description"] = _("at most %(count)d characters") % {"count": 300}
    if errors:
        raise ValidationFailed(errors)
    return name, description


def _duplicate(name: str) -> Conflict:
    return Conflict(
        "duplicate_group",
        _("A buyer group named %(name)s exists already.") % {"name": name},
        details={"field": "name"},
    )


def get_group(*, group_id: int, actor: User | None) -> CustomerGroup:
    require(actor, "customers.view")
    group = CustomerGroup.objects.filter(pk=group_id).first()
    if group is None:
        raise NotFound(_("No buyer group %(id)s.") % {"id": group_id}, details={"id": group_id})
    return group


def group_members(*, group: CustomerGroup, actor: User | None) -> QuerySet[Customer]:
    """The group's customers, newest first."""
    require(actor, "customers.view")
    return Customer.objects.filter(groups=group).order_by("-created_at", "-pk")


def create_group(*, actor: User | None, name: str, description: str = "", at: datetime | None = None) -> CustomerGroup:
    """A new, empty buyer group; a bad name is a ValidationFailed, a taken one a Conflict."""
    require(actor, PERMISSION)
    name, description = _checked(name, description)
    try:
        with transaction.atomic():
            return CustomerGroup.objects.create(name=name, description=description, created_at=at or timezone.now())
    except IntegrityError:
        raise _duplicate(name) from None


def update_group(
    *, actor: User | None, group: CustomerGroup, name: str | None = None, description: str | None = None
) -> CustomerGroup:
    """Rename a group or change its description (only what is passed)."""
    require(actor, PERMISSION)
    new_name, new_description = _checked(
        group.name if name is None else name, group.description if description is None else description
    )
    try:
        with transaction.atomic():
            locked = CustomerGroup.objects.select_for_update().get(pk=group.pk)
            if (locked.name, locked.description) == (new_name, new_description):
                return locked
            locked.name, locked.description = new_name, new_description
            locked.save(update_fields=["name", "description"])
            return locked
    except IntegrityError:
        raise _duplicate(new_name) from None


def _events(
    customer_ids: Iterable[int], *, kind: str, group: CustomerGroup, actor: User | None, at: datetime
) -> list[CustomerEvent]:
    return [
        CustomerEvent(customer_id=customer_id, type=kind, at=at, actor=actor, data={"group": group.name})
        for customer_id in customer_ids
    ]


def delete_group(*, actor: User | None, group: CustomerGroup, at: datetime | None = None) -> int:
    """Delete a group; each member's timeline says it left (group_left). Returns how many
    members it had. The customers themselves are untouched."""
    require(actor, PERMISSION)
    at = at or timezone.now()
    with transaction.atomic():
        locked = CustomerGroup.objects.select_for_update().filter(pk=group.pk).first()
        if locked is None:
            return 0
        member_ids = list(Membership.objects.filter(customergroup=locked).values_list("customer_id", flat=True))
        CustomerEvent.objects.bulk_create(
            _events(sorted(member_ids), kind=CustomerEventType.GROUP_LEFT, group=locked, actor=actor, at=at),
            batch_size=1000,
        )
        locked.delete()
    return len(member_ids)


def _customer_ids(customers: Iterable[Customer | int]) -> list[int]:
    ids = sorted({customer if isinstance(customer, int) else customer.pk for customer in customers})
    if len(ids) > MAX_MEMBERS_PER_CALL:
        raise ValidationFailed(
            {"customers": _("at most %(n)s customers at a time") % {"n": MAX_MEMBERS_PER_CALL}},
        )
    return ids


def add_members(
    *, actor: User | None, group: CustomerGroup, customers: Iterable[Customer | int], at: datetime | None = None
) -> int:
    """Add customers (objects or ids) to the group; those already in it are left alone.
    An unknown id is a ValidationFailed and nothing is added. Returns how many joined."""
    require(actor, PERMISSION)
    ids = _customer_ids(customers)
    at = at or timezone.now()
    with transaction.atomic():
        locked = CustomerGroup.objects.select_for_update().get(pk=group.pk)
        known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [customer_id for customer_id in ids if customer_id not in known]
        if unknown:
            raise ValidationFailed({"customers": _("no customer %(ids)s") % {"ids": ", ".join(map(str, unknown[:20]))}})
        present = set(
            Membership.objects.filter(customergroup=locked, customer_id__in=ids).values_list("customer_id", flat=True)
        )
        joining = [customer_id for customer_id in ids if customer_id not in present]
        Membership.objects.bulk_create(
            [Membership(customergroup=locked, customer_id=customer_id) for customer_id in joining], batch_size=1000
        )
        CustomerEvent.objects.bulk_create(
            _events(joining, kind=CustomerEventType.GROUP_JOINED, group=locked, actor=actor, at=at), batch_size=1000
        )
    return len(joining)


def remove_members(
    *, actor: User | None, group: CustomerGroup, customers: Iterable[Customer | int], at: datetime | None = None
) -> int:
    """Take customers out of the group; those not in it are ignored. Returns how many left."""
    require(actor, PERMISSION)
    ids = _customer_ids(customers)
    at = at or timezone.now()
    with transaction.atomic():
        locked = CustomerGroup.objects.select_for_update().get(pk=group.pk)
        leaving = sorted(
            Membership.objects.filter(customergroup=locked, customer_id__in=ids).values_list("customer_id", flat=True)
        )
        Membership.objects.filter(customergroup=locked, customer_id__in=leaving).delete()
        CustomerEvent.objects.bulk_create(
            _events(leaving, kind=CustomerEventType.GROUP_LEFT, group=locked, actor=actor, at=at), batch_size=1000
        )
    return len(leaving)
