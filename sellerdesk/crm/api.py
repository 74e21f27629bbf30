"""/api/v1/customers/{id}/profile, …/addresses, …/tags, …/notes: the customer page as
JSON and the book's writes. Parse, call one query or action (crm.queries,
customers.book), answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.schemas import Money
from sellerdesk.crm import queries
from sellerdesk.customers import book
from sellerdesk.customers.api import CustomerOut, customer_out
from sellerdesk.customers.models import Customer, CustomerAddress, CustomerNote, CustomerTag
from sellerdesk.customers.timeline import timeline_entries

router = Router(tags=["customers"])


class CustomerAddressOut(BaseModel):
    id: int
    label: str
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


class CustomerAddressIn(BaseModel):
    """An address; customers.book checks it and names every bad field."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    province: str = Field(max_length=50)
    city: str = Field(max_length=50)
    detail: str = Field(max_length=300)
    district: str = Field(default="", max_length=50)
    label: str = Field(default="", max_length=40)
    is_default: StrictBool = False


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100)


class CustomerNoteOut(BaseModel):
    id: int
    text: str
    pinned: bool
    author: str
    at: datetime


class CustomerNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=2000)
    pinned: StrictBool = False


class HistoryOut(BaseModel):
    orders: int
    paid_orders: int
    paid: Money
    refunded: Money
    net: Money
    average_order: Money | None
    first_order_at: datetime | None
    last_order_at: datetime | None


class OrderRowOut(BaseModel):
    number: str
    status: str
    created_at: datetime
    total: Money
    paid_amount: Money
    refunded_amount: Money


class ConversationRowOut(BaseModel):
    id: int
    channel: str
    subject: str
    status: str
    last_message_at: datetime


class CaseRowOut(BaseModel):
    number: str
    order: str
    type: str
    reason: str
    status: str
    created_at: datetime
    refunded_amount: Money


class CustomerEventOut(BaseModel):
    at: datetime
    type: str
    title: str
    text: str
    actor: str


class OtherShopOut(BaseModel):
    id: int
    shop: str
    name: str
    order_count: int
    total_spent: Money


class ProfileOut(BaseModel):
    """The customer page's content; `conversations` and `cases` are null for a reader
    who may not see them. `timeline`: newest first, in the request's language."""

    customer: CustomerOut
    addresses: list[CustomerAddressOut]
    tags: list[str]
    notes: list[CustomerNoteOut]
    groups: list[str]
    history: HistoryOut
    recent_orders: list[OrderRowOut]
    conversations: list[ConversationRowOut] | None
    conversation_count: int
    cases: list[CaseRowOut] | None
    case_count: int
    timeline: list[CustomerEventOut]
    same_buyer: list[OtherShopOut]


def address_out(address: CustomerAddress) -> dict[str, Any]:
    return {name: getattr(address, name) for name in CustomerAddressOut.model_fields if name != "id"} | {
        "id": address.pk
    }


def note_out(note: CustomerNote) -> dict[str, Any]:
    return {"id": note.pk, "text": note.text, "pinned": note.pinned, "author": note.author.signature, "at": note.at}


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    return queries.get_customer(customer_id=customer_id, actor=actor_of(request))


def _address(customer: Customer, address_id: int) -> CustomerAddress:
    address = CustomerAddress.objects.filter(customer=customer, pk=address_id).select_related("customer").first()
    if address is None:
        raise NotFound(_("No address %(id)s.") % {"id": address_id}, details={"id": address_id})
    return address


@router.get("/customers/{customer_id}/profile", response={200: ProfileOut, **ERROR_RESPONSES})
def get_profile(request: HttpRequest, customer_id: int) -> Any:
    profile = queries.customer_profile(customer_id=customer_id, actor=actor_of(request))
    return {
        "customer": customer_out(profile.customer),
        "addresses": [address_out(address) for address in profile.addresses],
        "tags": [tag.name for tag in profile.tags],
        "notes": [note_out(note) for note in profile.notes],
        "groups": [group.name for group in profile.groups],
        "history": profile.history.__dict__,
        "recent_orders": [
            {
                "number": order.number,
                "status": order.status,
                "created_at": order.created_at,
                "total": order.total,
                "paid_amount": order.paid_amount,
                "refunded_amount": order.refunded_amount,
            }
            for order in profile.recent_orders
        ],
        "conversations": None
        if profile.conversations is None
        else [
            {
                "id": conversation.pk,
                "channel": conversation.channel,
                "subject": conversation.subject,
                "status": conversation.status,
                "last_message_at": conversation.last_message_at,
            }
            for conversation in profile.conversations
        ],
        "conversation_count": profile.conversation_count,
        "cases": None
        if profile.cases is None
        else [
            {
                "number": case.number,
                "order": case.order.number,
                "type": case.type,
                "reason": case.reason,
                "status": case.status,
                "created_at": case.created_at,
                "refunded_amount": case.refunded_amount,
            }
            for case in profile.cases
        ],
        "case_count": profile.case_count,
        "timeline": [
            {"at": entry.at, "type": entry.kind, "title": entry.title, "text": entry.text, "actor": entry.actor}
            for entry in timeline_entries(profile.events)
        ],
        "same_buyer": [
            {
                "id": other.pk,
                "shop": other.shop.code,
                "name": other.name or other.nickname,
                "order_count": other.order_count,
                "total_spent": other.total_spent,
            }
            for other in profile.same_buyer
        ],
    }


