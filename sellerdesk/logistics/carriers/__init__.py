"""Carrier adapters: one interface (base.CarrierAdapter), one adapter per carrier system,
found by the name stored on the Carrier (registry.adapter_for)."""

from sellerdesk.logistics.carriers.base import (
    BadSignature,
    CarrierAdapter,
    CarrierTrackingEvent,
    CarrierUnavailable,
    CreatedShipment,
    LabelData,
    OutOfArea,
    ParcelRef,
    Party,
    ShipmentRequest,
)
from sellerdesk.logistics.carriers.registry import adapter_for, register_adapter

__all__ = [
    "BadSignature",
    "CarrierAdapter",
    "CarrierTrackingEvent",
    "CarrierUnavailable",
    "CreatedShipment",
    "LabelData",
    "OutOfArea",
    "ParcelRef",
    "Party",
    "ShipmentRequest",
    "adapter_for",
    "register_adapter",
]
