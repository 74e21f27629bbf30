"""Adapters by channel, chosen by settings.SELLERDESK["NOTIFICATIONS"]."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.notifications.channels.base import ChannelAdapter
from sellerdesk.notifications.channels.email import EmailAdapter
from sellerdesk.notifications.channels.im import ImAdapter
from sellerdesk.notifications.channels.in_site import InSiteAdapter
from sellerdesk.notifications.channels.sms import sms_adapter
from sellerdesk.notifications.channels.webhook import WebhookAdapter

AdapterFactory = Callable[[], ChannelAdapter]

_BUILTIN: dict[str, AdapterFactory] = {
    "sms": sms_adapter,
    "email": EmailAdapter,
    "webhook": WebhookAdapter,
    "in_site": InSiteAdapter,
    "im": ImAdapter,
}
_OVERRIDES: dict[str, AdapterFactory] = {}


def register_adapter(channel: str, factory: AdapterFactory) -> None:
    """Use `factory` for `channel` from now on (a test's fake, a new provider)."""
    _OVERRIDES[channel] = factory


def unregister_adapter(channel: str) -> None:
    """Back to the built-in adapter for `channel` (a test undoes its register_adapter)."""
    _OVERRIDES.pop(channel, None)


def adapter_for(channel: str) -> ChannelAdapter:
    """The adapter that sends on `channel` (a Channel value), chosen by the settings (SMS:
    SMS_PROVIDER "simulated" or "aliyun"). A fresh adapter per call, so that a change of
    settings is seen at once; adapters keep no connection between sends."""
    factory = _OVERRIDES.get(channel) or _BUILTIN.get(channel)
    if factory is None:
        raise ValidationFailed({"channel": _("unknown channel %(name)s") % {"name": channel}})
    return factory()
