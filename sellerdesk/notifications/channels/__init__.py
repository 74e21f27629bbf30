"""Channel adapters: one interface (base.ChannelAdapter answering a base.SendResult), one
adapter per channel, picked by registry.adapter_for from the settings."""

from sellerdesk.notifications.channels.base import ChannelAdapter, SendResult
from sellerdesk.notifications.channels.registry import adapter_for, register_adapter, unregister_adapter

__all__ = ["ChannelAdapter", "SendResult", "adapter_for", "register_adapter", "unregister_adapter"]
