"""What after-sales does when a lower layer says something happened (core.hooks)."""

from __future__ import annotations

from sellerdesk.aftersales import refunds
from sellerdesk.payments.hooks import REFUND_NOTIFICATIONS, REFUNDS_UNDER_WAY


def connect() -> None:
    """Subscribe this app's handlers; called once from AftersalesConfig.ready()."""
    # An order's close or removed lines refund only what no case's refund is refunding.
    REFUNDS_UNDER_WAY.provide(refunds.under_way)
    # The gateways' refund callbacks (payments.api) are recorded by the refunds.
    REFUND_NOTIFICATIONS.provide(refunds.handle_refund_notification)
