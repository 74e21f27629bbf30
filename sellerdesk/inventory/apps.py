from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "sellerdesk.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        # The renderers of the movement notes this app writes (see core.messages).
        from sellerdesk.inventory import events, texts  # noqa: F401
