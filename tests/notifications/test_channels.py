"""The adapter registry, and the channels that stay on the machine (in-site, chat)."""

from __future__ import annotations

import pytest

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.notifications.channels import SendResult, adapter_for, register_adapter, unregister_adapter
from sellerdesk.notifications.channels.email import EmailAdapter
from sellerdesk.notifications.channels.im import ImAdapter
from sellerdesk.notifications.channels.in_site import InSiteAdapter
from sellerdesk.notifications.channels.webhook import WebhookAdapter
from sellerdesk.notifications.models import Channel, OutgoingMessage


def test_every_channel_has_an_adapter() -> None:
    adapters = {channel: adapter_for(channel) for channel in Channel.values}

    assert {channel: adapter.channel for channel, adapter in adapters.items()} == {c: c for c in Channel.values}
    assert isinstance(adapters["email"], EmailAdapter)
    assert isinstance(adapters["webhook"], WebhookAdapter)
    assert isinstance(adapters["in_site"], InSiteAdapter)
    assert isinstance(adapters["im"], ImAdapter)


def test_an_unknown_channel_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        adapter_for("pigeon")

    assert list(refused.value.fields) == ["channel"]


def test_a_registered_adapter_replaces_the_builtin_until_unregistered() -> None:
    class Fake:
        channel = "sms"

        def send(self, message: OutgoingMessage) -> SendResult:
            return SendResult(ok=True, provider_message_id="fake")

    register_adapter("sms", Fake)
    try:
        assert adapter_for("sms").send(OutgoingMessage(pk=1)).provider_message_id == "fake"
    finally:
        unregister_adapter("sms")
    assert not isinstance(adapter_for("sms"), Fake)


@pytest.mark.parametrize("channel", ["in_site", "im"])
def test_in_site_and_chat_are_delivered_at_once_into_the_portal(channel: str) -> None:
    message = OutgoingMessage(pk=42, channel=channel, kind="paid", recipient="7", text="已付款")

    result = adapter_for(channel).send(message)

    assert result == SendResult(ok=True, provider_message_id="in_site:42")
