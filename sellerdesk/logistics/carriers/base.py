"""The interface every carrier adapter implements.

An adapter speaks to one carrier's system: it books a shipment (the carrier answers
with a tracking number and what goes on the label; the same idempotency key books
once, however often it is sent), cancels one not yet picked up,
reports the tracking events it knows, and checks that a webhook really came from the
carrier. Everything crossing the boundary is a plain dataclass, so the rest of
sellerdesk never sees a carrier's own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sellerdesk.core.errors import DomainError


class BadSignature(DomainError):
    code = "bad_signature"
    status = 401


class OutOfArea(DomainError):
    """The carrier does not deliver to the address (超区)."""

    code = "out_of_area"
    status = 409


class CarrierUnavailable(DomainError):
    """The carrier's system did not answer (a timeout, a network error): whether it booked
    is unknown, so the booking stays requested and the worker asks again with its key."""

    code = "carrier_unavailable"
    status = 503


@dataclass(frozen=True)
class Party:
    name: str
    phone: str
    province: str
    city: str
    district: str
    detail: str

    @property
    def address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Party:
        return cls(data["name"], data["phone"], data["province"], data["city"], data["district"], data["detail"])


@dataclass(frozen=True)
class ShipmentRequest:
    """What the seller asks the carrier to carry."""

    reference: str  # the order number: the carrier prints it and answers with it
    sender: Party
    receiver: Party
    weight_grams: int | None = None
    cod_amount: Decimal = Decimal("0.00")
    # Adapter-specific wishes; the simulated carrier reads "scenario" (see simulated.py).
    options: dict[str, Any] = field(default_factory=dict)
    # Sent with the booking: a carrier that has booked this key answers with that parcel
    # again instead of booking another (a retry after a crash must not book twice).
    idempotency_key: str = ""

    def as_json(self) -> dict[str, Any]:
        """What is kept on the Shipment while the booking is requested, so that a retry
        asks the carrier exactly the same."""
        return {
            "reference": self.reference,
            "sender": self.sender.as_json(),
            "receiver": self.receiver.as_json(),
            "weight_grams": self.weight_grams,
            "cod_amount": str(self.cod_amount),
            "options": self.options,
            "idempotency_key": self.idempotency_key,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShipmentRequest:
        return cls(
            reference=data["reference"],
            sender=Party.from_json(data["sender"]),
            receiver=Party.from_json(data["receiver"]),
            weight_grams=data["weight_grams"],
            cod_amount=Decimal(data["cod_amount"]),
            options=dict(data["options"]),
            idempotency_key=data["idempotency_key"],
        )


@dataclass(frozen=True)
class LabelData:
    """What the shipping label (面单) shows."""

    tracking_number: str
    carrier_code: str
    carrier_name: str
    sender: Party
    receiver: Party
    routing_code: str  # 大头笔 / 三段码: where the sorting centres send it
    cod_amount: Decimal
    weight_grams: int | None
    reference: str

    def as_json(self) -> dict[str, Any]:
        return {
            "tracking_number": self.tracking_number,
            "carrier_code": self.carrier_code,
            "carrier_name": self.carrier_name,
            "sender": self.sender.as_json(),
            "receiver": self.receiver.as_json(),
            "routing_code": self.routing_code,
            "cod_amount": str(self.cod_amount),
            "weight_grams": self.weight_grams,
            "reference": self.reference,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelData:
        return cls(
            tracking_number=data["tracking_number"],
            carrier_code=data["carrier_code"],
            carrier_name=data["carrier_name"],
            sender=Party.from_json(data["sender"]),
            receiver=Party.from_json(data["receiver"]),
            routing_code=data["routing_code"],
            cod_amount=Decimal(data["cod_amount"]),
            weight_grams=data["weight_grams"],
            reference=data["reference"],
        )


@dataclass(frozen=True)
class CreatedShipment:
    tracking_number: str
    label: LabelData
    # Kept on our Shipment and handed back to the adapter with every call about it.
    carrier_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParcelRef:
    """A shipment as an adapter needs to see it again."""

    tracking_number: str
    created_at: datetime
    handed_over_at: datetime | None
    carrier_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CarrierTrackingEvent:
    """One scan, in sellerdesk's words (kind is a logistics.models.TrackingKind value)."""

    event_id: str
    tracking_number: str
    kind: str
    at: datetime
    location: str = ""
    description: str = ""


class CarrierAdapter(Protocol):
    """One carrier system. `carrier` is the Carrier row the adapter serves."""

    name: str

    def create_shipment(self, request: ShipmentRequest) -> CreatedShipment:
        """Book the parcel; raises OutOfArea when the carrier cannot deliver there, another
        DomainError when it refuses for another reason, CarrierUnavailable when it cannot
        be reached. A request with an idempotency key the carrier has booked already
        answers with that booking. Called outside any database transaction."""
        ...

    def cancel_shipment(self, parcel: ParcelRef) -> None:
        """Cancel a booked parcel the carrier has not picked up (截单 before hand-over)."""
        ...

    def fetch_events(self, parcel: ParcelRef, *, now: datetime) -> list[CarrierTrackingEvent]:
        """Every event the carrier knows for the parcel up to `now`, oldest first (polling)."""
        ...

    def verify_signature(self, body: bytes, headers: dict[str, str]) -> bool:
        """Whether a webhook body was signed by the carrier (headers lower-cased)."""
        ...

    def parse_webhook(self, body: bytes) -> list[CarrierTrackingEvent]:
        """The events in a webhook body whose signature was verified; ValidationFailed if malformed."""
        ...
