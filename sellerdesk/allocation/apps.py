from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "sellerdesk.allocation"
    label = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        # Its subscriptions to lower layers' hooks and the ports it provides (core.hooks).
        from sellerdesk.allocation.subscribers import connect

        connect()
        # The renderers of the order-event codes this app writes (see core.messages).
        from sellerdesk.allocation import events  # noqa: F401
