from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "sellerdesk.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # The renderers of orders' event codes, before any event is written or read, and
        # what lower layers ask of orders (core.hooks ports).
        from sellerdesk.orders.subscribers import connect

        connect()
