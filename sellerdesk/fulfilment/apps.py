from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    name = "sellerdesk.fulfilment"
    label = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self) -> None:
        # The renderers of the order-event codes this app writes (see core.messages).
        from sellerdesk.fulfilment import events  # noqa: F401
