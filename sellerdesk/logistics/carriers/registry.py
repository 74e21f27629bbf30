"""Adapters by name: a Carrier row names its adapter (Carrier.adapter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.logistics.carriers.base import CarrierAdapter

if TYPE_CHECKING:
    from sellerdesk.logistics.models import Carrier

AdapterFactory = Callable[["Carrier"], CarrierAdapter]
_ADAPTERS: dict[str, AdapterFactory] = {}


def register_adapter(name: str, factory: AdapterFactory) -> None:
    _ADAPTERS[name] = factory


def adapter_names() -> list[str]:
    _load_builtin()
    return sorted(_ADAPTERS)


def adapter_for(carrier: Carrier) -> CarrierAdapter:
    """The adapter of the carrier's system, or ValidationFailed (unknown adapter; the
    simulated carrier where it is off: production without SELLERDESK_SIMULATED_CARRIER=1,
    as its webhooks would be signed with a key from the docs)."""
    _load_builtin()
    if carrier.adapter == "simulated" and not settings.SIMULATED_CARRIER_ENABLED:
        raise ValidationFailed({"adapter": _("the simulated carrier is off in production")})
    factory = _ADAPTERS.get(carrier.adapter)
    if factory is None:
        raise ValidationFailed({"adapter": _("unknown carrier adapter %(name)s") % {"name": carrier.adapter}})
    return factory(carrier)


def _load_builtin() -> None:
    if "simulated" not in _ADAPTERS:
        from sellerdesk.logistics.carriers.simulated import SimulatedCarrier

        register_adapter("simulated", SimulatedCarrier)
    if "kuaidi100" not in _ADAPTERS:
        from sellerdesk.logistics.carriers.kuaidi100 import Kuaidi100Carrier

        register_adapter("kuaidi100", Kuaidi100Carrier)
