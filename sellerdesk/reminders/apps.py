from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "sellerdesk.reminders"
    label = "reminders"
    verbose_name = _("Payment reminders")

    def ready(self) -> None:
        # The renderer of the order note a reminder writes ("12.04 阿华 已催付").
        from sellerdesk.reminders import events  # noqa: F401

        # Its subscription to orders' payment and the order list's badges (core.hooks).
        from sellerdesk.reminders.subscribers import connect

        connect()
