"""What staff keep about a customer besides the profile: the address book (收货地址), tags
(会员标签) and notes (备注).

Every write is one action here: permission checked (customers.note: the agents who talk to
the customer keep these), the values checked before anything is written, the customer's
row locked so that two agents editing one address book cannot leave it with two default
addresses or none, and one CustomerEvent written in the same transaction (data formats:
the customer timeline, customers.timeline).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.customers.models import (
    Customer,
    CustomerAddress,
    CustomerEvent,
    CustomerEventType,
    CustomerNote,
    CustomerTag,
)

NOTE_MAX_LENGTH = 1000
# How much of a note the timeline keeps: the note itself is on the page.
NOTE_EVENT_LENGTH = 80


@dataclass(frozen=True)
class AddressInput:
    """An address as typed on the page or sent to the API, before it is checked."""

    name: str
    phone: str
    province: str
    city: str
    detail: str
    district: str = ""
    label: str = ""
    is_default: bool = False


def one_line(address: CustomerAddress) -> str:
    """The address as the timeline shows it: recipient, phone, then the address."""
    place = f"{address.province}{address.city}{address.district}{address.detail}"
    return f"{address.name} {address.phone} {place}"


def _write_event(customer: Customer, event_type: str, actor: User | None, at: datetime, **data: object) -> None:
    CustomerEvent.objects.create(customer=customer, type=event_type, actor=actor, at=at, data=data)


def _locked_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _checked_address(values: AddressInput) -> dict[str, object]:
    """The address's fields to store, or a ValidationFailed naming every bad one."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    limits = {"label": 40, "name": 100, "province": 50, "city": 50, "district": 50, "detail": 300}
    required = {"name", "province", "city", "detail"}
    for field, limit in limits.items():
        text = str(getattr(values, field) or "").strip()
        if field in required and not text:
            errors[field] = _("is required")
        elif len(text) > limit:
            errors[field] = _("at most %(count)d characters") % {"count": limit}
        cleaned[field] = text
    phone = normalize_phone(values.phone or "")
    if phone is None:
        errors["phone"] = _("enter a mainland mobile or landline number")
    cleaned["phone"] = phone or ""
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def add_address(
    *, customer: Customer, actor: User | None, address: AddressInput, at: datetime | None = None
) -> CustomerAddress:
    """Add an address to the customer's book. The first address, or one marked default,
    becomes the default (the one before it stops being it)."""
    require(actor, "customers.note")
    fields = _checked_address(address)
    at = at or timezone.now()
    with transaction.atomic():
        customer = _locked_customer(customer)
        has_default = CustomerAddress.objects.filter(customer=customer, is_default=True).exists()
        is_default = address.is_default or not has_default
        if is_default and has_default:
            CustomerAddress.objects.filter(customer=customer, is_default=True).update(is_default=False)
        added = CustomerAddress.objects.create(customer=customer, is_default=is_default, created_at=at, **fields)
        _write_event(customer, CustomerEventType.ADDRESS_ADDED, actor, at, address=one_line(added))
    return added


def _locked_address(address: CustomerAddress) -> tuple[Customer, CustomerAddress]:
    """The address's customer locked first (the fixed lock order), then the address as stored."""
    customer = _locked_customer(address.customer)
    found = CustomerAddress.objects.filter(pk=address.pk, customer=customer).first()
    if found is None:
        raise NotFound(_("No address %(id)s.") % {"id": address.pk}, details={"id": address.pk})
    return customer, found


def change_address(
    *, address: CustomerAddress, actor: User | None, values: AddressInput, at: datetime | None = None
) -> CustomerAddress:
    """Replace an address's fields with `values`. Marking it default takes the mark from
    the one that had it; the default address cannot be unmarked here (make another one
    the default instead), so the book always has one. Nothing changed: nothing written."""
    require(actor, "customers.note")
    fields = _checked_address(values)
    at = at or timezone.now()
    with transaction.atomic():
        customer, address = _locked_address(address)
        changed = [name for name, value in fields.items() if getattr(address, name) != value]
        make_default = values.is_default and not address.is_default
        if not changed and not make_default:
            return address
        if make_default:
            CustomerAddress.objects.filter(customer=customer, is_default=True).update(is_default=False)
            address.is_default = True
            changed.append("is_default")
        for name in changed:
            if name != "is_default":
                setattr(address, name, fields[name])
        address.save(update_fields=changed)
        _write_event(customer, CustomerEventType.ADDRESS_CHANGED, actor, at, address=one_line(address))
    return address


