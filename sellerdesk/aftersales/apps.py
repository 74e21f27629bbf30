from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "sellerdesk.aftersales"
    label = "aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        # Registers the case timeline's codes (core.messages) and the hooks this app answers.
        from sellerdesk.aftersales import complaints, disputes, events, evidence, subscribers

        del complaints, disputes, events, evidence
        subscribers.connect()
