from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sellerdesk.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Its subscriptions to lower layers' hooks and the ports it provides (core.hooks).
        from sellerdesk.notifications.subscribers import connect

        connect()
