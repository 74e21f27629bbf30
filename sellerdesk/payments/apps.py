from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "sellerdesk.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Its subscriptions to lower layers' hooks and the ports it provides (core.hooks).
        from sellerdesk.payments.subscribers import connect

        connect()
