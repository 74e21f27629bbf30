from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "sellerdesk.service"
    label = "service"
    verbose_name = _("Customer service")

    def ready(self) -> None:
        # Registers the conversation timeline's codes (core.messages) and the hooks and
        # ports this app answers (the outbox's chat channel posts into conversations).
        from sellerdesk.service import (
            admin_actions,
            events,
            handover,
            order_actions,
            quickreplies,
            routing,
            sla,
            subscribers,
        )

        del admin_actions, events, handover, order_actions, quickreplies, routing, sla
        subscribers.connect()
