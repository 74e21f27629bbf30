from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "sellerdesk.logistics"
    label = "logistics"
    verbose_name = _("Logistics")

    def ready(self) -> None:
        # The renderers of the order-event codes this app writes (see core.messages).
        # ... and of the exception desk's suggestions, one per kind.
        from sellerdesk.logistics import (
            events,  # noqa: F401
            exceptions,  # noqa: F401
        )

        # Its subscriptions to lower layers' hooks and the ports it provides (core.hooks).
        from sellerdesk.logistics.subscribers import connect

        connect()