def make_default_address(
    *, address: CustomerAddress, actor: User | None, at: datetime | None = None
) -> CustomerAddress:
    """Make this the customer's default address (默认收货地址). Already the default: nothing written."""
    require(actor, "customers.note")
    at = at or timezone.now()
    with transaction.atomic():
        customer, address = _locked_address(address)
        if address.is_default:
            return address
        CustomerAddress.objects.filter(customer=customer, is_default=True).update(is_default=False)
        address.is_default = True
        address.save(update_fields=["is_default"])
        _write_event(customer, CustomerEventType.ADDRESS_CHANGED, actor, at, address=one_line(address))
    return address


def remove_address(*, address: CustomerAddress, actor: User | None, at: datetime | None = None) -> None:
    """Remove an address from the book; when it was the default, the oldest remaining
    address becomes the default."""
    require(actor, "customers.note")
    at = at or timezone.now()
    with transaction.atomic():
        customer, address = _locked_address(address)
        line = one_line(address)
        was_default = address.is_default
        address.delete()
        if was_default:
            successor = CustomerAddress.objects.filter(customer=customer).order_by("pk").first()
            if successor is not None:
                CustomerAddress.objects.filter(pk=successor.pk).update(is_default=True)
        _write_event(customer, CustomerEventType.ADDRESS_REMOVED, actor, at, address=line)


def _checked_tag_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"tag": _("is required")})
    if len(name) > 40:
        raise ValidationFailed({"tag": _("at most %(count)d characters") % {"count": 40}})
    return name


def tag_customer(*, customer: Customer, actor: User | None, name: str, at: datetime | None = None) -> CustomerTag:
    """Put the tag called `name` on the customer, creating the tag when no tag has that
    name yet. Already tagged: nothing written."""
    require(actor, "customers.note")
    name = _checked_tag_name(name)
    at = at or timezone.now()
    with transaction.atomic():
        customer = _locked_customer(customer)
        tag = CustomerTag.objects.filter(name=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = CustomerTag.objects.create(name=name)
            except IntegrityError:  # created at the same moment by someone else
                tag = CustomerTag.objects.get(name=name)
        if customer.tags.filter(pk=tag.pk).exists():
            return tag
        customer.tags.add(tag)
        _write_event(customer, CustomerEventType.TAGGED, actor, at, tag=tag.name)
    return tag


def untag_customer(*, customer: Customer, actor: User | None, tag: CustomerTag, at: datetime | None = None) -> None:
    """Take the tag off the customer (the tag stays for others). Not tagged: nothing written."""
    require(actor, "customers.note")
    at = at or timezone.now()
    with transaction.atomic():
        customer = _locked_customer(customer)
        if not customer.tags.filter(pk=tag.pk).exists():
            return
        customer.tags.remove(tag)
        _write_event(customer, CustomerEventType.UNTAGGED, actor, at, tag=tag.name)


def add_customer_note(
    *, customer: Customer, actor: User, text: str, pinned: bool = False, at: datetime | None = None
) -> CustomerNote:
    """A staff note about the customer (对不同买家进行不同备注); the timeline keeps its start."""
    require(actor, "customers.note")
    text = text.strip()
    if not text:
        raise ValidationFailed({"text": _("write something")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationFailed({"text": _("at most %(count)d characters") % {"count": NOTE_MAX_LENGTH}})
    at = at or timezone.now()
    with transaction.atomic():
        note = CustomerNote.objects.create(customer=customer, author=actor, text=text, pinned=pinned, at=at)
        _write_event(customer, CustomerEventType.NOTE_ADDED, actor, at, note=text[:NOTE_EVENT_LENGTH])
    return note