# --- the address book ----------------------------------------------------------------------


@router.get("/customers/{customer_id}/addresses", response={200: list[CustomerAddressOut], **ERROR_RESPONSES})
def list_addresses(request: HttpRequest, customer_id: int) -> Any:
    customer = _customer(request, customer_id)
    return [address_out(address) for address in customer.addresses.order_by("-is_default", "pk")]


@router.post("/customers/{customer_id}/addresses", response={201: CustomerAddressOut, **ERROR_RESPONSES})
def add_address(request: HttpRequest, customer_id: int, payload: CustomerAddressIn) -> Status[Any]:
    customer = _customer(request, customer_id)

    def produce() -> tuple[int, Any]:
        added = book.add_address(
            customer=customer, actor=actor_of(request), address=book.AddressInput(**payload.model_dump())
        )
        return 201, address_out(added)

    return idempotent(request, produce)


@router.put("/customers/{customer_id}/addresses/{address_id}", response={200: CustomerAddressOut, **ERROR_RESPONSES})
def change_address(request: HttpRequest, customer_id: int, address_id: int, payload: CustomerAddressIn) -> Any:
    address = _address(_customer(request, customer_id), address_id)
    changed = book.change_address(
        address=address, actor=actor_of(request), values=book.AddressInput(**payload.model_dump())
    )
    return address_out(changed)


@router.post(
    "/customers/{customer_id}/addresses/{address_id}/default", response={200: CustomerAddressOut, **ERROR_RESPONSES}
)
def make_default_address(request: HttpRequest, customer_id: int, address_id: int) -> Any:
    address = _address(_customer(request, customer_id), address_id)
    return address_out(book.make_default_address(address=address, actor=actor_of(request)))


@router.delete("/customers/{customer_id}/addresses/{address_id}", response={204: None, **ERROR_RESPONSES})
def remove_address(request: HttpRequest, customer_id: int, address_id: int) -> Status[None]:
    address = _address(_customer(request, customer_id), address_id)
    book.remove_address(address=address, actor=actor_of(request))
    return Status(204, None)


# --- tags and notes ------------------------------------------------------------------------


@router.get("/customers/{customer_id}/tags", response={200: list[str], **ERROR_RESPONSES})
def list_tags(request: HttpRequest, customer_id: int) -> Any:
    return list(_customer(request, customer_id).tags.order_by("name").values_list("name", flat=True))


@router.post("/customers/{customer_id}/tags", response={200: list[str], **ERROR_RESPONSES})
def tag_customer(request: HttpRequest, customer_id: int, payload: TagIn) -> Any:
    """Put a tag on the customer by name (created when new); answers the customer's tags."""
    customer = _customer(request, customer_id)
    book.tag_customer(customer=customer, actor=actor_of(request), name=payload.name)
    return list(customer.tags.order_by("name").values_list("name", flat=True))


@router.delete("/customers/{customer_id}/tags/{name}", response={200: list[str], **ERROR_RESPONSES})
def untag_customer(request: HttpRequest, customer_id: int, name: str) -> Any:
    customer = _customer(request, customer_id)
    tag = CustomerTag.objects.filter(name=name).first()
    if tag is None:
        raise NotFound(_("No tag %(name)s.") % {"name": name}, details={"name": name})
    book.untag_customer(customer=customer, actor=actor_of(request), tag=tag)
    return list(customer.tags.order_by("name").values_list("name", flat=True))


@router.get("/customers/{customer_id}/notes", response={200: list[CustomerNoteOut], **ERROR_RESPONSES})
def list_notes(request: HttpRequest, customer_id: int) -> Any:
    customer = _customer(request, customer_id)
    return [note_out(note) for note in CustomerNote.objects.filter(customer=customer).select_related("author")]


@router.post("/customers/{customer_id}/notes", response={201: CustomerNoteOut, **ERROR_RESPONSES})
def add_note(request: HttpRequest, customer_id: int, payload: CustomerNoteIn) -> Status[Any]:
    customer = _customer(request, customer_id)
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        note = book.add_customer_note(customer=customer, actor=actor, text=payload.text, pinned=payload.pinned)
        return 201, note_out(note)

    return idempotent(request, produce)
