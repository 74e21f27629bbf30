from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "sellerdesk.orders"
    label = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # The renderers of orders' event codes (timeline), before any event is written or
        # read; what lower layers ask of orders (core.hooks ports).
        from sellerdesk.customers.queries import CREDIT_USED
        from sellerdesk.orders import texts, timeline  # noqa: F401
        from sellerdesk.orders.queries import credit_used
        from sellerdesk.orders.review import audit  # noqa: F401

        CREDIT_USED.provide(credit_used)
