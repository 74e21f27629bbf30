from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplacesConfig(AppConfig):
    name = "sellerdesk.marketplaces"
    label = "marketplaces"
    verbose_name = _("Marketplaces")

    def ready(self) -> None:
        # Registers the renderers of this app's stored texts (core.messages) and its
        # subscribers (a shipped order is pushed back to its marketplace).
        from sellerdesk.marketplaces import events, subscribers

        events.register_texts()
        subscribers.connect()
