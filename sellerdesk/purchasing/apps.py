from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "sellerdesk.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self) -> None:
        # Its subscriptions to lower layers' hooks and the ports it provides (core.hooks).
        from sellerdesk.purchasing import returns, texts  # noqa: F401  (the renderers of its codes)
        from sellerdesk.purchasing.subscribers import connect

        connect()
